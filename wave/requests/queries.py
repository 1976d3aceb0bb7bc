"""Read-side queries for the staff app. Lists page by keyset, never by offset."""

from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import selectinload

from wave.auth.models import Team, User
from wave.extensions import db
from wave.requests.models import OPEN_STATUSES, RequestEvent, ServiceRequest

PAGE_SIZE = 25
TABS = ("new", "mine", "open")

OPEN_WORK = ServiceRequest.status.in_(
    bindparam("open_statuses", OPEN_STATUSES, expanding=True, literal_execute=True)
)
"""Open work, the statuses written into the statement: SQLite reads the partial index of open
work by deadline (ix_service_requests_open_due) only for the very condition it was made with,
not for bound parameters."""


def tabs_for(user) -> list[str]:
    return ["new", "mine", "open"] if user.is_desk else ["new", "mine"]


def inbox(user, tab: str, cursor: str | None = None, limit: int = PAGE_SIZE):
    """One page of the user's inbox tab: the nearest deadline first (overdue work on top),
    then work without a running clock, newest first. Keyset-paged: returns (rows, cursor)."""
    query = _tab_query(user, tab)
    if query is None:
        return [], None
    phase, due_key, id_key = _parse_cursor(cursor)
    rows = []
    if phase == "d":
        timed = query.where(ServiceRequest.next_due_at.is_not(None))
        if due_key is not None:
            timed = timed.where(
                or_(
                    ServiceRequest.next_due_at > due_key,
                    and_(ServiceRequest.next_due_at == due_key, ServiceRequest.id > id_key),
                )
            )
        order = (ServiceRequest.next_due_at, ServiceRequest.id)
        rows = list(db.session.scalars(timed.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        untimed = query.where(ServiceRequest.next_due_at.is_(None))
        if phase == "n" and id_key is not None:
            untimed = untimed.where(ServiceRequest.id < id_key)
        rest = untimed.order_by(ServiceRequest.id.desc()).limit(limit + 1 - len(rows))
        rows += db.session.scalars(rest)
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], _cursor_after(rows[limit - 1])


def _tab_query(user, tab):
    query = select(ServiceRequest).options(
        selectinload(ServiceRequest.category),
        selectinload(ServiceRequest.site),
        selectinload(ServiceRequest.location),
        selectinload(ServiceRequest.asset),
        selectinload(ServiceRequest.assignee),
    )
    if tab == "new":
        # Unassigned work for my teams (the desk sees every team's).
        query = query.where(
            ServiceRequest.assignee_id.is_(None),
            ServiceRequest.status.in_(("new", "reopened")),
        )
        if not user.is_desk:
            query = query.where(
                or_(ServiceRequest.team_id.in_(user.team_ids), ServiceRequest.team_id.is_(None))
            )
        return query
    if tab == "mine":
        return query.where(
            ServiceRequest.assignee_id == user.id, ServiceRequest.status.in_(OPEN_STATUSES)
        )
    if tab == "open" and user.is_desk:
        return query.where(OPEN_WORK)
    return None


def _cursor_after(row) -> str:
    """'d<due as epoch microseconds>.<id>' inside the timed part, 'n<id>' after it."""
    if row.next_due_at is None:
        return f"n{row.id}"
    micros = int(row.next_due_at.timestamp() * 1_000_000)
    return f"d{micros}.{row.id}"


def _parse_cursor(cursor: str | None):
    """(phase, due, id) from a cursor; a malformed one starts from the top."""
    try:
        if cursor and cursor[0] == "n":
            return "n", None, int(cursor[1:])
        if cursor and cursor[0] == "d":
            micros, row_id = cursor[1:].split(".")
            moment = datetime.fromtimestamp(int(micros) / 1_000_000, UTC)
            return "d", moment, int(row_id)
    except (ValueError, OverflowError):
        pass
    return "d", None, None


def timeline(req) -> list[RequestEvent]:
    return list(
        db.session.scalars(
            select(RequestEvent)
            .options(selectinload(RequestEvent.actor))
            .where(RequestEvent.request_id == req.id)
            .order_by(RequestEvent.id)
        )
    )


def assignable_staff(req) -> list[User]:
    """Active staff, the request's team first."""
    users = db.session.scalars(
        select(User).where(User.archived_at.is_(None)).order_by(User.display_name)
    ).all()
    in_team = {u.id for u in db.session.get(Team, req.team_id).members} if req.team_id else set()
    return sorted(users, key=lambda u: (u.id not in in_team, u.display_name))


def names_in(events) -> dict[int, str]:
    """Display names of the people that assignment events point to."""
    ids = {e.data.get("assignee_id") for e in events if e.kind == "assigned"} - {None}
    if not ids:
        return {}
    return dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    )
