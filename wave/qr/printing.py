"""Label printing, the database side: which tags go on a sheet, in what order and with which
place printed on each; the print history; each template's printer offset."""

import math
import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from wave.auth.models import User
from wave.extensions import db
from wave.qr.codes import normalize, tag_url
from wave.qr.labels import LabelItem, get_template
from wave.qr.models import Asset, LabelOffset, LabelPrint, Location, QrTag, Site

MAX_OFFSET_MM = 5.0
"""Larger shifts mean the wrong template or paper, not a printer's drift."""

_Place = aliased(Location)


class _Row(NamedTuple):
    code: str
    asset_name: str | None
    location_id: int
    site_id: int
    site_name: str


def select_labels(
    *,
    site_id: int | None = None,
    location_id: int | None = None,
    asset_kind: str | None = None,
    tag_ids: Collection[int] | None = None,
    codes: Collection[str] | None = None,
) -> list[LabelItem]:
    """Label items for the usable tags that match every filter given (all usable tags when
    none is), in site, floor, room, asset order. Three queries, however many tags.

    `location_id` takes that location's subtree (a floor, a wing, a room): tags on its
    locations and on the assets in them. `asset_kind` takes asset tags only. `tag_ids` and
    `codes` pick tags by hand (codes as typed); picked tags that are not usable are left out,
    as are revoked tags and tags on an archived place or site.
    """
    stmt = _usable_tags()
    if location_id is not None:
        root_site = db.session.scalar(select(Location.site_id).where(Location.id == location_id))
        stmt = stmt.where(Site.id == root_site)
    if site_id is not None:
        stmt = stmt.where(Site.id == site_id)
    if asset_kind is not None:
        stmt = stmt.where(Asset.kind == asset_kind)
    if tag_ids is not None:
        stmt = stmt.where(QrTag.id.in_(list(tag_ids)))
    if codes is not None:
        stmt = stmt.where(QrTag.code.in_([normalize(c) for c in codes]))
    rows = [_Row(*row) for row in db.session.execute(stmt)]

    tree = _location_tree({row.site_id for row in rows})
    if location_id is not None:
        subtree = _subtree(tree, location_id)
        rows = [row for row in rows if row.location_id in subtree]
    rows.sort(key=lambda row: _order(row, tree))
    return [_item(row, tree) for row in rows]


def _usable_tags():
    # The tag's place is its asset, or its own location; QrTag.is_usable, as one query.
    place_id = func.coalesce(Asset.location_id, QrTag.location_id)
    return (
        select(QrTag.code, Asset.name, _Place.id, Site.id, Site.name)
        .select_from(QrTag)
        .outerjoin(Asset, Asset.id == QrTag.asset_id)
        .join(_Place, _Place.id == place_id)
        .join(Site, Site.id == _Place.site_id)
        .where(
            QrTag.revoked_at.is_(None),
            Site.archived_at.is_(None),
            or_(
                and_(QrTag.asset_id.is_not(None), Asset.archived_at.is_(None)),
                and_(QrTag.asset_id.is_(None), _Place.archived_at.is_(None)),
            ),
        )
    )


class _Node(NamedTuple):
    parent_id: int | None
    name: str


def _location_tree(site_ids: set[int]) -> dict[int, _Node]:
    if not site_ids:
        return {}
    rows = db.session.execute(
        select(Location.id, Location.parent_id, Location.name).where(Location.site_id.in_(site_ids))
    )
    return {ident: _Node(parent, name) for ident, parent, name in rows}


def _path(tree: dict[int, _Node], location_id: int) -> list[str]:
    """The names from the outermost location down to this one."""
    names, node_id = [], location_id
    while node_id is not None:
        node = tree[node_id]
        names.append(node.name)
        node_id = node.parent_id
    return names[::-1]


def _subtree(tree: dict[int, _Node], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for ident, node in tree.items():
        if node.parent_id is not None:
            children.setdefault(node.parent_id, []).append(ident)
    found, todo = set(), [root]
    while todo:
        ident = todo.pop()
        found.add(ident)
        todo.extend(children.get(ident, ()))
    return found


def _natural(text: str) -> tuple:
    # "Floor 2" before "Floor 10"; digits and words alternate, so the parts always compare.
    return tuple(
        int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text.casefold())
    )


def _order(row: _Row, tree: dict[int, _Node]) -> tuple:
    path = tuple(_natural(name) for name in _path(tree, row.location_id))
    # A room's own tag comes first, then the assets in it.
    asset = (1, _natural(row.asset_name)) if row.asset_name is not None else (0,)
    return (_natural(row.site_name), row.site_id, path, asset, row.code)


def _item(row: _Row, tree: dict[int, _Node]) -> LabelItem:
    path = _path(tree, row.location_id)
    if row.asset_name is not None:
        area, name = path, row.asset_name
    else:
        area, name = path[:-1], path[-1]
    return LabelItem(
        code=row.code, url=tag_url(row.code), site=row.site_name, area=" · ".join(area), name=name
    )


def site_named(name: str) -> Site:
    """The site called `name`; raises LookupError naming the sites there are when no site or
    several sites have that name."""
    sites = db.session.scalars(select(Site).where(Site.name == name)).all()
    if len(sites) == 1:
        return sites[0]
    if sites:
        raise LookupError(f"several sites are called {name!r}")
    known = db.session.scalars(select(Site.name).order_by(Site.name)).all()
    raise LookupError(f"no site is called {name!r} (sites: {', '.join(known) or 'none'})")


# ---------------------------------------------------------------- history
def record_print(
    user: User | None,
    template: str,
    language: str,
    selection_text: str,
    items: Sequence[LabelItem],
) -> LabelPrint:
    """Adds the print run to the history (`user` None from the command line) and commits;
    raises ValueError for an unknown template."""
    get_template(template)
    entry = LabelPrint(
        user_id=user.id if user is not None else None,
        template=template,
        language=language,
        selection=selection_text[:255],
        codes=[item.code for item in items],
        tag_count=len(items),
    )
    db.session.add(entry)
    db.session.commit()
    return entry


# ---------------------------------------------------------------- offsets
def offset_for(template: str) -> tuple[float, float]:
    """The printer shift (dx, dy) in millimetres saved for `template`; (0, 0) until one is."""
    saved = db.session.get(LabelOffset, template)
    return (saved.dx_mm, saved.dy_mm) if saved else (0.0, 0.0)


def save_offset(template: str, dx: float, dy: float) -> LabelOffset:
    """Saves the shift measured on the calibration page and commits; raises ValueError for an
    unknown template or a shift beyond ±MAX_OFFSET_MM."""
    get_template(template)
    for value in (dx, dy):
        if not math.isfinite(value) or abs(value) > MAX_OFFSET_MM:
            raise ValueError(f"a shift must be between -{MAX_OFFSET_MM:g} and {MAX_OFFSET_MM:g} mm")
    saved = db.session.get(LabelOffset, template) or LabelOffset(template=template)
    saved.dx_mm, saved.dy_mm = float(dx), float(dy)
    db.session.add(saved)
    db.session.commit()
    return saved
