"""Which categories a place offers on its form."""

from sqlalchemy import select

from wave.extensions import db
from wave.qr.models import Asset, Location
from wave.requests.models import Category, asset_categories, location_categories


def active_items() -> list[Category]:
    """Every category a request can be filed under (items, not groups), in display order."""
    parent = Category.__table__.alias("parent")
    rows = db.session.scalars(
        select(Category)
        .join(parent, parent.c.id == Category.parent_id)
        .where(Category.archived_at.is_(None), parent.c.archived_at.is_(None))
        .order_by(parent.c.position, parent.c.name, Category.position, Category.name)
    )
    return list(rows)


def offered_categories(location: Location | None, asset: Asset | None) -> list[Category]:
    """The asset's own list if it has one, else the nearest location's up the tree, else all."""
    items = active_items()
    chosen = None
    if asset is not None:
        chosen = _ids(asset_categories.c.category_id, asset_categories.c.asset_id == asset.id)
    node = location
    while not chosen and node is not None:
        chosen = _ids(
            location_categories.c.category_id, location_categories.c.location_id == node.id
        )
        node = node.parent
    if not chosen:
        return items
    # Offering a group offers all its items.
    return [c for c in items if c.id in chosen or c.parent_id in chosen]


def _ids(column, condition) -> set[int]:
    return set(db.session.scalars(select(column).where(condition)))
