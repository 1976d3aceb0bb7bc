"""Label sheets as PDF: the templates as data, a QR label per tag, and a calibration page.

Pure rendering: label items in, PDF bytes out; nothing here reads the database. Positions are
millimetres from the top-left corner of the page, as a ruler laid on the paper reads them;
an offset (dx, dy) moves everything printed right and down by that many millimetres.
"""

import functools
import io
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import qrcode
from flask_babel import force_locale, gettext
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
QUIET_MODULES = 4  # the white margin the QR specification asks for around the symbol
LEADING = 1.2  # line height as a multiple of the font size
ELLIPSIS = "…"
PAPER_MARK_INSET = 10.0  # mm: where a one-label page's calibration marks sit

Offset = tuple[float, float]


class Box(NamedTuple):
    """A rectangle in millimetres, from the top-left corner of the page."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


@dataclass(frozen=True)
class Template:
    """A sheet of labels: the page, the grid of label boxes on it, how one label is laid out."""

    name: str
    page: tuple[float, float]
    """Width and height of the paper (mm)."""
    label: tuple[float, float]
    """Width and height of one label (mm)."""
    columns: int
    rows: int
    origin: tuple[float, float]
    """The first label's top-left corner (mm)."""
    pitch: tuple[float, float]
    """From one label's corner to the next one's, across and down: the label plus any gap (mm)."""
    layout: str
    """"side": the QR left of the text; "stacked": the QR above it, text centred."""
    padding: float
    """Kept clear inside every label edge, because die-cut stock and printers drift (mm)."""
    qr: float
    """Side of the QR square, its quiet zone included (mm)."""
    text_scale: float
    """Font sizes relative to those of the 70 × 37 mm label."""

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def box(self, slot: int, offset: Offset = (0.0, 0.0)) -> Box:
        """Where label number `slot` (row by row) of a page is printed."""
        row, column = divmod(slot, self.columns)
        return Box(
            self.origin[0] + column * self.pitch[0] + offset[0],
            self.origin[1] + row * self.pitch[1] + offset[1],
            *self.label,
        )

    def qr_box(self, slot: int, offset: Offset = (0.0, 0.0)) -> Box:
        """The QR square of a label, quiet zone included."""
        x, y, width, height = self.box(slot, offset)
        if self.layout == "stacked":
            return Box(x + (width - self.qr) / 2, y + self.padding, self.qr, self.qr)
        return Box(x + self.padding, y + (height - self.qr) / 2, self.qr, self.qr)

    def text_box(self, slot: int, offset: Offset = (0.0, 0.0)) -> Box:
        """The part of a label left for the place, the code and the instruction."""
        x, y, width, height = self.box(slot, offset)
        pad = self.padding
        if self.layout == "stacked":
            return Box(x + pad, y + pad + self.qr, width - 2 * pad, height - 2 * pad - self.qr)
        return Box(x + pad + self.qr, y + pad, width - 2 * pad - self.qr, height - 2 * pad)


TEMPLATES = {
    t.name: t
    for t in (
        # Avery/Herma-style A4 stock without gaps: 3 × 70 = 210, 8 × 37 = 296 (+0.5 top).
        Template("a4-3x8", (210, 297), (70, 37), 3, 8, (0, 0.5), (70, 37), "side", 2, 33, 1.0),
        # 2 × 105 = 210, 4 × 74 = 296 (+0.5 top).
        Template("a4-2x4", (210, 297), (105, 74), 2, 4, (0, 0.5), (105, 74), "side", 4, 50, 1.6),
        # One poster per A5 page.
        Template(
            "a5-poster", (148, 210), (148, 210), 1, 1, (0, 0), (148, 210), "stacked", 12, 110, 2.8
        ),
    )
}


class TextStyle(NamedTuple):
    """A kind of text on a label: font, size (pt, at text_scale 1), smallest size, most lines."""

    font: str
    size: float
    min_size: float
    max_lines: int


SITE = TextStyle(REGULAR, 6.5, 5.0, 1)
AREA = TextStyle(REGULAR, 6.5, 5.0, 1)
NAME = TextStyle(BOLD, 10.0, 6.0, 2)
CODE = TextStyle(BOLD, 15.0, 8.0, 1)
INSTRUCTION = TextStyle(REGULAR, 6.0, 4.5, 2)
TEXT_STYLES = (SITE, AREA, NAME, CODE, INSTRUCTION)


