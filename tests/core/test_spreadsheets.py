"""CSV and XLSX helpers: formula-injection guard, format detection, reading."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from consult_app.core.errors import UserError
from consult_app.core.spreadsheets import (
    csv_line,
    detect_table_format,
    iter_csv,
    read_table,
    safe_cell,
    xlsx_bytes,
)


@pytest.mark.parametrize(
    "value", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"]
)
def test_formula_like_text_gets_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "", " =not first", "a=b", 5, -3, 2.5, None])
def test_other_values_are_unchanged(value):
    assert safe_cell(value) == value


def test_csv_line_guards_text_but_not_numbers():
    line = csv_line(["=cmd()", -5, None, True, "ok, with comma"])
    assert next(csv.reader(io.StringIO(line))) == ["'=cmd()", "-5", "", "yes", "ok, with comma"]


def test_iter_csv_streams_lines_with_bom():
    lines = list(iter_csv(["a", "b"], iter([["1", "@x"], ["2", "y"]])))
    assert lines[0] == "\ufeffa,b\r\n"
    assert lines[1] == "1,'@x\r\n"
    assert len(lines) == 3


def test_xlsx_bytes_guards_cells():
    data = xlsx_bytes(["name", "n"], [["=evil()", 3]], title="Rows")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "'=evil()"
    assert sheet["B2"].value == 3


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_detect_format_by_content():
    assert detect_table_format(_xlsx([["a"]])) == "xlsx"
    assert detect_table_format(b"a,b\n1,2\n") == "csv"
    assert detect_table_format("\ufeffa,b\n".encode()) == "csv"
    assert detect_table_format("é,ü".encode("latin-1")) is None  # not UTF-8
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<x/>")
    assert detect_table_format(buffer.getvalue()) is None  # a zip that is not a workbook
    assert detect_table_format(b"%PDF-1.4 \x00\x01") is None


def test_read_csv_with_bom_semicolons_and_line_numbers():
    text = '\ufeffa;b\n1;"two\nlines"\n\n3;4\n'
    rows = read_table(text.encode())
    assert [r.cells for r in rows] == [["a", "b"], ["1", "two\nlines"], ["3", "4"]]
    assert [r.line for r in rows] == [1, 2, 5]


def test_read_xlsx_converts_cells_to_text():
    data = _xlsx([["a", "b", "c"], [4.0, datetime(2023, 1, 20), True], [None, None, None],
                  ["x", "y", "z"]])
    rows = read_table(data)
    assert [r.cells for r in rows] == [["a", "b", "c"], ["4", "2023-01-20", "yes"],
                                        ["x", "y", "z"]]
    assert [r.line for r in rows] == [1, 2, 4]


def test_unreadable_files_are_user_errors():
    with pytest.raises(UserError):
        read_table(b"")
    with pytest.raises(UserError):
        read_table(b"\xff\xfe\x00garbage")
    with pytest.raises(UserError):
        read_table(b"PK\x03\x04 not really a zip")


def test_the_maximum_counts_rows_after_the_header_and_empty_rows_not_at_all():
    from consult_app.core.spreadsheets import MAX_ROWS

    lines = ["a,b"] + [f"{n},x" for n in range(MAX_ROWS)]
    rows = read_table(("\n".join(lines) + "\n,\n\n,\n").encode())
    assert len(rows) == MAX_ROWS + 1  # the header and MAX_ROWS rows
    with pytest.raises(UserError, match="too many rows"):
        read_table(("\n".join([*lines, "last,x"]) + "\n").encode())
