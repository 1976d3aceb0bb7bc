"""The one request table, its append-only timeline, and what shapes a request (categories,
tenant organisations)."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    Computed,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import ColumnElement

from wave.auth.models import Team, User
from wave.extensions import db
from wave.files.models import Attachment
from wave.messenger.models import Thread
from wave.qr.models import Asset, Location, Site
from wave.timeutil import UTCDateTime, now

PRIORITIES = ("low", "normal", "high", "urgent")
SOURCES = ("qr", "chat", "desk", "api", "schedule")
STATUSES = ("new", "assigned", "in_progress", "on_hold", "done", "closed", "reopened", "cancelled")
OPEN_STATUSES = ("new", "assigned", "in_progress", "on_hold", "reopened")
OPEN_WHERE = f"status IN ({', '.join(repr(status) for status in OPEN_STATUSES)})"
"""OPEN_STATUSES as an index condition."""
SLA_CLASSES = ("A", "B", "C")

location_categories = Table(
    "location_categories",
    db.metadata,
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)
asset_categories = Table(
    "asset_categories",
    db.metadata,
    Column("asset_id", ForeignKey("assets.id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)

chat_categories = Table(
    "chat_categories",
    db.metadata,
    Column("thread_id", ForeignKey("threads.id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True),
)
"""What a team chat offers when a message becomes a request ("trash removal", "wet cleaning")."""


class Category(db.Model):
    """A request type. Groups (Cleaning, Electrical …) are categories without a parent;
    requests are filed under their items."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    default_priority: Mapped[str] = mapped_column(String(16), default="normal")
    requires_photo: Mapped[bool] = mapped_column(default=False)
    """Completion ('done') needs a photo of the result."""
    response_minutes: Mapped[int | None]
    resolution_minutes: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    parent: Mapped["Category | None"] = relationship(remote_side=[id])
    default_team: Mapped[Team | None] = relationship()

    @property
    def label(self) -> str:
        return f"{self.parent.name} → {self.name}" if self.parent else self.name


class TenantOrg(db.Model):
    """A company renting space; its SLA class (A answers fastest) passes to its requests."""

    __tablename__ = "tenant_orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    sla_class: Mapped[str] = mapped_column(String(1), default="B")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Lease(db.Model):
    """Who rents a location (a room, a whole floor): requests from there, and from the rooms
    and equipment inside it, carry that tenant organisation and its SLA class."""

    __tablename__ = "leases"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    tenant_org_id: Mapped[int] = mapped_column(ForeignKey("tenant_orgs.id"), index=True)

    location: Mapped[Location] = relationship()
    tenant_org: Mapped[TenantOrg] = relationship()


