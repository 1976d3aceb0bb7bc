"""The catalogue as the registry changes it: category groups and items, tenant organisations.

Every change commits. Nothing here deletes: requests point at categories and organisations,
so they are archived. An archived item (or an item of an archived group) leaves the tenant
and desk forms at once, since wave.requests.catalog reads the table on every form; the
requests filed under it keep it.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from wave.auth.models import Team
from wave.auth.services import RegistryError
from wave.extensions import db
from wave.requests.models import PRIORITIES, SLA_CLASSES, Category, TenantOrg
from wave.timeutil import now

MAX_SLA_MINUTES = 60 * 24 * 365


# ------------------------------------------------------------------------------ reading
def catalogue(include_archived: bool = False) -> list[tuple[Category, list[Category]]]:
    """Every group with its items, in the order the forms show them."""
    query = select(Category).order_by(Category.position, Category.name, Category.id)
    if not include_archived:
        query = query.where(Category.archived_at.is_(None))
    rows = db.session.scalars(query).all()
    items: dict[int, list[Category]] = {}
    for row in rows:
        if row.parent_id is not None:
            items.setdefault(row.parent_id, []).append(row)
    return [(g, items.get(g.id, [])) for g in rows if g.parent_id is None]


def groups(*, also: Category | None = None) -> list[Category]:
    """Active groups (and `also`, an item's current group even if archived)."""
    rows = db.session.scalars(
        select(Category)
        .where(Category.parent_id.is_(None), Category.archived_at.is_(None))
        .order_by(Category.position, Category.name)
    ).all()
    return rows + [also] if also is not None and also not in rows else rows


def categories_routed_to(team: Team) -> list[Category]:
    """Active categories with `team` as their default (items send new requests there, groups
    give it to new items): it cannot be archived meanwhile."""
    return list(
        db.session.scalars(
            select(Category)
            .where(Category.default_team_id == team.id, Category.archived_at.is_(None))
            .order_by(Category.name)
        )
    )


# ------------------------------------------------------------------------ categories
def create_group(*, name: str, default_team: Team | None) -> Category:
    """A new group, last in the list; `default_team` is what its new items start with.
    Commits. Raises RegistryError (field "name") for a name in use."""
    name = name.strip()
    _refuse_taken_name(name, parent_id=None)
    group = Category(name=name, default_team=default_team, position=_next_position(None))
    db.session.add(group)
    db.session.commit()
    return group


def create_item(group: Category, **fields) -> Category:
    """A new item, last in `group`. Fields: name, default_team, default_priority,
    requires_photo, response_minutes, resolution_minutes. Commits. Raises RegistryError."""
    _check_group(group)
    item = Category(parent=group, position=_next_position(group.id))
    _apply_item(item, group, fields)
    db.session.add(item)
    db.session.commit()
    return item


def update_group(group: Category, *, name: str, default_team: Team | None) -> Category:
    """Rename a group or change its default team (its items keep theirs). Commits."""
    name = name.strip()
    _refuse_taken_name(name, parent_id=None, besides=group)
    group.name = name
    group.default_team = default_team
    db.session.commit()
    return group


def update_item(item: Category, group: Category, **fields) -> Category:
    """Change an item; a new `group` moves it there, last. Fields as create_item. Commits.

    Requests filed earlier keep the item, and with it their team and due times.
    """
    _check_group(group)
    position = _next_position(group.id) if group.id != item.parent_id else item.position
    _apply_item(item, group, fields)
    item.position = position
    db.session.commit()
    return item


def move(category: Category, step: int) -> Category:
    """Move a group or an item one place up (step -1) or down (+1) among its active siblings.
    Commits; positions of the siblings are renumbered from 0."""
    siblings = db.session.scalars(
        select(Category)
        .where(_same_parent(category.parent_id))
        .order_by(Category.archived_at.is_not(None), Category.position, Category.name)
    ).all()
    active = [c for c in siblings if c.archived_at is None]
    if category in active:
        i = active.index(category)
        j = min(max(i + step, 0), len(active) - 1)
        active[i], active[j] = active[j], active[i]
    ordered = active + [c for c in siblings if c.archived_at is not None]
    for position, sibling in enumerate(ordered):
        sibling.position = position
    db.session.commit()
    return category


def archive_category(category: Category) -> Category:
    """Take a group (with all its items) or an item off every form. Commits."""
    if category.archived_at is None:
        category.archived_at = now()
        db.session.commit()
    return category


def unarchive_category(category: Category) -> Category:
    """Offer it again (an item of an archived group waits for its group). Commits."""
    category.archived_at = None
    db.session.commit()
    return category


def _apply_item(item: Category, group: Category, fields: dict) -> None:
    name = fields["name"].strip()
    _refuse_taken_name(name, parent_id=group.id, besides=item if item.id else None)
    if fields["default_priority"] not in PRIORITIES:
        raise RegistryError(_l("Choose a priority."), field="default_priority")
    response, resolution = fields.get("response_minutes"), fields.get("resolution_minutes")
    for key, value in (("response_minutes", response), ("resolution_minutes", resolution)):
        if value is not None and not 0 < value <= MAX_SLA_MINUTES:
            raise RegistryError(_l("Use whole minutes, more than 0."), field=key)
    if response and resolution and resolution < response:
        raise RegistryError(
            _l("Resolution cannot be due before the first response."), field="resolution_minutes"
        )
    item.name = name
    item.parent = group
    item.default_team = fields.get("default_team")
    item.default_priority = fields["default_priority"]
    item.requires_photo = bool(fields.get("requires_photo"))
    item.response_minutes = response
    item.resolution_minutes = resolution


def _check_group(group: Category) -> None:
    if group is None or group.parent_id is not None:
        raise RegistryError(_l("Choose a group."), field="group")


def _same_parent(parent_id: int | None):
    return Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id


def _next_position(parent_id: int | None) -> int:
    last = db.session.scalar(select(func.max(Category.position)).where(_same_parent(parent_id)))
    return 0 if last is None else last + 1


def _refuse_taken_name(name: str, *, parent_id: int | None, besides: Category | None = None):
    query = select(Category).where(
        _same_parent(parent_id), func.lower(Category.name) == name.lower()
    )
    if besides is not None:
        query = query.where(Category.id != besides.id)
    twin = db.session.scalars(query).first()
    if twin is None:
        return
    if twin.archived_at is not None:
        message = _l("An archived category has this name: restore it instead.")
    elif parent_id is None:
        message = _l("There is a group with this name already.")
    else:
        message = _l("This group has an item with this name already.")
    raise RegistryError(message, field="name")


# -------------------------------------------------------------- tenant organisations
def create_tenant(*, name: str, sla_class: str) -> TenantOrg:
    """Commits. Raises RegistryError for a name in use or an unknown SLA class."""
    org = TenantOrg()
    _apply_tenant(org, name, sla_class)
    db.session.add(org)
    db.session.commit()
    return org


def update_tenant(org: TenantOrg, *, name: str, sla_class: str) -> TenantOrg:
    """A new class applies to requests filed from now on; earlier ones keep theirs. Commits."""
    _apply_tenant(org, name, sla_class)
    db.session.commit()
    return org


def archive_tenant(org: TenantOrg) -> TenantOrg:
    """The organisation moved out: offered nowhere, its requests keep it. Commits."""
    if org.archived_at is None:
        org.archived_at = now()
        db.session.commit()
    return org


def unarchive_tenant(org: TenantOrg) -> TenantOrg:
    """Commits."""
    org.archived_at = None
    db.session.commit()
    return org


def _apply_tenant(org: TenantOrg, name: str, sla_class: str) -> None:
    name = name.strip()
    query = select(TenantOrg.id).where(func.lower(TenantOrg.name) == name.lower())
    if org.id is not None:
        query = query.where(TenantOrg.id != org.id)
    if db.session.scalar(query) is not None:
        raise RegistryError(_l("There is an organisation with this name already."), field="name")
    if sla_class not in SLA_CLASSES:
        raise RegistryError(_l("Choose A, B or C."), field="sla_class")
    org.name = name
    org.sla_class = sla_class
