"""Notifications (the bell), what each person wants to receive, the devices that get Web
Push, the server's VAPID keys, and e-mail waiting to be sent."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class Notification(db.Model):
    """One thing one person is told. The text is made from kind and data when shown, in the
    reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_id_read_at", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(24))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_app: Mapped[bool] = mapped_column(default=True)
    """Shown in the bell (False: the person wanted this kind only as a push)."""
    push_pending: Mapped[bool] = mapped_column(default=False, index=True)
    """To be pushed to the person's devices; whoever clears it (one UPDATE) sends it."""


class NotificationPreference(db.Model):
    """A person's choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    in_app: Mapped[bool] = mapped_column(default=True)
    push: Mapped[bool] = mapped_column(default=True)


class PushSubscription(db.Model):
    """A browser (an installed staff app) that receives Web Push for its user."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2048), unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PushRetry(db.Model):
    """A push that a device's push service refused for now (busy, failing, unreachable), to be
    sent to that device again at next_at (wave/notify/push_retries.py)."""

    __tablename__ = "push_retries"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int]
    """1 for the first retry."""
    next_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ServerKey(db.Model):
    """A key the server makes on first run and keeps (the VAPID key pair): in the database,
    so every process and host shares it."""

    __tablename__ = "server_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class OutboundEmail(db.Model):
    """An e-mail written in the same transaction as the change it tells of, sent after commit
    (and retried by the worker): nothing acknowledged is lost, nothing is sent twice."""

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set by the sender that took it; a claim older than a few minutes is a crashed sender's."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