class ServiceRequest(db.Model):
    __tablename__ = "service_requests"
    __table_args__ = (
        Index("ix_service_requests_team_status_id", "team_id", "status", "id"),
        Index("ix_service_requests_assignee_status_id", "assignee_id", "status", "id"),
        Index("ix_service_requests_status_id", "status", "id"),
        # Requests by when they came in; on PostgreSQL with the first response, so the
        # reports' reaction times read a narrow index (the covering one below is 4× wider).
        Index(
            "ix_service_requests_created_at",
            "created_at",
            postgresql_include=["first_response_at"],
        ),
        # Open work by its next deadline (the inbox's order); only open work has one, and
        # the condition lets PostgreSQL walk the index for "all open" instead of gathering
        # every open request and sorting it.
        Index(
            "ix_service_requests_open_due",
            "next_due_at",
            "id",
            postgresql_where=text(OPEN_WHERE),
            sqlite_where=text(OPEN_WHERE),
        ),
        Index("ix_service_requests_response_due_at", "response_due_at"),
        Index("ix_service_requests_resolution_due_at", "resolution_due_at"),
        # Reports: completed in a period, and which of those were created before it; on
        # PostgreSQL with the filters' columns (the trend's counts, the scorecard's median).
        Index(
            "ix_service_requests_resolved_at_created_at",
            "resolved_at",
            "created_at",
            postgresql_include=["id", "assignee_id", "site_id", "category_id", "team_id", "source"],
        ),
        # Reports: the period's requests; on PostgreSQL with every column the figures read.
        Index(
            "ix_service_requests_reports",
            "created_at",
            postgresql_include=(
                "id status source site_id category_id location_id asset_id team_id assignee_id "
                "created_by_id first_response_at resolved_at closed_at response_due_at "
                "resolution_due_at rating repeat_of_id"
            ).split(),
        ),
        # Repeat failures (wave/requests/repeats.py): the request before or after one at its
        # place and of its category, a probe each; an asset, else a location without one.
        Index(
            "ix_service_requests_repeat_asset",
            "asset_id",
            "category_id",
            "created_at",
            "id",
            postgresql_where=text("asset_id IS NOT NULL"),
            sqlite_where=text("asset_id IS NOT NULL"),
        ),
        Index(
            "ix_service_requests_repeat_location",
            "location_id",
            "category_id",
            "created_at",
            "id",
            postgresql_where=text("asset_id IS NULL"),
            sqlite_where=text("asset_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    """Also the human number shown as #id: unique and sequential without a race."""
    source: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    qr_tag_id: Mapped[int | None] = mapped_column(ForeignKey("qr_tags.id"))
    description: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="new")

    requester_name: Mapped[str | None] = mapped_column(String(120))
    requester_phone: Mapped[str | None] = mapped_column(String(40))
    requester_email: Mapped[str | None] = mapped_column(String(254))
    requester_locale: Mapped[str | None] = mapped_column(String(8))
    """The language the requester wrote in: their e-mails come in it."""
    tenant_org_id: Mapped[int | None] = mapped_column(ForeignKey("tenant_orgs.id"))
    sla_class: Mapped[str] = mapped_column(String(1), default="B")

    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    """The staff member who entered it; None for a tenant's QR submission."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hold_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """Set while on hold; the span is added to hold_seconds when work resumes."""
    hold_seconds: Mapped[int] = mapped_column(default=0)
    hold_reason: Mapped[str | None] = mapped_column(String(255))
    resume_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(255))
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_seconds: Mapped[int] = mapped_column(default=0)
    """Working time spent on hold: the resolution clock does not run then."""
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """The deadline the work faces now (response until answered, then resolution); None on
    hold (the clock is paused), when finished, or without a target. Lists sort by it."""

    rating: Mapped[int | None]
    feedback: Mapped[str | None] = mapped_column(Text)
    labor_minutes: Mapped[int] = mapped_column(default=0)

    tracking_token: Mapped[str] = mapped_column(String(43), unique=True)
    """Secret part of the tenant's /t/<token> link: the only key to the public page."""
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    """Sent with the form; a retried or double-tapped submit finds the request it made."""
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id"), index=True)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    repeat_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL")
    )
    """The request this one repeats: the latest earlier one at the same place (asset, else
    location) and of the same category, at most 30 days before; kept by
    wave/requests/repeats.py. The hot spots report counts these links."""

    category: Mapped[Category] = relationship()
    site: Mapped[Site] = relationship()
    location: Mapped[Location | None] = relationship()
    asset: Mapped[Asset | None] = relationship()
    team: Mapped[Team | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    tenant_org: Mapped[TenantOrg | None] = relationship()
    thread: Mapped[Thread | None] = relationship()

    @property
    def number(self) -> str:
        return f"#{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def place_name(self) -> str:
        parts = [self.site.name]
        if self.location:
            parts += [loc.name for loc in self.location.path]
        if self.asset:
            parts.append(self.asset.name)
        return " · ".join(parts)


class labor_field(ColumnElement):
    """An integer field of a labor entry's data, NULL for other events: the SQL of a generated
    column (PostgreSQL stores it, SQLite works it out when read)."""

    inherit_cache = True
    type = Integer()

    def __init__(self, key: str):
        self.key = key


@compiles(labor_field, "postgresql")
def _labor_field_pg(element, compiler, **kw):
    return f"CASE WHEN kind = 'labor' THEN (data ->> '{element.key}')::integer END"


@compiles(labor_field)
def _labor_field_sqlite(element, compiler, **kw):
    return f"CASE WHEN kind = 'labor' THEN json_extract(data, '$.{element.key}') END"


class RequestEvent(db.Model):
    """One change to a request: the append-only timeline every report is computed from."""

    __tablename__ = "request_events"
    __table_args__ = (
        Index("ix_request_events_request_id_id", "request_id", "id"),
        # Reports: labor and reopenings in a period.
        Index("ix_request_events_kind_created_at", "kind", "created_at"),
        Index(
            "ix_request_events_reports",
            "kind",
            "created_at",
            postgresql_include=["request_id", "labor_minutes", "labor_assignee_id"],
            postgresql_where=text("kind IN ('labor', 'reopened')"),
            sqlite_where=text("kind IN ('labor', 'reopened')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"))
    kind: Mapped[str] = mapped_column(String(24))
    """created, assigned, taken, status, comment, photo, labor, rating, reopened …"""
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """None when the tenant (or the system) acted."""
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    public: Mapped[bool] = mapped_column(default=False)
    """Shown on the tenant's tracking page."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    labor_minutes: Mapped[int | None] = mapped_column(Computed(labor_field("minutes")))
    """A labor entry's minutes (data.minutes), kept as a column for the reports to add up."""
    labor_assignee_id: Mapped[int | None] = mapped_column(Computed(labor_field("assignee_id")))
    """Whom a labor entry counts for: the request's assignee when it was logged
    (data.assignee_id)."""

    actor: Mapped[User | None] = relationship()


class RequestAttachment(db.Model):
    """A file attached to a request: the tenant's report photo, a completion photo …"""

    __tablename__ = "request_attachments"

    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), primary_key=True)
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id"), primary_key=True, index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    """'report' (from the requester), 'completion' (proof of work), 'work' (during work):
    photos; 'document': a PDF staff added (never public)."""
    public: Mapped[bool] = mapped_column(default=True)
    """Visible to the tracking-link holder."""

    attachment: Mapped[Attachment] = relationship()
