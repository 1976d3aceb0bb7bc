"""A chat message becomes a request in two taps; its card in the chat follows the request, and
the request's own thread tells each status change."""

import io
import threading

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.builders import make_user
from tests.conftest import token
from tests.images import jpeg_bytes
from wave.extensions import db, socketio
from wave.files.images import read_photo, store_photo
from wave.messenger import chats
from wave.messenger.models import Message, ThreadMember
from wave.requests import discussion, from_chat, lifecycle
from wave.requests.models import RequestAttachment, RequestEvent, ServiceRequest
from wave.requests.services import ActionError

HX = {"HX-Request": "true"}


@pytest.fixture
def team_chat(world):
    """The Cleaning team's chat (olga, sam)."""
    return chats.team_chat(world.cleaning)


def photo(name="spill.jpg"):
    upload = FileStorage(io.BytesIO(jpeg_bytes()), filename=name, content_type="image/jpeg")
    return store_photo(read_photo(upload), None)


@pytest.fixture
def spill(world, team_chat):
    """Sam's message in the Cleaning chat: coffee on the floor, with two photos."""
    photos = [photo("a.jpg"), photo("b.jpg")]
    db.session.flush()
    message, _ = chats.send(team_chat, world.sam, "Coffee spilled in 101", photos=photos)
    return message


@pytest.fixture
def connect(app, signed_in):
    """connect(user) → a Socket.IO test client with that user's session, inbox emptied."""
    clients = []

    def make(user):
        sio = socketio.test_client(app, flask_test_client=signed_in(user))
        assert sio.is_connected()
        sio.get_received()
        clients.append(sio)
        return sio

    yield make
    for sio in clients:
        if sio.is_connected():
            sio.disconnect()


def group_chat(creator, *people):
    # Loaded first: add_members reads user.id while its new rows are not yet in the session,
    # and an expired user's reload would autoflush them (an SAWarning, an error in tests).
    [u.id for u in (creator, *people)]
    return chats.create_group(creator, "Floor 1", list(people))


def chat_events(sio):
    return [(m["name"], m["args"][0]) for m in sio.get_received() if m["name"].startswith("chat-")]


def form_data(client, world, **overrides):
    data = {
        "csrf_token": token(client),
        "category": str(world.trash.id),
        "place": f"l{world.room.id}",
        "description": "Coffee spilled in 101",
        "assignee": "0",
    }
    return {**data, **overrides}


def turn(client, message, data):
    return client.post(f"/chats/messages/{message.id}/request", data=data)


def requests_made():
    return db.session.scalars(select(ServiceRequest)).all()


def thread_messages(thread_id):
    return db.session.scalars(
        select(Message).where(Message.thread_id == thread_id).order_by(Message.id)
    ).all()


