"""A request's discussion seen from the messenger: readable by who may see the request, titled
by the request, and a message written there is a comment on the request's timeline."""

import uuid

from sqlalchemy import select

from tests.builders import report
from tests.conftest import token
from wave.extensions import db, socketio
from wave.requests.models import RequestEvent


def test_a_message_sent_from_the_chat_view_is_a_comment_on_the_request(world, signed_in, app):
    req = report(world)
    sam = signed_in(world.sam)  # team Cleaning: may see it
    listener = socketio.test_client(app, flask_test_client=signed_in(world.olga))
    listener.get_received()
    response = sam.post(
        f"/chats/{req.thread_id}/messages",
        data={"csrf_token": token(sam), "body": "On my way", "client_id": uuid.uuid4().hex},
    )
    assert response.status_code in (200, 303)
    kinds = db.session.scalars(
        select(RequestEvent.kind).where(RequestEvent.request_id == req.id)
    ).all()
    assert kinds.count("comment") == 1
    names = [m["name"] for m in listener.get_received()]
    assert "request-changed" in names and "chat-message-posted" in names
    listener.disconnect()
    # on the request's own page the message is there too
    assert "On my way" in sam.get(f"/requests/{req.id}").get_data(as_text=True)


def test_the_chat_list_names_a_request_discussion_by_its_request(world, signed_in):
    req = report(world)
    sam = signed_in(world.sam)
    assert sam.get(f"/chats/{req.thread_id}").status_code == 200  # joins to keep a read mark
    listing = sam.get("/chats").get_data(as_text=True)
    assert f"#{req.id} · Trash removal" in listing


def test_someone_who_may_not_see_the_request_cannot_open_or_write_in_its_discussion(
    world, signed_in
):
    req = report(world)
    tom = signed_in(world.tom)  # team IT
    assert tom.get(f"/chats/{req.thread_id}").status_code == 403
    response = tom.post(
        f"/chats/{req.thread_id}/messages",
        data={"csrf_token": token(tom), "body": "hi", "client_id": uuid.uuid4().hex},
    )
    assert response.status_code == 403
