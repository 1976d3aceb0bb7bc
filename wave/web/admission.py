"""Tenant pages (the form behind a code and its submission) work at most
WAVE_ACTIVE_TENANT_REQUESTS (3) at once in a process; the others wait their turn in order of
arrival (0: no limit).

Under gevent every request that waits for the database lets all the others run: a burst of
scans let in at once stretches each submission over all the others. Taken in turns, they
finish in order (bench/RESULTS.md, bench/ab_open.py on PostgreSQL: median p95 131 against
170 ms at 50 submissions/s, 158 against 236 ms at 65/s, the same work per submission; not
better in every pair of turns). Only the tenant views wait: a staff report of a second must
not hold up the others, and a storm of public submissions cannot take the pool from staff.
A view takes its turn after the CSRF check (which reads the body, so a slow upload holds no
turn) and after the rate limits."""

from functools import wraps

from flask import current_app

_SLOTS = "wave_tenant_turns"


def init_app(app, async_mode: str) -> None:
    limit = app.config["WAVE_ACTIVE_TENANT_REQUESTS"]
    if not limit:
        return
    if async_mode == "gevent":
        from gevent.lock import BoundedSemaphore  # waits cooperatively, first come first in
    else:
        from threading import BoundedSemaphore
    app.extensions[_SLOTS] = BoundedSemaphore(limit)


def in_turn(view):
    """The view runs when one of the process's tenant turns is free (decorate below the rate
    limits, so that a refused request does not wait for a turn first)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        slots = current_app.extensions.get(_SLOTS)
        if slots is None:
            return view(*args, **kwargs)
        with slots:
            return view(*args, **kwargs)

    return wrapper
