"""SLA policies, business-hours calendars, escalation rules, and the guard that makes every
rule fire once per request."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class SiteCalendar(db.Model):
    """When a site works. A site without one works 24/7."""

    __tablename__ = "site_calendars"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    hours: Mapped[str | None] = mapped_column(String(255))
    """Working hours as wave.sla.hours.parse_hours reads them ('Mon-Fri 08:00-18:00');
    None: 24/7 (holidays then do not apply)."""


class Holiday(db.Model):
    """A local date on which a site does not work."""

    __tablename__ = "holidays"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")


class SlaPolicy(db.Model):
    """Targets for requests matching category × priority × tenant SLA class; an empty
    dimension matches everything. The most specific row with a value wins, per target
    (see wave.sla.policies)."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    priority: Mapped[str | None] = mapped_column(String(16))
    sla_class: Mapped[str | None] = mapped_column(String(1))
    response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]


RULE_KINDS = ("not_taken", "response_breached", "resolution_breached", "due_soon")


class EscalationRule(db.Model):
    """Who is told when work slips. Applies to a team's or a category's requests (or all);
    for each kind the most specific active rule applies (wave.sla.rules)."""

    __tablename__ = "escalation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    """not_taken: nobody took it within `minutes`; response_breached / resolution_breached;
    due_soon: resolution due within `minutes`."""
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    minutes: Mapped[int | None]
    always: Mapped[bool] = mapped_column(default=False)
    """Fires at night and on holidays too; otherwise it waits for the site's working time."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Firing(db.Model):
    """Something that happened once to a request: a breach, a rule, a reminder. The primary
    key is the guard: two workers racing insert one row, the loser does nothing."""

    __tablename__ = "sla_firings"

    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """'breach:response', 'rule:<id>', 'resume:<iso time>', 'autoclose'."""
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
