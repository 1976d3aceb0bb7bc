"""What-if entry points for experiments; not how Wave runs.

    .venv/bin/python bench/submit_bench.py --db postgres \\
        --wave-app 'bench.wave_variants:green_psycopg2()'

green_psycopg2(): Wave with psycopg2 made cooperative under gevent (what psycogreen does), to
measure what the blocking driver costs: without a wait callback every PostgreSQL round trip
stops the whole gevent worker, so no other request runs while one waits for the database.
(Wave does this itself since a25f94f; there, blocking_psycopg2() undoes it for the A/B.)

big_pool(): Wave with a 50 + 50 connection pool instead of SQLAlchemy's 5 + 10.
gc_probe(): Wave as it is, logging every garbage collection's pause to $BENCH_GC_LOG;
gc_probe(freeze=True): the same after gc.freeze() of everything made at start-up.
pool(size=6): Wave with a PostgreSQL pool of `size` connections and no overflow.
admission(limit=2): Wave letting at most `limit` ordinary requests into the app at once
($BENCH_ADMISSION overrides), to see whether first-come-first-served beats the interleaving
of cooperative psycopg2 for the tail on PostgreSQL (it did not: RESULTS.md, e38f394).
"""

from wave import create_app


def _gevent_wait_callback(conn, timeout=None):
    import psycopg2
    from gevent.socket import wait_read, wait_write

    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            break
        if state == psycopg2.extensions.POLL_READ:
            wait_read(conn.fileno(), timeout=timeout)
        elif state == psycopg2.extensions.POLL_WRITE:
            wait_write(conn.fileno(), timeout=timeout)
        else:
            raise psycopg2.OperationalError(f"bad state from poll: {state}")


def green_psycopg2():
    import psycopg2.extensions

    psycopg2.extensions.set_wait_callback(_gevent_wait_callback)
    return create_app()


def blocking_psycopg2():
    """Wave with psycopg2's wait callback removed again: every query blocks the worker."""
    import psycopg2.extensions

    app = create_app()
    psycopg2.extensions.set_wait_callback(None)
    return app


def big_pool():
    """Wave with a connection pool large enough for the gevent worker's concurrency
    (SQLAlchemy's default is 5 kept + 10 overflow connections, and each overflow
    connection is opened for one checkout and closed again: a new PostgreSQL backend)."""
    from wave import config

    options = {**config.DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": 50, "max_overflow": 50}
    return create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})


def gc_probe(freeze=False):
    """Wave as it is, with each cyclic garbage collection's generation and pause appended to
    the file named by $BENCH_GC_LOG ("generation milliseconds" a line). freeze=True: the
    objects made at start-up are moved out of the collector's way first (gc.freeze())."""
    import gc
    import os
    import time

    out = open(os.environ["BENCH_GC_LOG"], "a", buffering=1)  # noqa: SIM115 (for the process)
    started = {}

    def callback(phase, info):
        if phase == "start":
            started["t"] = time.perf_counter()
        elif "t" in started:
            out.write(f"{info['generation']} {(time.perf_counter() - started['t']) * 1000:.2f}\n")

    gc.callbacks.append(callback)
    app = create_app()
    if freeze:
        gc.collect()
        gc.freeze()
    return app


def admission(limit=2):
    """Wave with at most `limit` ordinary requests inside the app at once (the rest wait their
    turn, in order); Socket.IO's connections are not counted."""
    import os

    from gevent.lock import Semaphore

    limit = int(os.environ.get("BENCH_ADMISSION", limit))
    app = create_app()
    inner, slots = app.wsgi_app, Semaphore(limit)

    def limited(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            return inner(environ, start_response)
        with slots:
            return inner(environ, start_response)

    app.wsgi_app = limited
    return app


def pool(size=6, overflow=0):
    """Wave with `size` + `overflow` PostgreSQL connections ($BENCH_POOL overrides the size):
    a small pool lets that many requests work with the database at once and queues the rest
    at their first query, after their form is read."""
    import os

    size = int(os.environ.get("BENCH_POOL", size))
    return create_app({"WAVE_DB_POOL_SIZE": size, "WAVE_DB_MAX_OVERFLOW": overflow})


def no_pre_ping():
    """Wave without SQLAlchemy's pool pre-ping: one round trip fewer per request (the ping
    on every checkout), to measure what that trip costs the tail on PostgreSQL."""
    from wave import config

    options = {**config.DEFAULTS["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    return create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})


def least_chat(store=True):
    """Wave with its chat send (POST /chats/<id>/messages) cut to the least that any stored,
    authenticated send must do, to see how near the bare broadcast such a send can come:

    - the signed-in user from the session cookie (Flask-Login, as Wave) and Flask-WTF's CSRF
      check (Wave's global CSRFProtect, untouched);
    - one statement for the chat's member ids (who may send, who hears), one INSERT of the
      message (SQLAlchemy Core, RETURNING its id), one COMMIT;
    - chat-message-posted, with what chat.js needs to draw it, emitted to each member's room;
    - a one-line fragment as the answer.

    Nothing else of Wave's send: no ORM objects, form classes, resend lookup, mentions,
    last-message or read-mark updates, template. Everything but the send is Wave's own
    (sign-in, sockets, rooms), so chat_bench.py measures it like Wave.

    store=False: not even that — the member ids are read once per chat and kept, nothing is
    stored (the message id is a counter): what sign-in and the CSRF check alone cost."""
    import itertools
    import os
    from datetime import UTC, datetime

    from flask import abort, request
    from flask_login import current_user
    from markupsafe import escape
    from sqlalchemy import insert, select

    from wave.extensions import db, socketio
    from wave.messenger.models import Message, ThreadMember
    from wave.realtime import user_room

    app = create_app()
    known: dict[int, list[int]] = {}
    ids = itertools.count(os.getpid() * 10_000_000)

    def post_message(thread_id):
        if not current_user.is_authenticated:
            abort(401)
        body, client_id = request.form.get("body", "").strip(), request.form.get("client_id")
        if not body or len(body) > 4000 or not client_id:
            return "check the form", 422
        members = known.get(thread_id) if not store else None
        if members is None:
            members = db.session.scalars(
                select(ThreadMember.user_id).where(ThreadMember.thread_id == thread_id)
            ).all()
            known[thread_id] = members
        if current_user.id not in members:
            abort(403)
        at = datetime.now(UTC)
        if not store:
            message_id = next(ids)
        else:
            message_id = db.session.execute(
                insert(Message)
                .values(
                    thread_id=thread_id,
                    author_id=current_user.id,
                    kind="text",
                    body=body,
                    client_id=client_id,
                    created_at=at,
                )
                .returning(Message.id)
            ).scalar_one()
            db.session.commit()
        event = {
            "thread_id": thread_id,
            "message_id": message_id,
            "author_id": current_user.id,
            "text": {"author": current_user.display_name, "body": body, "at": at.isoformat()},
        }
        socketio.emit("chat-message-posted", event, to=[user_room(m) for m in members])
        return (
            f'<li id="message-{message_id}" class="message"><p>{escape(body)}</p></li>',
            200,
            {"Vary": "HX-Request"},
        )

    app.view_functions["chats.post_message"] = post_message
    return app
