"""Chats live: who hears what, only after the commit, and the validated, rate-limited
`typing` event (the one thing clients send over the socket)."""

import re

import pytest
from flask import g

from tests.conftest import token
from wave.extensions import db, socketio
from wave.messenger import chats, routes, sockets
from wave.messenger.models import Message

HX = {"HX-Request": "true"}


@pytest.fixture
def connect(app, signed_in):
    """connect(user) → a Socket.IO test client with that user's session."""
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


@pytest.fixture
def group(world):
    """'Night shift': Olga and Sam."""
    return chats.create_group(world.olga, "Night shift", [world.sam])


def posted(message, previous=None):
    """chat-message-posted as chats.send tells a plain text message."""
    return (
        "chat-message-posted",
        {
            "thread_id": message.thread_id,
            "message_id": message.id,
            "author_id": message.author_id,
            "previous_id": previous.id if previous else None,
            "text": {
                "author": message.author.display_name,
                "body": message.body,
                "at": message.created_at.isoformat(),
            },
        },
    )


def heard(sio, name=None):
    """The events a client received since last asked: (name, payload), optionally one kind."""
    events = [(m["name"], m["args"][0]) for m in sio.get_received()]
    return [e for e in events if name is None or e[0] == name]


def test_members_hear_a_message_after_it_is_stored_and_an_outsider_hears_nothing(
    world, group, connect
):
    olga, sam, tom = connect(world.olga), connect(world.sam), connect(world.tom)
    message, _ = chats.send(group, world.sam, "Coffee spilled on floor 3")
    expected = [posted(message)]
    assert heard(olga) == expected
    assert heard(sam) == expected  # the sender's other devices too
    assert heard(tom) == []


def test_a_message_sent_over_http_reaches_the_chat_live(world, group, connect, signed_in):
    olga, tom = connect(world.olga), connect(world.tom)
    sam = signed_in(world.sam)
    headers = {**HX, "X-CSRFToken": token(sam)}
    response = sam.post(
        f"/chats/{group.id}/messages", data={"body": "Live", "client_id": "c1"}, headers=headers
    )
    assert response.status_code == 200
    assert [name for name, _ in heard(olga)] == ["chat-message-posted"]
    sam.post(
        f"/chats/{group.id}/messages", data={"body": "Live", "client_id": "c1"}, headers=headers
    )
    assert heard(olga) == []  # a resend is not news
    assert heard(tom) == []


def test_a_plain_message_comes_with_what_open_chats_draw_it_from(world, group, connect):
    """Every open copy of the chat used to fetch each new message: one request per reader per
    message. A plain text message now carries its author, text and time (chat.js draws it
    into the page's sketch); one with photos or a quote does not, and is fetched."""
    earlier, _ = chats.send(group, world.olga, "Earlier")
    olga = connect(world.olga)
    plain, _ = chats.send(group, world.sam, "Bin <b>full</b>")
    ((_, payload),) = heard(olga)
    assert payload["author_id"] == world.sam.id and payload["previous_id"] == earlier.id
    assert payload["text"] == {
        "author": "Sam Okafor",
        "body": "Bin <b>full</b>",  # chat.js sets it as text, never as HTML
        "at": plain.created_at.isoformat(),
    }
    chats.send(group, world.sam, "About that", reply_to=plain)
    ((_, payload),) = heard(olga)
    assert "text" not in payload


def test_the_chat_page_carries_a_sketch_of_someone_elses_message(world, group, signed_in):
    page = signed_in(world.olga).get(f"/chats/{group.id}").get_data(as_text=True)
    sketch = page.split('<template id="message-sketch"')[1].split("</template>")[0]
    mark = routes.SKETCH_ID
    assert f'data-id="{mark}"' in sketch and f'id="message-{mark}"' in sketch
    assert 'class="author"' in sketch and 'class="message own' not in sketch
    assert re.search(r'name="csrf_token" value="[^"]+"', sketch)  # the reader's own


def test_team_chat_messages_reach_the_team_only(world, connect):
    team = chats.team_chat(world.cleaning)
    olga, tom, dina = connect(world.olga), connect(world.tom), connect(world.dina)
    chats.send(team, world.sam, "Team news")
    assert [name for name, _ in heard(olga)] == ["chat-message-posted"]
    assert heard(tom) == [] and heard(dina) == []


def test_a_send_whose_commit_fails_tells_nobody(world, group, connect, monkeypatch):
    olga = connect(world.olga)
    real_commit = db.session.commit

    def failing_commit():
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        chats.send(group, world.sam, "Lost")
    db.session.rollback()
    monkeypatch.setattr(db.session, "commit", real_commit)
    db.session.commit()
    assert heard(olga) == []
    kept, _ = chats.send(group, world.sam, "Kept")
    assert heard(olga) == [posted(kept)]


def test_edits_and_reactions_are_told_as_changes(world, group, connect):
    message, _ = chats.send(group, world.sam, "Frist")
    olga, tom = connect(world.olga), connect(world.tom)
    chats.edit(message, world.sam, "First")
    chats.react(message, world.olga, "👍")
    payload = {"thread_id": group.id, "message_id": message.id}
    olga_likes = {"emoji": "👍", "names": [world.olga.display_name], "users": [world.olga.id]}
    assert heard(olga) == [
        ("chat-message-changed", payload),
        ("chat-message-changed", {**payload, "reactions": [olga_likes]}),
    ]
    assert heard(tom) == []