def test_message_becomes_exactly_one_request_even_when_posted_twice(world, signed_in, spill):
    olga = signed_in(world.olga)
    data = form_data(olga, world)
    first, second = turn(olga, spill, data), turn(olga, spill, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == f"/chats/{spill.thread_id}"
    (req,) = requests_made()
    assert (req.source, req.source_message_id, req.created_by_id) == (
        "chat",
        spill.id,
        world.olga.id,
    )
    assert (req.category_id, req.location_id, req.team_id) == (
        world.trash.id,
        world.room.id,
        world.cleaning.id,
    )
    assert req.description == "Coffee spilled in 101" and req.status == "new"
    cards = [m for m in thread_messages(spill.thread_id) if m.kind == "card"]
    assert len(cards) == 1 and cards[0].request_id == req.id
    db.session.refresh(spill)
    assert spill.request_id == req.id


def test_the_message_photos_are_the_request_photos(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    links = db.session.scalars(
        select(RequestAttachment).where(RequestAttachment.request_id == req.id)
    )
    assert sorted((link.attachment_id, link.purpose) for link in links) == sorted(
        (m.attachment_id, "report") for m in spill.attachments
    )
    thumb = olga.get(f"/requests/{req.id}/files/{spill.attachments[0].attachment_id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"


def test_concurrent_posts_of_one_message_make_one_request_and_one_card(app, world, spill):
    barrier = threading.Barrier(3, timeout=20)
    numbers = []
    ids = (world.olga.id, spill.id, world.trash.id, world.room.id)

    def attempt():
        with app.app_context():
            from wave.auth.models import User
            from wave.qr.models import Location
            from wave.requests.models import Category

            user, message = db.session.get(User, ids[0]), db.session.get(Message, ids[1])
            category, room = db.session.get(Category, ids[2]), db.session.get(Location, ids[3])
            barrier.wait()
            req, _ = from_chat.create_from_message(
                user, message, category=category, location=room, asset=None, description="x"
            )
            numbers.append(req.id)
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(numbers) == 3 and len(set(numbers)) == 1
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 1
    cards = db.session.scalar(select(func.count(Message.id)).where(Message.kind == "card"))
    assert cards == 1


def test_the_card_is_announced_to_the_chat_after_the_commit(world, signed_in, connect, spill):
    sam, tom = connect(world.sam), connect(world.tom)
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    received = chat_events(sam)
    assert (
        "chat-message-posted",
        {"thread_id": spill.thread_id, "message_id": card.id},
    ) in received
    assert (
        "chat-message-changed",
        {"thread_id": spill.thread_id, "message_id": spill.id},
    ) in received
    assert chat_events(tom) == []  # not in the Cleaning chat


def create(world, message):
    return from_chat.create_from_message(
        world.olga, message, category=world.trash, location=world.room, asset=None, description="x"
    )


def test_the_chat_hears_of_the_card_only_once_it_is_stored(world, connect, spill, monkeypatch):
    sam = connect(world.sam)
    real_commit, heard_before_commit = db.session.commit, []

    def commit():
        heard_before_commit.extend(chat_events(sam))
        real_commit()

    monkeypatch.setattr(db.session, "commit", commit)
    create(world, spill)
    assert heard_before_commit == []
    assert [name for name, _ in chat_events(sam)] == ["chat-message-posted", "chat-message-changed"]


def test_nothing_is_announced_when_the_commit_fails(world, connect, spill, monkeypatch):
    sam = connect(world.sam)

    def failing_commit():
        raise RuntimeError("disk full")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        create(world, spill)
    monkeypatch.undo()
    db.session.rollback()
    db.session.commit()
    assert chat_events(sam) == [] and requests_made() == []


def test_taking_the_request_updates_its_card_in_the_chat(world, signed_in, connect, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    sam, tom = connect(world.sam), connect(world.tom)
    lifecycle.take(req, world.olga)
    expected = ("chat-message-changed", {"thread_id": card.thread_id, "message_id": card.id})
    heard = chat_events(sam)
    assert [e for e in heard if e[1]["thread_id"] == card.thread_id] == [expected]
    # the "took the request" line in the request's own thread is announced there too
    told = db.session.scalar(select(Message).where(Message.kind == "event"))
    assert told.thread_id == req.thread_id
    assert ("chat-message-posted", {"thread_id": req.thread_id, "message_id": told.id}) in heard
    assert chat_events(tom) == []
    html = signed_in(world.sam).get(f"/chats/cards/{card.id}").get_data(True)
    assert "Olga Petrova" in html and "Assigned" in html


def test_card_in_a_group_chat_reaches_its_members(world, signed_in, connect):
    group = group_chat(world.olga, world.tom)
    message, _ = chats.send(group, world.tom, "Printer smells burnt")
    olga = signed_in(world.olga)
    data = form_data(olga, world, category=str(world.printer_problem.id), description="Smell")
    turn(olga, message, data)
    (req,) = requests_made()
    tom = connect(world.tom)
    lifecycle.take(req, world.tom)
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    assert ("chat-message-changed", {"thread_id": group.id, "message_id": card.id}) in chat_events(
        tom
    )


def test_each_status_change_is_told_in_the_request_thread(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    lifecycle.take(req, world.olga)
    lifecycle.start(req, world.olga)
    lifecycle.hold(req, world.olga, "Waiting for the mop")
    lifecycle.start(req, world.olga)
    lifecycle.complete(req, world.olga, 15, [])
    events = [m for m in thread_messages(req.thread_id) if m.kind == "event"]
    assert [m.body for m in events] == [
        "taken",
        "status:in_progress",
        "status:on_hold\nWaiting for the mop",
        "status:in_progress",
        "status:done",
    ]
    assert {m.author_id for m in events} == {world.olga.id}
    texts = [from_chat.event_text(m) for m in events]
    assert texts[0] == "Olga Petrova took the request"
    assert texts[2] == "Olga Petrova: On hold — Waiting for the mop"
    page = olga.get(f"/requests/{req.id}").get_data(True)
    assert "Olga Petrova: Done" in page and "status:done" not in page


def test_assignment_by_the_desk_is_told_with_the_assignee(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    lifecycle.assign(req, world.dina, world.sam)
    (event,) = [m for m in thread_messages(req.thread_id) if m.kind == "event"]
    assert from_chat.event_text(event) == "Dina Desk gave the request to Sam Okafor"


def test_a_chat_member_can_be_given_the_work_at_once(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world, assignee=str(world.sam.id)))
    (req,) = requests_made()
    assert (req.status, req.assignee_id) == ("assigned", world.sam.id)
    assert req.first_response_at is not None
    kinds = db.session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)
    ).all()
    assert kinds == ["created", "assigned"]


def test_someone_outside_the_chat_cannot_be_given_the_work(world, signed_in, spill):
    olga = signed_in(world.olga)
    response = turn(olga, spill, form_data(olga, world, assignee=str(world.tom.id)))
    assert response.status_code == 422 and requests_made() == []
    assert "Coffee spilled in 101" in response.get_data(True)


def test_missing_place_keeps_what_was_typed(world, signed_in, spill):
    olga = signed_in(world.olga)
    response = turn(olga, spill, form_data(olga, world, place="", description="Big puddle"))
    html = response.get_data(True)
    assert response.status_code == 422 and "Choose the place." in html and "Big puddle" in html
    assert requests_made() == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_cannot_turn_a_chat_message_into_a_request(world, signed_in, spill, method):
    tom = signed_in(world.tom)  # IT, not in the Cleaning chat
    response = getattr(tom, method)(
        f"/chats/messages/{spill.id}/request",
        data=form_data(tom, world) if method == "post" else None,
    )
    assert response.status_code == 403 and requests_made() == []


def test_a_direct_chat_outsider_is_refused_too(world, signed_in):
    direct = chats.direct_chat(world.olga, world.sam)
    message, _ = chats.send(direct, world.olga, "Bin in 101?")
    tom = signed_in(world.tom)
    assert turn(tom, message, form_data(tom, world)).status_code == 403
    assert tom.get(f"/chats/messages/{message.id}/request").status_code == 403


def test_request_threads_and_cards_are_not_turned_into_requests(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    assert olga.get(f"/chats/messages/{card.id}/request").status_code == 404
    assert olga.get("/chats/messages/999999/request").status_code == 404


def test_the_form_is_prefilled_from_the_message(world, signed_in, spill):
    html = signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").get_data(True)
    assert "\nCoffee spilled in 101</textarea>" in html
    assert "2 photos go with the request" in html
    assert '<option selected value="0">Anyone in the team' in html  # unless someone is chosen


def test_opening_a_message_for_a_request_marks_the_chat_read_up_to_it(
    world, signed_in, team_chat, spill
):
    """She opened the message to act on it: the chat is read up to it (whatever the chat page
    reported on the way out), and a later message stays unread."""
    later, _ = chats.send(team_chat, world.sam, "And the bin is full")
    assert signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").status_code == 200
    db.session.expire_all()
    member = db.session.get(ThreadMember, (team_chat.id, world.olga.id))
    assert member.last_read_id == spill.id < later.id


def test_team_chat_categories_come_first_and_are_chosen(world, signed_in, team_chat, spill):
    from_chat.bind_categories(team_chat, [world.wet.id])
    html = signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").get_data(True)
    select_html = html[html.index('name="category"') : html.index("</select>")]
    assert select_html.index(f'<option selected value="{world.wet.id}">') < select_html.index(
        f'value="{world.trash.id}"'
    )
    assert '<optgroup label="This chat">' in select_html


def test_without_a_choice_a_team_chat_offers_what_its_team_handles(world, signed_in, spill):
    html = signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").get_data(True)
    select_html = html[html.index('name="category"') : html.index("</select>")]
    own = select_html[select_html.index('<optgroup label="This chat">') :].split("</optgroup>")[0]
    assert f'<option selected value="{world.trash.id}">' in own
    assert f'value="{world.wet.id}"' in own and f'value="{world.printer_problem.id}"' not in own


def test_a_group_chat_offers_every_category_and_chooses_none(world, signed_in):
    group = group_chat(world.olga, world.sam)
    message, _ = chats.send(group, world.sam, "Something")
    html = signed_in(world.olga).get(f"/chats/messages/{message.id}/request").get_data(True)
    assert '<option selected value="0">Choose…' in html and "This chat" not in html


def test_the_place_of_the_users_last_request_is_proposed_in_a_new_chat(world, signed_in, spill):
    from wave.requests import services

    services.create_from_desk(
        world.olga,
        category=world.trash,
        location=None,
        asset=world.printer,
        description="x",
        priority="normal",
        contact={},
        photos=[],
    )
    html = signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").get_data(True)
    assert f'name="place" value="a{world.printer.id}" checked' in html


def test_the_last_place_used_in_the_chat_is_proposed(world, signed_in, team_chat, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world, place=f"a{world.printer.id}"))
    message, _ = chats.send(team_chat, world.sam, "And the bin")
    html = olga.get(f"/chats/messages/{message.id}/request").get_data(True)
    assert f'name="place" value="a{world.printer.id}" checked' in html


def test_a_second_visit_shows_the_request_it_became(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    html = olga.get(f"/chats/messages/{spill.id}/request").get_data(True)
    assert f"This message is already request #{req.id}." in html
    assert f'href="/requests/{req.id}"' in html


def test_take_from_the_card_answers_with_the_card(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    sam = signed_in(world.sam)
    assert "Take it" in sam.get(f"/chats/cards/{card.id}").get_data(True)
    response = sam.post(f"/chats/cards/{card.id}/take", data={"csrf_token": token(sam)}, headers=HX)
    html = response.get_data(True)
    assert response.status_code == 200 and html.lstrip().startswith("<article")
    assert "Sam Okafor" in html and "Start work" in html and "Take it" not in html
    late = olga.post(f"/chats/cards/{card.id}/take", data={"csrf_token": token(olga)}, headers=HX)
    assert (
        late.status_code == 422
        and "Sam Okafor has already taken this request." in late.get_data(True)
    )


def test_cards_are_only_for_those_in_the_chat(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    tom = signed_in(world.tom)
    assert tom.get(f"/chats/cards/{card.id}").status_code == 403
    assert (
        tom.post(f"/chats/cards/{card.id}/take", data={"csrf_token": token(tom)}).status_code == 403
    )


def test_a_chat_member_who_may_not_see_the_request_gets_a_bare_card(world, signed_in):
    group = group_chat(world.olga, world.tom)
    message, _ = chats.send(group, world.olga, "Bin overflowing")
    olga = signed_in(world.olga)
    turn(olga, message, form_data(olga, world))
    card = db.session.scalar(select(Message).where(Message.kind == "card"))
    html = signed_in(world.tom).get(f"/chats/cards/{card.id}").get_data(True)
    assert "You cannot open this request." in html and "101 Office" not in html


def test_the_request_page_links_to_its_discussion(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    html = olga.get(f"/requests/{req.id}").get_data(True)
    assert f'href="/chats/{req.thread_id}"' in html and 'id="discussion-link"' in html


def test_a_tenant_confirmation_adds_no_event_message(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world, assignee=str(world.olga.id)))
    (req,) = requests_made()
    lifecycle.complete(req, world.olga, None, [])
    before = len(thread_messages(req.thread_id))
    lifecycle.confirm(req)
    assert len(thread_messages(req.thread_id)) == before  # nobody to write it: no author


def test_archived_members_are_not_offered(world, signed_in, spill):
    gone = make_user("gone", "Gone Person", teams=[world.cleaning])
    from wave.timeutil import now

    gone.archived_at = now()
    db.session.commit()
    html = signed_in(world.olga).get(f"/chats/messages/{spill.id}/request").get_data(True)
    assert "Gone Person" not in html and "Sam Okafor" in html


def test_a_refused_action_rolls_back_the_event_message(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    with pytest.raises(ActionError):
        lifecycle.start(req, world.olga)  # not taken yet
    db.session.rollback()
    assert [m for m in thread_messages(req.thread_id) if m.kind == "event"] == []


def test_chat_messages_offer_the_request_action_and_then_link_to_it(world, signed_in, spill):
    olga = signed_in(world.olga)
    page = olga.get(f"/chats/{spill.thread_id}").get_data(True)
    assert f'href="/chats/messages/{spill.id}/request"' in page
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    page = olga.get(f"/chats/{spill.thread_id}").get_data(True)
    assert f'href="/chats/messages/{spill.id}/request"' not in page
    assert 'id="request-card-' in page and f'href="/requests/{req.id}"' in page


def test_the_request_thread_reads_as_a_chat_without_the_request_action(world, signed_in, spill):
    olga = signed_in(world.olga)
    turn(olga, spill, form_data(olga, world))
    (req,) = requests_made()
    lifecycle.take(req, world.olga)
    discussion.comment(req, world.olga, "On my way")
    page = olga.get(f"/chats/{req.thread_id}").get_data(True)
    assert "Olga Petrova took the request" in page and "On my way" in page
    assert '/request"' not in page  # no "→ Request" in a request's own thread
