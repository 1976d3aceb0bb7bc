"""Threads and messages. A request's discussion is a thread like any chat.

Messages are edited, never deleted: every earlier text stays in MessageVersion.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wave.auth.models import User
from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class Thread(db.Model):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """'request' (a request's discussion), later 'direct', 'group', 'team'."""
    title: Mapped[str | None] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        # A resend of the same message (double tap, reconnect) is recognised, not duplicated.
        UniqueConstraint("author_id", "client_id", name="uq_messages_author_client"),
        Index("ix_messages_thread_id_id", "thread_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User] = relationship()
    versions: Mapped[list["MessageVersion"]] = relationship(
        order_by="MessageVersion.id", back_populates="message"
    )


class MessageVersion(db.Model):
    """An earlier text of a message, kept when it was edited."""

    __tablename__ = "message_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    """When this text was written (the message's creation or an earlier edit)."""
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    message: Mapped[Message] = relationship(back_populates="versions")
