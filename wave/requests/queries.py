"""Read-side queries for the staff app. Lists page by keyset (id below the last seen)."""

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from wave.auth.models import Team, User
from wave.extensions import db
from wave.requests.models import OPEN_STATUSES, RequestEvent, ServiceRequest

PAGE_SIZE = 25
TABS = ("new", "mine", "open")


def tabs_for(user) -> list[str]:
    return ["new", "mine", "open"] if user.is_desk else ["new", "mine"]


def inbox(user, tab: str, before: int | None = None, limit: int = PAGE_SIZE):
    """One page of the user's inbox tab, newest first; returns (rows, next_before)."""
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
            team_ids = user.team_ids
            query = query.where(
                or_(ServiceRequest.team_id.in_(team_ids), ServiceRequest.team_id.is_(None))
            )
    elif tab == "mine":
        query = query.where(
            ServiceRequest.assignee_id == user.id, ServiceRequest.status.in_(OPEN_STATUSES)
        )
    elif tab == "open" and user.is_desk:
        query = query.where(ServiceRequest.status.in_(OPEN_STATUSES))
    else:
        return [], None
    if before:
        query = query.where(ServiceRequest.id < before)
    rows = list(db.session.scalars(query.order_by(ServiceRequest.id.desc()).limit(limit + 1)))
    next_before = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_before


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
