"""Places that QR codes hang on: sites, the location tree, assets, and their tags."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="room")
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

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str | None] = mapped_column(String(40))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    location: Mapped[Location] = relationship()


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
