"""The chat list in pages, live: "Show more" adds the next page in place, and a message
arriving afterwards moves its chat to the top without closing the pages opened."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS, sign_in
from tests.browser.test_chat_live import open_chat, say
from wave.messenger import chats, listing

LIVE = {"timeout": TIMEOUT_MS}


@pytest.mark.browser
def test_show_more_then_a_new_message_keeps_every_row_and_moves_its_chat_up(
    live_server, world, phone
):
    groups = [chats.create_group(world.olga, f"Shift {i:02}", [world.sam]) for i in range(34)]
    for group in groups:
        chats.send(group, world.sam, f"Report from {group.title}")
    oldest = groups[0]  # its message is the oldest: at the bottom, behind "Show more"

    olga = phone().new_page()
    sign_in(olga, live_server, "olga")
    olga.goto(f"{live_server}/chats")
    expect(olga.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    rows = olga.locator("#chat-list > li[data-key]")
    expect(rows).to_have_count(listing.PAGE)
    olga.get_by_role("link", name="Show more").click()
    expect(rows).to_have_count(35)  # 34 groups and the team chat
    expect(olga.get_by_role("link", name="Show more")).to_have_count(0)
    assert olga.url.endswith("/chats")  # in place, not a new page

    sam = open_chat(phone(), live_server, "sam", oldest.id)
    say(sam, "Back on shift")
    expect(rows.first.locator(".chat-name")).to_have_text("Shift 00", **LIVE)
    expect(rows).to_have_count(35)
    expect(rows.first.locator(".count")).to_have_text("2")


@pytest.mark.browser
def test_the_badge_keeps_up_with_a_busy_chat(live_server, world, phone):
    """The badge waits for a pause in the messages before asking (one request for many), but
    not for ever: in a chat that never pauses it still comes up within seconds."""
    group = chats.create_group(world.olga, "Busy", [world.sam])
    sam = phone().new_page()
    sign_in(sam, live_server, "sam")
    sam.goto(f"{live_server}/inbox")
    expect(sam.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    badge = sam.locator(".tabbar .chat-badge")  # the one shown at phone size
    expect(badge).to_be_hidden()
    asked = []
    sam.on("request", lambda r: r.url.endswith("/chats/unread") and asked.append(r.url))

    olga = open_chat(phone(), live_server, "olga", group.id)
    token = olga.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))")
    url = f"{live_server}/chats/{group.id}/messages"
    for i in range(60):  # messages for some seconds, never a pause of 250 ms
        form = {"csrf_token": token["X-CSRFToken"], "client_id": f"busy-{i}", "body": f"#{i}"}
        sent = olga.request.post(url, multipart=form, headers={**token, "HX-Request": "true"})
        assert sent.ok
        sam.wait_for_timeout(40)
        if i == 50:
            during = len(asked)
            shown = badge.is_visible()
    assert 1 <= during <= 10  # about every 2 s: neither once per message nor never
    assert shown
    expect(badge).to_have_text("60", **LIVE)  # and once they stop, all of them
