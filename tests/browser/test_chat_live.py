"""Two staff chat live at phone size: text and photos arrive without a reload; a phone that
drops off the network catches up when it is back, and what it sent while offline arrives
exactly once on both sides."""

import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.conftest import TIMEOUT_MS, sign_in, write_jpeg
from wave.extensions import db
from wave.messenger import chats
from wave.messenger.models import Message, ThreadMember

LIVE = {"timeout": TIMEOUT_MS}
RECONNECT = {"timeout": 3 * TIMEOUT_MS}  # Socket.IO retries with a back-off of up to 5 s


def open_chat(context, base_url, username, thread_id):
    page = context.new_page()
    sign_in(page, base_url, username)
    page.goto(f"{base_url}/chats/{thread_id}")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    page.evaluate("() => { window.__waveMarker = 'still here'; }")
    return page


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__waveMarker") == "still here", "the page was reloaded"


def say(page, text):
    page.fill("#compose-body", text)
    page.get_by_role("button", name="Send").tap()


def shown(page, text):
    """The chat's messages (not the outbox) whose text is exactly `text`."""
    return page.locator("#messages li.message .body").filter(has_text=text)


def drop_connection(context, page):
    """Take the phone off the network and close its socket now (as a dead zone would,
    without waiting for Socket.IO's ping timeout)."""
    context.set_offline(True)
    page.evaluate("() => window.waveChat.socket.io.engine.close()")
    expect(page.locator("body")).to_have_attribute("data-socket", "disconnected", **LIVE)


@pytest.mark.browser
def test_two_staff_chat_live_and_a_dropped_phone_catches_up_and_loses_nothing(
    live_server, world, phone, tmp_path
):
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    olga_phone, sam_phone = phone(), phone()
    olga = open_chat(olga_phone, live_server, "olga", group.id)
    sam = open_chat(sam_phone, live_server, "sam", group.id)

    say(olga, "Coffee spilled on floor 3")
    expect(shown(sam, "Coffee spilled on floor 3")).to_have_count(1, **LIVE)
    expect(shown(olga, "Coffee spilled on floor 3")).to_have_count(1, **LIVE)
    expect(olga.locator("#outbox li")).to_have_count(0)

    # Sam answers with two photos; Olga sees the thumbnails appear.
    photos = [write_jpeg(tmp_path / "a.jpg"), write_jpeg(tmp_path / "b.jpg", "#aa3311")]
    sam.set_input_files("#compose input[type=file]", [str(p) for p in photos])
    expect(sam.locator("#compose .previews img")).to_have_count(2)
    say(sam, "Here, by the lift")
    thumbs = olga.locator("#messages li.message .photos img")
    expect(thumbs).to_have_count(2, **LIVE)
    expect(thumbs.first).to_have_attribute(
        "src", re.compile(rf"/chats/{group.id}/photos/\d+/thumb")
    )
    olga.wait_for_function(
        "() => [...document.querySelectorAll('#messages .photos img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
        **LIVE,
    )

    # Olga's phone drops off; Sam writes twice; back online, Olga has both, once each.
    drop_connection(olga_phone, olga)
    say(sam, "First while you were away")
    say(sam, "Second while you were away")
    expect(shown(sam, "Second while you were away")).to_have_count(1, **LIVE)
    olga.wait_for_timeout(500)
    expect(shown(olga, "First while you were away")).to_have_count(0)
    olga_phone.set_offline(False)
    expect(shown(olga, "First while you were away")).to_have_count(1, **RECONNECT)
    expect(shown(olga, "Second while you were away")).to_have_count(1)
    assert_not_reloaded(olga)

    # Olga writes in a dead zone: the message waits in her outbox, then arrives once.
    drop_connection(olga_phone, olga)
    say(olga, "Sent from the basement")
    pending = olga.locator("#outbox li.pending")
    expect(pending).to_have_count(1)
    expect(pending).to_have_attribute("data-state", "waiting", **LIVE)
    expect(olga.locator("#compose-body")).to_have_value("")
    olga_phone.set_offline(False)
    expect(shown(olga, "Sent from the basement")).to_have_count(1, **RECONNECT)
    expect(pending).to_have_count(0)
    expect(shown(sam, "Sent from the basement")).to_have_count(1, **LIVE)
    sam.wait_for_timeout(500)
    expect(shown(sam, "Sent from the basement")).to_have_count(1)
    assert_not_reloaded(olga)
    count = select(func.count(Message.id)).where(Message.body == "Sent from the basement")
    assert db.session.scalar(count) == 1


