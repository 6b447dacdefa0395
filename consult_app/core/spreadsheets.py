"""CSV and XLSX helpers: write cells safe from formula injection, read uploaded tables.

A cell a spreadsheet program would run as a formula (starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading apostrophe, so that text
typed by users (comments, names, e-mail addresses) can never execute in Excel or Calc.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from consult_app.core.errors import UserError
from consult_app.core.files import FileProblem, check_ooxml

logger = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
# Uncompressed size a workbook may expand to (a "zip bomb" is refused before parsing).
MAX_XLSX_UNCOMPRESSED = 100 * 1024 * 1024
#: Rows an uploaded table may hold after its header row (the documented maximum).
MAX_ROWS = 20_000
MAX_COLUMNS = 50


# --- writing ---------------------------------------------------------------------------


def safe_cell(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell (text that looks like a formula is quoted)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return str(safe_cell(str(value)))


def csv_line(values: Iterable[Any]) -> str:
    """One CSV record (with its line end), every text cell guarded."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([_csv_value(v) for v in values])
    return buffer.getvalue()


def iter_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> Iterator[str]:
    """Yield a CSV file line by line (a UTF-8 byte-order mark first, for Excel)."""
    yield ("\ufeff" if bom else "") + csv_line(header)
    for row in rows:
        yield csv_line(row)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], title: str = "Sheet") -> bytes:
    """An .xlsx workbook with one sheet (written in streaming mode), every text cell guarded."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet")
    sheet.append([safe_cell(h) for h in header])
    for row in rows:
        sheet.append([safe_cell(_xlsx_value(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: callers give UTC
    return value


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    """A row of an uploaded table: its line number in the file and its cells as text."""

    line: int
    cells: list[str]


def is_xlsx(data: bytes) -> bool:
    """True for an Office Open XML workbook (a ZIP archive holding ``xl/workbook.xml``)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False


def decode_csv(data: bytes) -> str | None:
    """The text of a UTF-8 (or UTF-8 with BOM) file, or None if it is not such text."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def detect_table_format(data: bytes) -> str | None:
    """"xlsx", "csv" or None, by content whatever the file is called."""
    if is_xlsx(data):
        return "xlsx"
    if data.startswith(b"PK\x03\x04"):
        return None  # another kind of archive (a .docx, a .zip)
    return "csv" if decode_csv(data) is not None else None


def read_table(data: bytes) -> list[TableRow]:
    """The non-empty rows of an uploaded .csv or .xlsx file (the header is the first)."""
    if not data.strip():
        raise UserError(_("The file is empty."))
    kind = detect_table_format(data)
    if kind == "xlsx":
        try:
            check_ooxml(data, "xl/workbook.xml")
        except FileProblem as problem:
            raise UserError(
                _("This workbook cannot be read safely (damaged, too large once expanded, or "
                  "with parts that are not XML). Save it again and upload it again.")
            ) from problem
        return _read_xlsx(data)
    if kind == "csv":
        text = decode_csv(data)
        assert text is not None
        return _read_csv(text)
    raise UserError(
        _("This file is neither a CSV file in UTF-8 nor an Excel workbook (.xlsx).")
    )


def _too_many_rows() -> UserError:
    return UserError(_("The file has too many rows (at most %(n)d).", n=MAX_ROWS))


def _read_csv(text: str) -> list[TableRow]:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[TableRow] = []
    start = 1
    try:
        for record in reader:
            cells = [cell.strip() for cell in record[:MAX_COLUMNS]]
            if any(cells):
                if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows are in already
                    raise _too_many_rows()
                rows.append(TableRow(start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise UserError(
            _("Line %(line)d: the CSV file cannot be read (%(problem)s).",
              line=reader.line_num, problem=str(error))
        ) from None
    return rows


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# A formula element (``<f>``, ``<f t="shared" ...>``, ``<x:f>``) in a worksheet's XML.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet of the workbook holds a formula (read in chunks, not parsed)."""
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        with archive.open(info) as handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-64:]
    return False


def _formula_cells(data: bytes) -> set[tuple[int, int]]:
    """(row number, column index) of the formula cells of the first sheet."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheet = workbook.worksheets[0]
        return {
            (number, index)
            for number, row in enumerate(sheet.iter_rows(), start=1)
            for index, cell in enumerate(row[:MAX_COLUMNS])
            if getattr(cell, "data_type", None) == "f"
        }
    finally:
        workbook.close()


def _uncomputed_formula(number: int, index: int) -> UserError:
    from openpyxl.utils import get_column_letter

    return UserError(
        _(
            "Cell %(cell)s (line %(line)d) holds a formula whose value the workbook does not "
            "store. Formulas are not accepted: type the text itself in the cell, or open the "
            "workbook in Excel or Calc and save it so that it stores the values.",
            cell=f"{get_column_letter(index + 1)}{number}",
            line=number,
        )
    )


def _read_xlsx(data: bytes) -> list[TableRow]:
    """The rows of the first sheet. A formula cell gives the value the workbook stores for
    it (as Excel and Calc save it); one with no stored value (a workbook written by a
    program that does not compute formulas) is refused, not read as empty."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise UserError(_("The workbook is too large once uncompressed."))
            formulas = _has_formulas(archive)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formula_cells = _formula_cells(data) if formulas else set()
    except UserError:
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on damaged files
        logger.info("unreadable workbook: %s", error)
        raise UserError(_("The Excel workbook cannot be read; it may be damaged.")) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise UserError(_("The workbook has no sheet."))
        rows: list[TableRow] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if formula_cells:
                for index, value in enumerate(values[:MAX_COLUMNS]):
                    if value is None and (number, index) in formula_cells:
                        raise _uncomputed_formula(number, index)
            cells = [_xlsx_text(v) for v in values[:MAX_COLUMNS]]
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                if len(rows) > MAX_ROWS:  # the header and MAX_ROWS rows are in already
                    raise _too_many_rows()
                rows.append(TableRow(number, cells))
        return rows
    finally:
        workbook.close()
