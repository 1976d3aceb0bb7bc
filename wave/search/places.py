"""Places for the search: a location with everything under it, and places found by name.

Places are few next to requests (thousands, not millions): their ids are looked up first and
the request query gets plain id lists its indexes on site, location and asset answer.
"""

from sqlalchemy import func, or_, select

from wave.extensions import db
from wave.qr.models import Asset, Location, Site
from wave.requests.models import ServiceRequest


def subtree(location_ids) -> list[int]:
    """These locations and every location under them."""
    if not location_ids:
        return []
    tree = select(Location.id).where(Location.id.in_(location_ids)).cte("tree", recursive=True)
    tree = tree.union(select(Location.id).where(Location.parent_id == tree.c.id))
    return list(db.session.scalars(select(tree.c.id)))


def matching(text: str):
    """Requests at a site whose name or address holds `text` (any case), in or under a
    location whose name holds it, or about an asset whose name does; None when no place does."""
    needle = " ".join(text.split()).lower()
    site_ids = db.session.scalars(
        select(Site.id).where(
            or_(
                _lower(Site.name).contains(needle, autoescape=True),
                _lower(Site.address).contains(needle, autoescape=True),
            )
        )
    ).all()
    location_ids = subtree(
        db.session.scalars(
            select(Location.id).where(_lower(Location.name).contains(needle, autoescape=True))
        ).all()
    )
    asset_ids = db.session.scalars(
        select(Asset.id).where(_lower(Asset.name).contains(needle, autoescape=True))
    ).all()
    either = []
    if site_ids:
        either.append(ServiceRequest.site_id.in_(site_ids))
    if location_ids:
        either.append(ServiceRequest.location_id.in_(location_ids))
    if asset_ids:
        either.append(ServiceRequest.asset_id.in_(asset_ids))
    return or_(*either) if either else None


def _lower(column):
    """lower() that knows every alphabet: SQLite's own lowers ASCII only ('Кухня' stays)."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return func.lower(column)
    connection.connection.driver_connection.create_function(
        "wave_lower", 1, _lower_text, deterministic=True
    )
    return func.wave_lower(column)


def _lower_text(value):
    return value.lower() if isinstance(value, str) else value
