"""Live updates: only signed-in staff connect, and each hears only about its own work."""

import pytest

from tests.builders import report
from wave.extensions import db, socketio
from wave.realtime import publish_after_commit
from wave.requests import lifecycle


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


def names(sio):
    """The request events a client heard, as (name, request id)."""
    received = sio.get_received()
    return [(m["name"], m["args"][0]["id"]) for m in received if m["name"].startswith("request-")]


def submit(world, category=None):
    return report(world, category)


def test_anonymous_socket_is_refused(app, world):
    sio = socketio.test_client(app, flask_test_client=app.test_client())
    assert not sio.is_connected()


def test_new_request_reaches_its_team_and_the_desk_only(world, connect):
    olga, sam, tom, dina = (connect(u) for u in (world.olga, world.sam, world.tom, world.dina))
    req = submit(world)
    expected = [("request-created", req.id)]
    assert names(olga) == names(sam) == expected
    assert names(dina) == expected
    assert names(tom) == []  # another team hears nothing


def test_status_changes_reach_the_assignee_after_reassignment(world, connect):
    req = submit(world)
    tom = connect(world.tom)
    lifecycle.assign(req, world.dina, world.tom)  # an IT man on a cleaning job: the desk's call
    assert names(tom) == [("request-changed", req.id)]
    lifecycle.assign(req, world.dina, world.olga)
    assert names(tom) == [("request-changed", req.id)]  # told that it left him
    lifecycle.start(req, world.olga)
    assert names(tom) == []


def test_nothing_is_sent_for_a_rolled_back_change(world, connect):
    dina = connect(world.dina)
    publish_after_commit("request-changed", {"id": 999}, to={"desk"})
    db.session.rollback()
    db.session.commit()
    assert names(dina) == []


def test_events_wait_for_the_commit(world, connect):
    dina = connect(world.dina)
    publish_after_commit("request-changed", {"id": 7}, to={"desk"})
    assert names(dina) == []
    db.session.commit()
    assert names(dina) == [("request-changed", 7)]
