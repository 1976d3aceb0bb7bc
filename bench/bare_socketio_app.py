"""The bare baseline for bench/chat_bench.py: Flask + Flask-SocketIO, one room per chat.

Served exactly like Wave (`gunicorn --chdir /work/main -k gevent -w 1 -b 127.0.0.1:PORT
'bench.bare_socketio_app:create_app()'`), in the same async mode (gevent under that worker),
so that Wave / bare measures what Wave adds on top of the server, Flask-SocketIO and the
fan-out itself. No database, no sign-in.

connect                      refused without the cookie `bare_user`; joins the rooms
                             `chat:<id>` named in the auth payload {"rooms": [id, ...]}
POST /chats/<id>/messages    the same multipart form as Wave's send (csrf_token, client_id,
                             body); checks the token against the `bare_csrf` cookie and the
                             X-CSRFToken header, emits chat-message-posted {thread_id,
                             message_id} to the room `chat:<id>` and answers 200 with a small
                             message fragment, as Wave answers chat.js
GET  /ping                   200, for the start-up probe

BENCH_BARE_REDIS_URL, if set, is the Socket.IO message queue (channel `bare-chat-bench`), so
two processes share events through Redis as Wave's do.
"""

import itertools
import os

from flask import Flask, request
from flask_socketio import ConnectionRefusedError, SocketIO, join_room
from markupsafe import escape


def _async_mode() -> str:
    """The mode Wave picks: gevent under `gunicorn -k gevent`, else threading."""
    try:
        from gevent import monkey
    except ImportError:
        return "threading"
    return "gevent" if monkey.is_module_patched("socket") else "threading"


def create_app() -> Flask:
    app = Flask(__name__)
    socketio = SocketIO(
        app,
        async_mode=_async_mode(),
        message_queue=os.environ.get("BENCH_BARE_REDIS_URL") or None,
        channel="bare-chat-bench",
        manage_session=False,
    )
    # Message ids unique across processes (the harness matches deliveries to sends by id).
    ids = itertools.count(os.getpid() * 10_000_000)

    @socketio.on("connect")
    def on_connect(auth=None):
        if not request.cookies.get("bare_user"):
            raise ConnectionRefusedError("sign in first")
        rooms = auth.get("rooms", []) if isinstance(auth, dict) else []
        for thread_id in rooms:
            join_room(f"chat:{int(thread_id)}")

    @app.get("/ping")
    def ping():
        return "ok"

    @app.post("/chats/<int:thread_id>/messages")
    def post_message(thread_id):
        form = request.form
        token = form.get("csrf_token", "")
        if not token or token != request.cookies.get("bare_csrf"):
            return "bad token", 400
        if token != request.headers.get("X-CSRFToken"):
            return "bad token", 400
        body = form.get("body", "").strip()
        if not body or not form.get("client_id"):
            return "check the form", 422
        message_id = next(ids)
        socketio.emit(
            "chat-message-posted",
            {"thread_id": thread_id, "message_id": message_id},
            to=f"chat:{thread_id}",
        )
        return (
            f'<li id="message-{message_id}" class="message"><p>{escape(body)}</p></li>',
            200,
            {"Vary": "HX-Request"},
        )

    return app
