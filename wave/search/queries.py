"""The archive search: requests a staff member may open, newest first, keyset-paged by id.

Every criterion is one condition an index answers (see wave/search/schema.py). A page is
looked for in two steps, so that no plan depends on how well PostgreSQL guesses how many rows
match (it cannot for word prefixes, and a word no request holds would cost a walk through
the whole table):

1. the WINDOW ids below the cursor, newest first: the planner may walk them backwards by the
   primary key or intersect the criteria's indexes with that id range, and either way the
   work is bounded by the window;
2. only if that did not fill the page: the rest, gathered through the criteria's indexes
   and sorted (ordered by `id + 0` so the primary key cannot be walked instead). Criteria
   that match few of the newest requests match few requests, most likely: few rows to sort.

A date range that ended in the past moves the window down to where it ends.
"""

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from wave.extensions import db
from wave.requests.models import OPEN_STATUSES, ServiceRequest
from wave.search import matching, places
from wave.search.criteria import OPEN, Criteria

PAGE_SIZE = 25
WINDOW = 10_000
"""Ids looked at before the search falls back to the indexes alone (step 2)."""
STAMPED_WITHIN = timedelta(hours=1)
"""Requests are stored within this of their created_at (see _below_the_end)."""


def search(user, criteria: Criteria, cursor: str | None = None, limit: int = PAGE_SIZE):
    """One page of the requests `user` may open that meet `criteria`, newest first.
    Returns (rows, cursor of the next page or None)."""
    conditions, words = _conditions(user, criteria), _words(criteria)
    if conditions is None or words is None:
        return [], None
    top = _parse_cursor(cursor)
    if top is None:
        top = (db.session.scalar(select(func.max(ServiceRequest.id))) or 0) + 1
    top, below = _below_the_end(criteria, top)
    bottom = below - WINDOW
    in_window = [ServiceRequest.id < top, ServiceRequest.id >= bottom]
    ids = _ids([*conditions, *_found(words, indexed=False), *in_window], limit + 1)
    if len(ids) <= limit and bottom > 1:
        rest = [*conditions, *_found(words, indexed=True), ServiceRequest.id < bottom]
        ids += _ids(rest, limit + 1 - len(ids), sort=True)
    if not ids:
        return [], None
    rows = list(
        db.session.scalars(
            select(ServiceRequest)
            .options(
                selectinload(ServiceRequest.category),
                selectinload(ServiceRequest.site),
                selectinload(ServiceRequest.location),
                selectinload(ServiceRequest.asset),
                selectinload(ServiceRequest.assignee),
            )
            .where(ServiceRequest.id.in_(ids[:limit]))
            .order_by(ServiceRequest.id.desc())
        )
    )
    return rows, (str(ids[limit - 1]) if len(ids) > limit else None)


def _below_the_end(criteria: Criteria, top: int) -> tuple[int, int]:
    """With a date range that ends in the past, the pages start where it ends, not at the
    newest request: (the id no result reaches, the id below which the window starts).

    Requests are numbered as they are stored, a moment after `now()` stamped them: none
    stamped before the range's end is numbered after one stamped STAMPED_WITHIN later."""
    if criteria.end is None:
        return top, top
    ceiling = _first_stamped(criteria.end + STAMPED_WITHIN)
    top = min(top, ceiling) if ceiling is not None else top
    first_after = _first_stamped(criteria.end)
    return top, min(top, first_after) if first_after is not None else top


def _first_stamped(moment) -> int | None:
    query = select(ServiceRequest.id).where(ServiceRequest.created_at >= moment)
    return db.session.scalar(query.order_by(ServiceRequest.created_at).limit(1))


def _ids(conditions, limit: int, sort: bool = False) -> list[int]:
    # id + 0: an expression no index is ordered by, so the rows come from the criteria's
    # indexes and are sorted, never from a walk down the primary key.
    order = (ServiceRequest.id + 0) if sort else ServiceRequest.id
    query = select(ServiceRequest.id).where(*conditions).order_by(order.desc())
    return list(db.session.scalars(query.limit(limit)))


def _words(criteria: Criteria) -> tuple[str | None, str | None] | None:
    """The box's words and the requester's name as database queries, made once for both
    steps; None when either holds nothing to look for (then nothing matches)."""
    prepared = []
    for text in (criteria.box.words, criteria.requester.strip()):
        query = matching.prepare(text) if text else None
        if text and query is None:
            return None
        prepared.append(query)
    return prepared[0], prepared[1]


def _found(words, *, indexed: bool) -> list:
    """The word conditions; `indexed=False` in the window (see matching.words_found)."""
    box, requester = words
    found = [matching.words_found(box, indexed=indexed)] if box else []
    if requester:
        found.append(matching.requester_named(requester, indexed=indexed))
    return found


def _conditions(user, criteria: Criteria) -> list | None:
    """What every result meets, the words aside; None when nothing can."""
    conditions = []
    if (visible := _visible_to(user)) is not None:
        conditions.append(visible)
    box = criteria.box
    either = []
    if box.number is not None:
        either.append(ServiceRequest.id == box.number)
    if box.phone:
        either.append(matching.phone_starts(box.phone))
    if box.email:
        either.append(matching.email_starts(box.email))
    if either:
        conditions.append(or_(*either))
    if criteria.start:
        conditions.append(ServiceRequest.created_at >= criteria.start)
    if criteria.end:
        conditions.append(ServiceRequest.created_at < criteria.end)
    if criteria.site_id:
        conditions.append(ServiceRequest.site_id == criteria.site_id)
    if criteria.location_id:
        conditions.append(ServiceRequest.location_id.in_(places.subtree([criteria.location_id])))
    if criteria.place.strip():
        if (where := places.matching(criteria.place)) is None:
            return None
        conditions.append(where)
    if digits := "".join(ch for ch in criteria.phone if ch.isdigit() and ch.isascii()):
        conditions.append(matching.phone_starts(digits))
    if criteria.email.strip():
        conditions.append(matching.email_starts(criteria.email))
    if criteria.unassigned:
        conditions.append(ServiceRequest.assignee_id.is_(None))
    elif criteria.assignee_id:
        conditions.append(ServiceRequest.assignee_id == criteria.assignee_id)
    if criteria.status == OPEN:
        conditions.append(ServiceRequest.status.in_(OPEN_STATUSES))
    elif criteria.status:
        conditions.append(ServiceRequest.status == criteria.status)
    return conditions


def _visible_to(user):
    """What `user` may open, as wave.requests.access.can_see says; None: everything."""
    if user.is_desk:
        return None
    mine = [ServiceRequest.assignee_id == user.id, ServiceRequest.created_by_id == user.id]
    if team_ids := user.team_ids:
        mine.append(ServiceRequest.team_id.in_(team_ids))
    return or_(*mine)


def _parse_cursor(cursor: str | None) -> int | None:
    """The id the next page starts below; a malformed cursor starts from the top."""
    try:
        return int(cursor) if cursor else None
    except ValueError:
        return None
