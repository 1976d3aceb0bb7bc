"""Planned maintenance: work that comes back on a schedule."""

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wave.auth.models import User
from wave.extensions import db
from wave.plans.recurrence import Schedule
from wave.qr.models import Asset, Location
from wave.requests.models import Category, ServiceRequest
from wave.timeutil import UTCDateTime, now


class Plan(db.Model):
    """Work to do again and again at one place (filters every 3 months, a weekly walk-round
    of the plant room). The worker turns each occurrence into a request (source: schedule),
    which then lives like any other: team, SLA, timeline, reports."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_next_at", "next_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """Who each request goes to; None: anyone in the category's team."""
    every: Mapped[int]
    unit: Mapped[str] = mapped_column(String(8))
    """'day', 'week' or 'month' (recurrence.UNITS)."""
    starts_on: Mapped[date] = mapped_column(Date)
    at: Mapped[time] = mapped_column(Time)
    """The local time of day (at the site) a request is made."""
    next_n: Mapped[int] = mapped_column(default=0)
    """The occurrence the next request is for (0: the one on starts_on)."""
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When that request is due to be made; None while the plan is paused. The worker
    looks only here (indexed), never at the schedule."""
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_request_id: Mapped[int | None] = mapped_column(ForeignKey("service_requests.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    category: Mapped[Category] = relationship()
    location: Mapped[Location] = relationship()
    asset: Mapped[Asset | None] = relationship()
    last_request: Mapped[ServiceRequest | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.starts_on, self.every, self.unit, self.at, self.location.site.timezone)

    @property
    def in_use(self) -> bool:
        """Whether its category and place (room, site, equipment) are all still in use."""
        named = (self.category, self.location, self.location.site, self.asset)
        return all(thing is None or thing.archived_at is None for thing in named)

    @property
    def place_value(self) -> str:
        """The place picker's value for this plan's place."""
        return f"a{self.asset_id}" if self.asset_id else f"l{self.location_id}"
