"""The consensus report as .docx, PDF and HTML: sections, redline, notes, confidentiality."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from consult_app.exports.models import ExportFormat
from consult_app.exports.report import build_report, gather_report
from tests.exports.conftest import CONFIDENTIAL_TEXT, INTERNAL_NOTE, MARKERS, ExportWorld

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_text(path: Path) -> str:
    """Every piece of text in the package: body, tables, headers and footnotes."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def text_of(path: Path, fmt: ExportFormat) -> str:
    if fmt is ExportFormat.DOCX:
        return docx_text(path)
    if fmt is ExportFormat.PDF:
        return pdf_text(path)
    return path.read_text(encoding="utf-8")


def test_docx_has_the_sections_and_a_redline(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    build_report(world.consultation, ExportFormat.DOCX, path)
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for expected in ("I.\tIntroduction", "II.\tOverview of the consultation",
                     "III.\tViews expressed on the provisions", "A.\tArticles",
                     "Article 1. Title of article 1", "Annex I",
                     "List of participants", "States Members of the United Nations",
                     "Annex II", "Views and figures by provision",
                     "Notes by provision", "Proposed amendments", "Reservations", "Annex III",
                     "Disposition of comments"):
        assert expected in headings, expected
    title = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert title == ["Consultation on the draft declaration"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "A/HRC/TEST/1" in body  # the symbol of the text, in the introduction
    runs = [run for p in document.paragraphs for run in p.runs]
    struck = [run.text for run in runs if run.font.strike]
    underlined = [run.text for run in runs if run.font.underline]
    assert any("inalienable" in text for text in underlined)
    assert any("shall" in text for text in struck)
    # Figures table and disposition table are real tables; participants a headed list.
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "African States" in cells  # a column of table 3
    assert "The wording was strengthened." in cells
    assert "Republic of Exportland." in body


def test_docx_figure_tables_keep_whole_words_and_rows(
    world: ExportWorld, tmp_path: Path
) -> None:
    """Narrow figure columns get bottom-to-top headers; no table row splits across pages."""
    path = tmp_path / "report.docx"
    build_report(world.consultation, ExportFormat.DOCX, path)
    document = docx.Document(str(path))
    figures = [t for t in document.tables if t.rows[0].cells[0].text == "Provision"]
    assert len(figures) == 3  # States, other stakeholders, regional groups
    for table in figures[:2]:
        header = table.rows[0]
        directions = [cell._tc.find(f"{W}tcPr/{W}textDirection") for cell in header.cells]
        assert directions[0] is None  # the provision column reads normally
        assert all(d is not None and d.get(f"{W}val") == "btLr" for d in directions[1:])
        assert header.height is not None and header.height.cm >= 3
    assert [c.text for c in figures[0].rows[0].cells][1:3] == ["States", "Support"]
    # Article 1: one State (the confidential one is counted, never named), its stance.
    article1 = next(r for r in figures[0].rows if r.cells[0].text == "Article 1")
    assert article1.cells[1].text == "2"
    layout = {t._tbl for t in document.tables[:2]}  # the masthead and the summary box
    for table in document.tables:
        if table._tbl in layout:
            continue
        for row in table.rows[1:]:
            assert row._tr.find(f"{W}trPr/{W}cantSplit") is not None


def test_docx_reservations_are_footnotes(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    build_report(world.consultation, ExportFormat.DOCX, path)
    with zipfile.ZipFile(path) as archive:
        assert "word/footnotes.xml" in archive.namelist()
        footnotes = archive.read("word/footnotes.xml").decode()
        document_xml = archive.read("word/document.xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
        types = archive.read("[Content_Types].xml").decode()
    assert "footnoteReference" in document_xml
    assert "relationships/footnotes" in rels
    assert "footnotes+xml" in types
    assert "Friends of Exports: '=cmd" in footnotes or "Friends of Exports: =cmd" in footnotes
    # The confidential reservation is counted but its author is not named, nor its text.
    assert "ZQXCONFTEXT" not in footnotes
    assert "A Member State (Western European and other States)" in footnotes
    docx.Document(io.BytesIO(path.read_bytes()))  # still opens


@pytest.mark.parametrize("fmt", [ExportFormat.DOCX, ExportFormat.PDF, ExportFormat.HTML])
def test_public_report_keeps_confidential_things_out(
    world: ExportWorld, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"report.{fmt.value}"
    build_report(world.consultation, fmt, path)
    text = text_of(path, fmt)
    assert "Article 1" in text and "Disposition of comments" in text
    for marker in MARKERS:
        assert marker not in text, marker


@pytest.mark.parametrize("fmt", [ExportFormat.DOCX, ExportFormat.PDF, ExportFormat.HTML])
def test_report_without_attribution_names_no_one(
    anonymous_world: ExportWorld, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"report.{fmt.value}"
    build_report(anonymous_world.consultation, fmt, path)
    text = text_of(path, fmt)
    for name in ("Exportland", "Friends of Exports", "Cosigning", "Coalition X", "ZQXCONFORG"):
        assert name not in text
    assert "Participants who agreed to be named" not in text
    assert "not named in line with the rules of the consultation" in text
    assert "Disposition of comments" in text


@pytest.mark.parametrize("fmt", [ExportFormat.PDF, ExportFormat.HTML])
def test_pdf_and_html_have_the_same_sections(
    world: ExportWorld, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"report.{fmt.value}"
    build_report(world.consultation, fmt, path)
    text = text_of(path, fmt)
    for expected in ("Introduction", "Overview of the consultation",
                     "Views expressed on the provisions",
                     "Proposed amendments", "Reservations", "List of participants",
                     "States Members of the United Nations", "Disposition of comments",
                     "Republic of Exportland", "A/HRC/TEST/1", "Distr.: General"):
        assert expected in text, expected
    if fmt is ExportFormat.HTML:
        assert "<ins>" in text and "<del>" in text
        assert "&#39;=cmd" in text or "&#x27;=cmd" in text or "=cmd" in text
        assert "<script" not in text


def test_internal_report_is_marked_and_complete(world: ExportWorld, tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    build_report(world.consultation, ExportFormat.HTML, path, internal=True)
    text = path.read_text(encoding="utf-8")
    assert "INTERNAL" in text
    assert CONFIDENTIAL_TEXT in text
    docx_path = tmp_path / "report.docx"
    build_report(world.consultation, ExportFormat.DOCX, docx_path, internal=True)
    assert "INTERNAL" in docx_text(docx_path)
    assert INTERNAL_NOTE not in docx_text(docx_path)  # the report prints no internal note


def test_report_sections_hold_bounded_detail(world: ExportWorld) -> None:
    data = gather_report(world.consultation)
    assert [s.heading for s in data.sections][:3] == [
        "PP1", "PP2", "Article 1. Title of article 1"
    ]
    article1 = data.sections[2]
    assert article1.reservations_total == 2  # the confidential one counts
    assert len(article1.amendments) == 1  # the confidential wording is not quoted
