"""Reference data kept in each process: the codes, places, categories, leases, SLA policies,
calendars and notification choices that every tenant submission reads and that admins
rarely change.

A one-row table holds a version number. Any write to a table in WATCHED bumps it in the
writing transaction (from the ORM's flush, or from a statement run through the session), so
another process sees the new version exactly when it sees the new rows. A transaction reads
the version once, at its first cached lookup (one indexed SELECT, instead of the several
that the lookups make); a process's cache of another version is dropped. A transaction that
has written watched rows itself, or holds unflushed changes to them, reads past the cache.

Cached values are plain data (`value`), or ORM objects (`rows`) that each caller gets as its
own session's copy (a merge that emits no SQL), so no two sessions ever share an object.
"""

from itertools import chain

from flask import current_app
from sqlalchemy import BigInteger, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from wave.extensions import db

WATCHED = frozenset(
    {
        "qr_tags",  # find_tag (the scan counter excepted: see UNCHANGED)
        "sites",
        "locations",
        "assets",
        "categories",  # offered categories, a submission's category
        "location_categories",
        "asset_categories",
        "leases",  # tenancy.tenant_for
        "tenant_orgs",
        "sla_policies",  # policies.targets_for
        "site_calendars",  # policies.calendar_for
        "holidays",
        "notification_preferences",  # notify.anyone_may_want
    }
)
"""The tables whose rows the cached lookups hold."""

UNCHANGED = {"wave_reference_unchanged": True}
"""Execution options for a statement on a watched table that changes nothing a lookup reads
(a code's scan counter): it leaves the version alone."""

LIMIT = 5_000
"""Entries per process (about 5 KB each, 15 KB for a code whose form was used); past it the
cache starts again."""

_VERSION = "wave_reference_version"
_WROTE = "wave_reference_wrote"
_MISSING = object()


class ReferenceVersion(db.Model):
    """One row: bumped by every transaction that writes a watched table."""

    __tablename__ = "reference_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


_table = ReferenceVersion.__table__
_READ = select(_table.c.version).where(_table.c.id == 1)
_BUMP = update(_table).where(_table.c.id == 1).values(version=_table.c.version + 1)


class _Cache:
    def __init__(self):
        self.state: tuple[int | None, dict] = (None, {})
        """(version, entries), replaced as one so a reader never pairs one with the other's."""


def init_app(app) -> None:
    app.extensions["wave_reference"] = _Cache()


def value(key, load):
    """load() of plain, immutable data (tuples, frozen dataclasses), from the cache when this
    transaction's version of the reference data is the one it holds."""
    entries = _entries(db.session())
    if entries is None:
        return load()
    found = entries.get(key, _MISSING)
    if found is _MISSING:
        found = entries[key] = load()
    return found


def rows(key, load):
    """load(session) of an ORM object (or None) with everything its users read loaded
    eagerly, as this session's own copy: loaded once into a session of its own on the same
    connection, kept detached, merged into each caller's session without SQL."""
    session = db.session()
    entries = _entries(session)
    if entries is None:
        return load(session)
    found = entries.get(key, _MISSING)
    if found is _MISSING:
        with Session(bind=session.connection()) as scratch:
            found = entries[key] = load(scratch)
    return None if found is None else session.merge(found, load=False)


def _entries(session) -> dict | None:
    """This process's entries for the version this transaction reads, else None: the cache
    must be passed by (this transaction changes reference data)."""
    if session.info.get(_WROTE) or _touched(session):
        return None
    version = session.info.get(_VERSION)
    if version is None:
        version = session.info[_VERSION] = session.connection().execute(_READ).scalar() or 0
    cache = current_app.extensions["wave_reference"]
    held, entries = cache.state
    if held != version or len(entries) >= LIMIT:
        entries = {}
        cache.state = (version, entries)
    return entries


def _touched(session) -> bool:
    return any(
        _watched(obj.__table__) for obj in chain(session.new, session.dirty, session.deleted)
    )


def _watched(table) -> bool:
    return getattr(table, "name", None) in WATCHED


def _bump(session) -> None:
    """The version moves on with this transaction (once per transaction)."""
    if session.info.get(_WROTE):
        return
    session.info[_WROTE] = True
    connection = session.connection()
    if connection.execute(_BUMP).rowcount == 0:  # emptied by hand (or by tests)
        connection.execute(insert(_table).values(id=1, version=1))


@event.listens_for(Session, "before_flush")
def _flushing(session, _context, _instances):
    if _touched(session):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _executing(state):
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    if state.execution_options.get("wave_reference_unchanged"):
        return
    if _watched(getattr(state.statement, "table", None)):
        _bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction):
    if transaction.parent is None or transaction.nested:  # not a flush's own inner one
        session.info.pop(_VERSION, None)
        session.info.pop(_WROTE, None)
