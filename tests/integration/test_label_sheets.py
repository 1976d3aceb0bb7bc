"""Label sheets end to end: the right tags are selected, every printed code scans back to its
tag's URL (read by ZBar and by OpenCV), labels sit where the template's millimetres say, the
text stays inside its label and prints in Cyrillic, and the command line writes a sheet."""

import io
import math
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import qrcode
from PIL import Image, ImageDraw
from pyzbar.pyzbar import ZBarSymbol, decode
from sqlalchemy import select

from tests.builders import World
from tests.conftest import ROOT, SECRET
from wave.extensions import db
from wave.qr import labels, printing
from wave.qr.codes import ALPHABET, CODE_LENGTH, tag_url
from wave.qr.images import tag_png, tag_svg
from wave.qr.labels import QUIET_MODULES, TEMPLATES, Box
from wave.qr.models import LABEL_TEMPLATES, Asset, LabelPrint, Location, QrTag, Site
from wave.timeutil import now

PUBLIC_URL = "https://wave.example.test"
CODES = random.Random()
# Pixels per inch to read the pages at: as a 300 dpi scan; posters' 3 mm modules need less.
DPI = {"a4-3x8": 300, "a4-2x4": 300, "a5-poster": 150}
PT_PER_MM = 72 / 25.4
TOLERANCE_MM = 0.5
# As long as a place's name may be: 120 characters.
LONG_NAME = (
    "Conference room with an exceptionally long name that has to wrap and shrink, on the north "
    "side of the building next to the lifts"
)[:120]


@pytest.fixture
def config_overrides():
    # A trailing slash, as people type it: printed URLs must not get a double slash.
    return {"WAVE_PUBLIC_URL": PUBLIC_URL + "/"}


# ---------------------------------------------------------------- a building with many tags
@dataclass
class Building:
    world: World
    floor2: Location
    floor10: Location
    kitchen: Location
    meeting: Location
    coffee: Asset
    annex: Site
    excluded: list[QrTag]


def _tag(place: Location | Asset) -> QrTag:
    # Codes from a seeded generator: the same sheets, and so the same pixels, every run.
    code = "".join(CODES.choice(ALPHABET) for _ in range(CODE_LENGTH))
    tag = QrTag(code=code, **{"asset" if isinstance(place, Asset) else "location": place})
    db.session.add(tag)
    return tag


def build_building(world: World) -> Building:
    """Test Tower grows floors 2, 3 (Russian names) and 10 with rooms, printers and coffee
    machines, all tagged; an Annex site has tags too. Left out of every sheet: a revoked tag,
    tags on an archived room and an archived asset, and a whole archived site's tags."""
    CODES.seed(3)
    site = world.site
    floor2 = Location(site=site, name="Floor 2", kind="floor")
    floor3 = Location(site=site, name="Этаж 3", kind="floor")
    floor10 = Location(site=site, name="Floor 10", kind="floor")
    rooms = {
        floor2: [f"2{n:02d} Office" for n in range(1, 13)],
        floor3: ["Кухня", "Переговорная «Дуб»", "301 Коворкинг", "302 Коворкинг"],
        floor10: [f"10{n:02d} Suite" for n in range(1, 10)] + [LONG_NAME],
    }
    made = {}
    for floor, names in rooms.items():
        _tag(floor)
        for name in names:
            made[name] = Location(site=site, parent=floor, name=name, kind="room")
            _tag(made[name])
    zone = Location(site=site, parent=made["1001 Suite"], name="Window zone", kind="zone")
    _tag(zone)
    coffee = Asset(location=made["Кухня"], name="Кофемашина", kind="coffee machine")
    printers = [
        Asset(location=made[room], name=f"Printer {room.split()[0]}", kind="printer")
        for room in ("201 Office", "202 Office", "1002 Suite", "Переговорная «Дуб»")
    ]
    for asset in [coffee, *printers]:
        _tag(asset)

    annex = Site(name="Annex", timezone="Europe/Berlin")
    annex_floor = Location(site=annex, name="Floor 1", kind="floor")
    annex_room = Location(site=annex, parent=annex_floor, name="A1 Store", kind="room")
    _tag(annex_room)
    _tag(Asset(location=annex_room, name="Printer A1", kind="printer"))

    gone = Site(name="Old Wing", archived_at=now())
    gone_room = Location(site=gone, parent=None, name="Old room", kind="room")
    archived_room = Location(site=site, parent=floor2, name="299 Closed", archived_at=now())
    archived_asset = Asset(
        location=made["203 Office"], name="Old copier", kind="printer", archived_at=now()
    )
    excluded = [_tag(gone_room), _tag(archived_room), _tag(archived_asset)]
    revoked = _tag(made["204 Office"])
    revoked.revoked_at = now()
    excluded.append(revoked)
    db.session.commit()
    return Building(
        world, floor2, floor10, made["Кухня"], made["Переговорная «Дуб»"], coffee, annex, excluded
    )


