"""Sending what was stored: pushes and e-mails leave after the transaction that wrote them
commits, in a background task, so a page never waits for a push service or a mail server.
The worker sweeps whatever a crashed or failed send left behind."""

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from wave.extensions import db, socketio

_PENDING = "wave_pending_deliveries"
_SENDERS = {}


def sender(channel: str):
    """Registers `fn() -> int` (sends what is pending on the channel, returns how many)."""

    def register(fn):
        _SENDERS[channel] = fn
        return fn

    return register


def after_commit(channel: str) -> None:
    """Send pending items of `channel` once the current transaction commits."""
    db.session.info.setdefault(_PENDING, set()).add(channel)


def send_pending(channels=None) -> dict[str, int]:
    """Send what is pending now, in this app context: {channel: sent}."""
    _load_senders()
    return {name: fn() for name, fn in _SENDERS.items() if channels is None or name in channels}


def _load_senders():
    from wave.notify import mail, push  # noqa: F401  (they register themselves)


@event.listens_for(Session, "after_commit")
def _kick(session):
    channels = session.info.pop(_PENDING, None)
    if not channels or not current_app:
        return
    app = current_app._get_current_object()
    if app.config.get("WAVE_DELIVER_AFTER_COMMIT", True):
        socketio.start_background_task(_run, app, sorted(channels))


@event.listens_for(Session, "after_rollback")
def _drop(session):
    session.info.pop(_PENDING, None)


def _run(app, channels):
    with app.app_context():
        try:
            send_pending(channels)
        except Exception:  # the worker's sweep retries; a page's commit must not fail
            app.logger.exception("sending %s after commit failed", channels)
        finally:
            db.session.remove()
