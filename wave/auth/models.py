"""Staff accounts and teams."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from wave.extensions import db
from wave.timeutil import UTCDateTime, now

ROLES = ("admin", "manager", "dispatcher", "staff")
DESK_ROLES = frozenset({"admin", "manager", "dispatcher"})

team_members = Table(
    "team_members",
    db.metadata,
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    phone: Mapped[str | None] = mapped_column(String(40))
    locale: Mapped[str | None] = mapped_column(String(8))
    """The user's language; None follows the browser."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Users are archived, never deleted: their history stays."""

    teams: Mapped[list["Team"]] = relationship(secondary=team_members, back_populates="members")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:
        return self.archived_at is None

    @property
    def is_desk(self) -> bool:
        """Dispatchers, managers and admins see and assign all open work."""
        return self.role in DESK_ROLES

    @property
    def team_ids(self) -> list[int]:
        return [t.id for t in self.teams]

    def __repr__(self):
        return f"<User {self.username}>"


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[User]] = relationship(
        secondary=team_members, back_populates="teams", order_by="User.display_name"
    )
