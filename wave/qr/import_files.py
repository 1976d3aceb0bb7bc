"""Reading an import file (CSV or XLSX) into rows of text, and writing the blank template.

Nothing here touches the database: read_table() turns bytes into a Table or raises
ImportFileError with a message for the admin who sent the file.
"""

import csv
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

COLUMNS = ("type", "external_id", "parent_external_id", "name", "kind", "categories", "tag")
REQUIRED = ("type", "external_id", "name")

# Header names as people write them: English and Russian, compared after _header_key().
_ALIASES = {
    "type": ("type", "тип"),
    "external_id": ("external_id", "id", "ext_id", "внешний_id", "код", "ид", "идентификатор"),
    "parent_external_id": (
        "parent_external_id",
        "parent",
        "parent_id",
        "родитель",
        "код_родителя",
        "внешний_id_родителя",
    ),
    "name": ("name", "название", "наименование", "имя"),
    "kind": ("kind", "вид", "тип_оборудования"),
    "categories": ("categories", "category", "категории", "категория"),
    "tag": ("tag", "qr", "qr_tag", "метка", "qr_метка"),
}
_HEADERS = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) container
# An .xlsx is a zip: its parts may unpack to at most this much, so a small "zip bomb"
# cannot fill the server's memory while it is read.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be read as an import; str() is a message for the admin."""


@dataclass
class Table:
    """A file's rows as text, keyed by canonical column name."""

    columns: list[str]
    """The canonical columns the file has, in its order."""
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    """(row number as a spreadsheet shows it, header = its own number; {column: text})."""


def read_table(data: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Table:
    """Parse an uploaded file. Refuses (ImportFileError) a file of more than max_bytes, a
    name or content that is neither CSV nor XLSX, wrong columns, or max_rows data rows or
    more (reading stops there: a huge file costs no more than the limit)."""
    if len(data) > max_bytes:
        raise ImportFileError(
            _l("The file is larger than %(mb)s MB.", mb=round(max_bytes / 1024 / 1024, 1))
        )
    name = (filename or "").lower()
    if not name.endswith(EXTENSIONS):
        raise ImportFileError(_l("Choose a .csv or .xlsx file."))
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _l("This is an old Excel file (.xls). Save it as .xlsx or CSV and upload it again.")
        )
    if name.endswith(".xlsx"):
        if not data.startswith(_ZIP_MAGIC):
            raise ImportFileError(_l("This file is not an Excel workbook (.xlsx)."))
        return _read_xlsx(data, max_rows)
    if data.startswith(_ZIP_MAGIC):
        raise ImportFileError(
            _l("This file is an Excel workbook, not CSV text. Name it .xlsx or save it as CSV.")
        )
    return _read_csv(decode_text(data), max_rows)


