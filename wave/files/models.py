"""Stored files. Who may see one is decided by what links to it (a request, a message)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumb_key: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    width: Mapped[int | None]
    height: Mapped[int | None]
    original_name: Mapped[str | None] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """None when a tenant uploaded it."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    """Indexed: the worker looks for photos nothing took, by age (wave.files.cleanup)."""
