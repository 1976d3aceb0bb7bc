"""Bulk import of a site's locations and assets: validate a Table against the database,
plan what each row does, and apply the plan all at once.

plan_import() only reads (a fixed handful of queries, whatever the file's size);
apply_import() is the only function that writes, in one transaction: every row or none.
"""

from collections import Counter
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from wave.extensions import db
from wave.qr import import_apply
from wave.qr.import_files import Table
from wave.qr.models import Asset, Location, QrTag, Site

# Categories belong to the requests package, which builds on this one; the import is the one
# place where the registry writes what a place offers, so it reads the tables directly.
from wave.requests.models import Category, asset_categories, location_categories

LOCATION_TYPES = ("floor", "room", "zone")
TYPES = (*LOCATION_TYPES, "asset")
_TYPE_WORDS = {
    **{t: t for t in TYPES},
    "этаж": "floor",
    "комната": "room",
    "помещение": "room",
    "зона": "zone",
    "оборудование": "asset",
    "актив": "asset",
    "equipment": "asset",
}
_YES = {"", "yes", "y", "true", "1", "да", "д", "+"}
_NO = {"no", "n", "false", "0", "нет", "н", "-"}
_MAX = {"external_id": 64, "parent_external_id": 64, "name": 120, "kind": 40}


@dataclass
class Row:
    """One data row of the file, what it means, and what importing it does."""

    number: int
    values: dict[str, str]
    """The cells as the file has them (shown in the preview)."""
    type: str | None = None
    external_id: str = ""
    parent: str = ""
    name: str = ""
    kind: str | None = None
    groups: list[str] | None = None
    """Category group names as written; None when the file has no categories column."""
    tag: bool = True
    errors: dict[str, list[str]] = field(default_factory=dict)
    action: str = ""
    """new, update, unchanged or error."""
    changes: list[str] = field(default_factory=list)
    existing_id: int | None = None
    group_ids: set[int] | None = None

    @property
    def is_asset(self) -> bool:
        return self.type == "asset"

    def fail(self, column: str, message) -> None:
        self.errors.setdefault(column, []).append(str(message))


@dataclass
class Place:
    """A location or asset already in the site, as the import compares it."""

    id: int
    parent_id: int | None
    """A location's parent, an asset's location."""
    name: str
    kind: str | None
    archived: bool


@dataclass
class SiteState:
    """What the site holds now, loaded in a few queries."""

    locations: dict[str, Place]
    assets: dict[str, Place]
    parent_of: dict[int, int | None]
    """Every location of the site (also those without an external id): id → parent id."""
    external_of: dict[int, str]
    groups: dict[str, tuple[int, str]]
    """Category groups (top-level, active) by folded name → (id, name)."""
    location_groups: dict[int, set[int]]
    asset_groups: dict[int, set[int]]
    tagged_locations: set[int]
    tagged_assets: set[int]


