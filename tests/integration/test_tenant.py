"""The tenant's side: /q/<code> form, submission, tracking, confirm, reopen, rate."""

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_from, read_after_commit
from tests.images import jpeg_bytes
from wave.extensions import db
from wave.files.models import Attachment
from wave.requests.models import RequestAttachment, RequestEvent, ServiceRequest


def open_form(client, code="RM000001"):
    response = client.get(f"/q/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    key = re.search(r'name="submission_key"[^>]*value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_from(html), "submission_key": key}


def submit(client, world, code="RM000001", **fields):
    data = {
        **open_form(client, code),
        "category": str(world.trash.id),
        "description": "Bin is full",
        **fields,
    }
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    files = {k: FileStorage(v[0], filename=v[1]) for k, v in data.items() if isinstance(v, tuple)}
    boundary, body = encode_multipart({**data, **files})
    return client.post(
        f"/q/{code}", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_form_shows_place_and_only_offered_categories(client, world):
    html = client.get("/q/RM000001").get_data(as_text=True)
    assert "101 Office" in html and "Test Tower" in html
    assert "Trash removal" in html and "Wet cleaning" in html
    assert "Printer problem" not in html
    for name in ("category", "description", "photo", "name", "phone", "email"):
        assert f'name="{name}"' in html
    assert 'capture="environment"' in html


def test_asset_form_offers_the_assets_categories(client, world):
    html = client.get("/q/prnt0001").get_data(as_text=True)  # typed in lower case
    assert "Printer P1" in html and "Printer problem" in html and "Trash removal" not in html


def test_scans_are_counted(client, world):
    client.get("/q/RM000001")
    client.get("/q/RM000001")
    db.session.refresh(world.room_tag)
    assert world.room_tag.scan_count == 2


@pytest.mark.parametrize(
    "code,reason", [("NOSUCH99", "Unknown code"), ("XD000001", "has been replaced")]
)
def test_unknown_or_revoked_code_is_a_polite_404(client, world, code, reason):
    response = client.get(f"/q/{code}")
    assert response.status_code == 404
    assert reason in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_submit_creates_request_and_shows_number_and_tracking_link(client, world):
    response = submit(
        client,
        world,
        name="Jonas",
        phone="+49 30 123",
        email="j@example.com",
        photo=(io.BytesIO(jpeg_bytes()), "bin.jpg"),
    )
    assert response.status_code == 303
    req = db.session.scalar(select(ServiceRequest))
    assert response.headers["Location"].startswith(f"/t/{req.tracking_token}")
    assert (req.source, req.status, req.team_id) == ("qr", "new", world.cleaning.id)
    assert (req.requester_name, req.requester_phone) == ("Jonas", "+49 30 123")
    assert req.response_due_at is not None and req.qr_tag_id == world.room_tag.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"#{req.id}" in page and f"/t/{req.tracking_token}" in page
    events = db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == req.id))
    assert [e.kind for e in events] == ["created"]


def test_the_answer_to_a_submit_reads_nothing_back(client, world):
    fields = {**open_form(client), "category": str(world.trash.id), "description": "Bin is full"}
    db.session.expire_all()  # as in a fresh request
    with read_after_commit() as read_back:
        response = client.post("/q/RM000001", data=fields)
    assert response.status_code == 303 and read_back == []
    req = db.session.scalar(select(ServiceRequest))
    assert response.headers["Location"] == f"/t/{req.tracking_token}?submitted=1"


