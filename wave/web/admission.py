"""At most WAVE_ACTIVE_REQUESTS requests work at once in a process; the others wait their turn
in order of arrival (0, the default: no limit).

Under gevent every request that waits for the database lets all the others run, so a burst
that lets every request in stretches each one over all the others. A limit was meant to stop
that snowballing on PostgreSQL; the benchmark did not bear it out (bench/RESULTS.md: single
runs looked better with 6–8 let in, an A/B/A/B at fixed rates was worse), so it is off unless
set. A request takes its turn once its body has been read (after the CSRF check), so a slow
upload holds no turn; Socket.IO's traffic never waits here."""

from flask import current_app, request

_SLOTS = "wave_admission"
_HELD = "wave.admission_held"


def init_app(app, async_mode: str) -> None:
    """Call after CSRFProtect.init_app: its check (which reads the body) runs first."""
    limit = app.config["WAVE_ACTIVE_REQUESTS"]
    if not limit:
        return
    if async_mode == "gevent":
        from gevent.lock import BoundedSemaphore  # waits cooperatively, first come first in
    else:
        from threading import BoundedSemaphore
    app.extensions[_SLOTS] = BoundedSemaphore(limit)
    app.before_request(_enter)
    app.teardown_request(_leave)


def _enter():
    current_app.extensions[_SLOTS].acquire()
    request.environ[_HELD] = True


def _leave(_error):
    if request.environ.pop(_HELD, False):
        current_app.extensions[_SLOTS].release()
