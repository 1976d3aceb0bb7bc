"""Bulk import of places: upload → preview (nothing written) → all-or-nothing commit, through
the admin pages, on the test database (SQLite, or PostgreSQL with WAVE_TEST_DATABASE_URL)."""

import csv
import io
import threading
import time

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_from, login, token
from wave import create_app
from wave.extensions import db
from wave.qr import import_apply, importer
from wave.qr.import_files import read_table
from wave.qr.models import Asset, Location, QrTag, Site
from wave.requests.models import asset_categories, location_categories

HEADER = ["type", "external_id", "parent_external_id", "name", "kind", "categories", "tag"]
BUILDING = [
    HEADER,
    # a child before its parent: rows may come in any order
    ["room", "R201", "F2", "201 Office", "", "Cleaning", ""],
    ["floor", "F2", "", "Floor 2", "", "", "no"],
    ["zone", "Z2", "F2", "East wing", "", "", "yes"],
    ["asset", "PR-201", "R201", "Printer 201", "printer", "IT", "yes"],
]


def csv_bytes(rows, delimiter=",", encoding="utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Location, Asset, QrTag)
    )


def upload(client, data: bytes, filename: str, site_id: int, csrf: str | None = None):
    page = client.get("/admin/import").get_data(True)
    fields = {"csrf_token": csrf if csrf is not None else csrf_from(page), "site": str(site_id)}
    # Encoded here, in memory: the test client spools a large body to a temporary file it
    # never closes, which fails the run with a ResourceWarning.
    boundary = "wave-import-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/admin/import",
        data=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def preview(client, data: bytes, filename: str, site_id: int):
    """Upload a file; returns (preview URL, preview response)."""
    response = upload(client, data, filename, site_id)
    assert response.status_code == 303, response.get_data(True)[:2000]
    url = response.headers["Location"]
    return url, client.get(url)


def commit(client, url: str):
    page = client.get(url).get_data(True)
    return client.post(url, data={"csrf_token": csrf_from(page)})


def import_file(client, data: bytes, filename: str, site_id: int):
    url, page = preview(client, data, filename, site_id)
    assert page.status_code == 200, page.get_data(True)[:3000]
    response = commit(client, url)
    assert response.status_code == 303, response.get_data(True)[:3000]
    return client.get(response.headers["Location"]).get_data(True)


@pytest.fixture
def admin(world, signed_in):
    return signed_in(world.anna)


def place(external_id: str) -> Location | Asset | None:
    db.session.expire_all()
    return db.session.scalar(
        select(Location).where(Location.external_id == external_id)
    ) or db.session.scalar(select(Asset).where(Asset.external_id == external_id))


# ---------------------------------------------------------------- formats
def test_cp1251_semicolon_csv_with_cyrillic_names_imports(world, admin):
    rows = [
        ["Тип", "Внешний_ID", "Родитель", "Название", "Вид", "Категории"],
        ["этаж", "Э1", "", "Первый этаж", "", ""],
        ["комната", "К101", "Э1", "Переговорная «Дуб»; большая", "", "Cleaning, IT"],
        ["оборудование", "ПР1", "К101", "Принтер в переговорной", "принтер", ""],
    ]
    data = csv_bytes(rows, delimiter=";", encoding="cp1251")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really the Windows encoding
    page = import_file(admin, data, "места.csv", world.site.id)
    assert "3 new, 0 updated, 0 unchanged, 3 new QR tags." in page
    room = place("К101")
    assert room.name == "Переговорная «Дуб»; большая" and room.kind == "room"
    assert room.parent.name == "Первый этаж"
    printer = place("ПР1")
    assert (printer.kind, printer.location_id, printer.site_id) == (
        "принтер",
        room.id,
        world.site.id,
    )
    offered = set(
        db.session.scalars(
            select(location_categories.c.category_id).where(
                location_categories.c.location_id == room.id
            )
        )
    )
    assert offered == {world.trash.parent_id, world.printer_problem.parent_id}