def test_double_submit_creates_one_request(client, world):
    data = {**open_form(client), "category": str(world.trash.id), "description": "Bin is full"}
    first = client.post("/q/RM000001", data=data)
    second = client.post("/q/RM000001", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 1


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"description": "   "}, "description", "Please describe the problem."),
        ({"category": "0"}, "category", "Choose what the problem is about."),
        ({"category": "PRINTER"}, "category", ""),
        ({"email": "not-an-address"}, "email", "does not look like an e-mail"),
        (
            {"photo": (io.BytesIO(b"%PDF-1.4 not an image"), "doc.pdf")},
            "photo",
            "Please attach a photo",
        ),
        ({"photo": (io.BytesIO(jpeg_bytes()[:400]), "cut.jpg")}, "photo", "damaged or incomplete"),
    ],
)
def test_bad_input_keeps_what_was_typed(client, world, fields, field, message):
    if fields.get("category") == "PRINTER":
        fields = {"category": str(world.printer_problem.id)}  # exists, but not offered here
    response = submit(client, world, name="Keep Me", **{"description": "Kept text", **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="field-{field}"' in html and 'class="field has-error" id="field-' + field in html
    assert message in html
    assert "Keep Me" in html
    if field != "description":
        assert "Kept text" in html
    assert db.session.scalar(select(func.count(ServiceRequest.id))) == 0


def test_photo_over_10_mb_is_refused_with_the_form_kept(client, world):
    big = io.BytesIO(b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10))
    response = submit(client, world, description="Kept text", photo=(big, "huge.jpg"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "larger than 10 MB" in html and "Kept text" in html


def test_photo_is_reencoded_without_exif_and_thumbnailed(client, world, app):
    from PIL import Image

    from wave.files.storage import storage

    submit(client, world, photo=(io.BytesIO(jpeg_bytes(size=(3000, 2000), exif_gps=True)), "a.jpg"))
    attachment = db.session.scalar(select(Attachment))
    full = Image.open(io.BytesIO(storage().read(attachment.storage_key)))
    thumb = Image.open(io.BytesIO(storage().read(attachment.thumb_key)))
    assert max(full.size) <= app.config["WAVE_PHOTO_MAX_SIDE"]
    assert max(thumb.size) <= app.config["WAVE_THUMB_SIDE"]
    assert not full.getexif() and "exif" not in full.info
    assert not thumb.getexif()


def _req():
    return db.session.scalar(select(ServiceRequest))


def _finish(req, world):
    from wave.requests import lifecycle

    lifecycle.take(req, world.olga)
    lifecycle.complete(req, world.olga, 10, [])


def test_tenant_confirms_and_rates_finished_work(client, world):
    location = submit(client, world).headers["Location"].split("?")[0]
    req = _req()
    _finish(req, world)
    page = client.get(location).get_data(as_text=True)
    assert "Is it fixed?" in page
    assert (
        client.post(location + "/confirm", data={"csrf_token": csrf_from(page)}).status_code == 303
    )
    db.session.refresh(req)
    assert req.status == "closed" and req.closed_at is not None
    page = client.get(location).get_data(as_text=True)
    response = client.post(
        location + "/rate", data={"csrf_token": csrf_from(page), "rating": "4", "feedback": "Fast"}
    )
    assert response.status_code == 303
    db.session.refresh(req)
    assert (req.rating, req.feedback) == (4, "Fast")
    assert "★★★★☆" in client.get(location).get_data(as_text=True)


def test_tenant_reopen_needs_a_comment(client, world):
    location = submit(client, world).headers["Location"].split("?")[0]
    req = _req()
    _finish(req, world)
    page = client.get(location).get_data(as_text=True)
    response = client.post(
        location + "/reopen", data={"csrf_token": csrf_from(page), "comment": ""}
    )
    assert response.status_code == 422 and "Tell us what is still wrong." in response.get_data(True)
    response = client.post(
        location + "/reopen", data={"csrf_token": csrf_from(page), "comment": "Still smells"}
    )
    assert response.status_code == 303
    db.session.refresh(req)
    assert req.status == "reopened" and req.assignee_id == world.olga.id
    assert "Still smells" in client.get(location).get_data(as_text=True)


def test_unknown_tracking_token_is_404(client, world):
    assert client.get("/t/nope").status_code == 404


def test_tracking_page_shows_public_photos_only_to_the_token_holder(client, world):
    location = submit(client, world, photo=(io.BytesIO(jpeg_bytes()), "a.jpg")).headers["Location"]
    token = location.split("/")[2].split("?")[0]
    attachment = db.session.scalar(select(Attachment))
    ok = client.get(f"/t/{token}/files/{attachment.id}/thumb")
    assert ok.status_code == 200 and ok.headers["Content-Type"] == "image/jpeg"
    assert client.get(f"/t/wrong-token/files/{attachment.id}/thumb").status_code == 404
    anonymous = client.application.test_client()
    assert anonymous.get(f"/requests/{_req().id}/files/{attachment.id}/thumb").status_code == 302


def test_lost_session_keeps_the_report_and_asks_to_send_again(client, world, app):
    data = {**open_form(client), "category": str(world.trash.id), "description": "Kept text"}
    fresh = app.test_client()  # another browser: no session cookie, so the token does not match
    response = fresh.post("/q/RM000001", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please check your report and press Send again." in html and "Kept text" in html
    resend = {**data, "csrf_token": csrf_from(html)}
    assert fresh.post("/q/RM000001", data=resend).status_code == 303


def test_a_photo_survives_the_form_coming_back(client, world):
    response = submit(client, world, description=" ", photo=(io.BytesIO(jpeg_bytes()), "a.jpg"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Your photo is attached" in html
    photo_token = re.search(r'name="photo_token"[^>]*value="([^"]+)"', html).group(1)
    data = {
        "csrf_token": csrf_from(html),
        "photo_token": photo_token,
        "submission_key": re.search(r'name="submission_key"[^>]*value="([^"]+)"', html).group(1),
        "category": str(world.trash.id),
        "description": "Now with words",
    }
    assert client.post("/q/RM000001", data=data).status_code == 303
    req = _req()
    links = db.session.scalars(
        select(RequestAttachment).where(RequestAttachment.request_id == req.id)
    ).all()
    assert [link.purpose for link in links] == ["report"]


def test_a_forged_photo_token_attaches_nothing(client, world):
    data = {
        **open_form(client),
        "category": str(world.trash.id),
        "description": "x",
        "photo_token": "1.forged.token",
    }
    assert client.post("/q/RM000001", data=data).status_code == 303
    assert db.session.scalar(select(func.count(RequestAttachment.request_id))) == 0
