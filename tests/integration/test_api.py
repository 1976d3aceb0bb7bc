"""Other systems send requests over /api/v1 with a token an admin issued: shown once, kept as
a hash, revocable; the requests land in the one table (source api) like any other."""

import hashlib
import re

import pytest
from sqlalchemy import func, select

from tests.builders import report
from tests.conftest import token
from wave.api import tokens
from wave.api.models import ApiToken
from wave.extensions import db
from wave.requests.models import RequestEvent, ServiceRequest


@pytest.fixture
def config_overrides():
    return {"WAVE_API_LIMIT": "5 per day"}


@pytest.fixture
def issued(world):
    """A live token of the system "Building alarms"."""
    _row, secret = tokens.issue(world.anna, "Building alarms")
    return secret


def send(client, secret, body, **headers):
    return client.post(
        "/api/v1/requests", json=body, headers={"Authorization": f"Bearer {secret}", **headers}
    )


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(ServiceRequest))


def test_an_admin_issues_a_token_shown_once_and_kept_as_a_hash(world, signed_in):
    anna = signed_in(world.anna)
    page = anna.post(
        "/admin/api", data={"csrf_token": token(anna, "/admin/api"), "name": "Building alarms"}
    ).get_data(True)
    secret = re.search(r'<code class="token">(wave_[^<]+)</code>', page).group(1)
    row = db.session.scalar(select(ApiToken))
    assert row.name == "Building alarms" and row.created_by_id == world.anna.id
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(db.session.execute(select(ApiToken.__table__)).all())
    listing = anna.get("/admin/api").get_data(True)
    assert "Building alarms" in listing and row.hint in listing and secret not in listing


def test_a_system_sends_a_request_to_a_qr_codes_place(world, client, issued):
    body = {
        "code": world.room_tag.code.lower(),
        "category": world.trash.id,
        "description": "Smoke detector 3.14 reports a fault",
        "priority": "high",
        "name": "Alarm panel",
        "phone": "+49 30 555 0100",
    }
    answer = send(client, issued, body)
    assert answer.status_code == 201
    data = answer.get_json()
    req = db.session.get(ServiceRequest, data["id"])
    assert (req.source, req.location_id, req.asset_id) == ("api", world.room.id, None)
    assert (req.category_id, req.priority, req.status) == (world.trash.id, "high", "new")
    assert (req.requester_name, req.requester_phone) == ("Alarm panel", "+49 30 555 0100")
    assert req.created_by_id is None and req.team_id == world.trash.default_team_id
    assert data["number"] == f"#{req.id}" and data["status"] == "new"
    assert data["tracking_url"].endswith(f"/t/{req.tracking_token}")
    assert data["url"].endswith(f"/requests/{req.id}")
    created = db.session.scalar(select(RequestEvent).where(RequestEvent.request_id == req.id))
    assert created.kind == "created" and created.data["via"] == "Building alarms"


def test_a_place_by_its_id_and_the_categorys_default_priority(world, client, issued):
    answer = send(
        client,
        issued,
        {
            "place": f"a{world.printer.id}",
            "category": world.printer_problem.id,
            "description": "Jam",
        },
    )
    req = db.session.get(ServiceRequest, answer.get_json()["id"])
    assert answer.status_code == 201 and req.asset_id == world.printer.id
    assert req.priority == world.printer_problem.default_priority