@pytest.fixture
def building(world) -> Building:
    """The world's building with some 40 tags more: see build_building."""
    return build_building(world)


def usable_tags(keep) -> list[QrTag]:
    """The oracle: every tag that QrTag.is_usable accepts and `keep` wants."""
    return [t for t in db.session.scalars(select(QrTag)) if t.is_usable and keep(t)]


def codes(items) -> set[str]:
    return {item.code for item in items}


# ---------------------------------------------------------------- selection
def test_a_site_selects_its_usable_tags_and_nothing_else(building):
    site = building.world.site
    items = printing.select_labels(site_id=site.id)
    expected = usable_tags(lambda t: t.place_location.site_id == site.id)
    assert len(expected) >= 30
    assert len(items) == len(expected) and codes(items) == {t.code for t in expected}
    assert not codes(items) & {t.code for t in building.excluded}
    assert building.world.revoked_tag.code not in codes(items)


def test_without_filters_every_usable_tag_of_every_live_site_is_selected(building):
    items = printing.select_labels()
    assert codes(items) == {t.code for t in usable_tags(lambda t: True)}
    assert len(items) == len(codes(items))
    assert {item.site for item in items} == {"Test Tower", "Annex"}


@pytest.mark.parametrize("root", ["floor2", "floor10", "kitchen"])
def test_a_location_selects_its_whole_subtree(building, root):
    location = getattr(building, root)
    items = printing.select_labels(location_id=location.id)
    expected = usable_tags(lambda t: location in t.place_location.path)
    assert codes(items) == {t.code for t in expected} and expected


def test_an_asset_kind_selects_those_assets_in_a_site_or_everywhere(building):
    site = building.world.site
    everywhere = printing.select_labels(asset_kind="printer")
    in_site = printing.select_labels(asset_kind="printer", site_id=site.id)
    printers = usable_tags(lambda t: t.asset is not None and t.asset.kind == "printer")
    assert codes(everywhere) == {t.code for t in printers}
    assert codes(in_site) == {t.code for t in printers if t.asset.site_id == site.id}
    assert codes(in_site) < codes(everywhere)
    assert "Old copier" not in {item.name for item in everywhere}


def test_hand_picked_tags_by_id_or_typed_code_leave_unusable_ones_out(building):
    world = building.world
    picked = [world.room_tag.id, world.printer_tag.id, world.revoked_tag.id]
    picked += [t.id for t in building.excluded]
    assert codes(printing.select_labels(tag_ids=picked)) == {"RM000001", "PRNT0001"}
    typed = ["rm00-0001", " prnt0001", "XD000001"]  # as a person types them
    assert codes(printing.select_labels(codes=typed)) == {"RM000001", "PRNT0001"}
    assert printing.select_labels(tag_ids=[]) == []


def test_labels_name_the_place_and_hold_the_public_url(building):
    items = {item.code: item for item in printing.select_labels(site_id=building.world.site.id)}
    room, printer = items["RM000001"], items["PRNT0001"]
    assert (room.site, room.area, room.name) == ("Test Tower", "Floor 1", "101 Office")
    assert (printer.area, printer.name) == ("Floor 1 · 101 Office", "Printer P1")
    assert room.url == tag_url("RM000001") == f"{PUBLIC_URL}/q/RM000001"
    coffee = next(item for item in items.values() if item.name == "Кофемашина")
    assert coffee.area == "Этаж 3 · Кухня"


