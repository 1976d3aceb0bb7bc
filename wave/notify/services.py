"""Telling people things: a row per person in the bell, a push to their devices, both as
each person chose. Who is told is not decided here: callers name the people (for requests,
wave.requests.recipients decides)."""

from sqlalchemy import func, or_, select, update

from wave import reference
from wave.extensions import db
from wave.notify import delivery
from wave.notify.kinds import KINDS
from wave.notify.models import Notification, NotificationPreference
from wave.realtime import publish_after_commit, user_room
from wave.timeutil import now


def notify(users, kind: str, *, request_id: int | None = None, url: str, **data):
    """Tell each of `users` (not committed): stored first, then announced live and pushed
    after commit. Archived users and people who turned the kind off get nothing.
    Returns the stored notifications."""
    people = {u.id: u for u in users if u is not None and u.is_active}
    if not people:
        return []
    choices = preferences(people, kind)
    rows = []
    for user_id in sorted(people):
        in_app, push = choices[user_id]
        if not (in_app or push):
            continue
        rows.append(
            Notification(
                user_id=user_id,
                kind=kind,
                request_id=request_id,
                data={**data, "url": url},
                in_app=in_app,
                push_pending=push,
            )
        )
    db.session.add_all(rows)
    if rows:
        db.session.flush()
        for row in rows:
            if row.in_app:
                publish_after_commit(
                    "notification-added", {"id": row.id}, to={user_room(row.user_id)}
                )
        if any(row.push_pending for row in rows):
            delivery.after_commit("push")
    return rows


def anyone_may_want(kind: str) -> bool:
    """Whether anybody can be told of `kind`: it is on unless turned off, or someone turned it
    on. For a kind that is off unless chosen, one small query instead of finding the people."""
    default = KINDS[kind]
    if default.in_app or default.push:
        return True
    chosen = select(NotificationPreference.user_id).where(
        NotificationPreference.kind == kind,
        or_(NotificationPreference.in_app.is_(True), NotificationPreference.push.is_(True)),
    )
    return reference.value(
        ("anyone-may-want", kind), lambda: db.session.scalar(chosen.limit(1)) is not None
    )


def preferences(user_ids, kind: str) -> dict[int, tuple[bool, bool]]:
    """(in_app, push) for each of these people: their saved choice, else the default."""
    default = KINDS[kind]
    saved = {
        p.user_id: (p.in_app, p.push)
        for p in db.session.scalars(
            select(NotificationPreference).where(
                NotificationPreference.user_id.in_(list(user_ids)),
                NotificationPreference.kind == kind,
            )
        )
    }
    return {uid: saved.get(uid, (default.in_app, default.push)) for uid in user_ids}


def text_of(notification: Notification) -> str:
    """What the notification says, in the current language."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    return str(kind.text) % _Missing(notification.data)


class _Missing(dict):
    """Formats a stored text even when an older row lacks a field."""

    def __missing__(self, key):
        return "…"


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.in_app.is_(True),
            Notification.read_at.is_(None),
        )
    )


PAGE_SIZE = 30


def recent(user, before: int | None = None, limit: int = PAGE_SIZE) -> list[Notification]:
    """The user's notifications, newest first, a page at a time (keyset on id)."""
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.in_app.is_(True)
    )
    if before:
        query = query.where(Notification.id < before)
    return list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def mark_read(user, notification_id: int | None = None) -> None:
    """One notification, or all of them, read. Commits; the user's other tabs hear it."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=now()))
    publish_after_commit("notification-read", {}, to={user_room(user.id)})
    db.session.commit()