def test_a_retry_with_the_same_idempotency_key_makes_no_second_request(world, client, issued):
    body = {"code": world.room_tag.code, "category": world.trash.id, "description": "Bin"}
    first = send(client, issued, body, **{"Idempotency-Key": "alarm-77"})
    again = send(client, issued, body, **{"Idempotency-Key": "alarm-77"})
    other = send(client, issued, body, **{"Idempotency-Key": "alarm-78"})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.get_json() == again.get_json() and other.get_json()["id"] != first.get_json()["id"]
    assert count() == 2


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"description": "x"}, "category", "Give a category's id."),
        ({"category": 999, "description": "x"}, "category", "There is no such category in use."),
        ({"category": "TRASH", "description": " "}, "description", "Please describe the problem."),
        (
            {"category": "TRASH", "description": "x", "code": "NOPE1234"},
            "place",
            "There is no QR label in use",
        ),
        (
            {"category": "TRASH", "description": "x", "code": "ROOM", "place": "l1"},
            "place",
            "either the code",
        ),
        ({"category": "TRASH", "description": "x", "place": "l999"}, "place", "not in use"),
        (
            {"category": "TRASH", "description": "x", "priority": "asap"},
            "priority",
            "Use one of: low",
        ),
        ({"category": "TRASH", "description": "x", "email": "nope"}, "email", "does not look like"),
    ],
    ids=[
        "no-category",
        "unknown-category",
        "blank",
        "unknown-code",
        "two-places",
        "gone-place",
        "priority",
        "email",
    ],
)
def test_bad_fields_are_refused_with_why_and_nothing_is_made(
    world, client, issued, body, field, message
):
    values = {"TRASH": world.trash.id, "ROOM": world.room_tag.code}
    body = {k: values.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    if "code" not in body and "place" not in body:
        body["code"] = world.room_tag.code
    answer = send(client, issued, body)
    assert answer.status_code == 422
    errors = answer.get_json()["fields"]
    assert any(message in m for m in errors[field]), errors
    assert count() == 0


def test_what_is_not_a_json_object_is_refused(client, issued):
    answer = client.post(
        "/api/v1/requests", data="category=1", headers={"Authorization": f"Bearer {issued}"}
    )
    assert answer.status_code == 400 and answer.get_json()["error"] == "Send a JSON object."
    assert send(client, issued, ["a list"]).status_code == 400


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer wave_guessed", "Basic d2F2ZTp4"])
def test_without_a_valid_token_nothing_is_made(world, client, header):
    answer = client.post(
        "/api/v1/requests",
        json={"code": world.room_tag.code, "category": world.trash.id, "description": "x"},
        headers={"Authorization": header} if header else {},
    )
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert count() == 0


def test_a_revoked_token_stops_at_once(world, client, issued, signed_in):
    anna = signed_in(world.anna)
    row = db.session.scalar(select(ApiToken))
    answer = anna.post(
        f"/admin/api/{row.id}/revoke", data={"csrf_token": token(anna, "/admin/api")}
    )
    assert answer.status_code == 303
    body = {"code": world.room_tag.code, "category": world.trash.id, "description": "x"}
    assert send(client, issued, body).status_code == 401
    assert "revoked" in anna.get("/admin/api").get_data(True)


def test_calls_are_limited_per_token_in_json(world, client, issued):
    for _ in range(5):
        assert (
            client.get(
                "/api/v1/categories", headers={"Authorization": f"Bearer {issued}"}
            ).status_code
            == 200
        )
    body = {"code": world.room_tag.code, "category": world.trash.id, "description": "x"}
    statuses = [send(client, issued, body).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    assert "Too many requests" in send(client, issued, body).get_json()["error"]


def test_the_categories_are_listed_for_a_token(world, client, issued):
    answer = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {issued}"})
    listed = {c["id"]: c["name"] for c in answer.get_json()}
    assert listed[world.trash.id] == world.trash.name
    assert client.get("/api/v1/categories").status_code == 401


@pytest.mark.parametrize("who", ["mark", "olga"])
def test_only_admins_issue_or_revoke_tokens(world, signed_in, issued, who):
    person = signed_in(getattr(world, who))
    row = db.session.scalar(select(ApiToken))
    csrf = token(person)
    assert person.post("/admin/api", data={"csrf_token": csrf, "name": "x"}).status_code == 403
    assert person.post(f"/admin/api/{row.id}/revoke", data={"csrf_token": csrf}).status_code == 403
    assert row.revoked_at is None
    assert person.get("/admin/api").status_code == (200 if who == "mark" else 403)


def test_a_token_needs_a_name(world, signed_in):
    anna = signed_in(world.anna)
    answer = anna.post("/admin/api", data={"csrf_token": token(anna, "/admin/api"), "name": " "})
    assert answer.status_code == 422 and "Name the system" in answer.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_system_reads_how_its_own_requests_stand(world, client, issued, signed_in):
    body = {"code": world.room_tag.code, "category": world.trash.id, "description": "Bin"}
    made = send(client, issued, body, **{"Idempotency-Key": "k1"}).get_json()
    assert send(client, issued, body, **{"Idempotency-Key": "k1"}).status_code == 200
    auth = {"Authorization": f"Bearer {issued}"}
    olga = signed_in(world.olga)
    olga.post(f"/requests/{made['id']}/take", data={"csrf_token": token(olga)})
    status = client.get(f"/api/v1/requests/{made['id']}", headers=auth).get_json()
    assert status["status"] == "assigned" and status["first_response_at"] is not None
    assert status["number"] == made["number"] and status["closed_at"] is None
    assert "Bin" not in str(status)  # nothing the requester wrote

    _row, others = tokens.issue(world.anna, "Help desk")
    elsewhere = client.get(
        f"/api/v1/requests/{made['id']}", headers={"Authorization": f"Bearer {others}"}
    )
    assert elsewhere.status_code == 404
    tenants = report(world)  # a QR report: no token sent it
    assert client.get(f"/api/v1/requests/{tenants.id}", headers=auth).status_code == 404