def test_utf8_bom_csv_imports(world, admin):
    data = csv_bytes(BUILDING)
    assert data.startswith(b"\xef\xbb\xbf")
    url, page = preview(admin, data, "places.csv", world.site.id)
    html = page.get_data(True)
    assert page.status_code == 200 and 'data-count="new">4<' in html
    assert commit(admin, url).status_code == 303
    assert place("R201").parent.external_id == "F2"
    assert place("PR-201").location.external_id == "R201"


def test_xlsx_imports_with_numbers_as_ids(world, admin):
    rows = [
        ["Type", "External ID", "Parent external id", "Name", "Kind"],
        ["floor", 3, None, "Floor 3", None],
        ["room", 301, 3, "301 Lab", None],
        [None, None, None, None, None],  # an empty row is skipped
        ["asset", "AC-301", 301, "AC unit", "air conditioner"],
    ]
    import_file(admin, xlsx_bytes(rows), "places.xlsx", world.site.id)
    assert place("301").parent.external_id == "3"
    assert place("AC-301").location.name == "301 Lab"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_downloads_and_imports_as_it_is(world, admin, fmt):
    response = admin.get(f"/admin/import/template.{fmt}")
    assert response.status_code == 200
    assert f"wave-import-template.{fmt}" in response.headers["Content-Disposition"]
    table = read_table(response.data, f"t.{fmt}", max_rows=100, max_bytes=10**6)
    assert table.columns == HEADER and len(table.rows) == 3
    import_file(admin, response.data, f"t.{fmt}", world.site.id)
    assert place("PR-101").location.external_id == "R101"


# ---------------------------------------------------------------- preview and errors
def test_preview_lists_errors_per_row_and_column_and_writes_nothing(world, admin):
    rows = [
        HEADER,
        ["floor", "F9", "", "Floor 9", "", "", ""],
        ["room", "R1", "F9", "", "", "", ""],  # 3: empty name
        ["tower", "T1", "", "Tower", "", "", ""],  # 4: unknown type
        ["room", "R2", "F9", "Room 2", "", "Gardening", ""],  # 5: unknown category
        ["room", "R3", "F9", "x" * 121, "", "", ""],  # 6: too long
        ["room", "R4", "NOPE", "Room 4", "", "", ""],  # 7: unknown parent
        ["asset", "A1", "F9", "Kettle", "kettle", "", ""],
        ["room", "R5", "A1", "Room 5", "", "", ""],  # 9: an asset as parent
        ["zone", "ZA", "ZB", "Zone A", "", "", ""],  # 10, 11: a loop
        ["zone", "ZB", "ZA", "Zone B", "", "", ""],
        ["room", "R6", "F9", "Room 6", "", "", "maybe"],  # 12: bad tag value
        ["asset", "A2", "", "Loose asset", "", "", ""],  # 13: an asset needs a location
    ]
    before = counts()
    url, page = preview(admin, csv_bytes(rows), "bad.csv", world.site.id)
    html = page.get_data(True)
    assert page.status_code == 422
    expected = [
        (3, "name", "Empty"),
        (4, "type", "Unknown type “tower”"),
        (5, "categories", "Unknown category group “Gardening”"),
        (6, "name", "Longer than 120"),
        (7, "parent_external_id", "Unknown parent “NOPE”"),
        (9, "parent_external_id", "“A1” is an asset"),
        (10, "parent_external_id", "loop"),
        (11, "parent_external_id", "loop"),
        (12, "tag", "yes or no"),
        (13, "parent_external_id", "an asset needs"),
    ]
    for number, column, text in expected:
        marker = f'<tr data-row="{number}" data-column="{column}">'
        assert marker in html, (number, column)
        assert text in html.split(marker, 1)[1].split("</tr>", 1)[0], (number, column)
    assert 'data-count="error">10<' in html and 'id="import-commit"' not in html
    assert counts() == before
    # The commit of the same file is refused the same way and writes nothing either.
    response = admin.post(url, data={"csrf_token": token(admin, "/admin/import")})
    assert response.status_code == 422 and "nothing will be imported" in response.get_data(True)
    assert counts() == before


