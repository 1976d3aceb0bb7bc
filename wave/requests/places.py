"""Picking the place of a request typed in by staff (the desk, a chat message): every active
location and asset of every active site, labelled with its full path."""

from sqlalchemy import select

from wave.extensions import db
from wave.qr.models import Asset, Location, Site


def place_choices() -> list[tuple[str, str]]:
    """('l<id>' or 'a<id>', 'Site · Floor · Room [· Asset]'), sorted by label."""
    locations = db.session.scalars(
        select(Location)
        .join(Site)
        .where(Location.archived_at.is_(None), Site.archived_at.is_(None))
    ).all()
    assets = db.session.scalars(select(Asset).where(Asset.archived_at.is_(None))).all()
    pairs = [(f"l{loc.id}", f"{loc.site.name} · {loc.full_name}") for loc in locations]
    pairs += [
        (f"a{a.id}", f"{a.location.site.name} · {a.location.full_name} · {a.name}") for a in assets
    ]
    return sorted(pairs, key=lambda pair: pair[1])


def parse_place(value: str) -> tuple[Location | None, Asset | None]:
    """(location, None) or (None, asset) for a value of `place_choices`."""
    kind, ident = value[:1], int(value[1:])
    if kind == "a":
        return None, db.session.get(Asset, ident)
    return db.session.get(Location, ident), None
