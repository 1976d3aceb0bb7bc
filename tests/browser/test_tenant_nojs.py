"""The tenant's side works with JavaScript switched off: report with a photo, track, confirm,
rate; a form with a mistake comes back with a clear message and what was typed."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import write_jpeg
from wave.extensions import db
from wave.requests import lifecycle
from wave.requests.models import RequestAttachment, ServiceRequest


@pytest.fixture
def no_js(phone):
    """A phone whose browser runs no JavaScript at all."""
    page = phone(java_script_enabled=False).new_page()
    page.set_content("<title>before</title><script>document.title = 'ran'</script>")
    assert page.title() == "before", "JavaScript still runs"
    return page


def _finish_in_server(request_id, world):
    """Olga takes and completes the request, through the real services (test process)."""
    db.session.expire_all()
    req = db.session.get(ServiceRequest, request_id)
    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, 10, [])


@pytest.mark.browser
def test_report_track_confirm_and_rate_without_javascript(live_server, world, no_js, tmp_path):
    page = no_js
    page.goto(live_server + "/q/RM000001")
    expect(page.get_by_role("heading", name="101 Office")).to_be_visible()
    page.select_option("select[name=category]", label="Trash removal")
    page.fill("textarea[name=description]", "The bin by the window is overflowing")
    page.set_input_files("input[name=photo]", str(write_jpeg(tmp_path / "bin.jpg")))
    page.fill("input[name=name]", "Jonas")
    page.get_by_role("button", name="Send").click()

    heading = page.get_by_role("heading", name=re.compile(r"Request #\d+ is registered"))
    expect(heading).to_be_visible()
    request_id = int(re.search(r"#(\d+)", heading.inner_text()).group(1))
    tracking_url = page.locator("a.track-link").get_attribute("href")
    assert re.search(r"/t/[\w-]{20,}$", tracking_url)
    expect(page.locator(".badge.status-new")).to_have_text("New")
    expect(page.locator(".thumbs img")).to_have_count(1)

    db.session.expire_all()
    req = db.session.get(ServiceRequest, request_id)
    assert (req.source, req.status, req.requester_name) == ("qr", "new", "Jonas")
    assert req.description == "The bin by the window is overflowing"
    assert (
        db.session.scalar(
            select(RequestAttachment).where(RequestAttachment.request_id == request_id)
        )
        is not None
    )

    # The tracking link alone, in a fresh visit, shows the request.
    page.goto(tracking_url)
    expect(page.get_by_role("heading", name=f"#{request_id} · Trash removal")).to_be_visible()
    expect(page.locator("#confirm")).to_have_count(0)

    _finish_in_server(request_id, world)
    page.reload()
    expect(page.locator(".badge.status-done")).to_have_text("Done")
    expect(page.get_by_role("heading", name="Is it fixed?")).to_be_visible()
    page.get_by_role("button", name="Yes, it is fixed").click()
    expect(page.locator(".badge.status-closed")).to_have_text("Closed")
    expect(page.locator("#confirm")).to_have_count(0)

    page.locator("#rate input[name=rating][value='4']").check()
    page.fill("textarea[name=feedback]", "Quick, thanks")
    page.get_by_role("button", name="Rate").click()
    expect(page.locator("#rate .stars")).to_have_text("★★★★☆")
    expect(page.locator(".timeline")).to_contain_text("Rated 4 of 5")

    db.session.expire_all()
    req = db.session.get(ServiceRequest, request_id)
    assert (req.status, req.rating, req.feedback) == ("closed", 4, "Quick, thanks")


@pytest.mark.browser
def test_empty_description_comes_back_with_a_message_and_the_typed_values(
    live_server, world, no_js
):
    page = no_js
    page.goto(live_server + "/q/RM000001")
    page.select_option("select[name=category]", label="Wet cleaning")
    page.fill("textarea[name=description]", "   ")
    page.fill("input[name=name]", "Keep Me")
    page.fill("input[name=phone]", "+49 30 123456")
    page.fill("input[name=email]", "keep@example.com")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send").click()
    assert posted.value.status == 422

    expect(page.locator(".banner[role=alert]")).to_have_text("Please check the marked fields.")
    description = page.locator("#field-description")
    expect(description).to_have_class(re.compile(r"\bhas-error\b"))
    expect(description.get_by_role("alert")).to_have_text("Please describe the problem.")
    expect(page.locator("select[name=category] option:checked")).to_have_text("Wet cleaning")
    expect(page.locator("input[name=name]")).to_have_value("Keep Me")
    expect(page.locator("input[name=phone]")).to_have_value("+49 30 123456")
    expect(page.locator("input[name=email]")).to_have_value("keep@example.com")

    # Fixing the description and sending again works, with the kept values.
    page.fill("textarea[name=description]", "Muddy footprints in the hall")
    page.get_by_role("button", name="Send").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"Request #\d+ is registered"))
    ).to_be_visible()
    db.session.expire_all()
    req = db.session.scalar(select(ServiceRequest))
    assert (req.requester_name, req.requester_phone, req.requester_email) == (
        "Keep Me",
        "+49 30 123456",
        "keep@example.com",
    )
    assert req.category_id == world.wet.id
