"""Pushes a device's push service refused for now (busy, failing, unreachable): each is tried
again later, up to RETRIES times while it is still worth a buzz (push.TTL_SECONDS), unless the
person has read it in the bell meanwhile."""

from datetime import timedelta

from sqlalchemy import delete, select

from wave.extensions import db
from wave.notify.models import Notification, PushRetry
from wave.timeutil import now

DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
"""How long the first, second … retry waits; one retry per delay, then the push is given up."""

BATCH = 100


def later(notification: Notification, device_id: int, attempt: int, ttl: timedelta) -> bool:
    """Keeps attempt number `attempt` (1 = the first retry) of this push for later, if it is
    still worth one (not committed). False: given up."""
    if attempt > len(DELAYS):
        return False
    when = now() + DELAYS[attempt - 1]
    if when - notification.created_at > ttl:
        return False
    db.session.add(
        PushRetry(
            notification_id=notification.id,
            subscription_id=device_id,
            attempt=attempt,
            next_at=when,
        )
    )
    return True


def due() -> list[int]:
    """Retries whose time has come, oldest first (ids)."""
    return db.session.scalars(
        select(PushRetry.id)
        .where(PushRetry.next_at <= now())
        .order_by(PushRetry.next_at, PushRetry.id)
        .limit(BATCH)
    ).all()


def claim(retry_id: int):
    """(notification_id, subscription_id, attempt) of the retry, taken out of the table for
    this sender alone (committed: a crash mid-send loses it rather than sending it twice), or
    None when another sender took it first."""
    taken = db.session.execute(
        delete(PushRetry)
        .where(PushRetry.id == retry_id)
        .returning(PushRetry.notification_id, PushRetry.subscription_id, PushRetry.attempt)
    ).first()
    db.session.commit()
    return taken