def test_a_reaction_comes_with_the_messages_reactions_as_the_bubble_shows_them(
    world, group, connect
):
    """chat.js draws reactions from the event (no request per open copy): by emoji in the
    bubble's order, each with its people in the order they reacted; none left, none told."""
    message, _ = chats.send(group, world.sam, "Lift is stuck")
    olga = connect(world.olga)
    for user, emoji in ((world.sam, "👀"), (world.olga, "👍"), (world.sam, "👍")):
        chats.react(message, user, emoji)
    told = heard(olga)[-1][1]["reactions"]
    db.session.expire_all()
    shown = db.session.get(Message, message.id).reaction_groups
    assert told == [
        {
            "emoji": emoji,
            "names": [r.user.display_name for r in rows],
            "users": [r.user_id for r in rows],
        }
        for emoji, rows in shown
    ]
    assert [(g["emoji"], g["users"]) for g in told] == sorted(
        [("👀", [world.sam.id]), ("👍", [world.olga.id, world.sam.id])]
    )
    for user, emoji in ((world.sam, "👀"), (world.olga, "👍"), (world.sam, "👍")):
        chats.react(message, user, emoji)  # taken back
    assert heard(olga)[-1][1]["reactions"] == []


def test_a_read_mark_reaches_the_chat_and_the_readers_other_devices(world, group, connect):
    message, _ = chats.send(group, world.olga, "Read me")
    sam_phone, sam_tablet, olga, tom = (
        connect(u) for u in (world.sam, world.sam, world.olga, world.tom)
    )
    chats.read(group, world.sam, message.id + 100)
    told = ("chat-read", {"thread_id": group.id, "user_id": world.sam.id, "message_id": message.id})
    assert heard(sam_phone) == heard(sam_tablet) == heard(olga) == [told]
    assert heard(tom) == []
    chats.read(group, world.sam, message.id)  # nothing new
    assert heard(olga) == []


def test_a_mention_is_told_to_that_person_only(world, group, connect):
    chats.add_people(group, world.olga, [world.tom])
    olga, sam, tom, dina = (connect(u) for u in (world.olga, world.sam, world.tom, world.dina))
    message, _ = chats.send(group, world.sam, "@tom the printer again")
    assert heard(tom, "chat-mentioned") == [
        ("chat-mentioned", {"thread_id": group.id, "message_id": message.id})
    ]
    assert heard(olga, "chat-mentioned") == heard(sam, "chat-mentioned") == []
    assert heard(dina) == []


def test_people_added_to_a_group_are_told(world, group, connect):
    tom, dina = connect(world.tom), connect(world.dina)
    chats.add_people(group, world.olga, [world.tom])
    assert heard(tom) == [("chat-added", {"thread_id": group.id})]
    assert heard(dina) == []


# ---------------------------------------------------------------- typing
def typing(sio, payload):
    """Emit `typing` from this client. Socket events in these tests share the test's app
    context, so the user Flask-Login cached for another client is dropped first (a server
    handles each event in a fresh context)."""
    g.pop("_login_user", None)
    sio.emit("typing", payload)


def test_typing_is_relayed_to_the_other_readers_only(world, group, connect):
    olga, sam, tom = connect(world.olga), connect(world.sam), connect(world.tom)
    typing(olga, {"thread_id": group.id})
    told = {"thread_id": group.id, "user_id": world.olga.id, "name": "Olga Petrova"}
    assert heard(sam) == [("chat-typing", told)]
    assert heard(olga) == []  # not back to the one typing
    assert heard(tom) == []


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "1",
        [1],
        {},
        {"thread_id": "GROUP"},
        {"thread_id": True},
        {"thread_id": 1.0},
        {"thread_id": -1},
        {"thread_id": 2**40},
        {"thread_id": "GROUP", "text": "extra"},
        {"thread_id": 9999},
    ],
)
def test_invalid_typing_events_are_dropped(world, group, connect, payload):
    olga, sam = connect(world.olga), connect(world.sam)
    assert group.id == 1  # so True and 1.0 name the group, if they were taken for ints
    if isinstance(payload, dict) and payload.get("thread_id") == "GROUP":
        payload = {**payload, "thread_id": group.id if "text" in payload else str(group.id)}
    typing(olga, payload)
    assert heard(sam) == []


def test_typing_in_a_chat_one_cannot_read_is_dropped(world, group, connect):
    tom, olga = connect(world.tom), connect(world.olga)
    typing(tom, {"thread_id": group.id})
    assert heard(olga) == []


def test_typing_is_rate_limited_per_connection(world, group, connect, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(sockets.time, "monotonic", lambda: clock[0])
    olga_phone, olga_laptop, sam = connect(world.olga), connect(world.olga), connect(world.sam)
    for _ in range(8):
        typing(olga_phone, {"thread_id": group.id})
    assert len(heard(sam)) == sockets.EVENTS_PER_WINDOW
    typing(olga_laptop, {"thread_id": group.id})
    assert len(heard(sam)) == 1  # another connection has its own bucket
    clock[0] += sockets.WINDOW_SECONDS / sockets.EVENTS_PER_WINDOW  # one token back
    typing(olga_phone, {"thread_id": group.id})
    typing(olga_phone, {"thread_id": group.id})
    assert len(heard(sam)) == 1


def test_a_connection_forgets_its_bucket_when_it_closes(world, group, connect):
    olga = connect(world.olga)
    typing(olga, {"thread_id": group.id})
    assert sockets._buckets
    olga.disconnect()
    assert not sockets._buckets