def test_order_is_site_then_floor_room_and_the_rooms_assets(building):
    items = printing.select_labels()
    keys = [(item.site, item.area, item.name) for item in items]
    position = {key: index for index, key in enumerate(keys)}
    sites = [item.site for item in items]
    assert sites == ["Annex"] * sites.count("Annex") + ["Test Tower"] * sites.count("Test Tower")
    tower = ("Test Tower",)
    # Floor 2 before Floor 10 (numbers compare as numbers); a floor's own tag first.
    assert position[(*tower, "", "Floor 2")] < position[(*tower, "Floor 2", "201 Office")]
    assert position[(*tower, "Floor 2", "212 Office")] < position[(*tower, "", "Floor 10")]
    # A room's tag, then its assets, then the zones inside it.
    suite = position[(*tower, "Floor 10", "1001 Suite")]
    assert suite + 1 == position[(*tower, "Floor 10 · 1001 Suite", "Window zone")]
    assert (
        position[(*tower, "Floor 10", "1002 Suite")] + 1
        == position[(*tower, "Floor 10 · 1002 Suite", "Printer 1002")]
    )
    assert printing.select_labels() == items  # the same order every time


def test_selection_takes_the_same_few_queries_however_many_tags(building, statements):
    floor = building.floor2.id
    db.session.expire_all()
    statements.clear()
    printing.select_labels(location_id=floor)
    # The subtree asks for its root's site; then the tags, then the site's locations.
    subtree = len(statements)
    statements.clear()
    assert len(printing.select_labels()) > 30
    assert (subtree, len(statements)) == (3, 2), statements


# ---------------------------------------------------------------- reading the PDF back
@pytest.fixture
def read_pdf():
    """read_pdf(bytes) → the document, pages and all, closed after the test."""
    opened = []

    def read(data: bytes) -> pdfium.PdfDocument:
        opened.append(pdfium.PdfDocument(data))
        return opened[-1]

    yield read
    for document in opened:
        document.close()


def _raster(page, template: str) -> Image.Image:
    return page.render(scale=DPI[template] / 72, grayscale=True).to_pil()


def _crop(image: Image.Image, box: Box, template: str) -> Image.Image:
    px = DPI[template] / 25.4
    return image.crop(
        (round(box.x * px), round(box.y * px), round(box.right * px), round(box.bottom * px))
    )


def _zbar(image: Image.Image) -> list[str]:
    return [found.data.decode() for found in decode(image, symbols=[ZBarSymbol.QRCODE])]


def _opencv(image: Image.Image) -> str:
    # OpenCV's ArUco-based QR detector: its classic QRCodeDetector misses large modules
    # (about a third of these labels at 300 dpi, though it reads the same pixels scaled down).
    text, _points, _straight = cv2.QRCodeDetectorAruco().detectAndDecode(np.array(image))
    return text


def _mm_box(bounds, page_height_mm: float) -> Box:
    """A page object's PDF bounds (points from the bottom left) as a Box in mm from the top left."""
    left, bottom, right, top = (value / PT_PER_MM for value in bounds)
    return Box(left, page_height_mm - top, right - left, top - bottom)


def _modules(url: str) -> int:
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    symbol.add_data(url)
    symbol.make(fit=True)
    return len(symbol.modules)


def _close(a: Box, b: Box, tolerance: float = TOLERANCE_MM) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))


OFFSETS = {"a4-3x8": (1.5, -1.0), "a4-2x4": (0.0, 0.0), "a5-poster": (-2.0, 3.0)}


