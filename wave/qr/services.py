"""Registry actions on places and their tags. Each commits; nothing here is ever deleted.

Places referenced by requests keep their rows forever: archiving hides a place from new
requests and from pickers, and a whole subtree is archived (and restored) together.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from wave.extensions import db
from wave.qr.codes import new_code
from wave.qr.models import Asset, Location, QrTag, Site
from wave.timeutil import now

LOCATION_KINDS = ("floor", "room", "zone")

Place = Location | Asset


class RegistryError(ValueError):
    """A change the registry refuses; the message is for the admin."""


# ---------------------------------------------------------------- sites
def create_site(*, name: str, address: str | None, timezone: str) -> Site:
    """A new building. Commits."""
    site = Site(name=name, address=address or None, timezone=timezone)
    db.session.add(site)
    db.session.commit()
    return site


def update_site(site: Site, *, name: str, address: str | None, timezone: str) -> None:
    site.name, site.address, site.timezone = name, address or None, timezone
    db.session.commit()


def set_site_archived(site: Site, archived: bool) -> None:
    """An archived site takes no requests; its places keep their own state. Commits."""
    site.archived_at = now() if archived else None
    db.session.commit()


# ---------------------------------------------------------------- locations and assets
def create_location(
    site: Site, *, parent: Location | None, name: str, kind: str, tag: bool = True
) -> Location:
    """A floor, room or zone under `parent` (None: at the top of the site). Commits."""
    if parent is not None and parent.site_id != site.id:
        raise RegistryError(_l("The parent belongs to another site."))
    location = Location(site=site, parent=parent, name=name, kind=kind)
    db.session.add(location)
    if tag:
        db.session.add(QrTag(code=new_code(), location=location))
    db.session.commit()
    return location


def update_location(location: Location, *, name: str, kind: str, parent: Location | None) -> None:
    """Renames and moves a location within its site. Commits; raises RegistryError."""
    if parent is not None:
        if parent.site_id != location.site_id:
            raise RegistryError(_l("A location moves within its own site."))
        if location.id in {node.id for node in parent.path}:
            raise RegistryError(_l("A location cannot be moved under itself."))
    location.name, location.kind, location.parent = name, kind, parent
    db.session.commit()


def create_asset(location: Location, *, name: str, kind: str | None, tag: bool = True) -> Asset:
    """Equipment at a location. Commits."""
    asset = Asset(location=location, name=name, kind=kind or None)
    db.session.add(asset)
    if tag:
        db.session.add(QrTag(code=new_code(), asset=asset))
    db.session.commit()
    return asset


def update_asset(asset: Asset, *, name: str, kind: str | None, location: Location) -> None:
    """Renames an asset or moves it to another location (its site follows). Commits."""
    asset.name, asset.kind, asset.location = name, kind or None, location
    db.session.commit()


def subtree_ids(location: Location) -> list[int]:
    """The location and every location below it, in one query per site."""
    children: dict[int | None, list[int]] = {}
    rows = db.session.execute(
        select(Location.id, Location.parent_id).where(Location.site_id == location.site_id)
    )
    for ident, parent_id in rows:
        children.setdefault(parent_id, []).append(ident)
    found, todo = [], [location.id]
    while todo:
        ident = todo.pop()
        found.append(ident)
        todo.extend(children.get(ident, ()))
    return found


def set_location_archived(location: Location, archived: bool) -> int:
    """Archives (or restores) a location with everything below it and their assets.

    Restoring brings back only what was archived together with it (same moment), not what
    had been archived on its own before. Commits; returns how many places changed.
    """
    ids = subtree_ids(location)
    if archived:
        stamp, match = now(), Location.archived_at.is_(None)
        asset_match = Asset.archived_at.is_(None)
    else:
        stamp, match = None, Location.archived_at == location.archived_at
        asset_match = Asset.archived_at == location.archived_at
    changed = db.session.execute(
        update(Location).where(Location.id.in_(ids), match).values(archived_at=stamp)
    ).rowcount
    changed += db.session.execute(
        update(Asset).where(Asset.location_id.in_(ids), asset_match).values(archived_at=stamp)
    ).rowcount
    db.session.commit()
    return changed


def set_asset_archived(asset: Asset, archived: bool) -> None:
    asset.archived_at = now() if archived else None
    db.session.commit()


# ---------------------------------------------------------------- tags
def _owner_filter(place: Place):
    if isinstance(place, Asset):
        return QrTag.asset_id == place.id
    return QrTag.location_id == place.id


def active_tag(place: Place) -> QrTag | None:
    """The place's current (not revoked) tag, if it has one."""
    return db.session.scalar(
        select(QrTag)
        .where(_owner_filter(place), QrTag.revoked_at.is_(None))
        .order_by(QrTag.id.desc())
    )


def issue_tag(place: Place) -> QrTag:
    """A new code for the place; the current one, if any, is revoked (a reissued label).

    Commits. The old code's page then says it was replaced (see `replacement_for`).
    """
    db.session.execute(
        update(QrTag)
        .where(_owner_filter(place), QrTag.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    owner = {"asset": place} if isinstance(place, Asset) else {"location": place}
    tag = QrTag(code=new_code(), **owner)
    db.session.add(tag)
    db.session.commit()
    return tag


def replacement_for(tag: QrTag) -> QrTag | None:
    """The current tag of a revoked tag's place: where a replaced label now points."""
    if tag.revoked_at is None:
        return None
    return active_tag(tag.asset or tag.location)
