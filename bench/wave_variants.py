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