@pytest.mark.parametrize("template", LABEL_TEMPLATES)
def test_every_label_scans_back_to_its_tag_where_the_template_puts_it(building, read_pdf, template):
    items = printing.select_labels(site_id=building.world.site.id)
    tpl, offset = TEMPLATES[template], OFFSETS[template]
    pdf = read_pdf(labels.render_sheet(items, template, offset, "en"))
    assert (
        len(pdf) == math.ceil(len(items) / tpl.per_page) == labels.page_count(len(items), template)
    )
    decoded = []
    for number, page in enumerate(pdf):
        assert page.get_size() == pytest.approx((tpl.page[0] * PT_PER_MM, tpl.page[1] * PT_PER_MM))
        on_page = items[number * tpl.per_page : (number + 1) * tpl.per_page]
        image = _raster(page, template)
        qr_paths = [
            _mm_box(obj.get_bounds(), tpl.page[1])
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])
        ]
        assert len(qr_paths) == len(on_page)
        for slot, item in enumerate(on_page):
            # Each cell holds exactly its own code; ZBar and OpenCV read the same.
            cell = _crop(image, tpl.box(slot, offset), template)
            found = _zbar(cell)
            assert found == [item.url], (number, slot)
            assert _opencv(cell) == item.url, (number, slot)
            decoded.append(found[0])
            # The modules sit inside the quiet zone of the template's QR square.
            square, count = tpl.qr_box(slot, offset), _modules(item.url)
            module = square.width / (count + 2 * QUIET_MODULES)
            inset = QUIET_MODULES * module
            expected = Box(square.x + inset, square.y + inset, count * module, count * module)
            assert _close(qr_paths[slot], expected), (slot, qr_paths[slot], expected)
    assert len(decoded) == len(items) == len(set(decoded))
    assert decoded == [f"{PUBLIC_URL}/q/{item.code}" for item in items]


@pytest.mark.parametrize("template", LABEL_TEMPLATES)
def test_text_never_leaves_its_label_and_prints_the_code_and_cyrillic(building, read_pdf, template):
    items = printing.select_labels(site_id=building.world.site.id)
    tpl, offset = TEMPLATES[template], OFFSETS[template]
    pdf = read_pdf(labels.render_sheet(items, template, offset, "ru"))
    text = ""  # lines joined with spaces, so wrapped text reads as one
    for number, page in enumerate(pdf):
        boxes = [tpl.text_box(slot, offset) for slot in range(tpl.per_page)]
        textpage = page.get_textpage()
        text += " " + " ".join(textpage.get_text_bounded().split())
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
            drawn = _mm_box(obj.get_bounds(), tpl.page[1])
            assert any(_inside(drawn, box) for box in boxes), (number, obj.extract(), drawn)
    words = set(re.findall(r"\S+", text))
    assert {labels.display_code(item.code) for item in items} <= words
    assert {"Кухня", "Этаж", "«Дуб»", "Кофемашина"} <= words
    assert text.count(labels.instruction("ru")) == len(items)
    assert "Conference room" in text and LONG_NAME not in text  # shortened, not overflowing
    assert labels.ELLIPSIS in text


def _inside(inner: Box, outer: Box, slack: float = 0.2) -> bool:
    return (
        inner.x >= outer.x - slack
        and inner.y >= outer.y - slack
        and inner.right <= outer.right + slack
        and inner.bottom <= outer.bottom + slack
    )


@pytest.mark.parametrize("template", LABEL_TEMPLATES)
def test_calibration_page_outlines_every_label_where_it_will_print(app, read_pdf, template):
    tpl, offset = TEMPLATES[template], (1.5, -0.5)
    pdf = read_pdf(labels.render_calibration(template, offset, "en"))
    assert len(pdf) == 1
    page = pdf[0]
    shapes = [
        _mm_box(obj.get_bounds(), tpl.page[1])
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])
    ]
    for slot in range(tpl.per_page):
        box = tpl.box(slot, offset)
        assert any(_close(shape, box) for shape in shapes), (slot, box)
    # A millimetre scale crosses each reference point: ±5 mm both ways.
    for x, y in labels.reference_points(tpl, offset):
        assert any(_close(shape, Box(x - 5, y, 10, 0)) for shape in shapes), (x, y)
        assert any(_close(shape, Box(x, y - 5, 0, 10)) for shape in shapes), (x, y)
    text = " ".join(page.get_textpage().get_text_bounded().split())
    assert "dx +1.5 mm, dy -0.5 mm" in text and tpl.name in text


# ---------------------------------------------------------------- history and offsets
def test_a_print_is_recorded_with_its_codes(building):
    items = printing.select_labels(location_id=building.floor2.id)
    entry = printing.record_print(building.world.anna, "a4-2x4", "ru", "Floor 2", items)
    db.session.expire_all()
    saved = db.session.get(LabelPrint, entry.id)
    assert (saved.user_id, saved.template, saved.language) == (
        building.world.anna.id,
        "a4-2x4",
        "ru",
    )
    assert saved.selection == "Floor 2" and saved.tag_count == len(items) > 0
    assert saved.codes == [item.code for item in items]


