"""Messenger actions on threads and messages. Functions here do not commit: the caller's action
(wave.messenger.chats for chats, a request service for a request's discussion) owns the
transaction and publishes after it.

Messages are edited, never deleted; a resend with the same client id finds the message
instead of making a second one.
"""

import re

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload

from wave.auth.models import User
from wave.extensions import db
from wave.files.models import Attachment
from wave.messenger.models import (
    Mention,
    Message,
    MessageAttachment,
    MessageVersion,
    Reaction,
    Thread,
    ThreadMember,
)
from wave.timeutil import now

MAX_BODY = 4000
MAX_PHOTOS = 10
REACTIONS = ("👍", "✅", "👀", "🙏", "❤️", "😂")
"""The reactions offered: a fixed, short set, quick to tap with gloves on."""

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{2,64})")


class MessageError(ValueError):
    pass


# ---------------------------------------------------------------- threads
def open_thread(kind: str, title: str | None = None, **fields) -> Thread:
    thread = Thread(kind=kind, title=title, **fields)
    db.session.add(thread)
    return thread


def direct_key(a: User, b: User) -> str:
    low, high = sorted((a.id, b.id))
    return f"{low}:{high}"


def find_direct(a: User, b: User) -> Thread | None:
    return db.session.scalar(select(Thread).where(Thread.direct_key == direct_key(a, b)))


def add_members(thread: Thread, users) -> list[ThreadMember]:
    """Adds the users not yet in the thread; returns the new memberships."""
    present = set(
        db.session.scalars(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread.id))
    )
    # By id, not through thread.members: that would load the collection mid-way (autoflush)
    # while earlier new rows are not in the session yet.
    added = [
        ThreadMember(thread_id=thread.id, user_id=user.id)
        for user in users
        if user.id not in present and not present.add(user.id)
    ]
    db.session.add_all(added)
    return added


def member(thread: Thread, user: User) -> ThreadMember | None:
    return db.session.get(ThreadMember, (thread.id, user.id))


def members_of(thread: Thread) -> list[ThreadMember]:
    """The thread's membership rows with their people, by name."""
    return list(
        db.session.scalars(
            select(ThreadMember)
            .join(User, User.id == ThreadMember.user_id)
            .options(joinedload(ThreadMember.user))
            .where(ThreadMember.thread_id == thread.id)
            .order_by(User.display_name)
        )
    )


def direct_partners(threads: list[Thread], user: User) -> dict[int, User]:
    """The other person of each direct chat among `threads`, in one query."""
    ids = [t.id for t in threads if t.kind == "direct"]
    if not ids:
        return {}
    rows = db.session.execute(
        select(ThreadMember.thread_id, User)
        .join(User, User.id == ThreadMember.user_id)
        .where(ThreadMember.thread_id.in_(ids), ThreadMember.user_id != user.id)
    )
    return {thread_id: person for thread_id, person in rows}


def set_counted(thread_id: int, counted: bool) -> None:
    """Whether the thread's unread messages count toward its members' totals, for every
    member (not committed): the package owning the thread's kind says when that changes."""
    db.session.execute(
        update(ThreadMember)
        .where(ThreadMember.thread_id == thread_id, ThreadMember.counted != counted)
        .values(counted=counted)
        .execution_options(synchronize_session=False)
    )


def member_ids(thread: Thread) -> list[int]:
    return list(
        db.session.scalars(select(ThreadMember.user_id).where(ThreadMember.thread_id == thread.id))
    )


# ---------------------------------------------------------------- messages
_DETAILS = (
    joinedload(Message.author),
    selectinload(Message.attachments).joinedload(MessageAttachment.attachment),
    selectinload(Message.reactions).joinedload(Reaction.user),
    selectinload(Message.versions),
    joinedload(Message.reply_to).joinedload(Message.author),
)
"""Everything a message's bubble shows, loaded with the message (no query per message)."""


def find_sent(author: User, client_id: str | None) -> Message | None:
    """The message `author` already sent with this client id, if any (a resend)."""
    if not client_id:
        return None
    return db.session.scalar(
        select(Message).where(Message.author_id == author.id, Message.client_id == client_id)
    )


