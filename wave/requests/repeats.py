"""Repeat failures: each request keeps a link to the one it repeats (repeat_of_id), the
latest earlier request at the same place — the same asset if it has one, else the same
location (without an asset) — and of the same category, created at most REPEAT_WITHIN before
it. "Earlier" is by created_at, then id. Any earlier request counts, whatever its status,
team, assignee or source.

The links are kept as a computation from scratch would give them: `link()` when a request is
created (a new request is the latest of its group: nothing else changes), `relink()` when a
request moves to another place or category (its own link, and those of the requests that
came after it in the group it left and in the one it joined). Each is an index probe:
ix_service_requests_repeat_asset / _location. Requests for one thing at one place are created
one after another (`take_turn()`), so that of two made at the same moment the later sees the
earlier and links to it.

`backfill_sql()` computes every link at once over a history whose links are all NULL (the
migration that added the column keeps its own copy of it; the benchmark's generator runs it
after its bulk load).

The hot spots report counts these links (wave/reports/hotspots.py).
"""

import zlib
from datetime import timedelta

from sqlalchemy import func, select, tuple_

from wave.extensions import db
from wave.requests.models import ServiceRequest

REPEAT_WITHIN = timedelta(days=30)

SR = ServiceRequest
Group = tuple[int | None, int | None, int]
"""(asset_id, location_id, category_id): the place and category a request belongs to."""


def group_of(req) -> Group:
    return req.asset_id, req.location_id, req.category_id


_TURNS = 0x57415645
"""The first half of the advisory lock keys taken here ("WAVE"): no other lock uses it."""


def take_turn(req) -> None:
    """Wait until no other transaction is creating a request in `req`'s group (until it
    commits), then go: on PostgreSQL a transaction-long advisory lock per group. Call it before
    `req` gets its creation time. SQLite writes one transaction at a time, and Wave's one
    process serves one submission at a time through it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    key = zlib.crc32(repr(group_of(req)).encode()) - 2**31  # a signed 32-bit number
    db.session.execute(select(func.pg_advisory_xact_lock(_TURNS, key)))


def link(req) -> None:
    """Set `req.repeat_of_id` to the request it repeats (not committed)."""
    req.repeat_of_id = repeated(req)


def repeated(req) -> int | None:
    """The id of the request `req` repeats, or None: one index probe. A request not yet in
    the session stays out of it (nothing is flushed on its account) and counts as newer than
    any stored one, as a new request is."""
    return _neighbour(req, group_of(req), before=True)


def relink(req, *, was: Group) -> None:
    """After `req` changed place or category (it was in group `was`): its link and those of
    the requests after it in its old and its new group. Flushes; not committed."""
    if was == group_of(req):
        return
    db.session.flush()  # the lookups below see req in its new group only
    followers = [_neighbour(req, group, before=False) for group in (was, group_of(req))]
    link(req)
    for follower in followers:
        if follower is not None:
            link(db.session.get(SR, follower))


def _neighbour(req, group: Group, *, before: bool) -> int | None:
    """The id of the request just before `req` (or just after it) in `group`, at most
    REPEAT_WITHIN away: one probe of a repeat index, whose conditions these spell."""
    asset_id, location_id, category_id = group
    if asset_id is not None:
        where = [SR.asset_id == asset_id]
    elif location_id is not None:
        where = [SR.location_id == location_id, SR.asset_id.is_(None)]
    else:
        return None
    where.append(SR.category_id == category_id)
    key, at = tuple_(SR.created_at, SR.id), req.created_at
    if before:
        # Without an id yet, req is newer than any stored request created at the same moment.
        where.append(key < tuple_(at, req.id) if req.id else SR.created_at <= at)
        where.append(SR.created_at >= at - REPEAT_WITHIN)
        order = [SR.created_at.desc(), SR.id.desc()]
    else:
        where += [key > tuple_(at, req.id), SR.created_at <= at + REPEAT_WITHIN]
        order = [SR.created_at, SR.id]
    return db.session.scalar(select(SR.id).where(*where).order_by(*order).limit(1))


def backfill_sql(dialect: str) -> str:
    """One UPDATE that sets every request's link from its predecessor in its group (lag over
    place and category): for a history whose links are all NULL. `dialect` is "postgresql" or
    "sqlite"; the 30 days are compared as the report compared them before the links."""
    seconds = int(REPEAT_WITHIN.total_seconds())
    if dialect == "postgresql":
        near = f"s.previous_at >= s.created_at - interval '{seconds} seconds'"
    else:
        days = "julianday(s.created_at) - julianday(s.previous_at)"
        near = f"round(({days}) * 86400.0, 3) <= {seconds}"
    return BACKFILL.format(near=near)


BACKFILL = """UPDATE service_requests SET repeat_of_id = s.previous_id
FROM (
    SELECT id, created_at, lag(id) OVER w AS previous_id, lag(created_at) OVER w AS previous_at
    FROM service_requests
    WHERE asset_id IS NOT NULL OR location_id IS NOT NULL
    WINDOW w AS (PARTITION BY coalesce(-asset_id, location_id), category_id
                 ORDER BY created_at, id)
) s
WHERE service_requests.id = s.id AND {near}"""
