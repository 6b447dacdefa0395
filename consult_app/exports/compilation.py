"""The compilation of comments by provision and the disposition table, as .xlsx and .csv.

Both are written to a file row by row: openpyxl in write-only mode keeps constant memory,
and the CSV is written line by line. Every text cell goes through the formula-injection
guard of :mod:`consult_app.core.spreadsheets`.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from consult_app.consultations.models import Consultation
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


def _xlsx_text(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_CELL_LIMIT - 1:
        value = value[: EXCEL_CELL_LIMIT - 2] + "…"
    return safe_cell(value)


def write_xlsx(
    path: Path, sheet_title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> int:
    """Write an .xlsx file (frozen header, widths, wrapped long text); return the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    top = Alignment(vertical="top", wrap_text=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(str(column.header)))
        cell.font = bold
        cell.alignment = top
        header.append(cell)
    sheet.append(header)
    # The sheet writes each row as it is appended, so one styled cell per wrapped column
    # is reused for every row (no cell object, no style lookup per value).
    styled: list[WriteOnlyCell | None] = []
    for column in columns:
        if column.wrap:
            cell = WriteOnlyCell(sheet)
            cell.alignment = top
            styled.append(cell)
        else:
            styled.append(None)
    count = 0
    for row in rows:
        cells: list[Any] = []
        for value, template in zip(row, styled, strict=True):
            value = _xlsx_text(value)
            if value == "" or value is None:
                cells.append(None)
            elif template is not None:
                template.value = value
                cells.append(template)
            else:
                cells.append(value)
        sheet.append(cells)
        count += 1
    workbook.save(str(path))
    return count


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
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
