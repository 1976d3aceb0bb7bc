"""Places that QR codes hang on: sites, the location tree, assets, and their tags."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from wave.auth.models import User
from wave.extensions import db
from wave.timeutil import UTCDateTime, now


class Site(db.Model):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Location(db.Model):
    """A node of a site's tree: floor, room or zone."""

    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="room")
    external_id: Mapped[str | None] = mapped_column(String(64))
    """The building's own id (from an imported file): re-importing updates, never duplicates."""
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    parent: Mapped["Location | None"] = relationship(remote_side=[id])

    @property
    def path(self) -> list["Location"]:
        """This location and its ancestors, outermost first."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    @property
    def full_name(self) -> str:
        return " · ".join(node.name for node in self.path)


class Asset(db.Model):
    """A piece of equipment at a location."""

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    """Its location's site, kept with it (moves update both): selects a site's assets in one
    query and scopes external ids."""
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str | None] = mapped_column(String(40))
    """The sort of equipment (printer, coffee machine …): label sheets can select by it."""
    external_id: Mapped[str | None] = mapped_column(String(64))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    site: Mapped[Site] = relationship()
    location: Mapped[Location] = relationship()

    @validates("location")
    def _follow_location(self, _key, location: Location) -> Location:
        # An asset's site is its location's: set together, also when it moves.
        self.site = location.site
        return location


class QrTag(db.Model):
    """A printed code that opens /q/<code> for a location or an asset."""

    __tablename__ = "qr_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    """Crockford base32, no look-alike characters; compared upper-case."""
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scan_count: Mapped[int] = mapped_column(default=0)

    location: Mapped[Location | None] = relationship()
    asset: Mapped[Asset | None] = relationship()

    @property
    def place_location(self) -> Location:
        """The location the tag stands in: its own, or its asset's."""
        return self.asset.location if self.asset else self.location

    @property
    def is_usable(self) -> bool:
        place = self.asset or self.location
        return (
            self.revoked_at is None
            and place.archived_at is None
            and self.place_location.site.archived_at is None
        )


LABEL_TEMPLATES = ("a4-3x8", "a4-2x4", "a5-poster")


class LabelPrint(db.Model):
    """One printed sheet run: who printed which codes, on which template."""

    __tablename__ = "label_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    """None when printed from the command line."""
    template: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    selection: Mapped[str] = mapped_column(String(255))
    """What was asked for, in words (site, floor, hand-picked …)."""
    codes: Mapped[list] = mapped_column(JSON, default=list)
    tag_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)

    user: Mapped["User | None"] = relationship()


class LabelOffset(db.Model):
    """A printer's shift for one template, measured on the calibration page (millimetres)."""

    __tablename__ = "label_offsets"

    template: Mapped[str] = mapped_column(String(16), primary_key=True)
    dx_mm: Mapped[float] = mapped_column(default=0.0)
    dy_mm: Mapped[float] = mapped_column(default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
