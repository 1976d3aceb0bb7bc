"""Label templates as data: the grids match the stock, fit the page, and leave room for the QR
and every line of text; long text wraps and shrinks inside its width."""

import pytest
import qrcode
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from wave.qr import labels
from wave.qr.codes import normalize
from wave.qr.labels import LEADING, QUIET_MODULES, TEMPLATES, TEXT_STYLES, fit_text
from wave.qr.models import LABEL_TEMPLATES

TOLERANCE = 1e-6
# What the label stock and paper measure (mm): page, label, columns, rows.
STOCK = {
    "a4-3x8": ((210, 297), (70, 37), 3, 8),
    "a4-2x4": ((210, 297), (105, 74), 2, 4),
    "a5-poster": ((148, 210), (148, 210), 1, 1),
}
# Longer than any tenant URL a building is likely to use: the QR must still be easy to scan.
LONG_URL = "https://service-desk.riverside-business-centre.example/q/K7M2QX9D"
# Phones read 0.5 mm modules from a hand's length away; more leaves room for worn prints.
SMALLEST_MODULE_MM = 0.7


def test_every_template_the_database_knows_is_drawn_and_no_other():
    assert set(TEMPLATES) == set(LABEL_TEMPLATES) == set(STOCK)


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_the_grid_is_the_stock_and_fits_the_page(name):
    tpl = TEMPLATES[name]
    page, label, columns, rows = STOCK[name]
    assert (tpl.page, tpl.label, tpl.columns, tpl.rows) == (page, label, columns, rows)
    assert tpl.per_page == columns * rows
    boxes = [tpl.box(slot) for slot in range(tpl.per_page)]
    for box in boxes:
        assert box.x >= 0 and box.y >= 0
        assert box.x + box.width <= page[0] + TOLERANCE
        assert box.y + box.height <= page[1] + TOLERANCE
    # Row by row, neighbours touch or leave a gap but never overlap.
    for slot, box in enumerate(boxes):
        if slot % columns:
            left = boxes[slot - 1]
            assert box.y == left.y and box.x >= left.x + left.width - TOLERANCE
        if slot >= columns:
            above = boxes[slot - columns]
            assert box.x == above.x and box.y >= above.y + above.height - TOLERANCE
    # Stock without gaps covers the page edge to edge (less the 0.5 mm the rows leave over).
    covered = (boxes[-1].x + label[0] - boxes[0].x, boxes[-1].y + label[1] - boxes[0].y)
    assert covered == (columns * label[0], rows * label[1])


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_an_offset_moves_every_box_by_exactly_that(name):
    tpl = TEMPLATES[name]
    for slot in range(tpl.per_page):
        plain, shifted = tpl.box(slot), tpl.box(slot, (1.5, -2.0))
        assert shifted.x == pytest.approx(plain.x + 1.5)
        assert shifted.y == pytest.approx(plain.y - 2.0)
        assert shifted[2:] == plain[2:]


def _inside(inner, outer, margin=0.0):
    return (
        inner.x >= outer.x + margin - TOLERANCE
        and inner.y >= outer.y + margin - TOLERANCE
        and inner.x + inner.width <= outer.x + outer.width - margin + TOLERANCE
        and inner.y + inner.height <= outer.y + outer.height - margin + TOLERANCE
    )


def _overlap(a, b):
    return (
        a.x < b.x + b.width - TOLERANCE
        and b.x < a.x + a.width - TOLERANCE
        and a.y < b.y + b.height - TOLERANCE
        and b.y < a.y + a.height - TOLERANCE
    )


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_qr_and_text_sit_apart_inside_the_padding(name):
    tpl = TEMPLATES[name]
    for slot in range(tpl.per_page):
        box, qr, text = tpl.box(slot), tpl.qr_box(slot), tpl.text_box(slot)
        assert _inside(qr, box, tpl.padding) and _inside(text, box, tpl.padding)
        assert not _overlap(qr, text)
        assert qr.width == qr.height == tpl.qr


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_even_a_long_url_gives_modules_big_enough_to_scan(name):
    symbol = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    symbol.add_data(LONG_URL)
    symbol.make(fit=True)
    module = TEMPLATES[name].qr / (len(symbol.modules) + 2 * QUIET_MODULES)
    assert module >= SMALLEST_MODULE_MM


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_every_text_line_at_its_largest_fits_the_text_box(name):
    tpl = TEMPLATES[name]
    tallest = sum(s.size * tpl.text_scale * LEADING * s.max_lines for s in TEXT_STYLES)
    assert tallest <= tpl.text_box(0).height * mm


@pytest.mark.parametrize(
    "text",
    [
        "Conference room with an exceptionally long name that must wrap and shrink to fit",
        "Переговорная комната «Дуб» на третьем этаже у лифтового холла, северное крыло",
        "Ventilationsanlagenwartungsraumschlüsselkastenfach",  # one word wider than the line
        "x" * 400,
    ],
)
def test_long_text_wraps_shrinks_and_ends_in_an_ellipsis_inside_its_width(text):
    width = 90.0
    fitted = fit_text(text, labels.BOLD, 10.0, 6.0, 2, width)
    assert 1 <= len(fitted.lines) <= 2
    assert 6.0 <= fitted.size <= 10.0
    for line in fitted.lines:
        assert pdfmetrics.stringWidth(line, labels.BOLD, fitted.size) <= width
    shown = "".join(fitted.lines).replace(" ", "")
    if shown.endswith(labels.ELLIPSIS):
        assert fitted.size == 6.0  # shortened only once the smallest size was not enough
        assert text.replace(" ", "").startswith(shown.removesuffix(labels.ELLIPSIS))
    else:
        assert shown == text.replace(" ", "")


def test_short_text_keeps_its_largest_size_and_one_line():
    fitted = fit_text("101 Office", labels.BOLD, 10.0, 6.0, 2, 90.0)
    assert fitted.size == 10.0 and fitted.lines == ("101 Office",)


def test_printed_code_is_grouped_and_types_back_to_the_code():
    assert labels.display_code("K7M2QX9D") == "K7M2-QX9D"
    assert normalize(labels.display_code("K7M2QX9D")) == "K7M2QX9D"


def test_page_count_rounds_up():
    assert labels.page_count(24, "a4-3x8") == 1
    assert labels.page_count(25, "a4-3x8") == 2
    assert labels.page_count(9, "a4-2x4") == 2
    assert labels.page_count(17, "a4-2x4") == 3
    assert labels.page_count(7, "a5-poster") == 7


ITEM = labels.LabelItem("K7M2QX9D", "http://h/q/K7M2QX9D", "Site", "Floor 1", "101")


@pytest.mark.parametrize(
    "call",
    [
        lambda: labels.render_sheet([ITEM], "letter-4x5"),
        lambda: labels.render_calibration("letter-4x5"),
        lambda: labels.page_count(1, "letter-4x5"),
    ],
    ids=["sheet", "calibration", "page_count"],
)
def test_an_unknown_template_is_refused(call):
    with pytest.raises(ValueError, match="unknown label template"):
        call()


def test_an_empty_sheet_is_refused():
    with pytest.raises(ValueError, match="no labels"):
        labels.render_sheet([], "a4-3x8")


@pytest.mark.parametrize("name", LABEL_TEMPLATES)
def test_reference_points_of_the_calibration_page_are_printable(name):
    # Printers leave a few millimetres at the paper's edge blank.
    tpl = TEMPLATES[name]
    for x, y in labels.reference_points(tpl):
        assert 8 <= x <= tpl.page[0] - 8 and 8 <= y <= tpl.page[1] - 8
