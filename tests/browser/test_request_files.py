"""Photos and PDF documents picked on a request's page go up at once (htmx) and show in the
panel without a reload; a document that is not a PDF is refused with why."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, sign_in
from tests.builders import report
from tests.images import png_bytes

LIVE = {"timeout": TIMEOUT_MS}
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
REPORT = {"name": "Boiler service.pdf", "mimeType": "application/pdf", "buffer": PDF}
NOT_A_PDF = {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}
PHOTO = {"name": "boiler.png", "mimeType": "image/png", "buffer": png_bytes(size=(40, 30))}
# htmx-added: a panel htmx has just swapped in, whose forms it wires up only as the panel
# settles, 20 ms later (a file picked before then is never sent); htmx-request: a request of
# the panel's is on its way, and its answer will replace the panel.
UNSETTLED = re.compile(r"\bhtmx-(added|request)\b")


def open_request(phone, live_server, req):
    """Olga's phone on the request's page, its live updates connected."""
    page = phone().new_page()
    sign_in(page, live_server, "olga")
    page.goto(f"{live_server}/requests/{req.id}")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    page.evaluate("window.notReloaded = true")
    return page


def pick(page, button: str, file: dict) -> None:
    """Pick a file with one of the panel's upload buttons once the panel is still."""
    panel = page.locator("#request-panel")
    expect(panel).not_to_have_class(UNSETTLED, **LIVE)
    expect(panel.locator(".htmx-request")).to_have_count(0, **LIVE)
    panel.locator(f"{button} input[type=file]").set_input_files(files=[file])


@pytest.mark.browser
def test_a_picked_photo_appears_in_the_panel(live_server, world, phone):
    req = report(world, description="Boiler")
    olga = open_request(phone, live_server, req)

    pick(olga, ".add-photo", PHOTO)
    expect(olga.locator(".thumbs img")).to_have_count(1, **LIVE)
    assert olga.evaluate("window.notReloaded") is True


@pytest.mark.browser
def test_a_pdf_a_refused_file_then_a_photo(live_server, world, phone):
    req = report(world, description="Boiler")
    olga = open_request(phone, live_server, req)

    # Her own upload is told back to her page, which then fetches the panel again: wait for
    # that refresh, or it could replace the panel under the next step's file input.
    refreshed = f"{live_server}/requests/{req.id}/panel"
    with olga.expect_response(lambda r: r.url == refreshed, **LIVE):
        pick(olga, ".add-document", REPORT)
    link = olga.locator("#documents a", has_text="Boiler service.pdf")
    expect(link).to_be_visible(**LIVE)
    with olga.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Boiler service.pdf"

    pick(olga, ".add-document", NOT_A_PDF)
    expect(olga.locator("#action-error")).to_contain_text("Please attach a PDF document.", **LIVE)

    pick(olga, ".add-photo", PHOTO)  # right after the refusal's swap: see pick()
    expect(olga.locator(".thumbs img")).to_have_count(1, **LIVE)
    expect(olga.locator("#documents a")).to_have_count(1)
    assert olga.evaluate("window.notReloaded") is True  # all of it without a reload


@pytest.mark.browser
def test_the_pickers_wait_while_files_go_up(live_server, world, phone):
    """A second photo picked while the first is still going up (slow data) would be lost with
    the panel the first one's answer replaces: until that answer, no picker can be used."""
    req = report(world, description="Boiler")
    olga = open_request(phone, live_server, req)
    held = []
    olga.route(f"{live_server}/requests/{req.id}/photos", lambda route: held.append(route))

    pick(olga, ".add-photo", PHOTO)
    for _ in range(TIMEOUT_MS // 50):  # the route hears of the upload as the page sends it
        if held:
            break
        olga.wait_for_timeout(50)
    assert len(held) == 1
    expect(olga.locator(".add-photo input[type=file]")).to_be_disabled()
    expect(olga.locator(".add-document input[type=file]")).to_be_disabled()
    held[0].continue_()
    olga.unroute(f"{live_server}/requests/{req.id}/photos")

    expect(olga.locator(".thumbs img")).to_have_count(1, **LIVE)
    pick(olga, ".add-photo", PHOTO)
    expect(olga.locator(".thumbs img")).to_have_count(2, **LIVE)
    assert olga.evaluate("window.notReloaded") is True
