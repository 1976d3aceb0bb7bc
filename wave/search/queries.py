"""The archive search: requests a staff member may open, newest first, keyset-paged by id.

Every criterion is one condition an index answers (see wave/search/schema.py). Words are
looked for twice, in the request's own text and in its discussion's messages; each of the two
takes its own newest page, and the page is the newest of both together: no OR across two
tables that no single index could answer.
"""

from sqlalchemy import or_, select, union
from sqlalchemy.orm import selectinload

from wave.extensions import db
from wave.requests.models import OPEN_STATUSES, ServiceRequest
from wave.search import matching, places
from wave.search.criteria import OPEN, Criteria

PAGE_SIZE = 25


def search(user, criteria: Criteria, cursor: str | None = None, limit: int = PAGE_SIZE):
    """One page of the requests `user` may open that meet `criteria`, newest first.
    Returns (rows, cursor of the next page or None)."""
    conditions = _conditions(user, criteria)
    if conditions is None:
        return [], None
    if after := _parse_cursor(cursor):
        conditions.append(ServiceRequest.id < after)
    box = criteria.box
    branches = [conditions]
    if box.words:
        branches = _word_branches(conditions, box)
        if not branches:
            return [], None
    query = select(ServiceRequest).options(
        selectinload(ServiceRequest.category),
        selectinload(ServiceRequest.site),
        selectinload(ServiceRequest.location),
        selectinload(ServiceRequest.asset),
        selectinload(ServiceRequest.assignee),
    )
    if len(branches) == 1:
        query = query.where(*branches[0])
    else:
        newest = [_newest_ids(branch, limit + 1).subquery() for branch in branches]
        query = query.where(ServiceRequest.id.in_(union(*(select(n.c.id) for n in newest))))
    rows = list(db.session.scalars(query.order_by(ServiceRequest.id.desc()).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], str(rows[limit - 1].id)


def _newest_ids(conditions, limit):
    return (
        select(ServiceRequest.id).where(*conditions).order_by(ServiceRequest.id.desc()).limit(limit)
    )


def _word_branches(conditions, box) -> list[list]:
    """The words in the request's text, or in its discussion: one list of conditions each."""
    branches = []
    for match in (matching.words_in_requests, matching.words_in_messages):
        condition = match(box.words)
        if condition is not None:
            branches.append([*conditions, condition])
    return branches


def _conditions(user, criteria: Criteria) -> list | None:
    """The conditions every result meets (the box's words aside); None when nothing can."""
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
    if criteria.requester.strip():
        if (named := matching.requester_named(criteria.requester)) is None:
            return None
        conditions.append(named)
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
