"""Due times: set at creation from policies and the site's working hours, paused by holds,
recomputed on reclassification; the inbox sorts by them."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.builders import report
from wave.extensions import db
from wave.requests import lifecycle, queries
from wave.requests.models import TenantOrg
from wave.sla.models import Holiday, SiteCalendar, SlaPolicy

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def office_hours(world):
    """Test Tower works Mon-Fri 08:00-18:00 Berlin time."""
    db.session.add(SiteCalendar(site_id=world.site.id, hours="Mon-Fri 08:00-18:00"))
    db.session.commit()


def test_due_times_come_from_the_category_around_the_clock(world, frozen):
    created = frozen.at(berlin(2026, 11, 20, 23, 0))  # a Friday night; no calendar: 24/7
    req = report(world)
    assert req.response_due_at == berlin(2026, 11, 20, 23, 30)
    assert req.resolution_due_at == berlin(2026, 11, 21, 3, 0)
    assert req.next_due_at == req.response_due_at and req.created_at == created


def test_working_hours_carry_the_clock_over_the_weekend(world, frozen, office_hours):
    frozen.at(berlin(2026, 11, 20, 17, 50))  # Friday, ten minutes before closing
    req = report(world)
    assert req.response_due_at == berlin(2026, 11, 23, 8, 20)  # Monday
    assert req.resolution_due_at == berlin(2026, 11, 23, 11, 50)


def test_a_holiday_is_skipped(world, frozen, office_hours):
    db.session.add(Holiday(site_id=world.site.id, day=date(2026, 11, 23), name="Closed"))
    db.session.commit()
    frozen.at(berlin(2026, 11, 20, 17, 50))
    req = report(world)
    assert req.response_due_at == berlin(2026, 11, 24, 8, 20)  # Tuesday


def test_the_most_specific_policy_wins_per_target_and_the_fastest_among_equals(world, frozen):
    org = TenantOrg(name="Premium GmbH", sla_class="A")
    db.session.add_all(
        [
            org,
            SlaPolicy(sla_class="A", response_minutes=5, resolution_minutes=60),
            SlaPolicy(category_id=world.trash.id, sla_class="A", resolution_minutes=120),
            SlaPolicy(priority="urgent", response_minutes=2),
        ]
    )
    db.session.commit()
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    assert (req.response_due_at, req.resolution_due_at) == (
        berlin(2026, 11, 23, 10, 30),  # class B: the category's own times
        berlin(2026, 11, 23, 14, 0),
    )
    req.sla_class = "A"
    from wave.requests import due

    due.set_due_times(req)
    assert req.resolution_due_at == berlin(2026, 11, 23, 12, 0)  # the category × class row
    assert req.response_due_at == berlin(2026, 11, 23, 10, 5)  # class A beats the category's 30
    req.priority = "urgent"
    due.set_due_times(req)
    assert req.response_due_at == berlin(2026, 11, 23, 10, 2)  # equally specific: the fastest
    req.category = world.printer_problem  # no own times: generic rows apply
    req.category_id = world.printer_problem.id
    due.set_due_times(req)
    assert req.response_due_at == berlin(2026, 11, 23, 10, 2)
    assert req.resolution_due_at == berlin(2026, 11, 23, 11, 0)


def test_no_policy_and_no_category_time_means_no_clock(world, frozen):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world, category=world.wet)
    assert (req.response_due_at, req.resolution_due_at, req.next_due_at) == (None, None, None)


def test_time_on_hold_does_not_count(world, frozen):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    frozen.advance(minutes=10)
    lifecycle.take(req, world.olga)
    assert req.next_due_at == berlin(2026, 11, 23, 14, 0)  # answered: resolution is next
    frozen.advance(minutes=50)
    lifecycle.hold(req, world.olga, "Waiting for the key")
    assert req.next_due_at is None  # paused
    frozen.advance(minutes=120)
    lifecycle.start(req, world.olga)
    assert req.sla_paused_seconds == 120 * 60
    assert req.resolution_due_at == berlin(2026, 11, 23, 16, 0)
    assert req.next_due_at == req.resolution_due_at


def test_a_hold_over_the_night_pauses_only_working_time(world, frozen, office_hours):
    frozen.at(berlin(2026, 11, 23, 9, 0))
    req = report(world)
    lifecycle.take(req, world.olga)
    assert req.resolution_due_at == berlin(2026, 11, 23, 13, 0)
    frozen.at(berlin(2026, 11, 23, 12, 0))
    lifecycle.hold(req, world.olga, "Parts ordered")
    frozen.at(berlin(2026, 11, 24, 9, 0))  # six working hours later (12-18, 8-9 → 7 h)
    lifecycle.start(req, world.olga)
    assert req.sla_paused_seconds == 7 * 3600
    assert req.resolution_due_at == berlin(2026, 11, 24, 10, 0)


def test_inbox_puts_the_nearest_deadline_first_and_pages_by_keyset(world, frozen):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    untimed = [report(world, category=world.wet, description=f"Wet {i}") for i in range(3)]
    late = report(world, description="Late")
    frozen.advance(minutes=20)
    later = report(world, description="Later")
    frozen.advance(minutes=20)  # "Late" is now 10 min overdue, "Later" due in 10
    rows, cursor = queries.inbox(world.olga, "new", limit=3)
    assert [r.id for r in rows] == [late.id, later.id, untimed[2].id]
    rest, end = queries.inbox(world.olga, "new", cursor=cursor, limit=3)
    assert [r.id for r in rest] == [untimed[1].id, untimed[0].id] and end is None
    rows, cursor = queries.inbox(world.olga, "new", limit=1)
    second, _ = queries.inbox(world.olga, "new", cursor=cursor, limit=1)
    assert [r.id for r in rows + second] == [late.id, later.id]


def test_inbox_row_shows_overdue_and_time_left(world, frozen, signed_in):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    report(world, description="Late")
    frozen.advance(minutes=20)
    report(world, description="Fresh")
    frozen.advance(minutes=15)
    html = signed_in(world.olga).get("/inbox").get_data(True)
    assert 'class="clock overdue">overdue 5 min<' in html
    assert 'class="clock soon">due in 15 min<' in html
    assert html.index("Late") < html.index("Fresh")
