"""The place picker of the forms staff type requests into: found by name, a few at a time."""

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, token
from wave.extensions import db
from wave.messenger import chats
from wave.qr import services as qr_services
from wave.qr.models import Asset, Location, Site
from wave.requests.models import ServiceRequest
from wave.requests.places import MATCHES, find_places
from wave.timeutil import now

FIND = "/places/find"


@pytest.fixture
def kitchens(world):
    """A second building with Russian names: БЦ «Северный» → Этаж 3 → Кухня 3 (a coffee
    machine in it) and Переговорная «Кухня»."""
    site = Site(name="БЦ «Северный»", timezone="Europe/Moscow")
    floor = Location(site=site, name="Этаж 3", kind="floor")
    kitchen = Location(site=site, parent=floor, name="Кухня 3", kind="room")
    meeting = Location(site=site, parent=floor, name="Переговорная «Кухня»", kind="room")
    coffee = Asset(location=kitchen, name="Кофемашина — Кухня 3", kind="coffee machine")
    db.session.add_all([site, floor, kitchen, meeting, coffee])
    db.session.commit()
    return site, floor, kitchen, meeting, coffee


def names(text):
    return [place.name for place in find_places(text)]


def offered(html):
    """(value, checked) of each place choice in a page or fragment."""
    return [
        (m.group(1), bool(m.group(2)))
        for m in re.finditer(r'<input type="radio" name="place" value="([la]\d+)"( checked)?', html)
    ]


def requests_made():
    return db.session.scalar(select(func.count()).select_from(ServiceRequest))


# ---------------------------------------------------------------- finding
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("101", ["101 Office"]),  # names are searched, not paths: not the printer in it
        ("office", ["101 Office"]),
        ("OFFICE", ["101 Office"]),
        ("  oFfIcE  ", ["101 Office"]),
        ("rint", ["Printer P1"]),
        ("floor", ["Floor 1"]),
        ("кух", ["Кухня 3", "Кофемашина — Кухня 3", "Переговорная «Кухня»"]),
        ("КУХНЯ", ["Кухня 3", "Кофемашина — Кухня 3", "Переговорная «Кухня»"]),
        ("кофе", ["Кофемашина — Кухня 3"]),
        ("северный кух", ["Кухня 3", "Переговорная «Кухня»", "Кофемашина — Кухня 3"]),
        ("no such place", []),
        ("%", []),
        ("_", []),
    ],
)
def test_places_are_found_by_any_part_of_their_name_in_any_case(world, kitchens, typed, expected):
    assert names(typed) == expected


def test_a_site_name_finds_its_places_after_those_named_so(world, kitchens):
    found = find_places("test tower")
    assert [p.name for p in found] == ["Floor 1", "101 Office", "Printer P1"]
    assert [p.path for p in found] == [
        "Test Tower",
        "Test Tower · Floor 1",
        "Test Tower · Floor 1 · 101 Office",
    ]


def test_names_starting_with_the_words_come_before_names_holding_them(world, kitchens):
    # Кухня 3 starts with it, the machine has a word starting with it, the meeting room
    # holds it after «: each group by path.
    assert names("кухня") == ["Кухня 3", "Кофемашина — Кухня 3", "Переговорная «Кухня»"]
    assert find_places("кухня")[0].path == "БЦ «Северный» · Этаж 3"


def test_at_most_a_screenful_of_places_is_offered(world):
    db.session.add_all(
        Location(site=world.site, parent=world.floor, name=f"Store {n:02}") for n in range(40)
    )
    db.session.commit()
    assert names("store") == [f"Store {n:02}" for n in range(MATCHES)]
    assert len(find_places("o", limit=5)) == 5