def decode_text(data: bytes) -> str:
    """UTF-16 when it says so (Excel's "Unicode text"), UTF-8 (with or without a BOM) when it
    is valid UTF-8, else Windows-1251 (what Russian Excel writes for "CSV")."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        # Cyrillic in cp1251 is almost never valid UTF-8, so this order decides it.
        for encoding in ("utf-8-sig", "cp1251"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text
    raise ImportFileError(
        _l("This file is not text that can be read. Save it as CSV (UTF-8) or .xlsx.")
    )


def sniff_delimiter(header_line: str) -> str:
    """Semicolon (Excel with a comma for decimals, as in Russia), tab, or comma: whichever the
    header line has most of."""
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _read_csv(text: str, max_rows: int) -> Table:
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        return _table(enumerate(reader, start=1), max_rows)
    except csv.Error as exc:
        raise ImportFileError(
            _l("The CSV file is damaged near line %(line)s.", line=reader.line_num)
        ) from exc


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl  # imported here: only imports need it, and it takes a while to load

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportFileError(_l("This file is not an Excel workbook (.xlsx)."))
        if unpacked > MAX_UNPACKED_BYTES:
            raise ImportFileError(_l("The workbook is too large when unpacked."))
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; the values are what count.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl raise many kinds for a broken file
        raise ImportFileError(_l("The workbook cannot be read: it may be damaged.")) from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read what is there
        rows = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        return _table(enumerate(rows, start=1), max_rows)
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id typed as 101 is stored as a number: keep it "101"
    if isinstance(value, datetime) and value.time() == time():
        value = value.date()  # Excel keeps every date as a date and time
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _table(numbered_rows, max_rows: int) -> Table:
    table = None
    for number, cells in numbered_rows:
        if not any(c.strip() for c in cells):
            continue  # empty lines are skipped, numbers still count them (as Excel does)
        if table is None:
            table = Table(columns=_columns(cells))
            width = len(table.columns)
            continue
        if len(table.rows) + 1 >= max_rows:
            raise ImportFileError(
                _l(
                    "The file has %(limit)s data rows or more; an import takes at most "
                    "%(most)s. Split it into smaller files.",
                    limit=f"{max_rows:,}",
                    most=f"{max_rows - 1:,}",
                )
            )
        cells = [c.strip() for c in (list(cells) + [""] * width)[:width]]
        table.rows.append((number, dict(zip(table.columns, cells, strict=True))))
    if table is None:
        raise ImportFileError(_l("The file is empty."))
    return table


def _header_key(text: str) -> str:
    # "External ID", "external-id *" and "external_id" are the same column.
    text = text.strip().lstrip("\ufeff").strip("*").lower().replace("-", " ")
    return "_".join(text.split())


def _columns(header: list[str]) -> list[str]:
    found = [h.strip() for h in header]
    while found and not found[-1]:
        found.pop()  # trailing empty header cells (a spreadsheet's stray formatting)
    columns = [_HEADERS.get(_header_key(h)) for h in found]
    empty = str(_l("(empty)"))
    unknown = [h or empty for h, c in zip(found, columns, strict=True) if c is None]
    missing = [c for c in REQUIRED if c not in columns]
    doubled = sorted({c for c in columns if c and columns.count(c) > 1})
    if unknown or missing or doubled:
        # Each part is translated on its own: pybabel does not see calls nested in a call.
        parts = []
        if unknown:
            parts.append(str(_l("unknown: %(n)s", n=", ".join(unknown))))
        if missing:
            parts.append(str(_l("missing: %(n)s", n=", ".join(missing))))
        if doubled:
            parts.append(str(_l("twice: %(n)s", n=", ".join(doubled))))
        raise ImportFileError(
            _l(
                "The columns are not right (%(problem)s). Expected a header row with: "
                "%(expected)s (required: %(required)s). Found: %(found)s.",
                problem="; ".join(parts),
                expected=", ".join(COLUMNS),
                required=", ".join(REQUIRED),
                found=", ".join(h or empty for h in found) or "—",
            )
        )
    return columns


# ---------------------------------------------------------------- the template
COLUMN_HELP = (
    ("type", True, _l("floor, room, zone or asset (Russian: этаж, комната, зона, оборудование).")),
    (
        "external_id",
        True,
        _l(
            "Your own id for the place, unique in the file (up to 64 characters). Importing "
            "the same id again updates that place instead of adding another."
        ),
    ),
    (
        "parent_external_id",
        False,
        _l(
            "The external id of the location it is in: for a floor, room or zone the floor, "
            "zone or room around it (empty: top level); for an asset the location it stands "
            "in (required). It may be a row of the file, in any order, or a place already in "
            "the site. A different parent moves the place."
        ),
    ),
    ("name", True, _l("What people call it (up to 120 characters).")),
    ("kind", False, _l("For assets: the sort of equipment, e.g. printer (up to 40 characters).")),
    (
        "categories",
        False,
        _l(
            "Category groups its form offers, separated by ; or , (e.g. Cleaning; IT). Empty: "
            "none of its own (the form offers its parent's). Without the column: unchanged."
        ),
    ),
    (
        "tag",
        False,
        _l("yes (default) or no: give it a QR tag if it has none. Existing tags are kept."),
    ),
)


def template_rows(groups: list[str]) -> list[list[str]]:
    """The header and three example rows; `groups` are category group names to show."""
    offered = "; ".join(groups[:2])
    return [
        list(COLUMNS),
        ["floor", "F1", "", "Floor 1", "", "", "no"],
        ["room", "R101", "F1", "101 Meeting room", "", offered, "yes"],
        ["asset", "PR-101", "R101", "Printer 101", "printer", groups[0] if groups else "", "yes"],
    ]


def template_csv(groups: list[str]) -> bytes:
    """The template as UTF-8 CSV with a BOM, so Excel shows non-Latin text correctly."""
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(template_rows(groups))
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(groups: list[str]) -> bytes:
    """The template as a workbook: the rows on the first sheet (the one that is read), the
    columns explained on a second."""
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = str(_l("Places"))
    for row in template_rows(groups):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (10, 16, 20, 28, 14, 24, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(str(_l("Columns")))
    help_sheet.append([str(_l("Column")), str(_l("Required")), str(_l("Meaning"))])
    for column, required, text in COLUMN_HELP:
        help_sheet.append([column, str(_l("yes")) if required else "", str(text)])
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["C"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
