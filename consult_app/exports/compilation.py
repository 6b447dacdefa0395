"""The compilation of comments by provision and the disposition table, as .xlsx and .csv.

Both are written to a file row by row. The .xlsx goes through XlsxWriter in
``constant_memory`` mode: each row is flushed to a temporary file as soon as the next one
starts, so memory stays flat however many comments there are (openpyxl, about three times
slower at writing, is kept for reading uploaded workbooks). The CSV is written line by line.

Formula injection: in the .xlsx, text is written with ``write_string``, which stores it as
a string cell whatever it starts with ("=1+2" stays the text "=1+2", never evaluated, and
no apostrophe shows in the cell; XlsxWriter's generic ``write`` would make it a formula).
A CSV has no cell types, so there text that looks like a formula gets the leading
apostrophe of :func:`consult_app.core.spreadsheets.safe_cell`. Every sheet has an
autofilter on its header row, which stays frozen on screen.
"""

from __future__ import annotations

import csv
import logging
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from xlsxwriter import Workbook
from xlsxwriter.format import Format

from consult_app.consultations.models import Consultation
from consult_app.core.invisible import strip_invisible
from consult_app.core.spreadsheets import csv_line, safe_cell
from consult_app.exports.models import ExportFormat
from consult_app.exports.rows import (
    Audience,
    Column,
    Progress,
    compilation_columns,
    compilation_rows,
    disposition_columns,
    disposition_rows,
)

logger = logging.getLogger(__name__)

EXCEL_CELL_LIMIT = 32_767
# Control characters an XML 1.0 document may not hold (those openpyxl refuses too); they
# are dropped rather than written as _xHHHH_ escapes.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
# XlsxWriter's set_column() adds Excel's cell padding to a width; widths are given in
# pixels instead (max digit width of Calibri 11: 7 px) so that the file stores the width
# of each column exactly as declared.
MAX_DIGIT_WIDTH_PX = 7


def _xlsx_text(value: str) -> str:
    """Text made fit for a cell: no control or invisible characters, within Excel's limit
    (written as a string cell, so a leading "=" is text, not a formula)."""
    if not value.isprintable():  # fast path: printable text holds no control or format character
        value = strip_invisible(ILLEGAL_CHARACTERS_RE.sub("", value))
    if len(value) > EXCEL_CELL_LIMIT - 1:
        value = value[: EXCEL_CELL_LIMIT - 2] + "…"
    return value


class _TextCache:
    """:func:`_xlsx_text` memoised for short text (labels and names repeat on every row)."""

    MAX_LENGTH = 80
    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        cached = self._cache.get(value)
        if cached is not None:
            return cached
        text = _xlsx_text(value)
        if len(value) <= self.MAX_LENGTH and len(self._cache) < self.MAX_ENTRIES:
            self._cache[value] = text
        return text


def write_xlsx(
    path: Path, sheet_title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> int:
    """Write an .xlsx file (frozen header with an autofilter, widths, wrapped long text);
    return the row count."""
    with tempfile.TemporaryDirectory(prefix="xlsx-") as tmpdir:
        # The row data goes to a temporary file in tmpdir, removed with it even when a
        # row fails (the workbook is then never closed, so no partial file is written).
        workbook = Workbook(
            str(path), {"constant_memory": True, "in_memory": False, "tmpdir": tmpdir}
        )
        sheet = workbook.add_worksheet(sheet_title[:31])
        sheet.freeze_panes(1, 0)
        for index, column in enumerate(columns):
            sheet.set_column_pixels(index, index, round(column.width * MAX_DIGIT_WIDTH_PX))
        header = workbook.add_format({"bold": True, "valign": "top", "text_wrap": True})
        wrapped = workbook.add_format({"valign": "top", "text_wrap": True})
        for index, column in enumerate(columns):
            sheet.write_string(0, index, _xlsx_text(str(column.header)), header)
        formats: list[Format | None] = [wrapped if c.wrap else None for c in columns]
        width = len(columns)
        write_string = sheet.write_string
        text_of = _TextCache()
        count = 0
        for count, row in enumerate(rows, start=1):
            if len(row) != width:
                raise ValueError(f"row {count} has {len(row)} cells, not {width}")
            for index, value in enumerate(row):
                if value is None:
                    continue
                if type(value) is str:
                    if value:
                        value = text_of(value)
                        if value:
                            write_string(count, index, value, formats[index])
                elif isinstance(value, bool):
                    sheet.write_boolean(count, index, value, formats[index])
                elif isinstance(value, int | float):
                    sheet.write_number(count, index, value, formats[index])
                else:
                    text = _xlsx_text(str(value))
                    if text:
                        write_string(count, index, text, formats[index])
        # The filter covers the header and every row (written last: the size is known).
        sheet.autofilter(0, 0, count, width - 1)
        workbook.close()
    return count


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(strip_invisible(value))
    return value


def write_csv(path: Path, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """Write a UTF-8 CSV file with a byte-order mark (so Excel reads it as UTF-8)."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        handle.write(csv_line([str(column.header) for column in columns]))
        writer = csv.writer(handle, lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_text(value) for value in row])
            count += 1
    return count


def build_compilation(
    consultation: Consultation,
    fmt: ExportFormat,
    path: Path,
    *,
    internal: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write the compilation of comments by provision to ``path``; return the row count."""
    audience = Audience.for_consultation(consultation, internal)
    columns = compilation_columns(audience)
    rows = compilation_rows(consultation, audience, progress=progress)
    if fmt is ExportFormat.XLSX:
        title = _("Compilation (internal)") if internal else _("Compilation")
        return write_xlsx(path, title, columns, rows)
    if fmt is ExportFormat.CSV:
        return write_csv(path, columns, rows)
    raise ValueError(f"the compilation is not built as {fmt.value}")


def build_dispositions(
    consultation: Consultation,
    fmt: ExportFormat,
    path: Path,
    *,
    internal: bool = False,
    progress: Progress | None = None,
) -> int:
    """Write the disposition of comments table to ``path``; return the row count."""
    audience = Audience.for_consultation(consultation, internal)
    columns = disposition_columns(audience)
    rows = disposition_rows(consultation, audience, progress=progress)
    if fmt is ExportFormat.XLSX:
        title = _("Dispositions (internal)") if internal else _("Dispositions")
        return write_xlsx(path, title, columns, rows)
    if fmt is ExportFormat.CSV:
        return write_csv(path, columns, rows)
    raise ValueError(f"the disposition table is not built as {fmt.value}")
