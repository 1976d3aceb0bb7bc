"""Reference data kept per process (wave/reference.py): a tenant submission reads it once per
process and version, and a change is seen by the very next request — made through the ORM,
through a statement, or by another process."""

import re
from contextlib import contextmanager
from datetime import date

import pytest
from flask import current_app
from sqlalchemy import event, select, update

from tests.integration.test_tenant import open_form, submit
from wave import create_app, reference
from wave.auth.models import User
from wave.extensions import db
from wave.notify import preferences
from wave.notify.services import anyone_may_want
from wave.qr import services as places
from wave.qr.models import Location, QrTag, Site
from wave.reference import ReferenceVersion
from wave.requests import offers, tenancy
from wave.requests.access import find_tag
from wave.requests.catalog import offered_categories
from wave.requests.models import Category, ServiceRequest, TenantOrg
from wave.sla import admin as sla_admin
from wave.sla import policies
from wave.timeutil import now


@contextmanager
def statements():
    seen = []

    def record(_conn, _cursor, sql, *_):
        seen.append(" ".join(sql.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def tables_read(sql: list[str]) -> set[str]:
    return {
        name
        for s in sql
        if s.startswith("SELECT")
        for name in re.findall(r"(?:FROM|JOIN) (\w+)", s)
    }


def version() -> int | None:
    with db.engine.connect() as connection:
        return connection.execute(select(ReferenceVersion.version)).scalar()


@pytest.fixture
def other_process(test_config):
    """Another server process on the same database: an app with a cache of its own."""
    other = create_app(test_config)
    yield other
    with other.app_context():
        db.engine.dispose()


def test_a_submission_reads_the_version_instead_of_the_reference_tables(client, world):
    assert submit(client, world).status_code == 303  # the process has read them once
    fields = {**open_form(client), "category": str(world.trash.id), "description": "Bin"}
    db.session.rollback()  # as in a fresh request: the form's page left its transaction open
    with statements() as sql:
        assert client.post("/q/RM000001", data=fields).status_code == 303
    read = tables_read(sql)
    assert "reference_version" in read
    assert not read & reference.WATCHED, read
    assert sum("reference_version" in s for s in sql) == 1


def test_the_form_of_a_known_code_reads_the_version_and_counts_the_scan(client, world):
    client.get("/q/RM000001")
    db.session.rollback()  # as in a fresh request
    with statements() as sql:
        page = client.get("/q/RM000001").text
    assert "101 Office" in page and "Floor 1" in page  # the place and where it is
    assert [s.split()[0] for s in sql] == ["SELECT", "UPDATE"], sql
    assert "reference_version" in sql[0]


def test_a_write_that_bypasses_the_version_is_not_seen_until_the_version_moves(client, world):
    """What shows that the form comes from the cache: a row changed behind Wave's back."""
    assert "Trash removal" in client.get("/q/RM000001").text
    with db.engine.begin() as connection:
        connection.execute(
            update(Category).where(Category.id == world.trash.id).values(name="Bins")
        )
    assert "Trash removal" in client.get("/q/RM000001").text
    with db.engine.begin() as connection:
        connection.execute(reference._BUMP)
    page = client.get("/q/RM000001").text
    assert "Bins" in page and "Trash removal" not in page


def _revoke(world):
    places.issue_tag(db.session.get(Location, world.room.id))


def _offer_it(world):
    offers.set_offers(db.session.get(Location, world.room.id), {world.printer_problem.id})


def _lease(world):
    org = TenantOrg(name="Acme", sla_class="A")
    db.session.add(org)
    db.session.flush()
    tenancy.set_tenant(db.session.get(Location, world.floor.id), org)


def _hours(world):
    sla_admin.set_hours(db.session.get(Site, world.site.id), "Mon-Fri 08:00-18:00")


def _holiday(world):
    sla_admin.add_holiday(db.session.get(Site, world.site.id), date(2026, 12, 25), "Christmas")


def _policy(world):
    sla_admin.save_policy(
        None,
        category=db.session.get(Category, world.trash.id),
        priority=None,
        sla_class=None,
        response_minutes=5,
        resolution_minutes=60,
    )


def _wants_news(world):
    preferences.save(db.session.get(User, world.olga.id), {"new_for_team": (True, False)})


def _usable(world):
    tag = find_tag("RM000001")
    return tag is not None and tag.is_usable


def _offered(world):
    return [c.name for c in offered_categories(db.session.get(Location, world.room.id), None)]


def _tenant(world):
    org = tenancy.tenant_for(db.session.get(Location, world.room.id))
    return org and (org.name, org.sla_class)


def _calendar(world):
    calendar = policies.calendar_for(db.session.get(Site, world.site.id))
    return calendar.always_open, sorted(calendar.holidays)


def _targets(world):
    return policies.targets_for(db.session.get(Category, world.trash.id), "normal", None)


def _news(world):
    return anyone_may_want("new_for_team")


CHANGES = {  # (what the place has first, the change, what a lookup answers)
    "a code revoked (a statement)": (None, _revoke, _usable),
    "a place's offers (statements on a link table)": (None, _offer_it, _offered),
    "a lease (a statement and the ORM)": (None, _lease, _tenant),
    "a site's hours": (None, _hours, _calendar),
    "a holiday": (_hours, _holiday, _calendar),  # holidays count where hours are kept
    "an SLA policy": (None, _policy, _targets),
    "someone's notification choice": (None, _wants_news, _news),
}


@pytest.mark.parametrize("first, change, look", CHANGES.values(), ids=CHANGES.keys())
def test_another_process_change_is_seen_by_the_next_lookup(
    world, other_process, first, change, look
):
    if first:
        first(world)
    before = look(world)
    db.session.commit()  # this request ends; the next one reads the version again
    assert look(world) == before  # from the cache now
    with other_process.app_context():
        change(world)
    db.session.commit()
    assert look(world) != before


@pytest.mark.parametrize("first, change, look", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_in_this_process_is_seen_at_once(world, first, change, look):
    if first:
        first(world)
    before = look(world)
    db.session.commit()
    change(world)
    assert look(world) != before


def test_an_uncommitted_change_is_seen_by_its_own_transaction_and_lost_with_it(world):
    assert _usable(world)
    db.session.commit()
    db.session.get(QrTag, world.room_tag.id).revoked_at = now()  # not flushed yet
    assert not _usable(world)
    db.session.flush()
    assert not _usable(world)
    db.session.rollback()
    assert _usable(world)  # what the rolled-back transaction read was not kept


def test_scans_leave_the_version_alone(client, world):
    client.get("/q/RM000001")
    moved = version()
    client.get("/q/RM000001")
    assert version() == moved
    db.session.expire_all()  # as in a fresh request
    assert db.session.get(QrTag, world.room_tag.id).scan_count == 2


def test_a_submission_leaves_the_version_alone(client, world):
    submit(client, world)
    moved = version()
    submit(client, world)
    assert version() == moved
    assert db.session.scalar(select(db.func.count()).select_from(ServiceRequest)) == 2


def test_the_version_row_comes_back_when_emptied(world):
    db.session.execute(ReferenceVersion.__table__.delete())
    db.session.commit()
    assert version() is None
    _hours(world)
    assert version() == 1
    _holiday(world)
    assert version() == 2


def test_a_full_cache_starts_again(world, monkeypatch):
    monkeypatch.setattr(reference, "LIMIT", 2)
    for _ in range(3):
        assert _usable(world) and _offered(world) and _tenant(world) is None
    held, entries = current_app.extensions["wave_reference"].state
    assert held == version() and 0 < len(entries) <= 2
