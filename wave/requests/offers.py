"""Which categories a place offers on its tenant form: the registry's side of it.

A place with no list of its own offers what the nearest location above it offers (see
`catalog.offered_categories`); offering a group offers all of its items.
"""

from sqlalchemy import delete, insert, select

from wave.extensions import db
from wave.qr.models import Asset, Location
from wave.requests.models import Category, asset_categories, location_categories


def _table(place: Location | Asset):
    if isinstance(place, Asset):
        return asset_categories, asset_categories.c.asset_id
    return location_categories, location_categories.c.location_id


def own_offers(place: Location | Asset) -> set[int]:
    """The category ids this place lists itself (empty: it follows the place above it)."""
    table, owner = _table(place)
    return set(db.session.scalars(select(table.c.category_id).where(owner == place.id)))


def offer_choices() -> list[tuple[int, str, bool]]:
    """Every active group and item as (id, label, is_group), groups followed by their items."""
    rows = db.session.scalars(
        select(Category)
        .where(Category.archived_at.is_(None))
        .order_by(Category.position, Category.name)
    ).all()
    groups = [c for c in rows if c.parent_id is None]
    out = []
    for group in groups:
        out.append((group.id, group.name, True))
        out += [(c.id, c.name, False) for c in rows if c.parent_id == group.id]
    return out


def set_offers(place: Location | Asset, category_ids: set[int]) -> None:
    """Replaces the place's own list (an empty set: follow the place above). Commits."""
    table, owner = _table(place)
    db.session.execute(delete(table).where(owner == place.id))
    if category_ids:
        key = owner.key
        db.session.execute(
            insert(table), [{key: place.id, "category_id": ident} for ident in category_ids]
        )
    db.session.commit()