def test_offsets_default_to_zero_and_are_saved_per_template(app):
    assert printing.offset_for("a4-3x8") == (0.0, 0.0)
    printing.save_offset("a4-3x8", 1.5, -2.25)
    printing.save_offset("a4-3x8", 0.5, -5)
    printing.save_offset("a5-poster", 5, 0)
    db.session.expire_all()
    assert printing.offset_for("a4-3x8") == (0.5, -5.0)
    assert printing.offset_for("a5-poster") == (5.0, 0.0)
    assert printing.offset_for("a4-2x4") == (0.0, 0.0)


@pytest.mark.parametrize(
    "template, dx, dy",
    [
        ("a4-3x8", 5.01, 0),
        ("a4-3x8", 0, -6),
        ("a4-3x8", math.nan, 0),
        ("a4-3x8", 0, math.inf),
        ("letter", 0, 0),
    ],
)
def test_an_offset_out_of_range_or_for_no_template_is_refused(app, template, dx, dy):
    with pytest.raises(ValueError):
        printing.save_offset(template, dx, dy)
    assert printing.offset_for("a4-3x8") == (0.0, 0.0)


# ---------------------------------------------------------------- per-tag images
def test_png_download_scans_to_the_tag_url_with_the_code_under_it(app):
    image = Image.open(io.BytesIO(tag_png("RM000001")))
    assert _zbar(image) == [f"{PUBLIC_URL}/q/RM000001"]
    assert image.height > image.width  # the caption
    bare = Image.open(io.BytesIO(tag_png("RM000001", caption=False)))
    assert bare.height == bare.width and _zbar(bare) == [f"{PUBLIC_URL}/q/RM000001"]


def test_svg_download_is_the_tag_url_as_vector_modules(app):
    svg = tag_svg("PRNT0001").decode()
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg
    # Draw the path's squares as pixels and read them back.
    side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    scale = 12
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, right, bottom in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", svg):
        corners = [int(x) * scale, int(y) * scale, int(right) * scale - 1, int(bottom) * scale - 1]
        draw.rectangle(corners, fill=0)
    assert _zbar(image) == [f"{PUBLIC_URL}/q/PRNT0001"]


# ---------------------------------------------------------------- command line
def _run_labels(test_config, tmp_path, *args):
    env = {
        **os.environ,
        "WAVE_DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"],
        "WAVE_SECRET_KEY": SECRET,
        "WAVE_PUBLIC_URL": PUBLIC_URL,
        "WAVE_UPLOAD_FOLDER": str(tmp_path),
    }
    env.pop("WAVE_REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "wave", "labels", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_line_writes_a_site_sheet_that_scans_and_records_it(
    building, read_pdf, test_config, tmp_path
):
    site = building.world.site
    expected = [item.url for item in printing.select_labels(site_id=site.id)]
    out = tmp_path / "tower.pdf"
    result = _run_labels(
        test_config, tmp_path, "--out", str(out), "--site", "Test Tower", "--template", "a4-2x4"
    )
    assert result.returncode == 0, result.stderr
    pages = math.ceil(len(expected) / 8)
    assert f"{len(expected)} labels on {pages} pages" in result.stdout
    tpl = TEMPLATES["a4-2x4"]
    found = []
    for page in read_pdf(out.read_bytes()):
        image = _raster(page, "a4-2x4")
        for slot in range(tpl.per_page):
            found += _zbar(_crop(image, tpl.box(slot), "a4-2x4"))
    assert found == expected
    db.session.rollback()  # a new snapshot: the command's row is in another process's commit
    entry = db.session.scalars(select(LabelPrint)).one()
    assert entry.user_id is None and entry.template == "a4-2x4" and entry.language == "en"
    assert entry.codes == [url.rsplit("/", 1)[1] for url in expected]
    assert "Test Tower" in entry.selection


def test_command_line_refuses_an_unknown_site(building, test_config, tmp_path):
    out = tmp_path / "none.pdf"
    result = _run_labels(test_config, tmp_path, "--out", str(out), "--site", "Nowhere")
    assert result.returncode == 2
    assert "no site is called 'Nowhere'" in result.stderr and "Test Tower" in result.stderr
    assert not out.exists()
    assert db.session.scalars(select(LabelPrint)).all() == []
