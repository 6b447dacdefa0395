"""The compilation and the disposition table as .xlsx and .csv."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask_sqlalchemy.record_queries import get_recorded_queries
from openpyxl import load_workbook

from consult_app.exports.compilation import build_compilation, build_dispositions, write_xlsx
from consult_app.exports.models import ExportFormat
from consult_app.exports.rows import Audience, Column, compilation_columns, compilation_rows
from consult_app.extensions import db
from consult_app.submissions.models import Position
from tests.conftest import make_org
from tests.consultations.factories import make_comment, make_submission
from tests.exports.conftest import (
    CONFIDENTIAL_TEXT,
    INJECTION,
    INTERNAL_NOTE,
    MARKERS,
    REDACTED_RATIONALE,
    REDACTED_WORDING,
    ExportWorld,
)


def xlsx_rows(path: Path) -> list[list[object]]:
    workbook = load_workbook(path, read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


def csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def as_dicts(rows: list[list[object]]) -> list[dict[str, object]]:
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_xlsx_compilation_has_rows_in_provision_order(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    count = build_compilation(world.consultation, ExportFormat.XLSX, path)
    assert count == 3
    rows = xlsx_rows(path)
    header = rows[0]
    assert header[:4] == ["Provision", "Paragraph", "Organisation", "Category"]
    assert len(header) == len(compilation_columns(Audience(False, True)))
    records = as_dicts(rows)
    assert [r["Provision"] for r in records] == [
        "Article 1. Title of article 1", "Article 1. Title of article 1",
        "Article 2. Title of article 2",
    ]
    # Article 1: paragraph-less comments first, then by organisation name.
    first = next(r for r in records if r["Organisation"] == "Republic of Exportland")
    assert first["Paragraph"] == "1"
    assert first["Regional group"] == "African States"
    assert first["On behalf of"] == "African States"
    assert first["Position"] == "Support with amendments"
    assert first["Proposed wording"].startswith("Everyone has the inalienable right")
    assert first["Themes"] == "Right to development"
    assert first["Disposition"] == "Accepted"
    assert first["Explanation"] == "The wording was strengthened."
    ngo = [r for r in records if r["Organisation"] == "Friends of Exports"]
    assert ngo[0]["Co-signers"] == "Cosigning Coalition Member"
    assert ngo[0]["On behalf of"] == "Coalition X"
    assert ngo[0]["Unverified organisation"] == "yes"
    assert ngo[0]["Campaign or duplicate group"].startswith("Campaign ")
    # A redacted comment shows its public text; an unpublished disposition is not shown.
    article2 = next(r for r in records if r["Provision"].startswith("Article 2"))
    assert article2["Comment"] == "Redacted public text of the comment."
    assert article2["Disposition"] in (None, "")
    workbook = load_workbook(path)
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["K"].width == 60
    assert sheet["K2"].alignment.wrap_text


def test_formula_injection_is_neutralised(world: ExportWorld, tmp_path: Path) -> None:
    xlsx = tmp_path / "c.xlsx"
    build_compilation(world.consultation, ExportFormat.XLSX, xlsx)
    comments = [r["Comment"] for r in as_dicts(xlsx_rows(xlsx))]
    # A text cell, shown as typed: no apostrophe, never a formula.
    assert INJECTION in comments
    assert "'" + INJECTION not in comments
    workbook = load_workbook(xlsx)
    for row in workbook.worksheets[0].iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula"
    path = tmp_path / "c.csv"
    build_compilation(world.consultation, ExportFormat.CSV, path)
    values = [cell for row in csv_rows(path) for cell in row]
    assert "'" + INJECTION in values
    assert not any(v.startswith(("=", "+", "@")) for v in values)


FORMULAS = ["=1+2", '=HYPERLINK("http://example.org","click")', "+1", "-1", "@SUM(A1)"]


def _cells(path: Path) -> list[tuple[object, str]]:
    sheet = load_workbook(path).worksheets[0]
    return [(cell.value, cell.data_type) for row in sheet.iter_rows(min_row=2) for cell in row]


def test_xlsx_text_starting_with_equals_comes_back_as_text(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    columns = [Column(f"c{i}", f"Column {i}", wrap=i % 2 == 0) for i in range(len(FORMULAS))]
    assert write_xlsx(path, "Sheet", columns, [FORMULAS]) == 1
    assert _cells(path) == [(text, "s") for text in FORMULAS]


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    # Text is written as a string cell, whatever it starts with.
    path = tmp_path / "f.xlsx"
    columns = [Column("text", "Text"), Column("number", "Number")]
    write_xlsx(path, "Sheet", columns, [["=1+2", 7]])
    assert _cells(path) == [("=1+2", "s"), (7, "n")]


def test_csv_compilation_parses_with_bom(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    build_compilation(world.consultation, ExportFormat.CSV, path)
    rows = csv_rows(path)
    assert rows[0][0] == "Provision"
    assert len(rows) == 4
    assert {r[2] for r in rows[1:]} == {"Republic of Exportland", "Friends of Exports"}


@pytest.mark.parametrize("fmt", [ExportFormat.XLSX, ExportFormat.CSV])
@pytest.mark.parametrize("builder", [build_compilation, build_dispositions])
def test_public_exports_keep_confidential_things_out(
    world: ExportWorld, tmp_path: Path, fmt: ExportFormat, builder: object
) -> None:
    path = tmp_path / f"out.{fmt.value}"
    builder(world.consultation, fmt, path)  # type: ignore[operator]
    text = _text_of(path, fmt)
    for marker in MARKERS:
        assert marker not in text


def _text_of(path: Path, fmt: ExportFormat) -> str:
    if fmt is ExportFormat.CSV:
        return path.read_bytes().decode("utf-8-sig")
    return "\n".join(str(c) for row in xlsx_rows(path) for c in row if c is not None)


def test_internal_compilation_marks_everything(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    build_compilation(world.consultation, ExportFormat.XLSX, path, internal=True)
    workbook = load_workbook(path, read_only=True)
    assert "internal" in workbook.sheetnames[0]
    workbook.close()
    records = as_dicts(xlsx_rows(path))
    assert len(records) == 5
    confidential = next(r for r in records if r["Comment"] == CONFIDENTIAL_TEXT)
    assert confidential["Not for publication"] == "yes"
    withheld = next(r for r in records if "ZQXWITHHELD" in str(r["Comment"]))
    assert "Withheld" in str(withheld["Moderation status"])
    assert any(r["Internal note"] == INTERNAL_NOTE for r in records)
    # The secretariat reads the originals of redacted parts, marked as redacted.
    redacted = [r for r in records if r["Redacted for the public"] == "yes"]
    assert {str(r["Comment"]) for r in redacted} == {
        "We support article 1 strongly.", "ZQXORIGINAL phone number 555"
    }
    assert {r["Proposed wording"] for r in redacted} >= {REDACTED_WORDING}
    assert {r["Rationale"] for r in redacted} >= {REDACTED_RATIONALE}


def test_attribution_off_names_no_one(anonymous_world: ExportWorld, tmp_path: Path) -> None:
    for builder in (build_compilation, build_dispositions):
        for fmt in (ExportFormat.XLSX, ExportFormat.CSV):
            path = tmp_path / f"out.{fmt.value}"
            builder(anonymous_world.consultation, fmt, path)
            text = _text_of(path, fmt)
            for name in ("Exportland", "Friends of Exports", "Cosigning", "Coalition X",
                         "ZQXCONFORG"):
                assert name not in text
    rows = as_dicts(xlsx_rows(tmp_path / "out.xlsx"))
    assert {r["Organisation"] for r in rows} == {"Member State"}


def test_disposition_table_lists_published_dispositions(
    world: ExportWorld, tmp_path: Path
) -> None:
    path = tmp_path / "d.csv"
    assert build_dispositions(world.consultation, ExportFormat.CSV, path) == 1
    rows = csv_rows(path)
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["No."] == "1"
    assert record["Organisation"] == "Republic of Exportland"
    assert record["Disposition"] == "Accepted"
    assert record["Change made"] == "Article 1, paragraph 1"
    internal = tmp_path / "d.xlsx"
    assert build_dispositions(world.consultation, ExportFormat.XLSX, internal,
                              internal=True) == 2
    text = _text_of(internal, ExportFormat.XLSX)
    assert INTERNAL_NOTE in text and "ZQXDRAFTEXPL" in text


def test_query_count_is_constant_per_batch(world: ExportWorld) -> None:
    article = world.articles[2]
    for n in range(30):
        submission = make_submission(world.consultation, make_org())
        make_comment(submission, article, body=f"Comment {n}", position=Position.SUPPORT)
    db.session.commit()
    audience = Audience.for_consultation(world.consultation, internal=False)
    # The consulted version, read once per export (which language its titles are read in).
    assert world.consultation.version is not None

    def queries_for(batch_size: int) -> tuple[int, int]:
        before = len(get_recorded_queries())
        rows = list(compilation_rows(world.consultation, audience, batch_size=batch_size))
        return len(rows), len(get_recorded_queries()) - before

    count_all, one_batch = queries_for(100)
    count_small, ten_batches = queries_for(4)
    assert count_all == count_small == 33
    # main query + (themes + co-signers) per batch; the count only with a progress report
    assert one_batch == 1 + 2
    assert ten_batches == 1 + 2 * 9


@pytest.mark.parametrize("kind", ["compilation", "dispositions"])
def test_xlsx_sheets_have_an_autofilter_and_a_frozen_header(
    world: ExportWorld, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / f"{kind}.xlsx"
    build = build_compilation if kind == "compilation" else build_dispositions
    rows = build(world.consultation, ExportFormat.XLSX, path)
    workbook = load_workbook(path)
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        last = sheet.cell(row=1, column=sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last}{rows + 1}"


def test_disposition_xlsx_numbers_are_numbers(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "d.xlsx"
    assert build_dispositions(world.consultation, ExportFormat.XLSX, path, internal=True) == 2
    sheet = load_workbook(path, read_only=True).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    rows = list(sheet.iter_rows(min_row=2))
    for column in ("No.", "Comment number"):
        index = header.index(column)
        assert [cell.data_type for cell in (row[index] for row in rows)] == ["n", "n"], column
    assert [row[header.index("No.")].value for row in rows] == [1, 2]