def test_duplicate_ids_are_marked_on_each_row(world, admin):
    rows = [HEADER, ["floor", "F1", "", "A", "", "", ""], ["floor", "F1", "", "B", "", "", ""]]
    _url, page = preview(admin, csv_bytes(rows), "dup.csv", world.site.id)
    html = page.get_data(True)
    assert page.status_code == 422
    assert "also in row 3" in html.split('data-row="2" data-column="external_id"')[1]
    assert "also in row 2" in html.split('data-row="3" data-column="external_id"')[1]


def test_unknown_parent_is_named(world, admin):
    rows = [HEADER, ["room", "R1", "F404", "Room", "", "", ""]]
    _url, page = preview(admin, csv_bytes(rows), "p.csv", world.site.id)
    assert page.status_code == 422
    assert "Unknown parent “F404”: not in the file, not in the site." in page.get_data(True)


@pytest.mark.parametrize(
    "header, expected",
    [
        (["kind", "title"], "missing: type, external_id, name"),
        (["type", "external_id", "name", "notes"], "unknown: notes"),
        (["type", "external_id", "name", "Name"], "twice: name"),
    ],
)
def test_wrong_columns_name_the_expected_and_found_columns(world, admin, header, expected):
    data = csv_bytes([header, ["x"] * len(header)])
    response = upload(admin, data, "cols.csv", world.site.id)
    html = response.get_data(True)
    assert response.status_code == 422 and expected in html
    assert "Expected a header row with: type, external_id, parent_external_id, name" in html
    assert "Found: " + ", ".join(header) in html
    assert f'<option selected value="{world.site.id}">' in html  # the chosen site is kept


def test_50000_rows_are_refused_before_any_work(world, admin):
    lines = ["type,external_id,name"] + [f"room,R{i},Room {i}" for i in range(50_000)]
    data = "\n".join(lines).encode()
    started = time.perf_counter()
    response = upload(admin, data, "huge.csv", world.site.id)
    html = response.get_data(True)
    assert response.status_code == 422
    assert "The file has 50,000 data rows or more; an import takes at most 49,999." in html
    assert time.perf_counter() - started < 5
    assert counts()[0] == 2


@pytest.mark.parametrize(
    "data, filename, expected",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "photo.png", "Choose a .csv or .xlsx file."),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 40, "old.xls", "Choose a .csv or .xlsx file."),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 40, "old.csv", "old Excel file (.xls)"),
        (b"type,external_id,name\n", "places.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04garbage", "places.xlsx", "cannot be read"),
        (xlsx_bytes([["type"]]), "places.csv", "Name it .xlsx"),
        (b"\x00\x01\x02\x98", "places.csv", "not text"),
        (b"", "places.csv", "The file is empty."),
    ],
)
def test_files_that_are_not_a_table_are_refused(world, admin, data, filename, expected):
    response = upload(admin, data, filename, world.site.id)
    assert response.status_code == 422 and expected in response.get_data(True)


@pytest.mark.parametrize("config_overrides", [{"WAVE_IMPORT_MAX_BYTES": 100}])
def test_a_file_over_the_size_limit_is_refused(world, admin):
    response = upload(admin, csv_bytes(BUILDING * 10), "big.csv", world.site.id)
    assert response.status_code == 422 and "larger than" in response.get_data(True)


def test_the_form_needs_a_site_and_a_file(world, admin):
    page = admin.get("/admin/import").get_data(True)
    response = admin.post("/admin/import", data={"csrf_token": csrf_from(page), "site": "0"})
    html = response.get_data(True)
    assert response.status_code == 422
    assert "Choose the site to import into." in html and "Choose a file." in html