def test_archived_places_are_never_offered(world, kitchens, signed_in):
    site, floor, kitchen, meeting, coffee = kitchens
    qr_services.set_location_archived(floor, True)  # everything under it goes with it
    qr_services.set_asset_archived(world.printer, True)
    assert names("кух") == [] and names("printer") == []
    assert names("office") == ["101 Office"]
    world.site.archived_at = now()
    db.session.commit()
    assert names("office") == []
    html = signed_in(world.olga).get(FIND, query_string={"place_query": "o"}).get_data(True)
    assert offered(html) == []


# ---------------------------------------------------------------- the endpoint
def test_the_endpoint_answers_the_choices_with_the_chosen_place_first(world, kitchens, signed_in):
    coffee = kitchens[4]
    olga = signed_in(world.olga)
    response = olga.get(FIND, query_string={"place_query": "office", "place": f"a{coffee.id}"})
    html = response.get_data(True)
    assert response.status_code == 200 and html.lstrip().startswith('<div class="place-choices"')
    assert offered(html) == [(f"a{coffee.id}", True), (f"l{world.room.id}", False)]
    text = re.sub(r"<[^>]+>", "", html)
    assert "Кофемашина — Кухня 3" in text and "БЦ «Северный» · Этаж 3 · Кухня 3" in text
    assert len(html.encode()) < 1200  # a few hundred bytes a place


def test_nothing_found_says_so(world, signed_in):
    html = signed_in(world.olga).get(FIND, query_string={"place_query": "zzz"}).get_data(True)
    assert offered(html) == [] and "No place is called like this." in html


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_anonymous_people_cannot_search_places(client, world, headers):
    response = client.get(FIND, query_string={"place_query": "office"}, headers=headers)
    assert response.status_code in (302, 401) and "101 Office" not in response.get_data(True)


def test_the_endpoint_only_reads(world, signed_in):
    olga = signed_in(world.olga)
    assert olga.post(FIND, data={"csrf_token": token(olga), "place_query": "x"}).status_code == 405


def test_the_search_takes_the_same_statements_however_many_places(world, signed_in, statements):
    olga = signed_in(world.olga)

    def count():
        statements.clear()
        query = {"place_query": "o", "place": f"l{world.room.id}"}
        assert olga.get(FIND, query_string=query).status_code == 200
        return len(statements)

    count()  # the first page after a commit loads the person again
    few = count()
    floors = [Location(site=world.site, name=f"Floor {n}", kind="floor") for n in range(2, 12)]
    db.session.add_all(floors)
    for floor in floors:
        for n in range(20):
            room = Location(site=world.site, parent=floor, name=f"Office {floor.name[6:]}{n:02}")
            db.session.add_all([room, Asset(location=room, name=f"Door {n}")])
    db.session.commit()
    count()
    assert count() == few <= 3


# ---------------------------------------------------------------- the desk's form
def desk_data(page, world, **overrides):
    data = {
        "csrf_token": csrf_from(page),
        "place_query": "print",
        "place": f"a{world.printer.id}",
        "category": str(world.printer_problem.id),
        "description": "Caller: paper jam",
        "priority": "high",
        "name": "Petra",
        "phone": "+49 2",
    }
    return {**data, **overrides}


def test_find_without_javascript_shows_matches_keeps_everything_creates_nothing(world, signed_in):
    dina = signed_in(world.dina)
    page = dina.get("/requests/new").get_data(True)
    data = desk_data(page, world, place="", place_query="OFF", find_place="1")
    response = dina.post("/requests/new", data=data)
    html = response.get_data(True)
    assert response.status_code == 200 and requests_made() == 0
    assert offered(html) == [(f"l{world.room.id}", False)]
    assert 'value="OFF"' in html and 'value="Petra"' in html
    assert "Caller: paper jam</textarea>" in html
    assert f'<option selected value="{world.printer_problem.id}">' in html
    assert "Choose the place." not in html and "Please check the marked fields." not in html


