"""The label pages: choose, print (history recorded), per-tag images, printer calibration."""

import io

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from tests.conftest import csrf_from, token
from tests.pdf_codes import codes_in_pdf
from wave.extensions import db
from wave.qr import labels
from wave.qr.codes import tag_url
from wave.qr.models import LabelOffset, LabelPrint, Location, QrTag


@pytest.fixture
def admin(world, signed_in):
    return signed_in(world.anna)


def _print(client, codes, template="a4-3x8", language="en"):
    page = client.get("/admin/labels").get_data(as_text=True)
    return client.post(
        "/admin/labels/print",
        data={
            "csrf_token": csrf_from(page),
            "codes": codes,
            "template": template,
            "language": language,
            "selection": "Test Tower",
        },
    )


def test_selection_lists_the_usable_labels_of_a_floor(admin, world):
    page = admin.get(f"/admin/labels?site={world.site.id}&location={world.floor.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "RM000001" in html and "PRNT0001" in html
    assert "XD000001" not in html  # revoked
    assert "2 labels" in html and "1 page" in html


def test_selection_by_equipment_kind(admin, world):
    html = admin.get(f"/admin/labels?site={world.site.id}&kind=printer").get_data(as_text=True)
    assert "PRNT0001" in html and "RM000001" not in html


def test_printed_sheet_holds_exactly_the_ticked_codes_and_is_recorded(admin, world, app):
    response = _print(admin, ["RM000001", "PRNT0001"])
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    with app.test_request_context():
        expected = sorted(tag_url(code) for code in ("RM000001", "PRNT0001"))
    assert sorted(codes_in_pdf(response.data)) == expected
    entry = db.session.scalar(select(LabelPrint))
    assert (entry.user_id, entry.template, entry.tag_count) == (world.anna.id, "a4-3x8", 2)
    assert sorted(entry.codes) == ["PRNT0001", "RM000001"]
    history = admin.get("/admin/labels/history").get_data(as_text=True)
    assert "Anna" in history and "RM000001" in history


def test_nothing_ticked_is_explained(admin):
    response = _print(admin, [])
    assert response.status_code == 422
    assert "Tick at least one label" in response.get_data(as_text=True)


def test_revoked_codes_are_never_printed(admin):
    response = _print(admin, ["XD000001"])
    assert response.status_code == 422
    assert db.session.scalar(select(LabelPrint)) is None


def test_tag_png_and_svg_hold_the_tag_url(admin, app):
    png = admin.get("/admin/tags/RM000001.png")
    assert png.mimetype == "image/png"
    with app.test_request_context():
        expected = tag_url("RM000001")
    assert [s.data.decode() for s in decode(Image.open(io.BytesIO(png.data)))] == [expected]
    svg = admin.get("/admin/tags/RM000001.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert admin.get("/admin/tags/NOSUCH99.png").status_code == 404


def test_saved_offset_is_used_for_the_next_sheet(admin, monkeypatch):
    response = admin.post(
        "/admin/labels/calibration/a4-2x4",
        data={"a4-2x4-csrf_token": token(admin), "a4-2x4-dx": "1.5", "a4-2x4-dy": "-0.5"},
    )
    assert response.status_code == 303
    saved = db.session.get(LabelOffset, "a4-2x4")
    assert (saved.dx_mm, saved.dy_mm) == (1.5, -0.5)
    assert 'value="1.5"' in admin.get("/admin/labels/calibration").get_data(as_text=True)
    pdf = admin.get("/admin/labels/calibration/a4-2x4.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # where the offset moves the boxes is tested in test_label_sheets; here: it is applied
    used = []
    render = labels.render_sheet
    monkeypatch.setattr(
        labels,
        "render_sheet",
        lambda items, tpl, offset, lang: used.append(offset) or render(items, tpl, offset, lang),
    )
    assert _print(admin, ["RM000001"], template="a4-2x4").status_code == 200
    assert _print(admin, ["RM000001"], template="a4-3x8").status_code == 200
    assert used == [(1.5, -0.5), (0.0, 0.0)]


def test_offset_out_of_range_is_refused_and_kept(admin):
    response = admin.post(
        "/admin/labels/calibration/a4-3x8",
        data={"a4-3x8-csrf_token": token(admin), "a4-3x8-dx": "12", "a4-3x8-dy": "0"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Between -5 and 5 mm." in html and 'value="12' in html
    assert db.session.get(LabelOffset, "a4-3x8") is None


def test_managers_see_labels_but_cannot_print_or_calibrate(world, signed_in):
    mark = signed_in(world.mark)
    html = mark.get("/admin/labels").get_data(as_text=True)
    assert "RM000001" in html and "Download PDF" not in html
    token = csrf_from(mark.get("/settings").get_data(as_text=True))
    assert mark.post("/admin/labels/print", data={"csrf_token": token}).status_code == 403
    assert (
        mark.post("/admin/labels/calibration/a4-3x8", data={"csrf_token": token}).status_code == 403
    )


def test_archived_floor_drops_out_of_the_selection(admin, world):
    world.floor.archived_at = world.room.archived_at = world.printer.archived_at = (
        db.session.scalar(select(QrTag.created_at).limit(1))
    )
    db.session.commit()
    html = admin.get(f"/admin/labels?site={world.site.id}").get_data(as_text=True)
    assert "RM000001" not in html and "No labels match" in html
    assert db.session.get(Location, world.floor.id).archived_at is not None


def test_instruction_language_follows_the_page(world, signed_in, app):
    anna = signed_in(world.anna)
    page = anna.get("/admin/labels", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<option selected value="ru">' in page or 'value="ru" selected' in page