@dataclass(frozen=True)
class LabelItem:
    """One label to print: a tag's code, the URL its QR holds, and where the tag hangs."""

    code: str
    url: str
    site: str
    area: str
    """Where in the site: "Floor 2", or "Floor 2 · 204 Kitchen" for an asset; may be empty."""
    name: str
    """The room, zone or asset itself."""


def get_template(name: str) -> Template:
    """The template called `name`; raises ValueError for an unknown one."""
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValueError(f"unknown label template {name!r}") from None


def page_count(count: int, template: str) -> int:
    """How many pages `count` labels take on `template`."""
    return math.ceil(count / get_template(template).per_page)


def display_code(code: str) -> str:
    """A code as printed for people to read and type: K7M2-QX9D (typing ignores the dash)."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def instruction(language: str) -> str:
    """The one line of instruction on every label, in `language`."""
    with force_locale(language):
        return gettext("Scan to report a problem")


# ---------------------------------------------------------------- sheets
def render_sheet(
    items: Sequence[LabelItem],
    template: str,
    offset: Offset = (0.0, 0.0),
    language: str = "en",
) -> bytes:
    """A PDF of labels for `items`, in order, page after page; raises ValueError when there
    is nothing to print or the template is unknown."""
    tpl = get_template(template)
    if not items:
        raise ValueError("no labels to print")
    line = instruction(language)
    canvas, out = _canvas(tpl, f"Wave labels ({tpl.name})")
    for index, item in enumerate(items):
        slot = index % tpl.per_page
        if index and not slot:
            canvas.showPage()
        _draw_qr(canvas, tpl, tpl.qr_box(slot, offset), item.url)
        _draw_label_text(canvas, tpl, tpl.text_box(slot, offset), item, line)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def qr_modules(url: str) -> list[list[bool]]:
    """The QR symbol for `url`, error correction M, without its quiet zone: True is dark."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.modules


def _draw_qr(canvas: Canvas, tpl: Template, box: Box, url: str) -> None:
    modules = qr_modules(url)
    module = box.width / (len(modules) + 2 * QUIET_MODULES) * mm
    # Drawn in module units, rows counting down: each run of dark modules in a row is one
    # rectangle of whole numbers, quick to write and exact at any printer's resolution.
    runs = []
    for row_number, row in enumerate(modules):
        column = 0
        for dark, group in itertools.groupby(row):
            length = sum(1 for _ in group)
            if dark:
                runs.append(f"{column} {row_number} {length} 1 re")
            column += length
    canvas.saveState()
    canvas.transform(
        module,
        0,
        0,
        -module,
        box.x * mm + QUIET_MODULES * module,
        (tpl.page[1] - box.y) * mm - QUIET_MODULES * module,
    )
    canvas.addLiteral("\n".join(runs) + "\nf")
    canvas.restoreState()


def _draw_label_text(canvas: Canvas, tpl: Template, box: Box, item: LabelItem, line: str):
    width = box.width * mm
    x = box.x * mm + (width / 2 if tpl.layout == "stacked" else 0)
    draw = functools.partial(_draw_lines, canvas, x, centred=tpl.layout == "stacked")
    fit = functools.partial(_fit_style, width=width, scale=tpl.text_scale)

    # The place reads from the top, the code and the instruction sit at the bottom.
    y = (tpl.page[1] - box.y) * mm
    for text, style in ((item.site, SITE), (item.area, AREA), (item.name, NAME)):
        if text:
            y = draw(y, fit(text, style))
    bottom = (tpl.page[1] - box.bottom) * mm
    how = fit(line, INSTRUCTION)
    code = fit(display_code(item.code), CODE)
    y = draw(bottom + how.height + code.height, code)
    draw(y, how)


class Fitted(NamedTuple):
    """Text broken into lines at the size where it fits."""

    font: str
    size: float
    lines: tuple[str, ...]

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


def _fit_style(text: str, style: TextStyle, *, width: float, scale: float) -> Fitted:
    return fit_text(
        text, style.font, style.size * scale, style.min_size * scale, style.max_lines, width
    )


