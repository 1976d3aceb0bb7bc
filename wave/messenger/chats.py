"""Chat actions: each commits, then tells the people in the chat (after the commit, so a
message is stored before anyone hears of it)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from wave.auth.models import Team, User, team_members
from wave.extensions import commit_keeping_loaded, db
from wave.files.models import Attachment
from wave.messenger import services
from wave.messenger.access import counted, posted, rooms_for
from wave.messenger.models import (
    REACTION_ORDER,
    Message,
    Reaction,
    Thread,
    ThreadMember,
    group_reactions,
)
from wave.realtime import publish_after_commit, user_room


class ChatError(ValueError):
    """A chat action refused; the message is for the person who tried."""


def direct_chat(user: User, other: User) -> Thread:
    """The one chat of two people, made the first time. Commits."""
    if other.id == user.id:
        raise ChatError(_l("Pick someone else to write to."))
    thread = services.find_direct(user, other)
    if thread is None:
        thread = services.open_thread(
            "direct", created_by_id=user.id, direct_key=services.direct_key(user, other)
        )
        db.session.flush()
        services.add_members(thread, [user, other])
        db.session.commit()
    return thread


def create_group(creator: User, title: str, people: list[User]) -> Thread:
    """A group chat of the creator and `people`. Commits; tells the new members."""
    title = (title or "").strip()
    if not title:
        raise ChatError(_l("Give the group a name."))
    thread = services.open_thread("group", title[:160], created_by_id=creator.id)
    db.session.flush()
    added = services.add_members(thread, [creator, *people])
    _tell_added(thread, added)
    db.session.commit()
    return thread


def add_people(thread: Thread, actor: User, people: list[User]) -> int:
    """Adds people to a group chat; they see its whole history. Commits; returns how many."""
    if thread.kind != "group":
        raise ChatError(_l("People join team chats with their team, and direct chats are for two."))
    added = services.add_members(thread, people)
    _tell_added(thread, added)
    db.session.commit()
    return len(added)


def team_chat(team: Team) -> Thread:
    """The team's chat, made the first time. Commits."""
    thread = db.session.scalar(select(Thread).where(Thread.team_id == team.id))
    if thread is None:
        thread = services.open_thread("team", team.name, team_id=team.id)
        db.session.commit()
    return thread


def ensure_team_chats(user: User) -> None:
    """Each of the user's teams has its chat, and the user a membership row in it (so unread
    counts include it before it was ever opened). Commits only when something was missing."""
    teams = [team for team in user.teams if team.archived_at is None]
    if not teams:
        return
    threads = {
        t.team_id: t
        for t in db.session.scalars(
            select(Thread).where(Thread.team_id.in_([team.id for team in teams]))
        )
    }
    changed = False
    for team in teams:
        if team.id not in threads:
            threads[team.id] = services.open_thread("team", team.name, team_id=team.id)
            changed = True
    if changed:
        db.session.flush()
    joined = set(
        db.session.scalars(
            select(ThreadMember.thread_id).where(
                ThreadMember.user_id == user.id,
                ThreadMember.thread_id.in_([t.id for t in threads.values()]),
            )
        )
    )
    missing = [t for t in threads.values() if t.id not in joined]
    for thread in missing:
        db.session.add(ThreadMember(thread_id=thread.id, user_id=user.id))
    if changed or missing:
        try:
            db.session.commit()
        except IntegrityError:  # the same person's other device made them at the same moment
            db.session.rollback()


def join_if_allowed(thread: Thread, user: User) -> ThreadMember | None:
    """A membership row for someone who may read a team or request thread (it keeps their
    read mark; its unread count toward their total as the thread's policy says now). Commits
    when it makes one."""
    row = services.member(thread, user)
    if row is None and thread.kind in ("team", "request"):
        (row,) = services.add_members(thread, [user])
        row.counted = counted(thread)
        db.session.commit()
    return row


def send(
    thread: Thread,
    author: User,
    body: str,
    client_id: str | None = None,
    *,
    reply_to: Message | None = None,
    photos: list[Attachment] = (),
    unsent: bool = False,
) -> tuple[Message, bool]:
    """Posts a message. A resend with the same client id returns the first (created False).
    Commits; publishes chat-message-posted to the chat and chat-mentioned to the @named.

    `unsent`: the caller has found no message of this client id (services.post).

    Two posts of one client id at the same moment (a retry racing the first attempt, in
    another process) meet at the unique (author, client id) index: the loser rolls back and
    answers with the winner's message."""
    thread_id, author_id, previous_id = thread.id, author.id, thread.last_message_id
    try:
        message, created = services.post(
            thread, author, body, client_id, reply_to=reply_to, photos=photos, unsent=unsent
        )
        if created:
            names = services.mentioned_names(message.body)
            # Only a message that names someone reads the chat's people (a big chat has many).
            candidates = _readers(thread, names) if names else []
            for person in services.mentioned(thread, message, candidates):
                publish_after_commit(
                    "chat-mentioned",
                    {"thread_id": thread.id, "message_id": message.id},
                    to={user_room(person.id)},
                )
            event = _posted_event(message, previous_id)
            publish_after_commit("chat-message-posted", event, to=rooms_for(thread))
            posted(thread, message)
            commit_keeping_loaded()  # the sender's answer shows the message as written
    except services.MessageError:
        raise ChatError(_l("Write a message or add a photo (at most 4000 characters).")) from None
    except IntegrityError:
        db.session.rollback()
        message = services.find_sent(db.session.get(User, author_id), client_id)
        if message is None:
            raise
        if message.thread_id != thread_id:
            raise ChatError(_l("This message was already sent to another chat.")) from None
        return message, False
    return message, created


