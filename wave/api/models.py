"""API tokens: issued by an admin to one other system, shown once, kept only as a hash."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wave.auth.models import User
from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    """Which system holds it ("Building alarms"): named in the timeline of what it creates."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token, hex: the token itself is shown once and never stored."""
    hint: Mapped[str] = mapped_column(String(12))
    """The token's first characters, to tell tokens apart in the list."""
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()


class ApiRequest(db.Model):
    """A request a token sent: that token may read how it stands (GET /api/v1/requests/<id>)."""

    __tablename__ = "api_requests"

    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), index=True)