@functools.lru_cache(maxsize=4096)
def fit_text(
    text: str, font: str, size: float, min_size: float, max_lines: int, width: float
) -> Fitted:
    """`text` at the largest size from `size` down to `min_size` (pt) that wraps into at most
    `max_lines` lines of `width` points; at the smallest size the rest ends in an ellipsis."""
    _register_fonts()
    text = " ".join(text.split())
    current = size
    while True:
        lines = _wrap(text, font, current, width)
        if len(lines) <= max_lines:
            return Fitted(font, current, tuple(lines))
        if current <= min_size:
            break
        current = max(min_size, current - 0.5)
    rest = " ".join(lines[max_lines - 1 :])
    return Fitted(font, current, (*lines[: max_lines - 1], _ellipsize(rest, font, current, width)))


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    def fits(s):
        return pdfmetrics.stringWidth(s, font, size) <= width

    lines: list[str] = []
    for word in text.split(" "):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and fits(joined):
            lines[-1] = joined
            continue
        # A word wider than the line is broken wherever it must be.
        while not fits(word) and len(word) > 1:
            cut = 1
            while cut < len(word) - 1 and fits(word[: cut + 1]):
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines


def _ellipsize(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + ELLIPSIS, font, size) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _draw_lines(canvas: Canvas, x: float, top: float, text: Fitted, *, centred: bool) -> float:
    """Draws the lines downwards from `top` (pt); returns where the next text may start."""
    canvas.setFont(text.font, text.size)
    ascent = pdfmetrics.getFont(text.font).face.ascent / 1000
    for line in text.lines:
        baseline = top - text.size * ascent - (LEADING - 1) * text.size / 2
        if centred:
            canvas.drawCentredString(x, baseline, line)
        else:
            canvas.drawString(x, baseline, line)
        top -= text.size * LEADING
    return top


# ---------------------------------------------------------------- calibration
def render_calibration(template: str, offset: Offset = (0.0, 0.0), language: str = "en") -> bytes:
    """A one-page PDF to print on plain paper and hold against the label stock: the outline of
    every label box (shifted by `offset`), millimetre scales at two corners to read the shift
    from, a 100 mm ruler and how to use them; raises ValueError for an unknown template."""
    tpl = get_template(template)
    canvas, out = _canvas(tpl, f"Wave label calibration ({tpl.name})")
    canvas.setLineWidth(0.25)
    for slot in range(tpl.per_page):
        box = tpl.box(slot, offset)
        x, y = box.x * mm, (tpl.page[1] - box.bottom) * mm
        canvas.rect(x, y, box.width * mm, box.height * mm, stroke=1, fill=0)
        _cross(canvas, x + box.width * mm / 2, y + box.height * mm / 2, 2 * mm)
    for x, y in reference_points(tpl, offset):
        _corner_scale(canvas, tpl, x, y)
    with force_locale(language):
        _calibration_panel(canvas, tpl, offset)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def reference_points(tpl: Template, offset: Offset = (0.0, 0.0)) -> list[tuple[float, float]]:
    """Two points, far apart, where the calibration page measures the shift (mm): corners where
    four labels meet (the die cuts show through plain paper there, and printers reach them),
    or on a one-label page points 10 mm inside two opposite corners of the paper."""
    if tpl.columns > 1 and tpl.rows > 1:
        corners = (tpl.box(tpl.columns + 1, offset), tpl.box(tpl.per_page - 1, offset))
        return [(box.x, box.y) for box in corners]
    inset = PAPER_MARK_INSET
    first = tpl.box(0, offset)
    return [
        (first.x + inset, first.y + inset),
        (first.right - inset, first.bottom - inset),
    ]


def _cross(canvas: Canvas, x: float, y: float, arm: float) -> None:
    canvas.line(x - arm, y, x + arm, y)
    canvas.line(x, y - arm, x, y + arm)


