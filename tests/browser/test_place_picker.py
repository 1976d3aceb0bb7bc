"""The desk's place picker at phone size: found by typing, with JavaScript (choices swapped in,
no reload, Enter searches) and without it (Enter or "Find" posts the form back with the
matches and everything typed; only "Create request" creates)."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import TIMEOUT_MS, sign_in
from wave.extensions import db
from wave.requests.models import ServiceRequest

LIVE = {"timeout": TIMEOUT_MS}


def requests_made():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ServiceRequest))


def created_request(page):
    page.wait_for_url(re.compile(r"/requests/\d+$"))
    db.session.expire_all()
    return db.session.get(ServiceRequest, int(page.url.rsplit("/", 1)[1]))


@pytest.mark.browser
def test_the_desk_finds_a_place_without_javascript(live_server, world, phone):
    page = phone(java_script_enabled=False).new_page()
    sign_in(page, live_server, "dina")
    page.goto(live_server + "/requests/new")
    page.fill("textarea[name=description]", "Caller: paper jam")
    page.fill("input[name=name]", "Petra")
    search = page.get_by_role("searchbox", name="Find a place")
    search.fill("PRINT")
    search.press("Enter")  # the form's first button: "Find"

    choice = page.locator("label.place-choice", has_text="Printer P1")
    expect(choice).to_be_visible()
    expect(choice).to_contain_text("Test Tower · Floor 1 · 101 Office")
    expect(page.locator("textarea[name=description]")).to_have_value("Caller: paper jam")
    expect(page.locator("input[name=name]")).to_have_value("Petra")
    expect(search).to_have_value("PRINT")
    expect(page.locator(".error")).to_have_count(0)
    assert requests_made() == 0

    choice.tap()
    page.select_option("select[name=category]", label="Printer problem")
    page.get_by_role("button", name="Create request").click()
    req = created_request(page)
    assert (req.asset_id, req.requester_name) == (world.printer.id, "Petra")


@pytest.mark.browser
def test_the_desk_finds_a_place_as_it_is_typed(live_server, world, phone):
    page = phone().new_page()
    sign_in(page, live_server, "dina")
    page.goto(live_server + "/requests/new")
    page.evaluate("() => { window.__marker = 'still here'; }")
    search = page.get_by_role("searchbox", name="Find a place")
    search.press_sequentially("floor", delay=60)
    expect(page.locator("label.place-choice")).to_have_text(
        [re.compile(r"^\s*Floor 1\s+Test Tower\s*$")], **LIVE
    )
    search.fill("")
    search.press_sequentially("of", delay=60)
    search.press("Enter")  # searches at once; never posts the form
    room = page.locator("label.place-choice", has_text="101 Office")
    expect(room).to_be_visible(**LIVE)
    expect(page.locator("label.place-choice")).to_have_count(1)
    room.tap()
    expect(room.get_by_role("radio")).to_be_checked()
    assert page.evaluate("window.__marker") == "still here", "the page was reloaded"
    assert requests_made() == 0

    # A mistake elsewhere: the form comes back with the place still chosen.
    page.get_by_role("button", name="Create request").tap()
    expect(page.locator("#field-category .error")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile(r"^101 Office"))).to_be_checked()
    expect(search).to_have_value("of")
    page.select_option("select[name=category]", label="Trash removal")
    page.fill("textarea[name=description]", "Bin is full")
    page.get_by_role("button", name="Create request").tap()
    req = created_request(page)
    assert (req.location_id, req.asset_id) == (world.room.id, None)
