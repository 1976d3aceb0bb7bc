"""A request nobody takes escalates when the clock moves on, and the manager's open page
shows the notification live: the worker (here: this test process, at a controlled clock)
tells the server through the Socket.IO message queue in Redis, as in production."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.builders import report
from wave.extensions import db
from wave.jobs import ticks
from wave.sla.models import EscalationRule
from wave.timeutil import now

pytestmark = pytest.mark.browser


@pytest.fixture
def config_overrides(redis_url):
    return {"WAVE_REDIS_URL": redis_url}


@pytest.fixture
def live_server_env(redis_url):
    return {"WAVE_REDIS_URL": redis_url}


def test_untaken_request_escalates_live_on_the_managers_page(world, frozen, live_server, phone):
    db.session.add(EscalationRule(kind="not_taken", minutes=15))
    db.session.commit()
    frozen.at(now())
    req = report(world, description="Bin overflowing in the lobby")

    page = phone().new_page()
    sign_in(page, live_server, "mark")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected")
    badge = page.locator("#bell .bell-badge")
    expect(badge).to_be_hidden()

    assert ticks.run(frozen.advance(minutes=14)) == {}
    assert ticks.run(frozen.advance(minutes=2)) == {"not_taken": 1}

    expect(badge).to_have_text("1")
    notice = page.locator(".notify-notice")
    expect(notice).to_contain_text(f"Nobody has taken #{req.id} for 15 min")
    notice.locator("a").click()
    page.wait_for_url(re.compile(rf"/requests/{req.id}$"))
    expect(page.locator("#bell .bell-badge")).to_be_hidden()
