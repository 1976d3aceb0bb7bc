"""Unread messages: the count on each row of a chat list, and the total on the Chats badge.

The total counts unread messages by others in the user's chats that are not muted: direct
and group chats, their teams' chats (not those of teams they left; a team chat they never
opened counts whole), and threads of other kinds while their policy says they count — a
request's discussion while the request is active, not after it is closed or cancelled (its
row in the list still shows its count). It stops at BADGE_CAP: the badge shows "99+".

Its cost follows the rows that may count (ThreadMember.counted, an index of its own) and at
most BADGE_CAP messages in each — not the thousands of finished discussions a dispatcher has
read, nor a team chat's whole history.
"""

import functools

from sqlalchemy import bindparam, func, literal, select

from wave.auth.models import User
from wave.extensions import db
from wave.messenger import access
from wave.messenger.models import Message, Thread, ThreadMember

BADGE_CAP = 100
"""The total stops counting here; the badge shows "99+" above 99."""


def badge_text(total: int) -> str:
    """What the badge shows: the number, or "99+" above 99."""
    return "99+" if total >= BADGE_CAP else str(total)


def counts(user: User, thread_ids) -> dict[int, int]:
    """Unread messages by others in each of these threads (a page of the chat list) that
    the user has a membership row in, each counted up to BADGE_CAP, in one query."""
    thread_ids = list(thread_ids)
    if not thread_ids:
        return {}
    rows = db.session.execute(_statement("counts"), {**_params(user), "threads": thread_ids})
    return {thread_id: n for thread_id, n in rows if n}


def total(user: User) -> int:
    """The total on the badge (see the module), at most BADGE_CAP. One query."""
    found = db.session.scalar(_statement("total"), _params(user))
    return min(int(found), BADGE_CAP)  # PostgreSQL sums counts as numeric


def counted_counts(user: User) -> dict[int, int]:
    """Unread messages by others in each chat whose messages may count toward the total,
    muted ones too (the "chats" of /chats/unread), each up to BADGE_CAP, in one query. Team
    chats never opened are left out (their rows in the list show them)."""
    rows = db.session.execute(_statement("counted"), _params(user))
    return {thread_id: n for thread_id, n in rows if n}


def _params(user: User) -> dict:
    return {"user_id": user.id, "teams": user.team_ids}


# The statements are built once (per set of policies) with the user as parameters: building
# the badge's nested statement took longer than PostgreSQL took to answer it.
_USER = bindparam("user_id")
_TEAMS = bindparam("teams", expanding=True)


def _statement(name: str):
    return _built(name, tuple(access.policies.items()))


@functools.cache
def _built(name: str, _policies):
    if name == "counts":
        return select(
            ThreadMember.thread_id,
            _capped(ThreadMember.thread_id, ThreadMember.last_read_id, ThreadMember),
        ).where(
            ThreadMember.user_id == _USER,
            ThreadMember.thread_id.in_(bindparam("threads", expanding=True)),
        )
    if name == "counted":
        counted = _counted_rows(muted=None).subquery()
        return select(
            counted.c.thread_id, _capped(counted.c.thread_id, counted.c.last_read_id, counted)
        )
    counted = _counted_rows().subquery()
    in_counted = (
        select(func.sum(_capped(counted.c.thread_id, counted.c.last_read_id, counted)))
        .select_from(counted)
        .scalar_subquery()
    )
    never = _never_opened().subquery()
    in_never = select(func.sum(_capped(never.c.id, 0, never))).select_from(never)
    return select(func.coalesce(in_counted, 0) + func.coalesce(in_never.scalar_subquery(), 0))


def _capped(thread_id, after, outer):
    """Messages by others in a thread after a read mark, counted up to BADGE_CAP: an SQL
    expression of the outer row (`outer`: its table). Always one range of the (thread, id)
    index: joined instead, PostgreSQL may read a team chat's 100,000 messages to keep the few
    after the mark."""
    unread = (
        select(literal(1))
        .select_from(Message)
        .where(Message.thread_id == thread_id, Message.id > after, Message.author_id != _USER)
        .limit(BADGE_CAP)
        .correlate(outer)
        .subquery()
    )
    return select(func.count()).select_from(unread).correlate(outer).scalar_subquery()


def _counted_rows(muted: bool | None = False):
    """The user's membership rows whose unread messages count: marked counted (the index),
    a team chat only of their teams, and as the policies of other kinds say (a lookup per
    row); not muted unless muted=None."""
    query = (
        select(ThreadMember.thread_id, ThreadMember.last_read_id)
        .join(Thread, Thread.id == ThreadMember.thread_id)
        .where(ThreadMember.user_id == _USER, ThreadMember.counted)
        .where((Thread.kind != "team") | Thread.team_id.in_(_TEAMS))
        .where(access.counted_where(ThreadMember.thread_id))
    )
    if muted is not None:
        query = query.where(ThreadMember.muted.is_(muted))
    return query


def _never_opened():
    """The chats of the user's teams that they never opened (no membership row yet: all
    their messages are unread)."""
    return (
        select(Thread.id)
        .where(Thread.team_id.in_(_TEAMS))
        .where(
            ~select(ThreadMember.thread_id)
            .where(ThreadMember.thread_id == Thread.id, ThreadMember.user_id == _USER)
            .exists()
        )
    )
