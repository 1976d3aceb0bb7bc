"""Repeat failures are stored on the request: each one links to the latest earlier request at
its place (its asset, else its location) and of its category, at most 30 days before — set
when it is created, by every way in, and kept true when the desk changes its category; the
migration's backfill computes the same links from scratch (wave/requests/repeats.py)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.builders import migration, report
from tests.conftest import csrf_from, executed, token
from wave.extensions import db
from wave.messenger import chats
from wave.requests import from_chat, repeats, services, triage
from wave.requests.models import ServiceRequest

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(frozen):
    frozen.at(START)
    return frozen


def by_tenant(client, world, code="RM000001", category=None):
    """A report through the QR form, as a tenant sends it; the request it made."""
    html = client.get(f"/q/{code}").get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": csrf_from(html),
        "submission_key": key,
        "category": str((category or world.trash).id),
        "description": "Again",
    }
    assert client.post(f"/q/{code}", data=data).status_code == 303
    return newest()


def by_desk(client, world, place, category):
    """A request the desk types in for a caller (place: 'l<id>' or 'a<id>')."""
    data = {
        "csrf_token": token(client, "/requests/new"),
        "place": place,
        "category": str(category.id),
        "description": "Caller says it is broken again",
        "priority": "normal",
    }
    assert client.post("/requests/new", data=data).status_code == 303
    return newest()


def newest() -> ServiceRequest:
    return db.session.scalar(select(ServiceRequest).order_by(ServiceRequest.id.desc()).limit(1))


def links() -> dict[int, int | None]:
    rows = db.session.execute(select(ServiceRequest.id, ServiceRequest.repeat_of_id))
    return dict(rows.all())


def from_scratch() -> dict[int, int | None]:
    """Every link as repeated() finds it now, for comparison with the stored ones."""
    return {r.id: repeats.repeated(r) for r in db.session.scalars(select(ServiceRequest))}


# ------------------------------------------------------------------------------ creation
def test_a_tenants_report_repeats_the_latest_earlier_one_of_its_place_and_category(
    world, clock, client, signed_in
):
    first = by_tenant(client, world)
    assert first.repeat_of_id is None
    clock.advance(days=1)
    desk = by_desk(signed_in(world.dina), world, f"l{world.room.id}", world.trash)
    assert desk.repeat_of_id == first.id
    clock.advance(days=1)
    again = by_tenant(client, world)
    assert again.repeat_of_id == desk.id  # the latest, not the first
    other = by_tenant(client, world, category=world.wet)
    assert other.repeat_of_id is None  # same room, another category


def test_an_asset_and_its_room_are_different_places(world, clock, client, signed_in):
    dina = signed_in(world.dina)
    printer = by_tenant(client, world, "PRNT0001", world.printer_problem)
    clock.advance(hours=1)
    room = by_desk(dina, world, f"l{world.room.id}", world.printer_problem)
    assert room.repeat_of_id is None  # the printer's request is not the room's
    clock.advance(hours=1)
    printer_again = by_desk(dina, world, f"a{world.printer.id}", world.printer_problem)
    assert printer_again.repeat_of_id == printer.id  # not the room's, though later
    clock.advance(hours=1)
    assert by_desk(dina, world, f"l{world.room.id}", world.printer_problem).repeat_of_id == room.id


def test_thirty_days_at_most(world, clock):
    first = report(world)
    clock.advance(days=30)
    second = report(world)
    assert second.repeat_of_id == first.id  # exactly 30 days: still a repeat
    clock.advance(days=30, seconds=1)
    assert report(world).repeat_of_id is None


def test_a_request_made_of_a_chat_message_is_linked_too(world, clock):
    earlier = report(world)
    clock.advance(hours=2)
    message, _ = chats.send(chats.team_chat(world.cleaning), world.sam, "Bins are full again")
    req, created = from_chat.create_from_message(
        world.olga, message, category=world.trash, location=world.room, asset=None,
        description="Bins are full again",
    )  # fmt: skip
    assert created and req.repeat_of_id == earlier.id


def test_any_earlier_request_counts_whoever_holds_it_and_however_it_ended(world, clock):
    cancelled = report(world)
    from wave.requests import lifecycle

    lifecycle.cancel(cancelled, world.dina, "Duplicate")
    clock.advance(hours=1)
    assert report(world).repeat_of_id == cancelled.id


def test_the_lookup_is_a_probe_of_the_repeat_indexes(world, clock):
    with executed("ORDER BY service_requests.created_at DESC") as seen:
        report(world)
        services.create_from_desk(
            world.dina, category=world.printer_problem, location=None, asset=world.printer,
            description="Jam", priority="normal", contact={}, photos=[],
        )  # fmt: skip
    assert len(seen) == 2
    connection = db.session.connection()
    postgres = connection.dialect.name == "postgresql"
    if postgres:  # a handful of rows: told to leave the table alone, as for millions
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    explain = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    plans = [
        " ".join(str(r[-1]) for r in connection.exec_driver_sql(explain + statement, params))
        for statement, params in seen
    ]
    db.session.rollback()
    assert "ix_service_requests_repeat_location" in plans[0], plans[0]
    assert "ix_service_requests_repeat_asset" in plans[1], plans[1]
    for plan in plans:
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan  # read in index order


# ------------------------------------------------------------------------------ triage
def test_a_new_category_relinks_the_request_and_those_after_it_in_both_groups(
    world, clock, signed_in
):
    trash = report(world, world.trash)
    clock.advance(hours=1)
    wet = report(world, world.wet)
    clock.advance(hours=1)
    moved = report(world, world.trash)
    clock.advance(hours=1)
    wet_after = report(world, world.wet)
    clock.advance(hours=1)
    trash_after = report(world, world.trash)
    assert (moved.repeat_of_id, wet_after.repeat_of_id) == (trash.id, wet.id)
    assert trash_after.repeat_of_id == moved.id

    dina = signed_in(world.dina)
    response = dina.post(
        f"/requests/{moved.id}/classify",
        data={"category": world.wet.id, "priority": moved.priority, "sla_class": "B",
              "csrf_token": token(dina)},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    db.session.expire_all()
    assert links() == {
        trash.id: None,
        wet.id: None,
        moved.id: wet.id,  # now between the two wet ones
        wet_after.id: moved.id,  # its predecessor is the newcomer
        trash_after.id: trash.id,  # the one it followed has left the group
    }
    assert links() == from_scratch()


def test_a_change_of_priority_alone_leaves_the_links(world, clock):
    first = report(world)
    clock.advance(hours=1)
    second = report(world)
    triage.reclassify(second, world.dina, category=world.trash, priority="high", sla_class="B")
    assert links() == {first.id: None, second.id: first.id}


# ------------------------------------------------------------------------------ backfill
def _migration_backfill(dialect: str) -> str:
    module = migration("e5a1b3c7d9f2")
    return module.BACKFILL.format(near=module.NEAR[dialect])


@pytest.mark.parametrize(
    "backfill",
    [repeats.backfill_sql, _migration_backfill],
    ids=["repeats.backfill_sql (the generator's)", "the migration's copy"],
)
def test_the_backfill_gives_the_links_creation_gave(world, clock, backfill):
    a, b = (world.room_tag, world.trash), (world.room_tag, world.wet)
    c = (world.printer_tag, world.printer_problem)
    day, second = timedelta(days=1), timedelta(seconds=1)
    schedule = [  # (after the one before, place and category): what it repeats
        (0 * day, a),  # —
        (0 * day, b),  # —
        (0 * day, c),  # —
        (3 * day, a),  # the first a, 3 days before
        (0 * day, a),  # the one before, created at the same moment (a lower id)
        (27 * day, c),  # the first c, exactly 30 days before
        (second, b),  # — (30 days and a second)
        (5 * day, a),  # — (32 days)
        (10 * day, b),  # the b 10 days before
        (40 * day, c),  # —
        (timedelta(hours=1), c),  # the c an hour before
    ]
    for i, (gap, (tag, category)) in enumerate(schedule):
        clock.advance(seconds=gap.total_seconds())
        services.submit_from_tag(
            tag, category=category, description=f"#{i}", photos=[], contact={},
            submission_key=None,
        )  # fmt: skip
    created = links()
    ids = sorted(created)
    assert [created[i] for i in ids] == [
        None, None, None, ids[0], ids[3], ids[2], None, None, ids[6], None, ids[9],
    ]  # fmt: skip
    db.session.execute(sa.text("UPDATE service_requests SET repeat_of_id = NULL"))
    db.session.execute(sa.text(backfill(db.engine.dialect.name)))
    db.session.commit()
    assert links() == created == from_scratch()
