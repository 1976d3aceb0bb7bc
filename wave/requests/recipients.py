"""Who hears about a request: decided here, in one place. Live updates go to rooms;
notifications go to people, and only to people with a part in the request."""

from sqlalchemy import select

from wave.auth.models import User, team_members
from wave.extensions import db
from wave.realtime import DESK_ROOM, team_room, user_room


def rooms_for(req) -> set[str]:
    """The desk, the request's team and its assignee — nobody else."""
    rooms = {DESK_ROOM}
    if req.team_id:
        rooms.add(team_room(req.team_id))
    if req.assignee_id:
        rooms.add(user_room(req.assignee_id))
    return rooms


def people_for(kind: str, req) -> set[User]:
    """Who is told of `kind` about this request:

    - assigned, due_soon, resume, reopened: the assignee;
    - new_for_team: the request's team;
    - not_taken: the team and the managers (the dispatchers too when no team has it);
    - response_breached, resolution_breached: the managers.
    """
    team, others = [], []
    if kind in ("assigned", "due_soon", "resume", "reopened"):
        others = [req.assignee] if req.assignee else []
    elif kind == "new_for_team":
        team = _team(req)
    elif kind == "not_taken":
        team = _team(req)
        others = _with_roles(("manager",) if req.team_id else DESKS)
    elif kind in ("response_breached", "resolution_breached"):
        others = _with_roles(("manager",))
    else:
        raise ValueError(f"unknown notification kind {kind!r}")
    # The request's team has a part in it by definition: asking each member's teams again
    # would cost a query per member of the team.
    return {p for p in team if p.is_active} | {
        p for p in others if p.is_active and has_part(p, req)
    }


DESKS = ("manager", "dispatcher")


def has_part(user, req) -> bool:
    """Whether the request is any of this person's business: the desk (dispatchers,
    managers, admins see all work), its assignee, who entered it, its team."""
    return (
        user.is_desk
        or user.id in (req.assignee_id, req.created_by_id)
        or (req.team_id is not None and req.team_id in user.team_ids)
    )


def _team(req) -> list[User]:
    """The members of the request's team, in one query."""
    if req.team_id is None:
        return []
    return list(
        db.session.scalars(
            select(User).join(team_members).where(team_members.c.team_id == req.team_id)
        )
    )


def _with_roles(roles) -> list[User]:
    return list(
        db.session.scalars(select(User).where(User.role.in_(roles), User.archived_at.is_(None)))
    )
