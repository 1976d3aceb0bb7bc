"""The whole loop at phone size: a tenant reports by QR code, the team member's open inbox shows
it live, she works it through htmx partial updates, the tenant confirms and rates it. Only the
people concerned hear about it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, sign_in, write_jpeg

LIVE = {"timeout": TIMEOUT_MS}

# Set on a page once it has loaded; a full navigation or reload would lose it.
MARK = """() => {
  window.__waveMarker = "still here";
  window.__heard = [];
  document.body.addEventListener("wave:request", (e) => window.__heard.push(e.detail.id));
}"""


def mark(page) -> None:
    page.evaluate(MARK)


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__waveMarker") == "still here", "the page was reloaded"


def open_live_inbox(context, base_url, username):
    """A staff member's inbox (tab "new"), connected to the live updates, marked."""
    page = context.new_page()
    sign_in(page, base_url, username)
    page.goto(base_url + "/inbox?tab=new")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    mark(page)
    return page


def report(page, base_url, code, category, description, photo=None) -> tuple[int, str]:
    """Fill the tenant form behind a QR code and send it; returns (request id, tracking URL)."""
    page.goto(f"{base_url}/q/{code}")
    page.select_option("select[name=category]", label=category)
    page.fill("textarea[name=description]", description)
    if photo:
        page.set_input_files("input[name=photo]", str(photo))
    page.get_by_role("button", name="Send").tap()
    heading = page.get_by_role("heading", name=re.compile(r"Request #\d+ is registered"))
    expect(heading).to_be_visible(**LIVE)
    request_id = int(re.search(r"#(\d+)", heading.inner_text()).group(1))
    link = page.locator("a.track-link")
    expect(link).to_have_attribute("href", re.compile(r"/t/[\w-]{20,}$"))
    return request_id, link.get_attribute("href")


def act(page, button, path):
    """Tap a panel button: an htmx POST answered with the panel, swapped in place. (The live
    echo of one's own change may refresh the panel again, or be skipped while a form in it was
    open when it arrived: the answer already is the new panel.)"""
    with page.expect_response(
        lambda r: r.url.endswith(path) and r.request.method == "POST", **LIVE
    ) as posted:
        button.tap()
    response = posted.value
    assert response.status == 200, response.text()[:500]
    assert response.request.headers.get("hx-request") == "true"
    assert '<section id="request-panel"' in response.text()
    assert_not_reloaded(page)


def panel_status(page, status):
    return page.locator(f"#request-panel .badge.status-{status}")


@pytest.mark.browser
def test_tenant_report_is_worked_live_and_closed_by_the_tenant(live_server, world, phone, tmp_path):
    olga = open_live_inbox(phone(), live_server, "olga")
    tom = open_live_inbox(phone(), live_server, "tom")  # IT: not concerned by cleaning work
    tenant = phone().new_page()

    # The tenant scans the room's code and reports with a photo.
    request_id, tracking_url = report(
        tenant,
        live_server,
        "RM000001",
        "Wet cleaning",
        "Coffee spilled all over the carpet",
        photo=write_jpeg(tmp_path / "spill.jpg"),
    )

    # Olga's open inbox shows it, without a reload.
    row = olga.locator(f"#row-{request_id}")
    expect(row).to_be_visible(**LIVE)
    expect(row).to_contain_text("Wet cleaning")
    expect(row).to_contain_text("Coffee spilled")
    assert_not_reloaded(olga)
    assert request_id in olga.evaluate("window.__heard")

    # She works it on the request page: every step swaps the panel, never the page.
    row.tap()
    olga.wait_for_url(f"**/requests/{request_id}")
    expect(olga.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    mark(olga)
    panel = olga.locator("#request-panel")
    expect(panel_status(olga, "new")).to_be_visible()

    act(olga, panel.get_by_role("button", name="Take it"), f"/{request_id}/take")
    expect(panel.locator("#assignee")).to_have_text("Olga Petrova")
    expect(panel_status(olga, "assigned")).to_be_visible()

    act(olga, panel.get_by_role("button", name="Start work"), f"/{request_id}/start")
    expect(panel_status(olga, "in_progress")).to_be_visible()

    panel.locator("summary", has_text=re.compile(r"^\s*Done\s*$")).tap()
    done_form = panel.locator(f"form[action$='/requests/{request_id}/done']")
    done_form.get_by_label("Labor time, minutes").fill("25")
    done_form.locator("input[name=photo]").set_input_files(
        str(write_jpeg(tmp_path / "clean.jpg", color="#2e7d32"))
    )
    act(
        olga,
        done_form.get_by_role("button", name="Mark as done"),
        f"/{request_id}/done",
    )
    expect(panel_status(olga, "done")).to_be_visible()
    expect(panel.locator("dl.facts")).to_contain_text("25 min")
    expect(panel.locator("a.thumb-completion img")).to_have_count(1)
    expect(panel.locator("a.thumb-report img")).to_have_count(1)

    # The tenant's tracking link shows the work done; she confirms it and rates it.
    tenant.goto(tracking_url)
    expect(tenant.locator(".badge.status-done")).to_be_visible()
    tenant.get_by_role("button", name="Yes, it is fixed").tap()
    expect(tenant.locator(".badge.status-closed")).to_have_text("Closed", **LIVE)
    tenant.locator("#rate label.star", has_text="5★").tap()
    expect(tenant.locator("#rate input[name=rating][value='5']")).to_be_checked()
    tenant.get_by_role("button", name="Rate").tap()
    expect(tenant.locator("#rate .stars")).to_have_text("★★★★★", **LIVE)
    expect(tenant.locator("#rate")).to_contain_text("Your rating:")
    expect(tenant.locator(".badge.status-closed")).to_have_text("Closed")

    # Olga's open request page followed along, still without a reload.
    expect(panel_status(olga, "closed")).to_be_visible(**LIVE)
    expect(panel.locator("dl.facts")).to_contain_text("★★★★★", **LIVE)
    assert_not_reloaded(olga)

    # Tom (IT) heard nothing of it. Proof that his line works and is in order: a printer
    # report, sent after everything above, reaches him live.
    printer_id, _ = report(tenant, live_server, "PRNT0001", "Printer problem", "Paper jam")
    expect(tom.locator(f"#row-{printer_id}")).to_be_visible(**LIVE)
    expect(tom.locator(f"#row-{request_id}")).to_have_count(0)
    assert_not_reloaded(tom)
    assert tom.evaluate("window.__heard") == [printer_id]
