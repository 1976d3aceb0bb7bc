"""A live refresh never wipes what a staff member is typing into the request panel."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, sign_in
from tests.builders import report
from wave.requests import lifecycle

LIVE = {"timeout": TIMEOUT_MS}


@pytest.mark.browser
def test_open_form_survives_a_colleagues_message_then_catches_up(live_server, world, phone):
    req = report(world, description="Bins")
    lifecycle.take(req, world.olga)
    olga = phone().new_page()
    sign_in(olga, live_server, "olga")
    olga.goto(f"{live_server}/requests/{req.id}")
    expect(olga.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    olga.get_by_text("Done", exact=True).tap()
    olga.fill("input[name=labor]", "25")

    dina = phone().new_page()
    sign_in(dina, live_server, "dina")
    dina.goto(f"{live_server}/requests/{req.id}")
    dina.fill("textarea[name=body]", "Client says the bins are in the yard")
    dina.get_by_role("button", name="Send").tap()
    expect(dina.locator("#request-panel")).to_contain_text("in the yard", **LIVE)

    # The refresh waits: Olga's open form and her typing are untouched.
    olga.wait_for_timeout(1500)
    expect(olga.locator("input[name=labor]")).to_have_value("25")
    expect(olga.locator("#request-panel")).not_to_contain_text("in the yard")
    # Closing the form lets the panel catch up with the colleague's message.
    olga.get_by_text("Done", exact=True).tap()
    expect(olga.locator("#request-panel")).to_contain_text("in the yard", **LIVE)


@pytest.mark.browser
def test_the_discussion_box_empties_after_each_message_and_sends_the_next(
    live_server, world, phone
):
    req = report(world, description="Bins")
    dina = phone().new_page()
    sign_in(dina, live_server, "dina")
    dina.goto(f"{live_server}/requests/{req.id}")
    box = dina.locator("textarea#body")
    # The second message needs a new client id, or it would count as a resend of the first.
    for text in ("First note", "Second note"):
        box.fill(text)
        dina.get_by_role("button", name="Send").tap()
        expect(dina.locator("#request-panel")).to_contain_text(text, **LIVE)
        expect(box).to_have_value("")
