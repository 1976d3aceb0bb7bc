"""Answering the requester meets the response target; the desk reclassifying a request
computes its due times again."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.builders import report
from tests.conftest import token
from wave.extensions import db
from wave.jobs import ticks
from wave.sla.models import SlaPolicy

HX = {"HX-Request": "true"}


def berlin(*args):
    return datetime(*args, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


def test_a_reply_meets_the_response_target_and_reaches_the_tracking_page(
    world, frozen, signed_in, client
):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    dina = signed_in(world.dina)
    frozen.advance(minutes=10)
    response = dina.post(
        f"/requests/{req.id}/reply",
        data={"text": "We will come at 14:00.", "csrf_token": token(dina)},
        headers=HX,
    )
    assert response.status_code == 200
    db.session.refresh(req)
    assert req.first_response_at == berlin(2026, 11, 23, 10, 10)
    assert req.next_due_at == req.resolution_due_at
    assert ticks.run(frozen.advance(hours=1)) == {}  # no response breach
    tracking = client.get(f"/t/{req.tracking_token}").get_data(True)
    assert "Message from the facility team: “We will come at 14:00.”" in tracking


def test_an_empty_reply_is_refused_and_the_form_kept_open(world, signed_in):
    req = report(world)
    dina = signed_in(world.dina)
    response = dina.post(
        f"/requests/{req.id}/reply", data={"text": "  ", "csrf_token": token(dina)}, headers=HX
    )
    html = response.get_data(True)
    assert response.status_code == 422 and "Write the answer" in html
    db.session.refresh(req)
    assert req.first_response_at is None


def test_staff_who_do_not_hold_it_cannot_answer(world, signed_in):
    req = report(world)
    sam = signed_in(world.sam)
    response = sam.post(
        f"/requests/{req.id}/reply", data={"text": "Hi", "csrf_token": token(sam)}, headers=HX
    )
    assert response.status_code == 422 and "Only the assignee or the desk" in response.get_data(
        True
    )


def test_reclassifying_computes_due_times_again_and_moves_unheld_work(world, frozen, signed_in):
    db.session.add(SlaPolicy(priority="urgent", response_minutes=5, resolution_minutes=60))
    db.session.commit()
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    assert req.response_due_at == berlin(2026, 11, 23, 10, 30)
    dina = signed_in(world.dina)
    frozen.advance(minutes=3)
    response = dina.post(
        f"/requests/{req.id}/classify",
        data={
            "category": world.printer_problem.id,
            "priority": "urgent",
            "sla_class": "B",
            "csrf_token": token(dina),
        },
        headers=HX,
    )
    assert response.status_code == 200, response.get_data(True)[:300]
    db.session.refresh(req)
    assert (req.category_id, req.team_id, req.priority) == (
        world.printer_problem.id,
        world.it.id,
        "urgent",
    )
    # Counted from creation, not from the change.
    assert req.response_due_at == berlin(2026, 11, 23, 10, 5)
    assert req.resolution_due_at == berlin(2026, 11, 23, 11, 0)
    assert "Reclassified" in response.get_data(True)


def test_only_the_desk_reclassifies(world, signed_in):
    req = report(world)
    olga = signed_in(world.olga)
    response = olga.post(
        f"/requests/{req.id}/classify",
        data={
            "category": world.wet.id,
            "priority": "high",
            "sla_class": "A",
            "csrf_token": token(olga),
        },
        headers=HX,
    )
    assert response.status_code == 422 and "Only the desk" in response.get_data(True)
    db.session.refresh(req)
    assert req.category_id == world.trash.id


def test_reclassifying_to_the_same_values_says_nothing_changed(world, signed_in):
    req = report(world)
    dina = signed_in(world.dina)
    response = dina.post(
        f"/requests/{req.id}/classify",
        data={
            "category": world.trash.id,
            "priority": req.priority,
            "sla_class": req.sla_class,
            "csrf_token": token(dina),
        },
        headers=HX,
    )
    assert response.status_code == 422 and "Nothing was changed." in response.get_data(True)


def test_request_page_shows_due_times_and_the_clock(world, frozen, signed_in):
    frozen.at(berlin(2026, 11, 23, 10, 0))
    req = report(world)
    frozen.advance(minutes=40)
    html = signed_in(world.dina).get(f"/requests/{req.id}").get_data(True)
    assert "First response due" in html and "Resolution due" in html
    assert 'class="clock overdue">overdue 10 min<' in html
