"""The staff app is an installable PWA: Chromium itself reports no installability errors, the
manifest carries what an installed app needs, and the service worker shows an offline page."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, PHONE, TIMEOUT_MS, sign_in

SW_READY = """async () => {
  const registration = await navigator.serviceWorker.ready;
  return {active: !!registration.active, scope: registration.scope,
          controlled: !!navigator.serviceWorker.controller};
}"""


@pytest.fixture
def profile(playwright_driver, tmp_path):
    """A persistent Chromium profile: ordinary contexts are incognito and never installable."""
    context = playwright_driver.chromium.launch_persistent_context(
        user_data_dir=str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=LAUNCH_ARGS,
        **PHONE,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


def _controlled_inbox(context, base_url):
    """The inbox, signed in, once the service worker is active and controls the page."""
    page = context.pages[0] if context.pages else context.new_page()
    sign_in(page, base_url, "olga")
    state = page.evaluate(SW_READY)
    if not state["controlled"]:
        # The first visit installed the worker; clients.claim() or a reload hands it the page.
        page.reload()
        state = page.evaluate(SW_READY)
    assert state == {"active": True, "scope": base_url + "/", "controlled": True}, state
    return page


@pytest.mark.browser
def test_staff_app_is_installable_and_works_offline(live_server, world, profile):
    page = _controlled_inbox(profile, live_server)

    cdp = profile.new_cdp_session(page)
    result = cdp.send("Page.getInstallabilityErrors")
    errors = result.get("installabilityErrors")
    print("installabilityErrors:", json.dumps(errors, indent=2))
    assert errors == [], json.dumps(errors, indent=2)
    manifest_state = cdp.send("Page.getAppManifest")
    assert manifest_state["url"] == live_server + "/manifest.webmanifest"
    assert not manifest_state["errors"], manifest_state["errors"]
    cdp.detach()

    response = profile.request.get(live_server + "/manifest.webmanifest")
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Wave"
    assert manifest["start_url"] == "/inbox"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0b5cad"
    sizes = {icon["sizes"] for icon in manifest["icons"] if "any" in icon.get("purpose", "any")}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        image = profile.request.get(live_server + icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png", icon

    # Offline, a navigation inside the app gets the worker's offline page, not Chromium's.
    profile.set_offline(True)
    try:
        page.goto(live_server + "/inbox")
        expect(page.get_by_role("heading", name="No connection")).to_be_visible()
        expect(page.get_by_role("link", name="Try again")).to_have_attribute("href", "/inbox")
    finally:
        profile.set_offline(False)
    page.goto(live_server + "/inbox")
    expect(page.get_by_role("link", name="New", exact=True)).to_be_visible()
