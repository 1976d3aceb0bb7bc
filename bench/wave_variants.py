"""What-if entry points for experiments; not how Wave runs.

    .venv/bin/python bench/submit_bench.py --db postgres \\
        --wave-app 'bench.wave_variants:green_psycopg2()'

green_psycopg2(): Wave with psycopg2 made cooperative under gevent (what psycogreen does), to
measure what the blocking driver costs: without a wait callback every PostgreSQL round trip
stops the whole gevent worker, so no other request runs while one waits for the database.
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