def test_find_keeps_the_place_chosen_before(world, signed_in):
    dina = signed_in(world.dina)
    page = dina.get("/requests/new").get_data(True)
    data = desk_data(page, world, place_query="office", find_place="1")
    html = dina.post("/requests/new", data=data).get_data(True)
    assert offered(html) == [(f"a{world.printer.id}", True), (f"l{world.room.id}", False)]
    assert requests_made() == 0


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ("", "Choose the place."),
        ("l999999", "This place is not in use. Please choose another one."),
        ("x1", "This place is not in use. Please choose another one."),
        ("archived", "This place is not in use. Please choose another one."),
    ],
)
def test_a_bad_place_is_refused_with_a_message_and_the_rest_kept(world, signed_in, place, message):
    if place == "archived":
        qr_services.set_asset_archived(world.printer, True)
        place = f"a{world.printer.id}"
    dina = signed_in(world.dina)
    page = dina.get("/requests/new").get_data(True)
    response = dina.post("/requests/new", data=desk_data(page, world, place=place))
    html = response.get_data(True)
    assert response.status_code == 422 and requests_made() == 0
    field = html[html.index('id="field-place"') : html.index("</fieldset>")]
    assert message in field
    assert 'value="print"' in html and 'value="Petra"' in html
    assert "Caller: paper jam</textarea>" in html


def test_after_another_error_the_chosen_place_stays_chosen(world, signed_in):
    dina = signed_in(world.dina)
    page = dina.get("/requests/new").get_data(True)
    response = dina.post("/requests/new", data=desk_data(page, world, description=""))
    html = response.get_data(True)
    assert response.status_code == 422 and "Please describe the problem." in html
    assert offered(html) == [(f"a{world.printer.id}", True)]  # "print" finds it too: once
    assert "This place is not in use" not in html and 'value="print"' in html


def test_the_desk_form_offers_no_place_before_a_search(world, signed_in):
    dina = signed_in(world.dina)
    dina.get("/requests/new")
    html = dina.get("/requests/new").get_data(True)
    assert offered(html) == [] and "101 Office" not in html
    assert 'hx-get="/places/find"' in html and 'name="find_place"' in html


# ---------------------------------------------------------------- the chat's form
@pytest.fixture
def spill(world):
    group = chats.create_group(world.olga, "Floor 1", [world.sam])
    message, _ = chats.send(group, world.sam, "Coffee spilled in 101")
    return message


def test_the_chat_form_finds_without_javascript_too(world, signed_in, spill):
    olga = signed_in(world.olga)
    url = f"/chats/messages/{spill.id}/request"
    data = {
        "csrf_token": token(olga),
        "category": str(world.trash.id),
        "place": "",
        "place_query": "101",
        "description": "Big puddle",
        "assignee": "0",
        "find_place": "1",
    }
    response = olga.post(url, data=data)
    html = response.get_data(True)
    assert response.status_code == 200 and requests_made() == 0
    assert offered(html) == [(f"l{world.room.id}", False)]
    assert "Big puddle</textarea>" in html and 'value="101"' in html
    assert f'<option selected value="{world.trash.id}">' in html
    assert "Choose the place." not in html

    response = olga.post(url, data={**data, "find_place": None, "place": f"l{world.room.id}"})
    assert response.status_code == 303 and requests_made() == 1
    req = db.session.scalar(select(ServiceRequest))
    assert (req.location_id, req.asset_id) == (world.room.id, None)


def test_the_chat_form_refuses_an_archived_place(world, signed_in, spill):
    qr_services.set_location_archived(world.floor, True)
    olga = signed_in(world.olga)
    data = {
        "csrf_token": token(olga),
        "category": str(world.trash.id),
        "place": f"l{world.room.id}",
        "description": "Big puddle",
        "assignee": "0",
    }
    response = olga.post(f"/chats/messages/{spill.id}/request", data=data)
    html = response.get_data(True)
    assert response.status_code == 422 and requests_made() == 0
    assert "This place is not in use. Please choose another one." in html and "Big puddle" in html
