"""The bell: notifications stored per person as they chose, counted, shown, opened, read,
and announced live only to their owner."""

import pytest
from sqlalchemy import select

from tests.builders import make_user, report
from tests.conftest import token
from wave.extensions import db, socketio
from wave.notify import services
from wave.notify.models import Notification, NotificationPreference
from wave.requests import lifecycle
from wave.timeutil import now


@pytest.fixture
def assigned(world):
    """Dina (desk) assigns a fresh request to Olga: Olga is told."""
    req = report(world)
    lifecycle.assign(req, world.dina, world.olga)
    return req


def test_assignment_tells_the_assignee_only(world, assigned):
    rows = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind, n.request_id) for n in rows] == [
        (world.olga.id, "assigned", assigned.id)
    ]
    assert services.text_of(rows[0]) == f"#{assigned.id} is yours now: Trash removal · 101 Office"


def test_taking_it_yourself_tells_nobody(world):
    lifecycle.take(report(world), world.olga)
    assert db.session.scalars(select(Notification)).all() == []


def test_bell_counts_unread_and_the_page_lists_them(world, assigned, signed_in):
    olga = signed_in(world.olga)
    bell = olga.get("/notifications/bell").get_data(True)
    assert '<span class="bell-badge">1</span>' in bell
    page = olga.get("/notifications").get_data(True)
    assert "is yours now" in page and 'class="notification unread"' in page
    inbox = olga.get("/inbox").get_data(True)
    assert 'id="bell"' in inbox and '<span class="bell-badge">1</span>' in inbox


def test_opening_a_notification_reads_it_and_goes_to_the_request(world, assigned, signed_in):
    olga = signed_in(world.olga)
    row = db.session.scalars(select(Notification)).one()
    response = olga.get(f"/notifications/{row.id}")
    assert response.status_code == 302 and response.location.endswith(f"/requests/{assigned.id}")
    db.session.refresh(row)
    assert row.read_at is not None
    assert '<span class="bell-badge" hidden>0</span>' in olga.get("/notifications/bell").get_data(
        True
    )
    assert services.unread_count(world.olga) == 0


def test_someone_elses_notification_is_not_found(world, assigned, signed_in):
    row = db.session.scalars(select(Notification)).one()
    sam = signed_in(world.sam)
    assert sam.get(f"/notifications/{row.id}").status_code == 404
    assert sam.get(f"/notifications/{row.id}/notice").status_code == 404
    assert "is yours now" not in sam.get("/notifications").get_data(True)


def test_mark_all_read_needs_csrf_and_reads_all(world, assigned, signed_in):
    olga = signed_in(world.olga)
    assert olga.post("/notifications/read").status_code == 400
    response = olga.post("/notifications/read", data={"csrf_token": token(olga)})
    assert response.status_code == 303
    assert services.unread_count(world.olga) == 0


def test_a_kind_turned_off_is_not_stored(world):
    db.session.add(
        NotificationPreference(user_id=world.olga.id, kind="assigned", in_app=False, push=False)
    )
    db.session.commit()
    lifecycle.assign(report(world), world.dina, world.olga)
    assert db.session.scalars(select(Notification)).all() == []


def test_push_only_is_kept_out_of_the_bell(world, signed_in):
    db.session.add(
        NotificationPreference(user_id=world.olga.id, kind="assigned", in_app=False, push=True)
    )
    db.session.commit()
    lifecycle.assign(report(world), world.dina, world.olga)
    row = db.session.scalars(select(Notification)).one()
    assert row.push_pending and not row.in_app
    assert services.unread_count(world.olga) == 0


def test_new_notification_is_announced_live_to_its_owner_only(app, world, signed_in):
    olga = socketio.test_client(app, flask_test_client=signed_in(world.olga))
    sam = socketio.test_client(app, flask_test_client=signed_in(world.sam))
    olga.get_received(), sam.get_received()
    lifecycle.assign(report(world), world.dina, world.olga)
    row = db.session.scalars(select(Notification)).one()
    heard = [m for m in olga.get_received() if m["name"] == "notification-added"]
    assert [m["args"][0] for m in heard] == [{"id": row.id}]
    assert [m for m in sam.get_received() if m["name"].startswith("notification")] == []
    olga.disconnect(), sam.disconnect()


def test_anonymous_visitors_are_sent_to_login(client):
    for path in ("/notifications", "/notifications/bell", "/notifications/1"):
        assert client.get(path).status_code == 302


def test_news_nobody_asked_for_looks_nobody_up(world, statements):
    report(world)
    assert not [s for s in statements if "team_members" in s]  # the team is not read
    db.session.add(
        NotificationPreference(user_id=world.olga.id, kind="new_for_team", in_app=True, push=False)
    )
    db.session.commit()
    statements.clear()
    req = report(world)
    assert [s for s in statements if "team_members" in s]
    assert db.session.scalars(select(Notification.user_id)).all() == [world.olga.id]
    assert db.session.scalars(select(Notification.request_id)).all() == [req.id]


def test_a_new_request_tells_its_team_in_the_same_statements_however_big(world, statements):
    def wanting_news(*people):
        db.session.add_all(
            NotificationPreference(user_id=p.id, kind="new_for_team", in_app=True, push=False)
            for p in people
        )
        db.session.commit()
        return people

    def reads():
        return sum(statement.lstrip().startswith("SELECT") for statement in statements)

    def told(req):
        rows = db.session.scalars(select(Notification).where(Notification.request_id == req.id))
        return {n.user_id for n in rows if n.kind == "new_for_team"}

    wanting_news(world.olga, world.sam)
    report(world)  # the first at the place: the later ones repeat it
    db.session.expire_all()  # as in a fresh request
    statements.clear()
    req = report(world)
    few = reads()
    assert told(req) == {world.olga.id, world.sam.id}

    crew = [make_user(f"crew{i}", f"Cleaner {i}", teams=[world.cleaning]) for i in range(10)]
    gone = make_user("gone", "Gone Away", teams=[world.cleaning])
    gone.archived_at = now()
    db.session.commit()
    wanting_news(*crew, gone)
    report(world)  # reads the reference data again: their choices changed it
    db.session.expire_all()
    statements.clear()
    req = report(world)
    assert reads() == few  # an INSERT per notification on SQLite (one on PostgreSQL)
    assert told(req) == {world.olga.id, world.sam.id, *(c.id for c in crew)}
