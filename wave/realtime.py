"""The only code that emits Socket.IO events.

Events are queued on the database session and sent only after it commits, so a client
never hears of a change that was rolled back, and the change is stored before anyone
is told about it.
"""

from sqlalchemy import event
from sqlalchemy.orm import Session

from wave.extensions import db, socketio

_PENDING = "wave_pending_events"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def team_room(team_id: int) -> str:
    return f"team:{team_id}"


DESK_ROOM = "desk"  # dispatchers, managers and admins: they see all open work


def publish_after_commit(name: str, data: dict, *, to: set[str] | list[str]) -> None:
    """Queue event `name` for the rooms `to`; it is emitted when the current transaction commits.

    The caller names the recipients: choosing them is an access decision.
    """
    rooms = sorted(set(to))
    if rooms:
        db.session.info.setdefault(_PENDING, []).append((name, data, rooms))


@event.listens_for(Session, "after_commit")
def _emit_pending(session):
    for name, data, rooms in session.info.pop(_PENDING, []):
        socketio.emit(name, data, to=rooms)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)