def post(
    thread: Thread,
    author: User,
    body: str,
    client_id: str | None = None,
    *,
    reply_to: Message | None = None,
    photos: list[Attachment] = (),
    kind: str = "text",
    request_id: int | None = None,
    unsent: bool = False,
) -> tuple[Message, bool]:
    """Adds a message; returns (message, created). A known client_id returns the stored one
    (`unsent`: the caller has just looked it up and found none; a resend racing this one
    meets the unique index on (author, client id) instead).

    A message with photos may have no text. The author has read their own message.
    """
    existing = None if unsent else find_sent(author, client_id)
    if existing:
        return existing, False
    body = _clean(body, allow_empty=bool(photos) or kind != "text")
    if len(photos) > MAX_PHOTOS:
        raise MessageError("too many photos")
    if reply_to is not None and reply_to.thread_id != thread.id:
        raise MessageError("reply to another chat")
    message = Message(
        thread_id=thread.id,
        author=author,
        body=body,
        client_id=client_id,
        kind=kind,
        reply_to=reply_to,
        request_id=request_id,
        # Built complete, so that the sender's answer reads none of them back.
        attachments=[
            MessageAttachment(attachment=photo, position=index)
            for index, photo in enumerate(photos)
        ],
        versions=[],
        reactions=[],
    )
    db.session.add(message)
    db.session.flush()
    thread.last_message_id = message.id
    db.session.execute(
        update(ThreadMember)
        .where(ThreadMember.thread_id == thread.id, ThreadMember.user_id == author.id)
        .values(last_read_id=message.id)
    )
    return message, True


def mentioned_names(body: str) -> set[str]:
    """The usernames a text names with @username, lower-cased."""
    return {name.lower() for name in _MENTION.findall(body or "")}


def mentioned(thread: Thread, message: Message, candidates: list[User]) -> list[User]:
    """Records who the message names with @username among `candidates`; returns them."""
    names = mentioned_names(message.body)
    found = [u for u in candidates if u.username.lower() in names and u.id != message.author_id]
    db.session.add_all(Mention(message_id=message.id, user_id=u.id) for u in found)
    return found


def edit(message: Message, editor, body: str) -> Message:
    """Replace a message's text, keeping the previous text as a version. Only its author edits."""
    if editor.id != message.author_id or message.kind != "text":
        raise PermissionError("only the author edits a message")
    body = _clean(body, allow_empty=bool(message.attachments))
    if body == message.body:
        return message
    written_at = message.edited_at or message.created_at
    db.session.add(MessageVersion(message=message, body=message.body, written_at=written_at))
    message.body = body
    message.edited_at = now()
    return message


def react(message: Message, user: User, emoji: str) -> bool:
    """Toggles a reaction; returns whether it is now there."""
    if emoji not in REACTIONS:
        raise MessageError("unknown reaction")
    existing = db.session.get(Reaction, (message.id, user.id, emoji))
    if existing:
        db.session.delete(existing)
        return False
    db.session.add(Reaction(message_id=message.id, user_id=user.id, emoji=emoji))
    return True


def mark_read(thread: Thread, user: User, message_id: int) -> bool:
    """Moves the user's read mark forward (never back) to `message_id` of this thread."""
    newest = thread.last_message_id or 0
    target = min(message_id, newest)
    result = db.session.execute(
        update(ThreadMember)
        .where(
            ThreadMember.thread_id == thread.id,
            ThreadMember.user_id == user.id,
            ThreadMember.last_read_id < target,
        )
        .values(last_read_id=target)
    )
    return result.rowcount > 0


def messages_of(thread_id: int, *, after: int = 0, before: int | None = None, limit=None):
    """A thread's messages, oldest first: those after `after`, or the last `limit` before
    `before` (keyset pages for scrolling back)."""
    query = (
        select(Message).options(*_DETAILS).where(Message.thread_id == thread_id, Message.id > after)
    )
    if before is not None:
        query = query.where(Message.id < before)
    if limit is not None:
        newest = db.session.scalars(query.order_by(Message.id.desc()).limit(limit)).all()
        return newest[::-1]
    return list(db.session.scalars(query.order_by(Message.id)))


def messages_after(thread_id: int, after: int, limit: int) -> list[Message]:
    """The first `limit` messages after `after`, oldest first (catching up in pages)."""
    return list(
        db.session.scalars(
            select(Message)
            .options(*_DETAILS)
            .where(Message.thread_id == thread_id, Message.id > after)
            .order_by(Message.id)
            .limit(limit)
        )
    )


def last_messages(threads: list[Thread]) -> dict[int, Message]:
    """The newest message of each thread, with its author, in one query."""
    ids = [t.last_message_id for t in threads if t.last_message_id]
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Message).options(joinedload(Message.author)).where(Message.id.in_(ids))
    )
    return {m.thread_id: m for m in rows}


def readers(message: Message) -> list[User]:
    """The members (other than its author) whose read mark has passed this message."""
    return list(
        db.session.scalars(
            select(User)
            .join(ThreadMember, ThreadMember.user_id == User.id)
            .where(
                ThreadMember.thread_id == message.thread_id,
                ThreadMember.last_read_id >= message.id,
                User.id != message.author_id,
            )
            .order_by(User.display_name)
        )
    )


def _clean(body: str, *, allow_empty: bool = False) -> str:
    body = (body or "").strip()
    if not body and not allow_empty:
        raise MessageError("empty")
    if len(body) > MAX_BODY:
        raise MessageError("too long")
    return body
