"""What the chat pages show: the chat list and a chat's title, in a fixed number of queries."""

from dataclasses import dataclass

from flask_babel import gettext as _

from wave.auth.models import Team, User
from wave.extensions import db
from wave.messenger import access, chats, services
from wave.messenger.models import Message, Thread, ThreadMember


@dataclass
class ChatRow:
    thread: Thread
    title: str
    last: Message | None
    unread: int
    muted: bool


@dataclass
class Member:
    """Someone in a chat, and how far they have read it."""

    user: User
    user_id: int
    last_read_id: int
    muted: bool


def roster(thread: Thread, rows: list[ThreadMember] | None = None) -> list[Member]:
    """Who is in the chat, by name, with their read marks. A team chat is its team's active
    members (one who never opened it has read nothing); other chats are their membership
    rows (`rows`: services.members_of, if already loaded)."""
    rows = services.members_of(thread) if rows is None else rows
    if thread.kind != "team":
        return [Member(r.user, r.user_id, r.last_read_id, r.muted) for r in rows]
    marks = {r.user_id: r for r in rows}
    team = db.session.get(Team, thread.team_id)
    return [
        Member(u, u.id, marks[u.id].last_read_id, marks[u.id].muted)
        if u.id in marks
        else Member(u, u.id, 0, False)
        for u in team.members
        if u.is_active
    ]


def chat_rows(user: User) -> list[ChatRow]:
    """The user's chats, newest message first, each with title, last message and unread
    count. Makes the user's team chats first (see chats.ensure_team_chats)."""
    chats.ensure_team_chats(user)
    mine = services.memberships(user)
    threads = access.readable(services.threads_of(user), user, set(mine))
    counts = services.unread_counts(user)
    last = services.last_messages(threads)
    titles = _titles(threads, user)
    return [
        ChatRow(
            thread=t,
            title=titles[t.id],
            last=last.get(t.id),
            unread=counts.get(t.id, 0),
            muted=t.id in mine and mine[t.id].muted,
        )
        for t in threads
    ]


def title_of(thread: Thread, user: User) -> str:
    return _titles([thread], user)[thread.id]


def _titles(threads: list[Thread], user: User) -> dict[int, str]:
    partners = services.direct_partners(threads, user)
    given = access.policy_titles(threads)
    titles = {}
    for t in threads:
        if t.kind == "direct":
            partner = partners.get(t.id)
            titles[t.id] = partner.display_name if partner else _("Direct chat")
        elif t.id in given:
            titles[t.id] = given[t.id]
        elif t.kind == "request":
            titles[t.id] = t.title or _("Request discussion")
        else:
            titles[t.id] = t.title or _("Chat")
    return titles
