"""What the chat pages show: the chat list a page at a time, and a chat's title, in a fixed
number of queries.

The list holds the user's chats — direct, group, and their teams' chats (even before first
opened: chats.ensure_team_chats makes their rows) — and the request discussions they take
part in (a membership row: made when they first read one), newest message first. Chats
without messages come last, newest chat first. It is read in keyset pages of PAGE: unread
counts, last messages and titles are worked out for the page's chats only.

A dispatcher is in tens of thousands of discussions, scattered over years: sorting all of
them for each page would read them all. For someone in more than WALK_ABOVE threads, a page
walks the threads newest first instead (the last_message_id index) and keeps theirs, which
are common there; at most WALK threads, after which it sorts their memberships after all (a
dense member whose threads are all old). Someone in fewer sorts their memberships.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from wave.auth.models import Team, User
from wave.extensions import db
from wave.messenger import access, chats, services, unread
from wave.messenger.models import Message, Thread, ThreadMember

PAGE = 30
"""Chats in a page of the list."""
MOST = 300
"""Chats in a refresh of the list down to a row already shown (`through`): ten pages."""
WALK_ABOVE = 5000
"""Memberships above which a page walks the threads rather than sorting the memberships."""
WALK = 10000
"""Threads a page walks at most before it sorts the memberships after all."""


@dataclass(frozen=True, order=True)
class Key:
    """Where a row stands in the list: its newest message's id (0: none yet), then its id.
    Written "<newest>-<thread id>" in URLs."""

    newest: int
    thread_id: int

    def __str__(self) -> str:
        return f"{self.newest}-{self.thread_id}"

    @classmethod
    def of(cls, thread: Thread) -> "Key":
        return cls(thread.last_message_id or 0, thread.id)

    @classmethod
    def parse(cls, text: str | None) -> "Key | None":
        """The key written in a URL; None for nothing or nonsense."""
        newest, _, thread_id = (text or "").partition("-")
        if not (newest.isdigit() and thread_id.isdigit()):
            return None
        return cls(int(newest), int(thread_id))


@dataclass
class ChatRow:
    thread: Thread
    title: str
    last: Message | None
    unread: int
    muted: bool

    @property
    def key(self) -> Key:
        return Key.of(self.thread)


@dataclass
class ChatPage:
    rows: list[ChatRow]
    next: Key | None
    """The key to continue after (the "Show more" button), None at the end of the list."""


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


def chat_page(user: User, after: Key | None = None, through: Key | None = None) -> ChatPage:
    """A page of the user's chat list: the PAGE chats after `after` (from the top without
    it), or — refreshing a list already shown — every chat from the top down to `through`
    (at most MOST). Each row with title, last message, unread count and mute. Makes the
    user's team chats first (see chats.ensure_team_chats; commits only then)."""
    chats.ensure_team_chats(user)
    threads, following = _page_threads(user, after, through)
    ids = [t.id for t in threads]
    muted = _muted(user, ids)
    counts = unread.counts(user, ids)
    last = services.last_messages(threads)
    titles = _titles(threads, user)
    rows = [
        ChatRow(
            thread=t,
            title=titles[t.id],
            last=last.get(t.id),
            unread=counts.get(t.id, 0),
            muted=t.id in muted,
        )
        for t in threads
    ]
    return ChatPage(rows, following)


def _page_threads(user, after, through) -> tuple[list[Thread], Key | None]:
    """The threads of a page that the user may read, and the key to continue after. A
    thread they have a row in but may no longer read (a request moved to another team) is
    skipped, and the page filled from further down, three times at most (then it is short,
    without a gap)."""
    wanted = MOST if through is not None else PAGE
    walk = _member_count(user) > WALK_ABOVE
    shown: list[Thread] = []
    more = False
    for _round in range(3):
        room = wanted - len(shown)
        batch = _candidates(user, after, through, room + 1, walk)
        more = len(batch) > room
        batch = batch[:room]
        shown += access.readable(batch, user, {t.id for t in batch})
        if batch:
            after = Key.of(batch[-1])
        if not more or len(shown) == wanted:
            break
    if not more and through is not None and after is not None:
        more = bool(_candidates(user, after, None, 1, walk))  # below the refreshed rows
    return shown, after if more else None


def _muted(user, thread_ids) -> set[int]:
    if not thread_ids:
        return set()
    return set(
        db.session.scalars(
            select(ThreadMember.thread_id).where(
                ThreadMember.user_id == user.id,
                ThreadMember.thread_id.in_(thread_ids),
                ThreadMember.muted.is_(True),
            )
        )
    )


def _member_count(user) -> int:
    """How many threads the user has a row in, counted up to WALK_ABOVE + 1."""
    rows = select(ThreadMember.thread_id).where(ThreadMember.user_id == user.id)
    return db.session.scalar(
        select(func.count()).select_from(rows.limit(WALK_ABOVE + 1).subquery())
    )


def _candidates(user, after: Key | None, through: Key | None, n: int, walk: bool):
    """The first n of the user's threads after `after` (down to `through`), in list order:
    those with messages by their newest message, then those without, newest first."""
    found = []
    if after is None or after.newest:
        newest = [Thread.last_message_id.is_not(None)]
        if after is not None:
            newest.append(Thread.last_message_id < after.newest)
        if through is not None and through.newest:
            newest.append(Thread.last_message_id >= through.newest)
        order = Thread.last_message_id.desc()
        found = _walked(user, newest, n) if walk else None
        if found is None:
            found = _sorted(user, newest, order, n)
    if len(found) < n and (through is None or not through.newest):
        empty = [Thread.last_message_id.is_(None)]
        if after is not None and not after.newest:
            empty.append(Thread.id < after.thread_id)
        if through is not None:
            empty.append(Thread.id >= through.thread_id)
        found += _sorted(user, empty, Thread.id.desc(), n - len(found), walk)
    return found


def _listed(user, thread):
    """The user's chats among threads: a team chat only while they are in the team."""
    teams = user.team_ids
    return (thread.kind != "team") | thread.team_id.in_(teams) if teams else thread.kind != "team"


def _sorted(user, conditions, order, n, probe=False):
    """The user's threads meeting the conditions, sorted from their membership rows (or,
    `probe`, found among all such threads and checked one by one: few threads have no
    messages, and a dispatcher's rows are many)."""
    query = select(Thread).where(*conditions, _listed(user, Thread))
    mine = (ThreadMember.thread_id == Thread.id) & (ThreadMember.user_id == user.id)
    if probe:
        query = query.where(exists().where(mine))
    else:
        query = query.join(ThreadMember, mine)
    return list(db.session.scalars(query.order_by(order).limit(n)))


def _walked(user, conditions, n):
    """The first n of the user's threads meeting the conditions among the WALK newest
    threads meeting them (a membership lookup each); None when there were fewer than n
    there and more threads beyond."""
    newest = (
        select(Thread).where(*conditions).order_by(Thread.last_message_id.desc()).limit(WALK)
    ).subquery()
    walked = aliased(Thread, newest)
    mine = (ThreadMember.thread_id == walked.id) & (ThreadMember.user_id == user.id)
    found = list(
        db.session.scalars(
            select(walked)
            .where(exists().where(mine), _listed(user, walked))
            .order_by(walked.last_message_id.desc())
            .limit(n)
        )
    )
    if len(found) < n:
        cut = select(Thread.id).where(*conditions).order_by(Thread.last_message_id.desc())
        if db.session.scalar(cut.offset(WALK - 1).limit(1)) is not None:
            return None  # the walk stopped short of the end: maybe more further down
    return found


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
