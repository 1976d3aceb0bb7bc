"""Browser fixtures: Debian's Chromium driven by Playwright, at phone size.

The live server (tests/conftest.py) runs `python -m wave serve` in a subprocess on the test
database; these fixtures only add the browser. Chromium is never downloaded: without
/usr/bin/chromium the tests skip, or fail when CI is set (a CI run must not go green by
skipping them).
"""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 10_000


def require_chromium() -> None:
    """Skip (or, under CI, fail) when Debian's Chromium is not installed."""
    if os.access(CHROMIUM, os.X_OK):
        return
    if os.environ.get("CI"):
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package for the "
            "browser tests (CI is set, so they may not be skipped)",
            pytrace=False,
        )
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


# Package scope: the driver and its event loop stop before the other test packages run.
@pytest.fixture(scope="package")
def playwright_driver():
    """Playwright's sync driver, started once for the browser tests."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver):
    """One headless Chromium for the run; each test opens its own contexts."""
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def phone(browser):
    """phone(**options) → a fresh browser context the size of a phone; closed after the test,
    which fails if a page broke Wave's Content-Security-Policy (the page lost that behaviour)."""
    contexts, violations = [], []

    def watch(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def make(**options):
        context = browser.new_context(**PHONE, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert violations == []


def sign_in(page, base_url: str, username: str, password: str = "pw") -> None:
    """Sign in through the real form; ends on the inbox."""
    page.goto(base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/inbox"))


def write_jpeg(path: Path, color: str = "#336699") -> Path:
    """A small real JPEG on disk, for set_input_files."""
    from tests.images import jpeg_bytes

    path.write_bytes(jpeg_bytes(size=(640, 480), color=color))
    return path
