"""An admin imports a small file, prints its labels, and a code read back from the PDF opens
the right tenant form — the whole registry path a new building goes through."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import or_, select

from tests.browser.conftest import sign_in
from tests.pdf_codes import codes_in_pdf
from wave.extensions import db
from wave.qr.models import Asset, Location, QrTag

# What Russian Excel writes: cp1251, semicolons. Rows come in any order (parent last).
CSV = (
    "type;external_id;parent_external_id;name;kind;categories\r\n"
    "room;R-901;F-9;901 Склад;;Cleaning\r\n"
    "room;R-902;F-9;902 Archive;;Cleaning\r\n"
    "asset;A-9P;R-902;Printer 9;printer;IT\r\n"
    "floor;F-9;;Floor 9;;\r\n"
).encode("cp1251")


@pytest.mark.browser
def test_import_print_and_scan_back(live_server, world, phone, tmp_path):
    upload = tmp_path / "floor9.csv"
    upload.write_bytes(CSV)
    page = phone().new_page()
    sign_in(page, live_server, "anna")

    page.goto(live_server + "/admin/import")
    page.set_input_files("input[name=file]", str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("901 Склад").first).to_be_visible()
    page.get_by_role("button", name="Import 4 rows").click()
    expect(page.get_by_role("status")).to_contain_text("4 new")

    page.goto(live_server + "/admin/labels")
    page.select_option("select[name=location]", label="Floor 9")
    expect(page.get_by_role("heading", name="4 labels · 1 page")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = _read(download.value, tmp_path)

    # Every imported place got a tag, and the sheet holds exactly those four codes.
    db.session.expire_all()
    imported = (
        select(QrTag.code)
        .outerjoin(Location, QrTag.location_id == Location.id)
        .outerjoin(Asset, QrTag.asset_id == Asset.id)
        .where(
            QrTag.revoked_at.is_(None),
            or_(Location.external_id.like("%-9%"), Asset.external_id == "A-9P"),
        )
    )
    codes = set(db.session.scalars(imported))
    assert len(codes) == 4
    assert sorted(codes_in_pdf(pdf)) == sorted(f"{live_server}/q/{code}" for code in codes)
    room = db.session.scalar(select(Location).where(Location.external_id == "R-901"))
    room_code = db.session.scalar(select(QrTag.code).where(QrTag.location_id == room.id))
    room_url = f"{live_server}/q/{room_code}"

    tenant = phone().new_page()
    tenant.goto(room_url)
    expect(tenant.get_by_role("heading", name="901 Склад")).to_be_visible()
    options = tenant.locator("select[name=category] option").all_inner_texts()
    assert "Trash removal" in options and "Printer problem" not in options


def _read(download, tmp_path) -> bytes:
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    return target.read_bytes()
