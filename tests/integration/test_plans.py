"""Planned maintenance: managers keep plans (what, where, how often); the worker turns each
occurrence into one request of source schedule, at the site's local time, never twice, and
skips what it missed while down or paused."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import at_once, token
from wave.extensions import db
from wave.jobs import worker
from wave.notify.models import Notification
from wave.plans import services
from wave.plans.models import Plan
from wave.requests.models import RequestEvent, ServiceRequest

BERLIN = ZoneInfo("Europe/Berlin")  # the test building's time zone


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


@pytest.fixture
def mark(world, signed_in):
    """The manager, signed in."""
    return signed_in(world.mark)


def form(world, **fields) -> dict:
    return {
        "title": "Change the air filters",
        "description": "Both units on the roof.",
        "place": f"l{world.room.id}",
        "place_query": "",
        "category": str(world.trash.id),
        "priority": "high",
        "every": "3",
        "unit": "month",
        "starts_on": "2026-12-01",
        "at": "08:00",
        **fields,
    }


def post(client, url, **data):
    return client.post(url, data={"csrf_token": token(client, "/plans/new"), **data})


def plan(world, **fields) -> Plan:
    """A plan stored through the service, as the page stores it."""
    values = {
        "title": "Walk-round",
        "description": "",
        "category": world.trash,
        "location": world.room,
        "asset": None,
        "priority": "normal",
        "every": 1,
        "unit": "week",
        "starts_on": date(2026, 11, 2),  # a Monday
        "at": time(7, 0),
        "actor": world.mark,
        "moment": berlin(2026, 11, 1, 12, 0),
        **fields,
    }
    return services.save(None, **values)


def planned() -> list[ServiceRequest]:
    query = select(ServiceRequest).where(ServiceRequest.source == "schedule")
    return list(db.session.scalars(query.order_by(ServiceRequest.id)))


# ------------------------------------------------------------------------------ the pages
def test_a_plan_saved_on_the_page_is_listed_with_its_next_request(world, mark, frozen):
    frozen.at(berlin(2026, 11, 20, 12, 0))
    response = post(mark, "/plans/new", **form(world))
    assert response.status_code == 303
    saved = db.session.scalar(select(Plan))
    assert response.headers["Location"] == f"/plans#plan-{saved.id}"
    assert (saved.title, saved.category_id, saved.location_id, saved.asset_id) == (
        "Change the air filters",
        world.trash.id,
        world.room.id,
        None,
    )
    assert (saved.priority, saved.every, saved.unit) == ("high", 3, "month")
    assert saved.next_n == 0 and saved.next_at == berlin(2026, 12, 1, 8, 0)
    html = mark.get("/plans").get_data(True)
    item = re.search(rf'<li id="plan-{saved.id}".*?</li>', html, re.S).group(0)
    assert "Change the air filters" in item and "every 3 months, 08:00" in item
    assert "Trash removal" in item and "101 Office" in item
    assert "Next: " in item and "Pause" in item


def test_a_plan_on_equipment_is_made_at_its_room(world, mark, frozen):
    frozen.at(berlin(2026, 11, 20, 12, 0))
    assert post(mark, "/plans/new", **form(world, place=f"a{world.printer.id}")).status_code == 303
    saved = db.session.scalar(select(Plan))
    assert (saved.location_id, saved.asset_id) == (world.room.id, world.printer.id)


@pytest.mark.parametrize(
    ("fields", "name", "message"),
    [
        ({"title": " "}, "title", "Give the plan a name."),
        ({"place": ""}, "place", "Choose the place."),
        ({"place": "l999999"}, "place", "This place is not in use."),
        ({"category": "0"}, "category", "Choose a category."),
        ({"category": "999999"}, "category", "Not a valid choice"),
        ({"every": "0"}, "every", "Use a whole number from 1 to 366."),
        ({"every": "many"}, "every", "Use a whole number from 1 to 366."),
        ({"unit": "year"}, "unit", "Not a valid choice"),
        ({"starts_on": "soon"}, "starts_on", "Not a valid date value."),
        ({"at": "25:00"}, "at", "Not a valid time value."),
    ],
)
def test_a_refused_plan_says_why_and_keeps_what_was_typed(world, mark, fields, name, message):
    response = post(mark, "/plans/new", **form(world, **fields))
    assert response.status_code == 422
    html = response.get_data(True)
    field = re.search(rf'id="field-{name}".*?(id="field-|</form>)', html, re.S).group(0)
    assert message in field
    assert 'value="Change the air filters"' in html or name == "title"
    assert "Both units on the roof." in html
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_a_group_is_not_a_category_a_plan_can_use(world):
    with pytest.raises(services.RegistryError) as refused:
        plan(world, category=world.trash.parent)
    assert refused.value.field == "category"


def test_the_place_picker_finds_without_saving(world, mark):
    response = post(
        mark, "/plans/new", **form(world, place="", place_query="Office", find_place="1")
    )
    assert response.status_code == 200
    assert f'value="l{world.room.id}"' in response.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_changing_the_schedule_counts_again_from_now(world, mark, frozen):
    row = plan(world)  # weekly, Mondays 07:00, from 2 November
    frozen.at(berlin(2026, 11, 18, 12, 0))  # a Wednesday
    page = mark.get(f"/plans/{row.id}").get_data(True)
    assert 'value="Walk-round"' in page and 'value="07:00"' in page
    changed = form(world, title="Walk-round", every="1", unit="day", starts_on="2026-11-02")
    assert post(mark, f"/plans/{row.id}", **changed).status_code == 303
    db.session.refresh(row)
    assert row.next_at == berlin(2026, 11, 19, 8, 0)  # tomorrow 08:00, nothing for the past
    assert row.title == "Walk-round" and row.priority == "high"


def test_changing_only_the_words_keeps_the_schedule(world, mark, frozen):
    row = plan(world)
    before = (row.next_n, row.next_at)
    frozen.at(berlin(2026, 11, 18, 12, 0))
    same = form(
        world, title="Walk-round of floor 1", every="1", unit="week", starts_on="2026-11-02"
    )
    same["at"] = "07:00"
    assert post(mark, f"/plans/{row.id}", **same).status_code == 303
    db.session.refresh(row)
    assert (row.next_n, row.next_at) == before and row.title == "Walk-round of floor 1"


def test_pause_resume_and_delete(world, mark, frozen):
    row = plan(world)
    frozen.at(berlin(2026, 11, 18, 12, 0))
    assert post(mark, f"/plans/{row.id}/pause").status_code == 303
    db.session.refresh(row)
    assert row.paused_at is not None and row.next_at is None
    assert "paused" in mark.get("/plans").get_data(True)
    assert services.run_due(berlin(2027, 1, 1)) == 0
    assert post(mark, f"/plans/{row.id}/resume").status_code == 303
    db.session.refresh(row)
    assert row.paused_at is None and row.next_at == berlin(2026, 11, 23, 7, 0)  # next Monday
    assert post(mark, f"/plans/{row.id}/delete").status_code == 303
    assert db.session.get(Plan, row.id) is None


@pytest.mark.parametrize("who", ["sam", "dina"])
def test_only_managers_and_admins_keep_plans(world, signed_in, who):
    row = plan(world)
    client = signed_in(getattr(world, who))
    for url in ("/plans", "/plans/new", f"/plans/{row.id}"):
        assert client.get(url).status_code == 403
    token_ = token(client)
    assert client.post(f"/plans/{row.id}/pause", data={"csrf_token": token_}).status_code == 403
    assert client.post(f"/plans/{row.id}/delete", data={"csrf_token": token_}).status_code == 403
    assert db.session.get(Plan, row.id).paused_at is None


def test_an_admin_may_and_a_stranger_is_sent_to_sign_in(world, signed_in, client):
    assert signed_in(world.anna).get("/plans").status_code == 200
    response = client.get("/plans")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_post_without_the_form_token_is_refused(world, mark):
    row = plan(world)
    assert mark.post(f"/plans/{row.id}/pause").status_code == 400
    assert mark.post("/plans/new", data=form(world)).status_code == 400
    assert db.session.get(Plan, row.id).paused_at is None
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 1


def test_an_unknown_plan_is_not_found(mark):
    assert mark.get("/plans/999999").status_code == 404


# ----------------------------------------------------------------------------- the worker
def test_the_worker_makes_one_request_when_the_time_comes(world, frozen):
    row = plan(world, description="Look at every door.", priority="high")
    frozen.at(berlin(2026, 11, 2, 6, 59))
    assert worker.tick().get("created:planned") is None
    frozen.at(berlin(2026, 11, 2, 7, 0))
    assert worker.tick()["created:planned"] == 1
    assert worker.tick().get("created:planned") is None  # the same moment again: nothing
    [req] = planned()
    assert (req.category_id, req.location_id, req.priority, req.team_id) == (
        world.trash.id,
        world.room.id,
        "high",
        world.cleaning.id,
    )
    assert req.description == "Walk-round\n\nLook at every door."
    assert req.status == "new" and req.created_at == berlin(2026, 11, 2, 7, 0)
    assert req.requester_name is None and req.requester_email is None
    assert req.response_due_at == berlin(2026, 11, 2, 7, 30)  # the category's 30 minutes
    created = db.session.scalar(
        select(RequestEvent).where(
            RequestEvent.request_id == req.id, RequestEvent.kind == "created"
        )
    )
    assert created.data["plan"] == "Walk-round" and created.actor_id is None
    db.session.refresh(row)
    assert row.last_request_id == req.id
    assert (row.next_n, row.next_at) == (1, berlin(2026, 11, 9, 7, 0))


def test_the_request_page_says_which_plan_made_it(world, frozen, signed_in):
    plan(world, title="Fire extinguishers")
    services.run_due(berlin(2026, 11, 2, 7, 0))
    [req] = planned()
    html = signed_in(world.sam).get(f"/requests/{req.id}").get_data(True)
    assert "planned: Fire extinguishers" in html
    assert "/plans/" not in html  # staff do not keep plans
    html = signed_in(world.mark).get(f"/requests/{req.id}").get_data(True)
    row = db.session.scalar(select(Plan))
    assert f'<a href="/plans/{row.id}">planned: Fire extinguishers</a>' in html
    assert "Schedule" in html or "Planned" in html


def test_a_worker_that_was_down_makes_only_the_latest_missed_occurrence(world):
    row = plan(world)  # Mondays 07:00 from 2 November
    assert services.run_due(berlin(2026, 12, 2, 12, 0)) == 1  # five Mondays later
    [req] = planned()
    assert req.created_at  # made now, for the Monday of 30 November
    assert req.submission_key == f"plan:{row.id}:20261130T0600Z"  # 07:00 in Berlin
    db.session.refresh(row)
    assert row.next_at == berlin(2026, 12, 7, 7, 0)
    assert services.run_due(berlin(2026, 12, 6, 12, 0)) == 0


def test_a_plan_starting_later_makes_nothing_before(world):
    plan(world, starts_on=date(2027, 1, 4))
    assert services.run_due(berlin(2026, 12, 31)) == 0
    assert services.run_due(berlin(2027, 1, 4, 7, 0)) == 1


def test_one_plan_each_month_keeps_its_day(world):
    row = plan(world, unit="month", starts_on=date(2026, 1, 31), moment=berlin(2026, 1, 1))
    made = [services.run_due(berlin(2026, m, 28, 23, 0)) for m in (2, 3, 4)]
    assert made == [1, 0, 1]  # 28 Feb (the month's last day); not yet on 28 March; 31 March
    db.session.refresh(row)
    assert row.next_at == berlin(2026, 4, 30, 7, 0)


def test_two_workers_racing_make_one_request(world, app):
    plan(world)
    moment = berlin(2026, 11, 2, 7, 0)
    made, errors = at_once(app, lambda: services.run_due(moment))
    assert errors == []
    assert sorted(made) == [0, 1]
    assert len(planned()) == 1


def test_a_second_make_of_the_same_occurrence_answers_with_the_first(world):
    row = plan(world)
    moment = berlin(2026, 11, 2, 7, 0)
    assert services.make_request(row, moment) is True
    row.next_n, row.next_at = 0, moment  # as another worker would still see it
    db.session.commit()
    assert services.make_request(row, moment) is False
    assert len(planned()) == 1
    db.session.refresh(row)
    assert (row.next_n, row.next_at) == (1, berlin(2026, 11, 9, 7, 0))  # not stuck on it


def test_a_changed_schedule_makes_its_own_requests(world, mark, frozen):
    row = plan(world)  # weekly, Mondays 07:00, from 2 November: occurrence 0 made
    assert services.run_due(berlin(2026, 11, 2, 7, 0)) == 1
    frozen.at(berlin(2026, 11, 2, 12, 0))
    daily = form(world, title="Walk-round", every="1", unit="day", starts_on="2026-11-03")
    assert post(mark, f"/plans/{row.id}", **daily).status_code == 303
    db.session.refresh(row)
    assert row.next_n == 0  # numbered anew from the new first date
    assert services.run_due(berlin(2026, 11, 3, 8, 0)) == 1
    assert services.run_due(berlin(2026, 11, 4, 8, 0)) == 1
    assert len(planned()) == 3


@pytest.mark.parametrize("archived", ["room", "site", "printer", "trash"])
def test_a_plan_whose_place_or_category_is_archived_pauses_instead(world, mark, archived):
    row = plan(world, asset=world.printer, location=None)
    getattr(world, archived).archived_at = berlin(2026, 11, 1, 13, 0)
    db.session.commit()
    assert services.run_due(berlin(2026, 11, 2, 7, 0)) == 0
    assert planned() == []
    db.session.refresh(row)
    assert row.paused_at == berlin(2026, 11, 2, 7, 0) and row.next_at is None
    assert "place or category archived" in mark.get("/plans").get_data(True)
    response = post(mark, f"/plans/{row.id}/resume")
    assert response.status_code == 303
    assert "change the plan first" in mark.get("/plans").get_data(True)
    db.session.refresh(row)
    assert row.paused_at is not None


def test_a_plan_may_give_its_work_to_someone(world, mark, frozen):
    frozen.at(berlin(2026, 11, 20, 12, 0))
    response = post(mark, "/plans/new", **form(world, assignee=str(world.sam.id)))
    assert response.status_code == 303
    row = db.session.scalar(select(Plan))
    assert row.assignee_id == world.sam.id
    assert "→ Sam" in mark.get("/plans").get_data(True)
    assert f'<option selected value="{world.sam.id}">' in mark.get(f"/plans/{row.id}").get_data(
        True
    )
    assert services.run_due(berlin(2026, 12, 1, 8, 0)) == 1
    [req] = planned()
    assert (req.assignee_id, req.status) == (world.sam.id, "assigned")
    assert req.first_response_at == req.created_at
    assigned = db.session.scalar(
        select(RequestEvent).where(
            RequestEvent.request_id == req.id, RequestEvent.kind == "assigned"
        )
    )
    assert assigned.data["assignee_id"] == world.sam.id and assigned.actor_id is None
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "assigned")
    ).all()
    assert told == [world.sam.id]


def test_work_of_someone_who_left_goes_to_the_team(world):
    plan(world, assignee=world.sam)
    world.sam.archived_at = berlin(2026, 11, 1, 13, 0)
    db.session.commit()
    assert services.run_due(berlin(2026, 11, 2, 7, 0)) == 1
    [req] = planned()
    assert (req.assignee_id, req.status) == (None, "new")


def test_an_unknown_assignee_is_refused(world, mark):
    response = post(mark, "/plans/new", **form(world, assignee="999999"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
