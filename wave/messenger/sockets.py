"""Socket.IO: the connect handler is the auth gate; rooms decide who hears what.

Handlers never write to the database: writes go through HTTP routes and services, which
publish after commit (wave.realtime).
"""

from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from wave.extensions import socketio
from wave.realtime import DESK_ROOM, team_room, user_room


@socketio.on("connect")
def on_connect(auth=None):
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("sign in first")
    join_room(user_room(current_user.id))
    for team_id in current_user.team_ids:
        join_room(team_room(team_id))
    if current_user.is_desk:
        join_room(DESK_ROOM)
