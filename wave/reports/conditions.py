"""Conditions the report statements share, on the columns `c` of service_requests or of a
subquery that carries them (definitions in wave/reports/__init__.py)."""

from sqlalchemy import and_, func, or_, select, union_all

from wave.reports.filters import Filters
from wave.reports.sql import among, moment
from wave.requests.models import OPEN_STATUSES, RequestEvent, ServiceRequest

SR = ServiceRequest.__table__
EV = RequestEvent.__table__
LATE = SR.alias("late")
"""service_requests once more, for the ids of completed_otherwise() (made once: an alias
copies every column)."""


def scope(c, f: Filters, *, assignee: bool = True) -> list:
    """The filters besides the period (without the employee's where it goes by another
    column: labor entries keep their own person)."""
    where = []
    if f.site_id:
        where.append(c.site_id == f.site_id)
    if f.category_ids:
        where.append(c.category_id.in_(f.category_ids))
    if f.team_id:
        where.append(c.team_id == f.team_id)
    if f.assignee_id and assignee:
        where.append(c.assignee_id == f.assignee_id)
    if f.source:
        where.append(c.source == f.source)
    return where


def within(column, f: Filters):
    return and_(column >= moment(f.start), column < moment(f.end))


def created(c, f):
    """Created in the period; read from the flag where rows carry one (figures.py), which is
    cheaper than comparing for each of the dozen figures that ask."""
    return c.is_created if "is_created" in c else within(c.created_at, f)


def completed(c, f):
    return c.is_completed if "is_completed" in c else within(c.resolved_at, f)


def completed_otherwise(f: Filters):
    """Requests completed in the period but not created in it (created before it, but for
    wrong clocks): with those created in it, all the period's requests — two index ranges,
    where an OR of the two would read the table. A few hundred, found by the index on
    (resolved_at, created_at) alone."""
    ids = [
        select(LATE.c.id).where(completed(LATE.c, f), earlier)
        for earlier in (LATE.c.created_at < moment(f.start), LATE.c.created_at >= moment(f.end))
    ]
    return among(SR.c.id, union_all(*ids))


def response_due(c, f):
    """Created in the period with a response deadline that has come into play: answered,
    or passed unanswered (before now, or before the request was cancelled)."""
    return and_(
        created(c, f),
        c.response_due_at.is_not(None),
        or_(
            c.first_response_at.is_not(None),
            c.response_due_at <= func.coalesce(c.closed_at, moment(f.now)),
        ),
    )


def response_met(c, f):
    # Answered by the deadline: both are there, so the request is among response_due's.
    return and_(created(c, f), c.first_response_at <= c.response_due_at)


def resolution_due(c, f):
    return and_(completed(c, f), c.resolution_due_at.is_not(None))


def resolution_met(c, f):
    return and_(completed(c, f), c.resolved_at <= c.resolution_due_at)


def initiative(c, f):
    return and_(completed(c, f), c.created_by_id.is_not(None), c.assignee_id == c.created_by_id)


def reopened(c):
    # Uncorrelated, so PostgreSQL hashes the reopened ids once instead of probing per row.
    return c.id.in_(select(EV.c.request_id).where(EV.c.kind == "reopened"))


def overdue(c, f):
    """Open work past the deadline it faces; on hold only if that passed before the hold."""
    return or_(
        and_(c.status != "on_hold", c.next_due_at <= moment(f.now)),
        and_(c.status == "on_hold", c.resolution_due_at <= c.hold_started_at),
    )


def is_open(c):
    return c.status.in_(OPEN_STATUSES)
