"""Each report as tables for a spreadsheet: CSV (one table a file) and XLSX (a sheet per
table, real number and date cells, and a sheet saying what the report looked at).

Units are in the column names: times in minutes, labor in hours, compliance and rates in
per cent (XLSX: percentage cells holding the fraction)."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font

from wave.reports import figures
from wave.reports.filters import Filters

PAGES = {
    "summary": ("summary", "trend"),
    "staff": ("staff",),
    "hotspots": ("locations", "assets", "repeats"),
}
"""Each report page and its tables, in order."""
TABLES = {table: page for page, tables in PAGES.items() for table in tables}

FORMATS = {
    "int": "0",
    "percent": "0.0%",
    "minutes": "0.0",
    "hours": "0.00",
    "rating": "0.00",
    "date": "yyyy-mm-dd",
}


class Value(NamedTuple):
    """A cell whose kind differs from its column's (the summary's one value column)."""

    value: Any
    kind: str


@dataclass
class Table:
    name: str
    title: str
    """The sheet's name."""
    columns: list[tuple[str, str]]
    """(header, kind); kinds: text, int, percent (a fraction), minutes (given in seconds),
    hours (given in minutes), rating, date."""
    rows: list[list] = field(default_factory=list)


def tables(page: str, f: Filters) -> list[Table]:
    """The page's tables, computed."""
    if page == "summary":
        return [summary_table(figures.summary(f)), trend_table(figures.trend(f))]
    if page == "staff":
        return [staff_table(figures.scorecard(f))]
    return hotspot_tables(figures.hotspots(f), f)


def table(name: str, f: Filters) -> Table:
    """One table, computing only what it needs."""
    if name == "summary":
        return summary_table(figures.summary(f))
    if name == "trend":
        return trend_table(figures.trend(f))
    return next(t for t in tables(TABLES[name], f) if t.name == name)


# --------------------------------------------------------------------------- the tables
def summary_table(s: figures.Summary) -> Table:
    rows = [
        (_("Created"), s.created, "int"),
        (_("Completed"), s.completed, "int"),
        (_("Overdue now"), s.overdue, "int"),
        (percent(_("Response on time")), s.response_compliance, "percent"),
        (_("Requests with a response deadline that counted"), s.response_due, "int"),
        (percent(_("Resolution on time")), s.resolution_compliance, "percent"),
        (_("Completed requests with a resolution deadline"), s.resolution_due, "int"),
        (_("Reaction time, median, min"), s.reaction_median, "minutes"),
        (_("Reaction time, 90th percentile, min"), s.reaction_p90, "minutes"),
        (_("Resolution time, median, min"), s.resolution_median, "minutes"),
        (_("Resolution time, 90th percentile, min"), s.resolution_p90, "minutes"),
        (_("Labor, hours"), s.labor, "hours"),
        (_("Average rating"), s.rating, "rating"),
        (_("Rated requests"), s.rated, "int"),
        (percent(_("Reopen rate")), s.reopen_rate, "percent"),
        (_("Initiative (entered and done by the same person)"), s.initiative, "int"),
        *[(label, count, "int") for label, count in zip(backlog_labels(), s.backlog, strict=True)],
    ]
    return Table(
        "summary",
        _("Summary"),
        [(_("Figure"), "text"), (_("Value"), "text")],
        [[label, Value(value, kind)] for label, value, kind in rows],
    )


def percent(figure: str) -> str:
    """A column name for a figure in per cent: "Response on time, %"."""
    # TRANSLATORS: a spreadsheet column for a figure in per cent, e.g. "Response on time, %".
    return _("%(figure)s, %%", figure=figure)


def backlog_labels() -> list[str]:
    return [
        _("Open, under 1 day old"),
        _("Open, 1–3 days old"),
        _("Open, 3–7 days old"),
        _("Open, 7–30 days old"),
        _("Open, 30 days old or more"),
    ]


def trend_table(t: figures.Trend) -> Table:
    first = _("Week from") if t.weekly else _("Day")
    return Table(
        "trend",
        _("Trend"),
        [(first, "date"), (_("Created"), "int"), (_("Completed"), "int")],
        [list(bucket) for bucket in t.buckets],
    )