# ---------------------------------------------------------------- commit
def test_reimport_updates_without_duplicates(world, admin):
    import_file(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    first = counts()
    again = import_file(admin, csv_bytes(BUILDING), "v1-again.csv", world.site.id)
    assert "0 new, 0 updated, 4 unchanged, 0 new QR tags." in again
    assert counts() == first
    changed = [row[:] for row in BUILDING]
    changed[1][3] = "201 Office (renamed)"
    changed[1][2] = "Z2"  # the room moves into the zone
    changed[4][5] = "Cleaning; IT"
    changed[4][4] = "laser printer"
    url, page = preview(admin, csv_bytes(changed), "v2.csv", world.site.id)
    html = page.get_data(True)
    assert 'data-count="update">2<' in html and 'data-count="unchanged">2<' in html
    assert "renamed, moved" in html
    assert commit(admin, url).status_code == 303
    assert counts() == first
    room, printer = place("R201"), place("PR-201")
    assert (room.name, room.parent.external_id) == ("201 Office (renamed)", "Z2")
    assert printer.kind == "laser printer"
    links = db.session.scalars(
        select(asset_categories.c.category_id).where(asset_categories.c.asset_id == printer.id)
    )
    assert set(links) == {world.trash.parent_id, world.printer_problem.parent_id}


def test_tags_are_created_for_new_places_only_where_asked(world, admin):
    before_tags = counts()[2]
    import_file(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    tagged = {
        (t.location or t.asset).external_id
        for t in db.session.scalars(select(QrTag).where(QrTag.id > 0))
        if (t.location or t.asset).external_id
    }
    assert tagged == {"R201", "Z2", "PR-201"}  # F2 said no
    assert counts()[2] == before_tags + 3
    codes = db.session.scalars(select(QrTag.code)).all()
    assert len(set(codes)) == len(codes) and all(len(c) == 8 for c in codes)


def test_an_archived_place_is_restored_and_an_untagged_one_gets_a_tag(world, admin):
    import_file(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    floor = place("F2")
    floor.archived_at = world.room_tag.created_at
    db.session.commit()
    rows = [row[:] for row in BUILDING]
    rows[2][6] = "yes"
    url, page = preview(admin, csv_bytes(rows), "v2.csv", world.site.id)
    assert "restored from the archive, gets a QR tag" in page.get_data(True)
    commit(admin, url)
    floor = place("F2")
    assert floor.archived_at is None
    assert db.session.scalar(select(func.count()).where(QrTag.location_id == floor.id)) == 1


def test_one_bad_row_at_commit_time_writes_nothing(world, admin):
    """The preview was clean, but the site changed before the commit: all refused."""
    rows = BUILDING + [["room", "R101", "EXISTING", "101 under an existing floor", "", "", ""]]
    world.floor.external_id = "EXISTING"
    db.session.commit()
    url, page = preview(admin, csv_bytes(rows), "v1.csv", world.site.id)
    assert page.status_code == 200
    world.floor.archived_at = world.room_tag.created_at
    db.session.commit()
    before = counts()
    response = admin.post(url, data={"csrf_token": token(admin, "/admin/import")})
    assert response.status_code == 422
    assert "The location “EXISTING” is archived." in response.get_data(True)
    assert counts() == before


def test_a_failure_in_the_middle_of_the_commit_writes_nothing(world, app, monkeypatch):
    table = read_table(csv_bytes(BUILDING), "v1.csv", max_rows=100, max_bytes=10**6)
    before = counts()

    def broken(*_args):
        raise RuntimeError("disk full")  # after locations, assets and categories are written

    monkeypatch.setattr(import_apply, "_write_tags", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        importer.apply_import(world.site.id, table)
    assert counts() == before
    assert db.session.scalar(select(func.count()).select_from(location_categories)) == 1
    monkeypatch.undo()
    plan = importer.apply_import(world.site.id, table)
    assert plan.ok and counts() == (before[0] + 3, before[1] + 1, before[2] + 3)


def test_double_click_on_import_applies_once(world, admin):
    url, _page = preview(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    csrf = csrf_from(admin.get(url).get_data(True))
    first = admin.post(url, data={"csrf_token": csrf})
    after_first = counts()
    second = admin.post(url, data={"csrf_token": csrf})
    assert first.status_code == second.status_code == 303
    assert "already imported" in admin.get("/admin/import").get_data(True)
    assert counts() == after_first
    assert "This file was already imported" in admin.get(url).get_data(True)


def test_commit_works_from_another_process(world, admin, test_config):
    """Preview in one app, commit in a fresh one: nothing is kept in process memory."""
    url, _page = preview(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    other = create_app(test_config)
    with other.app_context():
        client = other.test_client()
        login(client, "anna")
        response = client.post(url, data={"csrf_token": token(client, url)})
        assert response.status_code == 303
        db.session.remove()
    assert place("PR-201") is not None


def test_a_forged_or_stale_preview_link_goes_back_to_the_form(world, admin):
    response = admin.get("/admin/import/preview/not-a-token")
    assert response.status_code == 303 and response.headers["Location"] == "/admin/import"
    assert "expired" in admin.get("/admin/import").get_data(True)


def test_another_site_keeps_its_own_ids(world, admin):
    other = Site(name="Annex", timezone="UTC")
    db.session.add(other)
    db.session.commit()
    import_file(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    import_file(admin, csv_bytes(BUILDING), "v1.csv", other.id)
    db.session.expire_all()
    sites = db.session.scalars(select(Location.site_id).where(Location.external_id == "F2"))
    assert sorted(sites) == sorted([world.site.id, other.id])


# ---------------------------------------------------------------- who may
def test_managers_see_the_page_but_cannot_upload_or_commit(world, admin, signed_in):
    url, _page = preview(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    mark = signed_in(world.mark)
    page = mark.get("/admin/import")
    html = page.get_data(True)
    assert page.status_code == 200 and "parent_external_id" in html
    assert 'id="import-upload"' not in html and "template.xlsx" in html
    csrf = token(mark)
    data = {"csrf_token": csrf, "site": str(world.site.id), "file": (io.BytesIO(b"x"), "a.csv")}
    assert mark.post("/admin/import", data=data).status_code == 403
    assert mark.get(url).status_code == 403
    assert mark.post(url, data={"csrf_token": csrf}).status_code == 403
    assert place("F2") is None


def test_staff_and_anonymous_are_refused(world, signed_in, client):
    assert signed_in(world.olga).get("/admin/import").status_code == 403
    response = client.get("/admin/import")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    csrf = csrf_from(client.get("/login").get_data(True))
    response = client.post("/admin/import", data={"csrf_token": csrf, "site": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_posts_need_the_csrf_token(world, admin):
    html = admin.get("/admin/import").get_data(True)
    assert 'name="csrf_token"' in html.split('id="import-upload"')[1]
    response = upload(admin, csv_bytes(BUILDING), "v1.csv", world.site.id, csrf="")
    assert response.status_code == 400
    url, _page = preview(admin, csv_bytes(BUILDING), "v1.csv", world.site.id)
    assert 'name="csrf_token"' in admin.get(url).get_data(True)
    assert admin.post(url, data={}).status_code == 400
    assert place("F2") is None


def test_two_commits_at_the_same_moment_import_once(app, world):
    """Two server processes commit the same file at once (a double-click): one writes it, the
    other waits for it and finds nothing left to do."""
    table = read_table(csv_bytes(BUILDING), "v1.csv", max_rows=100, max_bytes=10**6)
    site_id = world.site.id  # read here: sessions are per thread
    barrier = threading.Barrier(2, timeout=20)
    outcomes = []

    def attempt():
        with app.app_context():
            barrier.wait()
            try:
                plan = importer.apply_import(site_id, table)
                outcomes.append((plan.counts["new"], plan.counts["unchanged"], plan.tags))
            except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert sorted(outcomes) == [(0, 4, 0), (4, 0, 3)]
    assert counts() == (2 + 3, 1 + 1, 3 + 3)
