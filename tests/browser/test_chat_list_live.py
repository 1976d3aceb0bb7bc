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