def without_tokens(html: str) -> str:
    """A message's HTML without its page's CSRF tokens and the spaces between tags."""
    return re.sub(r">\s+<", "><", re.sub(r'(name="csrf_token" value=")[^"]*"', r"\1", html))


@pytest.mark.browser
def test_a_new_message_is_drawn_from_its_event_as_the_server_draws_it_and_a_gap_is_fetched(
    live_server, world, phone
):
    """Open copies of a chat used to fetch every new message (a request per reader per
    message); now a plain one is drawn from its event into the page's sketch, in each
    reader's language. A copy that missed the message before it fetches."""
    world.tom.locale = "ru"
    db.session.commit()
    group = chats.create_group(world.olga, "Night shift", [world.sam, world.tom])
    elsewhere = chats.create_group(world.olga, "Day shift", [world.sam])
    chats.send(elsewhere, world.olga, "Unread by Sam")
    olga = open_chat(phone(), live_server, "olga", group.id)
    sam = open_chat(phone(), live_server, "sam", group.id)
    tom = open_chat(phone(), live_server, "tom", group.id)
    for page in (sam, tom):
        page.wait_for_load_state("networkidle")  # the catch-up made on connecting
    fetched, badge = [], []
    for page in (sam, tom):
        page.on("request", lambda r: "/messages" in r.url and fetched.append(r.url))
    sam.on("request", lambda r: r.url.endswith("/chats/unread") and badge.append(r.url))
    sam.evaluate("() => document.querySelectorAll('.chat-badge').forEach((b) => b.textContent = 7)")

    say(olga, "Coffee <b>spilled</b> on floor 3")
    expect(shown(sam, "Coffee <b>spilled</b> on floor 3")).to_have_count(1, **LIVE)
    expect(shown(tom, "Coffee <b>spilled</b> on floor 3")).to_have_count(1, **LIVE)
    newest = sam.locator("#messages li.message").last
    expect(newest.locator("a.reply")).to_have_text("Reply")
    expect(tom.locator("#messages li.message").last.locator("a.reply")).to_have_text("Ответить")
    assert fetched == []
    drawn = without_tokens(newest.evaluate("li => li.outerHTML"))
    # Sam reads it where he is; the answer to his read mark brings his badge: no request.
    coffee = db.session.scalar(select(func.max(Message.id)))
    assert read_mark_reaches(world.sam, group.id, coffee)
    sam.wait_for_timeout(800)
    assert badge == []
    expect(sam.locator(".chat-badge").first).to_have_text("1")  # the other chat's message
    # Drawn with his page's CSRF token: his reaction goes through.
    newest.locator("summary").tap()
    newest.locator(".react-picker button[value='👍']").tap()
    expect(sam.locator("#messages li.message").last.locator(".reactions .mine")).to_have_count(
        1, **LIVE
    )
    # Drawn as the server draws it: the same message after a reload (before the reaction).
    sam.goto(f"{live_server}/chats/{group.id}?before={coffee + 1}")
    reloaded = sam.locator(f"#message-{coffee}")
    expect(reloaded).to_have_count(1)
    reloaded.evaluate(
        "li => li.querySelectorAll('.reactions, .who-reacted').forEach((e) => e.remove())"
    )
    assert without_tokens(reloaded.evaluate("li => li.outerHTML")) == drawn

    # Sam's page lost the newest message (as if its event never came): the next one tells
    # which came before it, so his page fetches both.
    sam.goto(f"{live_server}/chats/{group.id}")
    expect(sam.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    sam.wait_for_load_state("networkidle")
    fetched.clear()
    sam.evaluate("() => document.querySelector('#messages li.message:last-child').remove()")
    say(olga, "And the bin by the lift")
    expect(shown(sam, "And the bin by the lift")).to_have_count(1, **LIVE)
    expect(shown(sam, "Coffee <b>spilled</b> on floor 3")).to_have_count(1, **LIVE)
    assert any("/messages?after=" in url for url in fetched)


def react(page, message_id: int, emoji: str) -> None:
    """Picks a reaction from the message's menu; the answer redraws the message (menu shut)."""
    li = page.locator(f"#message-{message_id}")
    li.locator("summary").tap()
    li.locator(f".react-picker button[value='{emoji}']").tap()
    expect(li.locator("details.msg-actions[open]")).to_have_count(0, **LIVE)


@pytest.mark.browser
def test_a_reaction_is_drawn_from_its_event_as_the_server_draws_it(live_server, world, phone):
    """A reaction used to make every open copy of the chat fetch the message; its event now
    carries the message's reactions and chat.js draws them in place: the bar, "mine", the
    list in an open menu (which stays open), and none left when the last is taken back."""
    group = chats.create_group(world.olga, "Night shift", [world.sam, world.tom])
    message, _ = chats.send(group, world.olga, "Lift is stuck between 2 and 3")
    sam = open_chat(phone(), live_server, "sam", group.id)
    tom = open_chat(phone(), live_server, "tom", group.id)
    for page in (sam, tom):
        page.wait_for_load_state("networkidle")
    fetched = []
    sam.on("request", lambda r: r.method == "GET" and "/messages" in r.url and fetched.append(r))
    on_sam = sam.locator(f"#message-{message.id}")
    bar = on_sam.locator(":scope > form.reactions")

    react(tom, message.id, "👍")
    expect(bar.locator("button")).to_have_text(["👍 1"], **LIVE)
    expect(bar.locator(".mine")).to_have_count(0)
    tom.locator(f"#message-{message.id} .reactions button[value='👍']").tap()  # taken back
    expect(bar).to_have_count(0, **LIVE)
    expect(on_sam.locator(".who-reacted")).to_have_count(0)

    react(sam, message.id, "👍")  # his own answer draws it
    expect(bar.locator(".mine")).to_have_count(1, **LIVE)
    react(tom, message.id, "👍")
    expect(bar.locator("button")).to_have_text(["👍 2"], **LIVE)
    expect(bar.locator(".mine")).to_have_count(1)  # drawn for Sam: his is among them
    on_sam.locator("summary").tap()
    react(tom, message.id, "👀")
    expect(on_sam.locator(".who-reacted li")).to_have_text(
        ["👀 Tom Berg", "👍 Sam Okafor, Tom Berg"], **LIVE
    )
    expect(on_sam.locator("details.msg-actions")).to_have_attribute("open", "")
    assert fetched == []
    # Drawn as the server draws it: the same message after a reload.
    on_sam.evaluate(
        """li => {
            const menu = li.querySelector('details.msg-actions');
            menu.open = false;
            menu.classList.remove('up'); // where the open menu was placed
            menu.querySelector('.msg-menu').removeAttribute('style');
        }"""
    )
    drawn = without_tokens(on_sam.evaluate("li => li.outerHTML"))
    sam.reload()
    expect(sam.locator("body")).to_have_attribute("data-socket", "connected", **LIVE)
    assert without_tokens(on_sam.evaluate("li => li.outerHTML")) == drawn
    # And it sends like the server's: Sam takes his 👍 back through a bar drawn by chat.js.
    react(tom, message.id, "👀")  # Tom's 👀 taken back
    expect(bar.locator("button")).to_have_text(["👍 2"], **LIVE)
    bar.locator("button[value='👍']").tap()
    expect(bar.locator("button")).to_have_text(["👍 1"], **LIVE)
    expect(bar.locator(".mine")).to_have_count(0)
    db.session.expire_all()
    assert [(r.user_id, r.emoji) for r in db.session.get(Message, message.id).reactions] == [
        (world.tom.id, "👍")
    ]


@pytest.mark.browser
def test_a_shared_phone_sends_nobody_elses_waiting_message(live_server, world, phone):
    """Olga's message cannot get through and she hands the phone to Sam: he sees neither her
    waiting message nor her draft, and nothing goes out in his name. When she signs in again
    on it, her message goes, as hers."""
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    shared = phone(service_workers="block")  # every post of the page passes its route
    olga = open_chat(shared, live_server, "olga", group.id)
    # Her posts fail on her page (a dead zone that a closing page cannot outlive: with the
    # phone offline instead, a post caught as the page closed went out as hers once online).
    olga.route(f"**/chats/{group.id}/messages", lambda route: route.abort("internetdisconnected"))
    say(olga, "Written before the handover")
    pending = olga.locator("#outbox li.pending")
    expect(pending).to_have_attribute("data-state", "waiting", **LIVE)
    olga.fill("#compose-body", "Half a thought")
    olga.wait_for_function(
        "() => Object.keys(localStorage).some((k) => k.startsWith('wave-draft-'))", **LIVE
    )
    olga.close()
    shared.clear_cookies()  # signed out

    sam = open_chat(shared, live_server, "sam", group.id)
    sam.wait_for_timeout(1500)  # time for an outbox to be sent, were it his
    expect(sam.locator("#outbox li")).to_have_count(0)
    expect(sam.locator("#compose-body")).to_have_value("")
    assert db.session.scalar(select(func.count(Message.id))) == 0
    sam.close()
    shared.clear_cookies()

    olga = open_chat(shared, live_server, "olga", group.id)
    expect(shown(olga, "Written before the handover")).to_have_count(1, **LIVE)
    expect(olga.locator("#compose-body")).to_have_value("Half a thought")
    sent = db.session.scalars(select(Message)).all()
    assert [(m.body, m.author_id) for m in sent] == [("Written before the handover", world.olga.id)]


@pytest.mark.browser
def test_a_send_whose_answer_was_lost_is_resent_once(live_server, world, phone):
    """The server stored the message but the phone never heard back: the resend with the
    same client id is recognised, and the message shows once."""
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    olga_phone = phone()
    olga = open_chat(olga_phone, live_server, "olga", group.id)
    lost = {"done": False}

    def lose_first_answer(route):
        response = route.fetch()  # the server gets the post and stores the message …
        if not lost["done"]:
            lost["done"] = True
            route.abort("connectionreset")  # … but the answer never reaches the phone
        else:
            route.fulfill(response=response)

    olga.route(f"**/chats/{group.id}/messages", lose_first_answer)
    say(olga, "Did this arrive?")
    expect(shown(olga, "Did this arrive?")).to_have_count(1, **RECONNECT)
    expect(olga.locator("#outbox li")).to_have_count(0, **LIVE)
    olga.wait_for_timeout(500)
    expect(shown(olga, "Did this arrive?")).to_have_count(1)
    assert db.session.scalar(select(func.count(Message.id))) == 1


@pytest.mark.browser
def test_leaving_counts_the_messages_on_screen_even_before_the_observer_reports(
    live_server, world, phone
):
    """A message arrives and Olga leaves at once (or her phone hid the page, where the
    visibility observer does not report at all): her read mark still reaches what was on her
    screen, so the badge elsewhere does not count it again."""
    _, group, newest = leave_as_a_message_arrives(live_server, world, phone)
    assert read_mark_reaches(world.olga, group.id, newest)


@pytest.mark.browser
def test_a_read_report_the_browser_drops_as_the_page_goes_is_sent_by_the_next_page(
    live_server, world, phone
):
    """Browsers may drop a request sent while the page is being left (under load, or a phone
    that locks): the report waits on the phone and the next page sends it, so the unread
    badge there does not count the chat again."""
    olga, group, newest = leave_as_a_message_arrives(
        live_server,
        world,
        phone,
        # What is sent as the page goes never arrives.
        "const send = window.fetch;"
        "window.fetch = function (url, options) {"
        "  if (options && options.keepalive) return new Promise(() => {});"
        "  return send.apply(this, arguments);"
        "};",
    )
    assert read_mark_reaches(world.olga, group.id, newest)
    expect(olga.locator(".chat-badge").first).to_be_hidden(**LIVE)
    assert olga.evaluate("localStorage.getItem('wave-read-pending')") is None


def leave_as_a_message_arrives(live_server, world, phone, script: str = ""):
    """Sam writes in a chat Olga has open, and she goes to her inbox as soon as it shows.
    Her page's visibility observer never reports (one that has not reported yet); `script`
    runs on her pages before theirs. Returns (her page, the chat, the newest message id)."""
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    first, _ = chats.send(group, world.sam, "Earlier today")
    olga_phone = phone()
    olga_phone.add_init_script(
        "window.IntersectionObserver = class { observe() {} unobserve() {} disconnect() {} };"
        + script
    )
    olga = open_chat(olga_phone, live_server, "olga", group.id)
    sam = open_chat(phone(), live_server, "sam", group.id)
    say(sam, "The lift on 2 is stuck")
    expect(shown(olga, "The lift on 2 is stuck")).to_have_count(1, **LIVE)
    newest = db.session.scalar(select(func.max(Message.id)))
    assert newest > first.id
    olga.goto(f"{live_server}/inbox")
    return olga, group, newest


def read_mark_reaches(user, thread_id: int, message_id: int, seconds: float = 10) -> bool:
    """Whether the user's read mark in the thread reaches `message_id` within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        member = db.session.get(ThreadMember, (thread_id, user.id))
        if member is not None and member.last_read_id >= message_id:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.browser
def test_someone_elses_read_mark_costs_the_other_readers_no_request(live_server, world, phone):
    """A read mark changes the reader's own counts and the receipts under the author's
    messages, nothing else: every reader's mark used to make every open page of the chat's
    people fetch their badge and chat list."""
    group = chats.create_group(world.olga, "Night shift", [world.sam, world.tom])
    message, _ = chats.send(group, world.olga, "Who has the key to the roof?")
    olga = open_chat(phone(), live_server, "olga", group.id)
    tom = open_chat(phone(), live_server, "tom", group.id)
    assert read_mark_reaches(world.tom, group.id, message.id)
    tom.wait_for_timeout(1000)  # his own badge has been refreshed after his read mark
    asked = {"olga": [], "tom": []}
    olga.on("request", lambda r: asked["olga"].append(r.url))
    tom.on("request", lambda r: asked["tom"].append(r.url.split("?")[0]))

    open_chat(phone(), live_server, "sam", group.id)  # he sees Olga's message
    assert read_mark_reaches(world.sam, group.id, message.id)
    expect(olga.locator(f"#receipt-{message.id}")).to_contain_text("Sam", **LIVE)
    assert any("/receipts" in url for url in asked["olga"])  # the author's receipts
    assert not any("/unread" in url for url in asked["olga"])
    tom.wait_for_timeout(1000)  # past the badge's debounce
    assert asked["tom"] == []


@pytest.mark.browser
def test_messages_arriving_while_one_reads_further_up_are_announced_not_scrolled_to(
    live_server, world, phone
):
    group = chats.create_group(world.olga, "Night shift", [world.sam])
    for n in range(30):
        chats.send(group, world.olga, f"Round {n}: all quiet on floor {n % 7}")
    olga = open_chat(phone(), live_server, "olga", group.id)
    sam = open_chat(phone(), live_server, "sam", group.id)
    button = sam.locator("#new-below")
    sam.evaluate("() => window.scrollTo(0, 0)")  # Sam looks at an earlier photo
    say(olga, "The lift on 2 is stuck")
    expect(button).to_be_visible(**LIVE)
    expect(button.locator(".count")).to_have_text("1")
    say(olga, "Someone is inside")
    expect(button.locator(".count")).to_have_text("2", **LIVE)
    assert sam.evaluate("window.scrollY") == 0  # not pulled away from what he reads
    button.tap()
    expect(button).to_be_hidden()
    expect(shown(sam, "Someone is inside")).to_be_in_viewport()

    say(olga, "Fixed")  # at the bottom, a message just shows
    expect(shown(sam, "Fixed")).to_be_in_viewport(**LIVE)
    expect(button).to_be_hidden()