def _corner_scale(canvas: Canvas, tpl: Template, x_mm: float, y_mm: float) -> None:
    # A cross with a tick every millimetre, numbered as the shift to enter: the real label's
    # corner lying 2 ticks right of the printed one means dx +2.
    x, y = x_mm * mm, (tpl.page[1] - y_mm) * mm
    canvas.setFont(REGULAR, 4)
    for step in range(-5, 6):
        tick = (1.6 if step % 5 == 0 else 0.8) * mm
        canvas.line(x + step * mm, y - tick, x + step * mm, y + tick)
        canvas.line(x - tick, y - step * mm, x + tick, y - step * mm)
        if step and step % 5 == 0:
            label = f"{step:+d}"
            canvas.drawCentredString(x + step * mm, y + 2.2 * mm, label)
            canvas.drawString(x + 2.2 * mm, y - step * mm - 1.4, label)
    canvas.line(x - 5 * mm, y, x + 5 * mm, y)
    canvas.line(x, y - 5 * mm, x, y + 5 * mm)


def _calibration_panel(canvas: Canvas, tpl: Template, offset: Offset) -> None:
    width = min(tpl.page[0] - 30, 130) * mm
    title = fit_text(
        gettext("Calibration page: %(template)s labels", template=tpl.name),
        BOLD, 11, 8, 2, width - 12 * mm,
    )  # fmt: skip
    paragraphs = [
        fit_text(text, REGULAR, 8, 6, 6, width - 12 * mm)
        for text in (
            *_how_to_measure(tpl),
            gettext(
                "Shift in use: dx %(dx)s mm, dy %(dy)s mm. Enter it plus what you read as the new "
                "shift on the labels page, then print this page again to check.",
                dx=f"{offset[0]:+.1f}",
                dy=f"{offset[1]:+.1f}",
            ),
            gettext("The ruler below is 100 mm long: if it is not, the printer scaled the page."),
        )
    ]
    gap = 2.5 * mm
    height = 6 * mm + title.height + sum(p.height + gap for p in paragraphs) + 10 * mm
    left = (tpl.page[0] * mm - width) / 2
    top = (tpl.page[1] * mm + height) / 2
    canvas.setFillGray(1)
    canvas.rect(left, top - height, width, height, stroke=1, fill=1)
    canvas.setFillGray(0)
    y = _draw_lines(canvas, left + 6 * mm, top - 4 * mm, title, centred=False) - gap
    for paragraph in paragraphs:
        y = _draw_lines(canvas, left + 6 * mm, y, paragraph, centred=False) - gap
    _ruler(canvas, left + (width - 100 * mm) / 2, y - 5 * mm)


def _how_to_measure(tpl: Template) -> tuple[str, str]:
    if tpl.columns > 1 and tpl.rows > 1:
        return gettext(
            "Print this page on plain paper at actual size (no “fit to page”), lay it on an "
            "empty sheet of labels and hold both against the light."
        ), gettext(
            "Each thin box is where Wave prints a label. At the two marked corners, read on the "
            "scale where the corner of the real labels lies: that is the shift to add, in "
            "millimetres (right and down are plus, left and up are minus)."
        )
    return gettext(
        "Print this page at actual size (no “fit to page”) on the paper the posters go on."
    ), gettext(
        "The two marked points should lie %(inset)s mm from the paper's nearest edges. The shift "
        "to add is %(inset)s minus what you measure from the left edge (dx) and from the top "
        "edge (dy), in millimetres.",
        inset=f"{PAPER_MARK_INSET:g}",
    )


def _ruler(canvas: Canvas, x: float, y: float) -> None:
    canvas.line(x, y, x + 100 * mm, y)
    canvas.setFont(REGULAR, 5)
    for step in range(101):
        tick = 3 * mm if step % 10 == 0 else 1.5 * mm if step % 5 == 0 else 0.8 * mm
        canvas.line(x + step * mm, y, x + step * mm, y + tick)
        if step % 10 == 0:
            canvas.drawCentredString(x + step * mm, y - 2.2 * mm, str(step))


# ---------------------------------------------------------------- PDF and fonts
def _canvas(tpl: Template, title: str) -> tuple[Canvas, io.BytesIO]:
    _register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(tpl.page[0] * mm, tpl.page[1] * mm), pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Wave")
    return canvas, out


@functools.cache
def _register_fonts() -> None:
    # DejaVu Sans ships with Wave: it has Cyrillic, which the PDF standard fonts lack, and the
    # app never depends on system fonts or a network. Registered once per process.
    for name, file in ((REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def font_path(bold: bool = False) -> Path:
    """The vendored TTF file, for other renderers (the PNG download)."""
    return FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