def edit(message: Message, editor: User, body: str) -> Message:
    """Changes one's own message; the earlier text stays readable. Commits; publishes."""
    try:
        services.edit(message, editor, body)
    except PermissionError:
        raise ChatError(_l("You can only edit your own messages.")) from None
    except services.MessageError:
        raise ChatError(_l("Write a message or add a photo (at most 4000 characters).")) from None
    _changed(message)
    return message


def react(message: Message, user: User, emoji: str) -> bool:
    """Toggles a reaction. Commits; publishes."""
    try:
        present = services.react(message, user, emoji)
    except services.MessageError:
        raise ChatError(_l("Pick one of the reactions offered.")) from None
    _changed(message, reactions=_reactions(message))
    return present


def read(thread: Thread, user: User, message_id: int) -> None:
    """Marks the chat read up to a message. Commits; tells the chat (read receipts) and the
    reader's other devices (unread counts)."""
    join_if_allowed(thread, user)
    if services.mark_read(thread, user, message_id):
        upto = min(message_id, thread.last_message_id or 0)
        publish_after_commit(
            "chat-read",
            {"thread_id": thread.id, "user_id": user.id, "message_id": upto},
            to=rooms_for(thread) | {user_room(user.id)},
        )
        db.session.commit()


def mute(thread: Thread, user: User, muted: bool) -> None:
    """Mutes or unmutes the chat for the user. Commits; tells the user's other devices
    (chat-muted), whose unread badge leaves muted chats out."""
    row = join_if_allowed(thread, user)
    if row is None:
        raise ChatError(_l("You are not in this chat."))
    row.muted = muted
    publish_after_commit(
        "chat-muted", {"thread_id": thread.id, "muted": muted}, to={user_room(user.id)}
    )
    db.session.commit()


def _readers(thread: Thread, usernames: set[str]) -> list[User]:
    """The active people of the chat with one of these (lower-case) usernames."""
    query = select(User).where(func.lower(User.username).in_(usernames), User.archived_at.is_(None))
    if thread.kind == "team":
        query = query.join(team_members, team_members.c.user_id == User.id).where(
            team_members.c.team_id == thread.team_id
        )
    else:
        query = query.join(ThreadMember, ThreadMember.user_id == User.id).where(
            ThreadMember.thread_id == thread.id
        )
    return list(db.session.scalars(query))


def _changed(message: Message, **told) -> None:
    thread = db.session.get(Thread, message.thread_id)
    event = {**_event(message), **told}
    publish_after_commit("chat-message-changed", event, to=rooms_for(thread))
    db.session.commit()


def _reactions(message: Message) -> list[dict]:
    """The message's reactions as they are now, for chat-message-changed: chat.js draws them
    in place (emoji, who, and whether they include the reader), so that a reaction does not
    make every open copy of the chat fetch the message."""
    db.session.flush()
    rows = db.session.scalars(
        select(Reaction)
        .where(Reaction.message_id == message.id)
        .options(joinedload(Reaction.user))
        .order_by(*REACTION_ORDER)
    )
    return [
        {
            "emoji": emoji,
            "names": [reaction.user.display_name for reaction in group],
            "users": [reaction.user_id for reaction in group],
        }
        for emoji, group in group_reactions(list(rows))
    ]


def _tell_added(thread: Thread, added: list[ThreadMember]) -> None:
    rooms = {user_room(row.user_id) for row in added}
    publish_after_commit("chat-added", {"thread_id": thread.id}, to=rooms)


def _event(message: Message) -> dict:
    return {"thread_id": message.thread_id, "message_id": message.id}


def _posted_event(message: Message, previous_id: int | None) -> dict:
    """chat-message-posted: which message, whose, and the chat's message before it (a copy of
    the chat that lacks that one missed something and catches up). A plain text message
    comes with what chat.js needs to draw it (the page's sketch: routes.sketch), so the
    chat's open copies need not fetch it."""
    event = {**_event(message), "author_id": message.author_id, "previous_id": previous_id}
    if message.kind == "text" and message.body and not message.attachments and not message.reply_to:
        event["text"] = {
            "author": message.author.display_name,
            "body": message.body,
            "at": message.created_at.isoformat(),
        }
    return event
