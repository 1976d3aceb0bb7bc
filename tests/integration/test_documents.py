"""PDF documents on a request (a service report, a certificate): checked on the way in,
kept as sent, listed for staff, downloaded (never shown inline), never on the tracking page."""

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.builders import report
from tests.conftest import token
from wave.extensions import db
from wave.files.documents import display_name
from wave.files.models import Attachment
from wave.requests.models import RequestAttachment, RequestEvent

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def config_overrides():
    return {"WAVE_MAX_DOCUMENT_BYTES": 2**20}


def upload(client, req, *files, htmx=True):
    data = MultiDict([("csrf_token", token(client))])
    for name, content in files:
        data.add("document", FileStorage(io.BytesIO(content), filename=name))
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/requests/{req.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=HX if htmx else {},
    )


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_staff_add_pdfs_and_download_them_as_sent(world, signed_in):
    req = report(world)
    olga = signed_in(world.olga)
    answer = upload(olga, req, ("Service report.pdf", PDF), ("Сертификат.PDF", PDF + b"\n"))
    panel = answer.get_data(True)
    assert answer.status_code == 200
    assert "Service report.pdf" in panel and "Сертификат.pdf" in panel
    assert "Documents added: Service report.pdf, Сертификат.pdf" in panel

    links = db.session.scalars(
        select(RequestAttachment).where(RequestAttachment.purpose == "document")
    ).all()
    assert len(links) == 2 and not any(link.public for link in links)
    (event,) = db.session.scalars(select(RequestEvent).where(RequestEvent.kind == "document"))
    assert event.actor_id == world.olga.id and not event.public

    first = f"/requests/{req.id}/files/{links[0].attachment_id}/full"
    assert f'href="{first}"' in panel and "<img" not in panel.split('id="documents"')[1][:500]
    got = olga.get(first)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["Content-Disposition"] == 'attachment; filename="Service report.pdf"'
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    second = olga.get(f"/requests/{req.id}/files/{links[1].attachment_id}/full")
    assert second.data == PDF + b"\n"
    assert "filename*=UTF-8''%D0%A1%D0%B5%D1%80" in second.headers["Content-Disposition"]


def test_a_plain_form_post_works_too(world, signed_in):
    req = report(world)
    olga = signed_in(world.olga)
    answer = upload(olga, req, ("report.pdf", PDF), htmx=False)
    assert answer.status_code in (302, 303)
    assert "report.pdf" in olga.get(f"/requests/{req.id}").get_data(True)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "Please attach a PDF document."),
        ("cut.pdf", PDF[:40], "The document is incomplete. Please send it again."),
        ("big.pdf", PDF[:-7] + b" " * 2**20 + b"%%EOF\n", "The document is larger than 1 MB."),
    ],
    ids=["not-a-pdf", "truncated", "too-large"],
)
def test_what_is_not_a_whole_pdf_is_refused_with_why(world, signed_in, name, content, message):
    req = report(world)
    olga = signed_in(world.olga)
    before = stored()
    answer = upload(olga, req, ("fine.pdf", PDF), (name, content))
    assert answer.status_code == 422
    assert message in answer.get_data(True)
    assert stored() == before  # not even the good one of the two


def test_nothing_chosen_is_refused(world, signed_in):
    req = report(world)
    olga = signed_in(world.olga)
    answer = olga.post(
        f"/requests/{req.id}/documents",
        data={"csrf_token": token(olga)},
        content_type="multipart/form-data",
        headers=HX,
    )
    assert answer.status_code == 422 and "Choose a PDF document." in answer.get_data(True)


def test_the_tenant_and_other_teams_never_get_a_document(world, signed_in, client):
    req = report(world)
    upload(signed_in(world.olga), req, ("report.pdf", PDF))
    link = db.session.scalar(
        select(RequestAttachment).where(RequestAttachment.purpose == "document")
    )
    tracking = client.get(f"/t/{req.tracking_token}").get_data(True)
    assert "report.pdf" not in tracking
    assert client.get(f"/t/{req.tracking_token}/files/{link.attachment_id}/full").status_code == 404
    tom = signed_in(world.tom)  # the IT team: not his request
    assert tom.get(f"/requests/{req.id}/files/{link.attachment_id}/full").status_code == 403
    assert upload(tom, req, ("x.pdf", PDF)).status_code == 403
    assert client.get(f"/requests/{req.id}/files/{link.attachment_id}/full").status_code == 302


@pytest.mark.parametrize(
    "sent, shown",
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\olga\\Desktop\\Report.PDF", "Report.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("bad\x00\x1bname.pdf", "badname.pdf"),
        ("", "document.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_a_documents_name_is_its_own_without_folders_or_control_characters(sent, shown):
    assert display_name(sent) == shown
