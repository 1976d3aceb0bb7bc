"""What the chat pages show: the chat list and a chat's title, in a fixed number of queries."""

from dataclasses import dataclass

from flask_babel import gettext as _

from wave.auth.models import User
from wave.messenger import access, chats, services
from wave.messenger.models import Message, Thread


@dataclass
class ChatRow:
    thread: Thread
    title: str
    last: Message | None
    unread: int
    muted: bool


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