def staff_table(rows: list[figures.ScoreRow]) -> Table:
    return Table(
        "staff",
        pgettext("report", "Staff"),
        [
            (_("Employee"), "text"),
            (pgettext("report", "Done"), "int"),
            (_("Overdue now"), "int"),
            (percent(_("Response on time")), "percent"),
            (percent(_("Resolution on time")), "percent"),
            (_("Resolution time, median, min"), "minutes"),
            (_("Labor, hours"), "hours"),
            (_("Average rating"), "rating"),
            (_("Initiative"), "int"),
        ],
        [
            [
                r.name,
                r.done,
                r.overdue,
                r.response_compliance,
                r.resolution_compliance,
                r.resolution_median,
                r.labor,
                r.rating,
                r.initiative,
            ]
            for r in rows
        ],
    )


def hotspot_tables(h: figures.Hotspots, f: Filters) -> list[Table]:
    counts = [(_("Site"), "text"), (_("Requests"), "int"), (_("Still open"), "int")]
    tz = ZoneInfo(f.timezone)
    return [
        Table(
            "locations",
            _("Locations"),
            [(_("Location"), "text"), (_("In"), "text"), *counts],
            [[s.name, s.where, s.site, s.requests, s.open] for s in h.locations],
        ),
        Table(
            "assets",
            _("Assets"),
            [(_("Asset"), "text"), (_("Location"), "text"), *counts],
            [[s.name, s.where, s.site, s.requests, s.open] for s in h.assets],
        ),
        Table(
            "repeats",
            _("Repeat failures"),
            [
                (_("Place"), "text"),
                (_("In"), "text"),
                (_("Site"), "text"),
                (_("Category"), "text"),
                (_("Requests"), "int"),
                (_("Repeats within 30 days"), "int"),
                (_("Last"), "date"),
            ],
            [
                [
                    r.place,
                    r.where,
                    r.site,
                    r.category,
                    r.requests,
                    r.repeats,
                    r.last_at.astimezone(tz).date(),
                ]
                for r in h.repeats
            ],
        ),
    ]


# --------------------------------------------------------------------------- files
def _cells(t: Table):
    for row in t.rows:
        yield [
            cell if isinstance(cell, Value) else Value(cell, kind)
            for cell, (_header, kind) in zip(row, t.columns, strict=True)
        ]


def to_csv(t: Table) -> bytes:
    """UTF-8 with a byte-order mark, which spreadsheet programs need to read it as such."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _kind in t.columns])
    for cells in _cells(t):
        writer.writerow([_text(c) for c in cells])
    return out.getvalue().encode("utf-8-sig")


def _text(cell: Value) -> str:
    value, kind = cell
    if value is None:
        return ""
    if kind == "percent":
        return f"{value * 100:.1f}"
    if kind == "minutes":
        return f"{value / 60:.1f}"
    if kind == "hours":
        return f"{value / 60:.2f}"
    if kind == "rating":
        return f"{value:.2f}"
    if kind == "date":
        return value.isoformat()
    return str(value)


def to_xlsx(sheets: list[Table], about: list[tuple[str, str]]) -> bytes:
    """A workbook with a sheet per table and one more ("Filters") saying what was asked."""
    book = Workbook()
    book.remove(book.active)
    for t in sheets:
        sheet = book.create_sheet(_sheet_title(t.title))
        sheet.append([header for header, _kind in t.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(header) for header, _kind in t.columns]
        for number, cells in enumerate(_cells(t), start=2):
            for column, (value, kind) in enumerate(cells, start=1):
                target = sheet.cell(number, column, _number(value, kind))
                if kind in FORMATS and value is not None:
                    target.number_format = FORMATS[kind]
                widths[column - 1] = max(widths[column - 1], len(_text(Value(value, kind))))
        sheet.freeze_panes = "A2"
        for column, width in enumerate(widths, start=1):
            letter = sheet.cell(1, column).column_letter
            sheet.column_dimensions[letter].width = min(max(width, 8) + 2, 60)
    info = book.create_sheet(_sheet_title(_("Filters")))
    for row in about:
        info.append(list(row))
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 50
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(value, kind):
    if value is None:
        return None
    if kind in ("minutes", "hours"):
        return value / 60
    if kind == "date" and not isinstance(value, date):
        return date.fromisoformat(value)
    return value


def _sheet_title(title: str) -> str:
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:31]


def filename(name: str, f: Filters, extension: str) -> str:
    return f"wave-{name}-{f.date_from.isoformat()}-{f.date_to.isoformat()}.{extension}"
