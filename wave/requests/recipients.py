"""Who hears about a request: decided here, in one place."""

from wave.realtime import DESK_ROOM, team_room, user_room


def rooms_for(req) -> set[str]:
    """The desk, the request's team and its assignee — nobody else."""
    rooms = {DESK_ROOM}
    if req.team_id:
        rooms.add(team_room(req.team_id))
    if req.assignee_id:
        rooms.add(user_room(req.assignee_id))
    return rooms
