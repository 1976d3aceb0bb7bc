"""PDF documents picked on a request's page go up at once (htmx) and show in the panel
without a reload; a document that is not a PDF is refused with why."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, sign_in
from tests.builders import report

LIVE = {"timeout": TIMEOUT_MS}
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.browser
def test_a_picked_pdf_appears_in_the_panel(live_server, world, phone):
    req = report(world, description="Boiler")
    olga = phone().new_page()
    sign_in(olga, live_server, "olga")
    olga.goto(f"{live_server}/requests/{req.id}")
    expect(olga.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    olga.evaluate("window.notReloaded = true")

    # Her own upload is told back to her page, which then fetches the panel again: wait for
    # that refresh, or it could replace the panel under the next step's file input.
    refreshed = f"{live_server}/requests/{req.id}/panel"
    with olga.expect_response(lambda r: r.url == refreshed, **LIVE):
        olga.locator(".add-document input[type=file]").set_input_files(
            files=[{"name": "Boiler service.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    link = olga.locator("#documents a", has_text="Boiler service.pdf")
    expect(link).to_be_visible(**LIVE)
    with olga.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Boiler service.pdf"

    olga.locator(".add-document input[type=file]").set_input_files(
        files=[{"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"<html>"}]
    )
    expect(olga.locator("#action-error")).to_contain_text("Please attach a PDF document.", **LIVE)

    assert olga.evaluate("window.notReloaded") is True  # all of it without a reload
