"""Which categories a place offers on its form."""

from typing import NamedTuple

from sqlalchemy import select

from wave import reference
from wave.extensions import db
from wave.qr.models import Asset, Location
from wave.requests.models import Category, asset_categories, location_categories


class Choice(NamedTuple):
    """A category as a form offers it: read as plain columns, since every form shows them all."""

    id: int
    parent_id: int
    name: str
    group: str


# Built once, on plain table columns: every tenant form runs it, and building the statement
# or going through the ORM costs several times the query itself.
_item = Category.__table__
_group = _item.alias("grp")
_ACTIVE_ITEMS = (
    select(_item.c.id, _item.c.parent_id, _item.c.name, _group.c.name)
    .join_from(_item, _group, _group.c.id == _item.c.parent_id)
    .where(_item.c.archived_at.is_(None), _group.c.archived_at.is_(None))
    .order_by(_group.c.position, _group.c.name, _item.c.position, _item.c.name)
)


def category(ident: int) -> Category | None:
    """A category by id, from this process's reference data."""
    return reference.rows(("category", ident), lambda session: session.get(Category, ident))


def active_items() -> list[Choice]:
    """Every category a request can be filed under (items, not groups), in display order."""
    return [Choice(*row) for row in db.session.execute(_ACTIVE_ITEMS)]


def offered_categories(location: Location | None, asset: Asset | None) -> list[Choice]:
    """The asset's own list if it has one, else the nearest location's up the tree, else all."""
    key = ("offered", location.id if location else None, asset.id if asset else None)
    return list(reference.value(key, lambda: tuple(_offered(location, asset))))


def _offered(location, asset) -> list[Choice]:
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
    # Offering a group offers all its items. A list whose items were all archived since
    # offers everything rather than an empty form.
    return [c for c in items if c.id in chosen or c.parent_id in chosen] or items


def _ids(column, condition) -> set[int]:
    return set(db.session.scalars(select(column).where(condition)))