@dataclass
class Plan:
    """The outcome of validating a file against a site; apply it only when it has no errors."""

    site_id: int
    columns: list[str]
    rows: list[Row]
    state: SiteState
    counts: Counter = field(default_factory=Counter)
    tags: int = 0
    """How many QR tags importing creates."""

    @property
    def ok(self) -> bool:
        return not self.counts["error"]

    @property
    def error_rows(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def plan_import(site_id: int, table: Table) -> Plan:
    """Check every row of `table` against the site and decide what each does. Reads only."""
    rows = [_read_row(number, values, table.columns) for number, values in table.rows]
    state = load_state(site_id, with_categories="categories" in table.columns)
    _check_duplicates(rows)
    by_id = {r.external_id: r for r in rows if r.external_id}
    for row in rows:
        _check_against_site(row, by_id, state)
    _check_loops(rows, by_id, state)
    plan = Plan(site_id=site_id, columns=table.columns, rows=rows, state=state)
    for row in rows:
        _decide(row, by_id, state)
        plan.counts[row.action] += 1
        plan.tags += "tag" in row.changes or (row.action == "new" and row.tag)
    return plan


def apply_import(site_id: int, table: Table) -> Plan:
    """Validate `table` again against the site as it is now and, if every row is valid,
    write them all in one transaction. Commits; writes nothing when any row is invalid or
    anything fails (and re-raises the failure). Imports into one site run one at a time."""
    try:
        # Taken first: a second import of the same site (a double-click) waits here and
        # then plans against what the first one wrote, so it finds nothing left to do.
        db.session.execute(update(Site).where(Site.id == site_id).values(name=Site.name))
        plan = plan_import(site_id, table)
        if plan.ok:
            import_apply.write(plan)
            db.session.commit()
        else:
            db.session.rollback()
    except BaseException:
        db.session.rollback()
        raise
    if plan.ok and plan.counts["new"] >= import_apply.ANALYZE_AFTER:
        import_apply.refresh_statistics()
    return plan


# ---------------------------------------------------------------- cells
def _read_row(number: int, values: dict[str, str], columns: list[str]) -> Row:
    row = Row(number=number, values=values)
    for column, limit in _MAX.items():
        if len(values.get(column, "")) > limit:
            row.fail(column, _l("Longer than %(n)s characters.", n=limit))
    row.type = _TYPE_WORDS.get(values["type"].lower())
    if row.type is None:
        row.fail(
            "type",
            _l("Unknown type “%(v)s”: use floor, room, zone or asset.", v=values["type"])
            if values["type"]
            else _l("Empty: use floor, room, zone or asset."),
        )
    row.external_id = values["external_id"]
    if not row.external_id:
        row.fail("external_id", _l("Empty: every row needs its own id."))
    row.parent = values.get("parent_external_id", "")
    if row.parent and row.parent == row.external_id:
        row.fail("parent_external_id", _l("A place cannot be inside itself."))
    elif row.is_asset and not row.parent:
        row.fail("parent_external_id", _l("Empty: an asset needs the location it stands in."))
    row.name = values["name"]
    if not row.name:
        row.fail("name", _l("Empty: every place needs a name."))
    row.kind = (values.get("kind") or None) if row.is_asset else row.type
    if "categories" in columns:
        text = values["categories"].replace(",", ";")
        row.groups = [g.strip() for g in text.split(";") if g.strip()]
    tag = values.get("tag", "").lower()
    row.tag = tag not in _NO
    if tag not in _YES | _NO:
        row.fail("tag", _l("Use yes or no (empty means yes)."))
    return row


def _check_duplicates(rows: list[Row]) -> None:
    numbers: dict[str, list[int]] = {}
    for row in rows:
        if row.external_id:
            numbers.setdefault(row.external_id, []).append(row.number)
    for row in rows:
        seen = numbers.get(row.external_id, [])
        if len(seen) > 1:
            others = ", ".join(str(n) for n in seen if n != row.number)
            row.fail("external_id", _l("The same id is also in row %(rows)s.", rows=others))


# ---------------------------------------------------------------- against the site
def load_state(site_id: int, with_categories: bool = True) -> SiteState:
    """The site's places, category groups, offered categories and tagged places."""
    L, A = Location.__table__, Asset.__table__  # noqa: N806  (plain columns: no ORM objects)
    locations, parent_of, external_of = {}, {}, {}
    for id_, parent_id, name, kind, ext, archived in db.session.execute(
        select(L.c.id, L.c.parent_id, L.c.name, L.c.kind, L.c.external_id, L.c.archived_at).where(
            L.c.site_id == site_id
        )
    ):
        parent_of[id_] = parent_id
        if ext is not None:
            external_of[id_] = ext
            locations[ext] = Place(id_, parent_id, name, kind, archived is not None)
    assets = {
        ext: Place(id_, location_id, name, kind, archived is not None)
        for id_, location_id, name, kind, ext, archived in db.session.execute(
            select(
                A.c.id, A.c.location_id, A.c.name, A.c.kind, A.c.external_id, A.c.archived_at
            ).where(A.c.site_id == site_id, A.c.external_id.is_not(None))
        )
    }
    C = Category.__table__  # noqa: N806
    groups = {
        name.casefold(): (id_, name)
        for id_, name in db.session.execute(
            select(C.c.id, C.c.name).where(C.c.parent_id.is_(None), C.c.archived_at.is_(None))
        )
    }
    T = QrTag.__table__  # noqa: N806
    live = T.c.revoked_at.is_(None)
    return SiteState(
        locations=locations,
        assets=assets,
        parent_of=parent_of,
        external_of=external_of,
        groups=groups,
        location_groups=_links(location_categories, L, site_id) if with_categories else {},
        asset_groups=_links(asset_categories, A, site_id) if with_categories else {},
        tagged_locations=set(
            db.session.scalars(select(T.c.location_id).join(L).where(live, L.c.site_id == site_id))
        ),
        tagged_assets=set(
            db.session.scalars(select(T.c.asset_id).join(A).where(live, A.c.site_id == site_id))
        ),
    )


def _links(link_table, place_table, site_id) -> dict[int, set[int]]:
    place_id, category_id = link_table.c[0], link_table.c[1]
    found: dict[int, set[int]] = {}
    for pid, cid in db.session.execute(
        select(place_id, category_id)
        .join(place_table, place_table.c.id == place_id)
        .where(place_table.c.site_id == site_id, place_table.c.external_id.is_not(None))
    ):
        found.setdefault(pid, set()).add(cid)
    return found


def _check_against_site(row: Row, by_id: dict[str, Row], state: SiteState) -> None:
    if row.type is None or not row.external_id:
        return
    if row.is_asset and row.external_id in state.locations and row.external_id not in state.assets:
        row.fail("type", _l("This id is a location in the site; a row cannot make it an asset."))
    if not row.is_asset and row.external_id in state.assets:
        if row.external_id not in state.locations:
            row.fail(
                "type", _l("This id is an asset in the site; a row cannot make it a location.")
            )
    if row.parent:
        _check_parent(row, by_id, state)
    if row.groups is not None:
        row.group_ids = set()
        for name in row.groups:
            if group := state.groups.get(name.casefold()):
                row.group_ids.add(group[0])
            else:
                known = ", ".join(sorted(n for _id, n in state.groups.values())) or "—"
                row.fail(
                    "categories",
                    _l("Unknown category group “%(g)s” (known: %(known)s).", g=name, known=known),
                )


def _check_parent(row: Row, by_id: dict[str, Row], state: SiteState) -> None:
    in_file = by_id.get(row.parent)
    if in_file is not None:
        if in_file.is_asset:
            row.fail("parent_external_id", _l("“%(p)s” is an asset, not a location.", p=row.parent))
        return
    place = state.locations.get(row.parent)
    if place is None:
        if row.parent in state.assets:
            row.fail("parent_external_id", _l("“%(p)s” is an asset, not a location.", p=row.parent))
        else:
            row.fail(
                "parent_external_id",
                _l("Unknown parent “%(p)s”: not in the file, not in the site.", p=row.parent),
            )
    elif place.archived:
        row.fail("parent_external_id", _l("The location “%(p)s” is archived.", p=row.parent))


def _check_loops(rows: list[Row], by_id: dict[str, Row], state: SiteState) -> None:
    """Moves must not put a location inside itself (A in B, B in A), also through places of
    the site that the file does not mention."""

    def node(location_id):
        ext = state.external_of.get(location_id)
        return ("x", ext) if ext is not None else ("i", location_id)

    parent = {node(i): node(p) if p else None for i, p in state.parent_of.items()}
    for row in rows:
        if row.type in LOCATION_TYPES and row.external_id:
            target = by_id.get(row.parent)
            if row.parent and target is not None and target.is_asset:
                continue  # already an error
            parent[("x", row.external_id)] = ("x", row.parent) if row.parent else None
    seen: dict = {}  # node → 1 on the current walk, 2 when known to reach the top
    for row in rows:
        start = ("x", row.external_id)
        if row.is_asset or start not in parent or seen.get(start) == 2:
            continue
        path, current = [], start
        while current is not None and current in parent and not seen.get(current):
            seen[current] = 1
            path.append(current)
            current = parent[current]
        if current is not None and seen.get(current) == 1:
            loop = path[path.index(current) :]
            names = " → ".join(key for kind, key in loop + [current] if kind == "x")
            for kind, key in loop:
                if kind == "x" and key in by_id:
                    by_id[key].fail(
                        "parent_external_id", _l("This makes a loop: %(loop)s.", loop=names)
                    )
        for key in path:
            seen[key] = 2


NEW = -1
"""A parent that the file itself creates (no id yet)."""

CHANGES = {
    "restored": _l("restored from the archive"),
    "renamed": _l("renamed"),
    "kind": _l("kind changed"),
    "moved": _l("moved"),
    "categories": _l("categories changed"),
    "tag": _l("gets a QR tag"),
}


def _decide(row: Row, by_id: dict[str, Row], state: SiteState) -> None:
    if row.errors:
        row.action = "error"
        return
    if row.is_asset:
        existing, links, tagged = (
            state.assets.get(row.external_id),
            state.asset_groups,
            state.tagged_assets,
        )
    else:
        existing, links, tagged = (
            state.locations.get(row.external_id),
            state.location_groups,
            state.tagged_locations,
        )
    if existing is None:
        row.action = "new"
        return
    row.existing_id = existing.id
    parent_id = None
    if row.parent:
        place = state.locations.get(row.parent)
        parent_id = place.id if place is not None else NEW
    checks = {
        "restored": existing.archived,
        "renamed": existing.name != row.name,
        "kind": existing.kind != row.kind,
        "moved": existing.parent_id != parent_id,
        "categories": row.group_ids is not None and row.group_ids != links.get(existing.id, set()),
        "tag": row.tag and existing.id not in tagged,
    }
    row.changes = [change for change, happens in checks.items() if happens]
    row.action = "update" if row.changes else "unchanged"


def group_names() -> list[str]:
    """The category groups a file may name, in catalogue order."""
    return list(
        db.session.scalars(
            select(Category.name)
            .where(Category.parent_id.is_(None), Category.archived_at.is_(None))
            .order_by(Category.position, Category.name)
        )
    )
