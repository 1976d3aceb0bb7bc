"""Reading import files: encodings, separators, header names, row numbers, limits."""

import io
from datetime import date

import openpyxl
import pytest

from wave.qr import import_files
from wave.qr.import_files import (
    ImportFileError,
    decode_text,
    read_table,
    sniff_delimiter,
    template_csv,
    template_xlsx,
)

LIMITS = {"max_rows": 1000, "max_bytes": 10**6}


def read(data: bytes, filename: str = "f.csv", **limits):
    return read_table(data, filename, **{**LIMITS, **limits})


def xlsx(*sheets) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for number, rows in enumerate(sheets):
        sheet = book.create_sheet(f"S{number}")
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        "тип;код\n".encode("utf-8-sig"),
        "тип;код\n".encode(),
        "тип;код\n".encode("cp1251"),
        "тип;код\n".encode("utf-16"),  # Excel's "Unicode text" (with its BOM)
    ],
    ids=["utf-8 with BOM", "utf-8", "cp1251", "utf-16"],
)
def test_text_is_decoded_whatever_excel_saved(data):
    assert decode_text(data) == "тип;код\n"


def test_undecodable_bytes_are_refused():
    with pytest.raises(ImportFileError, match="not text"):
        decode_text(b"type\x98")  # 0x98 is not valid UTF-8 and has no cp1251 character
    with pytest.raises(ImportFileError, match="not text"):
        decode_text(b"type,\x00name")


@pytest.mark.parametrize(
    "line, expected",
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b,c;d", ";"), ("alone", ",")],
)
def test_the_separator_is_the_header_lines_commonest(line, expected):
    assert sniff_delimiter(line) == expected


def test_russian_and_spelled_out_header_names_map_to_the_columns():
    table = read("Тип;Внешний ID;Родитель;Наименование;Вид;Категории;Метка\n".encode("cp1251"))
    assert table.columns == list(import_files.COLUMNS)
    table = read(b"TYPE,External-ID,parent external id,Name *\n")
    assert table.columns == ["type", "external_id", "parent_external_id", "name"]


def test_wrong_headers_name_what_is_expected_and_what_was_found():
    with pytest.raises(ImportFileError) as caught:
        read(b"type,id,title,notes\n")
    message = str(caught.value)
    assert "unknown: title, notes" in message and "missing: name" in message
    assert "Found: type, id, title, notes." in message


def test_row_numbers_are_the_spreadsheets_and_empty_rows_are_skipped():
    data = b'\n type , external_id,name\n\nroom,R1,"One, two"\n;;\n,,\nroom,R2,"multi\nline"\n'
    table = read(data + b"room,R3,x\n")
    assert [number for number, _ in table.rows] == [4, 5, 7, 8]
    assert table.rows[0][1] == {"type": "room", "external_id": "R1", "name": "One, two"}
    assert table.rows[1][1] == {"type": ";;", "external_id": "", "name": ""}
    assert table.rows[2][1]["name"] == "multi\nline"


def test_short_rows_are_padded_and_long_rows_cut():
    table = read(b"type,external_id,name\nroom\nroom,R1,Name,extra,cells\n")
    assert [values for _, values in table.rows] == [
        {"type": "room", "external_id": "", "name": ""},
        {"type": "room", "external_id": "R1", "name": "Name"},
    ]


def test_the_row_limit_refuses_a_file_reaching_it():
    header = b"type,external_id,name\n"
    assert len(read(header + b"room,R,N\n" * 4, max_rows=5).rows) == 4
    with pytest.raises(ImportFileError, match="5 data rows or more; an import takes at most 4"):
        read(header + b"room,R,N\n" * 5, max_rows=5)


def test_the_size_limit_refuses_a_larger_file():
    with pytest.raises(ImportFileError, match="larger than"):
        read(b"type,external_id,name\n" + b"x" * 100, max_bytes=50)


@pytest.mark.parametrize("name", ["f.xls", "f.ods", "f", "f.csv.exe"])
def test_other_file_names_are_refused(name):
    with pytest.raises(ImportFileError, match=r"\.csv or \.xlsx"):
        read(b"type,external_id,name\n", name)


def test_xlsx_reads_the_first_sheet_with_numbers_dates_and_booleans_as_text():
    data = xlsx(
        [
            ["type", "external_id", "name", "tag", None],
            ["room", 101, "Room 101", True],
            [None, None, None],
            ["room", 102.5, date(2026, 1, 2), False],
        ],
        [["type", "external_id", "name"], ["floor", "ignored", "second sheet"]],
    )
    table = read(data, "places.xlsx")
    assert table.columns == ["type", "external_id", "name", "tag"]
    assert table.rows == [
        (2, {"type": "room", "external_id": "101", "name": "Room 101", "tag": "yes"}),
        (4, {"type": "room", "external_id": "102.5", "name": "2026-01-02", "tag": "no"}),
    ]


def test_xlsx_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(import_files, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(ImportFileError, match="too large when unpacked"):
        read(xlsx([["type", "external_id", "name"]]), "f.xlsx")


def test_the_templates_read_back_with_their_examples():
    for data, name in ((template_xlsx(["Cleaning", "IT"]), "t.xlsx"), (template_csv([]), "t.csv")):
        table = read(data, name)
        assert table.columns == list(import_files.COLUMNS)
        assert [values["external_id"] for _, values in table.rows] == ["F1", "R101", "PR-101"]
    rows = read(template_xlsx(["Cleaning", "IT"]), "t.xlsx").rows
    assert rows[1][1]["categories"] == "Cleaning; IT"
