"""Socket.IO: the connect handler is the auth gate; rooms decide who hears what.

Messages are sent over HTTP, never over the socket: a message is stored (and its client id
recognised on a resend) before anyone is told, so nothing a person was told "sent" depends
on a socket. The socket carries notices that something changed (emitted by wave.realtime
after a commit; a new text message comes with its author, text and time, which open chats
draw without fetching it) and, from clients, ephemeral events such as `typing`.

Handlers never write to the database (a read for an access check is fine). Every client
event is validated strictly and rate-limited per connection; an invalid or excessive event
is dropped and logged at debug level.
"""

import logging
import time

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room

from wave.extensions import db, socketio
from wave.messenger import access
from wave.messenger.models import Thread
from wave.realtime import DESK_ROOM, team_room, user_room

log = logging.getLogger(__name__)

EVENTS_PER_WINDOW = 5
WINDOW_SECONDS = 10.0
"""Client events a connection may send: a bucket of 5 tokens, refilled over 10 seconds."""

_buckets: dict[str, tuple[float, float]] = {}
"""Socket id → (tokens left, when last counted). One process's connections only."""


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("sign in first")
    join_room(user_room(current_user.id))
    for team_id in current_user.team_ids:
        join_room(team_room(team_id))
    if current_user.is_desk:
        join_room(DESK_ROOM)


@socketio.on("disconnect")
def on_disconnect(reason=None):
    _buckets.pop(request.sid, None)


@socketio.on("typing")
def on_typing(data=None):
    """{thread_id: int} → chat-typing {thread_id, user_id, name} to the chat's other readers."""
    if not current_user.is_authenticated or not _allowed(request.sid):
        log.debug("typing dropped: over the limit or signed out (sid %s)", request.sid)
        return
    thread_id = _thread_id(data)
    thread = db.session.get(Thread, thread_id) if thread_id else None
    if thread is None or not access.can_read(thread, current_user):
        log.debug("typing dropped: bad payload or not a reader (%r)", data)
        return
    payload = {
        "thread_id": thread.id,
        "user_id": current_user.id,
        "name": current_user.display_name,
    }
    emit("chat-typing", payload, to=sorted(access.rooms_for(thread)), include_self=False)


def _thread_id(data) -> int | None:
    """The payload's thread id if the payload is exactly {"thread_id": <positive int>}."""
    if not isinstance(data, dict) or set(data) != {"thread_id"}:
        return None
    value = data["thread_id"]
    if type(value) is not int or not 0 < value < 2**31:  # bool is an int; not here
        return None
    return value


def _allowed(sid: str) -> bool:
    """Token bucket per connection: EVENTS_PER_WINDOW at once, refilled over WINDOW_SECONDS."""
    clock = time.monotonic()
    tokens, last = _buckets.get(sid, (float(EVENTS_PER_WINDOW), clock))
    tokens = min(EVENTS_PER_WINDOW, tokens + (clock - last) * EVENTS_PER_WINDOW / WINDOW_SECONDS)
    if tokens < 1:
        _buckets[sid] = (tokens, clock)
        return False
    _buckets[sid] = (tokens - 1, clock)
    return True
