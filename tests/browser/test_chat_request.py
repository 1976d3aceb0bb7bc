"""Issue #4's proof, at phone size: two cleaners in their team chat talk live, one sends a
photo, the other turns it into a request in two taps, the first takes it from the card in the
chat, and the other's card follows without a reload."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import TIMEOUT_MS, sign_in, write_jpeg
from tests.browser.test_chat_live import assert_not_reloaded, read_mark_reaches, say, shown
from wave.extensions import db
from wave.messenger.models import Message, Thread
from wave.requests.models import RequestAttachment, ServiceRequest

LIVE = {"timeout": TIMEOUT_MS}


def open_team_chat(context, base_url, username, team):
    """Sign in, then reach the team's chat the way a person does: Chats tab, then the chat."""
    page = context.new_page()
    sign_in(page, base_url, username)
    page.locator("nav.tabbar").get_by_role("link", name="Chats").tap()
    page.wait_for_url(re.compile(r"/chats$"))
    page.locator("#chat-list a.chat-row", has_text=team).tap()
    page.wait_for_url(re.compile(r"/chats/\d+$"))
    expect(page.locator("#chat h1")).to_have_text(team)
    connected(page)
    return page


def connected(page) -> None:
    """Wait for the page's live connection, then mark the page (a reload would lose it)."""
    expect(page.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    page.evaluate("() => { window.__waveMarker = 'still here'; }")


def card(page):
    return page.locator("#messages li.message.with-card article.request-card")


@pytest.mark.browser
def test_a_photo_in_the_team_chat_becomes_a_request_and_its_card_follows_the_taker(
    live_server, world, phone, tmp_path
):
    olga = open_team_chat(phone(), live_server, "olga", "Cleaning")
    sam = open_team_chat(phone(), live_server, "sam", "Cleaning")
    assert olga.url == sam.url  # one chat for the team

    # Olga writes; Sam's open chat shows it without a reload.
    say(olga, "Anyone near 101? Tenant called about the bins")
    expect(shown(sam, "Anyone near 101? Tenant called about the bins")).to_have_count(1, **LIVE)
    assert_not_reloaded(sam)

    # Sam answers with a photo; the thumbnail appears in Olga's chat.
    sam.set_input_files("#compose input[type=file]", str(write_jpeg(tmp_path / "bins.jpg")))
    expect(sam.locator("#compose .previews img")).to_have_count(1)
    say(sam, "Overflowing, see photo")
    photo_message = olga.locator("#messages li.message", has=olga.locator(".photos img"))
    expect(photo_message).to_have_count(1, **LIVE)
    expect(photo_message.locator(".body")).to_have_text("Overflowing, see photo")
    expect(photo_message.locator(".photos img")).to_have_attribute(
        "src", re.compile(r"/chats/\d+/photos/\d+/thumb$")
    )
    olga.wait_for_function(
        "() => [...document.querySelectorAll('#messages .photos img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
        **LIVE,
    )
    assert_not_reloaded(olga)
    message_id = int(photo_message.get_attribute("data-id"))

    # Olga turns it into a request in two taps: "→ Request" on the message, then "Create
    # request" with what is prefilled (the team's category, the message's text, anyone in the
    # team); only the place is hers to find and tap, as no request came from this chat or her
    # yet.
    to_request = photo_message.get_by_role("link", name="→ Request")
    expect(to_request).to_be_visible()
    to_request.tap()
    olga.wait_for_url(re.compile(rf"/chats/messages/{message_id}/request$"))
    # She saw Sam's message before leaving the chat: her read mark got there on the way out.
    chat_id = db.session.get(Message, message_id).thread_id
    assert read_mark_reaches(world.olga, chat_id, message_id)
    form = olga.locator("#from-message-form")
    expect(olga.locator("#source-message")).to_contain_text("Sam Okafor")
    expect(olga.locator("#source-message")).to_contain_text("1 photo goes with the request")
    category = form.locator("select[name=category]")
    expect(category).not_to_have_value("0")
    category_name = category.locator("option:checked").inner_text().strip()
    assert category_name in ("Trash removal", "Wet cleaning")  # the Cleaning team's own
    expect(form.locator("textarea[name=description]")).to_have_value("Overflowing, see photo")
    expect(form.locator("select[name=assignee] option:checked")).to_have_text("Anyone in the team")
    # The place she finds by a part of its name, typed the way a thumb does, and taps it; the
    # form page stays (the choices come as a fragment, no reload).
    olga.evaluate("() => { window.__waveMarker = 'still here'; }")
    form.get_by_role("searchbox", name="Find a place").press_sequentially("offi", delay=60)
    room = form.locator("label.place-choice", has_text="101 Office")
    expect(room).to_be_visible(**LIVE)
    expect(form.get_by_role("radio")).to_have_count(1)  # the printer is not named so
    room.tap()
    expect(room.get_by_role("radio")).to_be_checked()
    assert_not_reloaded(olga)
    form.get_by_role("button", name="Create request").tap()
    olga.wait_for_url(re.compile(r"/chats/\d+$"))
    connected(olga)

    # The card is in both chats: in Olga's (she is back in it) and live in Sam's.
    for page in (olga, sam):
        expect(card(page)).to_have_count(1, **LIVE)
        expect(card(page).locator(".badge.status-new")).to_be_visible()
        expect(card(page)).to_contain_text(category_name)
        expect(card(page).locator(".request-card-who")).to_contain_text("anyone in Cleaning")
    expect(sam.locator(f"#message-{message_id} a.to-request.made")).to_have_count(1, **LIVE)
    assert_not_reloaded(sam)

    # Sam takes it on the card; the card in Olga's open chat follows, without a reload.
    take = card(sam).get_by_role("button", name="Take it")
    with sam.expect_response(
        lambda r: r.url.endswith("/take") and r.request.method == "POST", **LIVE
    ) as posted:
        take.tap()
    assert posted.value.status == 200
    expect(card(sam).locator(".badge.status-assigned")).to_be_visible()
    expect(card(sam).get_by_role("button", name="Take it")).to_have_count(0)
    expect(card(sam).get_by_role("button", name="Start work")).to_be_visible()
    assert_not_reloaded(sam)

    expect(card(olga).locator(".badge.status-assigned")).to_have_text("Assigned", **LIVE)
    expect(card(olga).locator(".request-card-who strong")).to_have_text("Sam Okafor")
    expect(card(olga).get_by_role("button", name="Take it")).to_have_count(0)
    assert_not_reloaded(olga)

    # In the database: one request from the chat, with Sam's photo, pointing at his message.
    db.session.expire_all()
    (req,) = db.session.scalars(select(ServiceRequest)).all()
    source = db.session.get(Message, message_id)
    assert (req.source, req.source_message_id, req.status) == ("chat", source.id, "assigned")
    assert (req.assignee_id, req.created_by_id) == (world.sam.id, world.olga.id)
    assert (req.location_id, req.team_id) == (world.room.id, world.cleaning.id)
    assert db.session.get(Thread, source.thread_id).team_id == world.cleaning.id
    assert source.author_id == world.sam.id and source.request_id == req.id
    photos = db.session.scalars(
        select(RequestAttachment.attachment_id).where(RequestAttachment.request_id == req.id)
    ).all()
    assert photos == [link.attachment_id for link in source.attachments] and len(photos) == 1
