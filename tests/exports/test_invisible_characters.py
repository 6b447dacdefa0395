"""Bidirectional overrides and stray zero-width characters in comments and names reach no
page and no export (CSV, XLSX, DOCX, PDF, HTML); Arabic text keeps its direction marks."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from consult_app.exports.compilation import build_compilation, build_dispositions
from consult_app.exports.models import ExportFormat
from consult_app.exports.report import build_report
from consult_app.extensions import db
from consult_app.submissions.models import Position
from tests.conftest import make_org
from tests.consultations.factories import make_comment, make_submission
from tests.exports.conftest import ExportWorld
from tests.exports.test_compilation import xlsx_rows
from tests.exports.test_report import text_of

HIDDEN = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200b",
    "\u2060",
    "\ufeff",
]
RLM = "\u200f"

NAME = "Republic of \u202eainotsE"  # shows as "Republic of Estonia" with the override
BODY = "Our delegation \u202edetcejer\u202c the \u200bwording; \u2066see annex\u2069."
WORDING = "Everyone has the \u202bright\u202c to the thing in article 2\u2060 and more."
RATIONALE = "Zero\u200bwidth\ufeff \u2067rationale\u2069."
ARABIC = f"نؤيد المادة 2{RLM}."


@pytest.fixture
def hostile(world: ExportWorld) -> ExportWorld:
    article2 = world.articles[3]
    org = make_org(NAME)
    submission = make_submission(world.consultation, org)
    make_comment(
        submission,
        article2,
        body=BODY,
        position=Position.RESERVATION,
        proposed_wording=WORDING,
        rationale=RATIONALE,
    )
    make_comment(submission, article2, body=ARABIC, position=Position.RESERVATION)
    db.session.commit()
    return world


def _assert_clean(text: str, where: str) -> None:
    for char in HIDDEN:
        assert char not in text, (where, hex(ord(char)))


def test_pages_show_no_hidden_character(client: FlaskClient, hostile: ExportWorld) -> None:
    cid, pid = hostile.consultation.id, hostile.articles[3].id
    html = client.get(f"/consultations/{cid}/provisions/{pid}").get_data(as_text=True)
    _assert_clean(html, "provision page")
    assert "Republic of ainotsE" in html
    assert "Our delegation detcejer the wording; see annex." in html
    assert "Zerowidth rationale." in html
    assert f'<p dir="auto">{ARABIC}</p>' in html  # the Arabic keeps its mark, in its direction
    figures = client.get(f"/consultations/{cid}/figures/{pid}").get_data(as_text=True)
    _assert_clean(figures, "figures")


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
def test_compilation_has_no_hidden_character(
    hostile: ExportWorld, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"compilation.{fmt.value}"
    build_compilation(hostile.consultation, fmt, path)
    if fmt is ExportFormat.CSV:
        text = path.read_bytes().decode("utf-8-sig")
    else:
        text = "\n".join(str(c) for row in xlsx_rows(path) for c in row if c is not None)
    _assert_clean(text, fmt.value)
    for expected in (
        "Republic of ainotsE",
        "Our delegation detcejer the wording; see annex.",
        "Everyone has the right to the thing in article 2 and more.",
        "Zerowidth rationale.",
        ARABIC,
    ):
        assert expected in text, (fmt.value, expected)
    path = tmp_path / f"dispositions.{fmt.value}"
    build_dispositions(hostile.consultation, fmt, path, internal=True)


@pytest.mark.parametrize("fmt", [ExportFormat.HTML, ExportFormat.DOCX, ExportFormat.PDF])
def test_report_has_no_hidden_character(
    hostile: ExportWorld, tmp_path: Path, fmt: ExportFormat
) -> None:
    path = tmp_path / f"report.{fmt.value}"
    build_report(hostile.consultation, fmt, path)
    text = text_of(path, fmt)
    _assert_clean(text, fmt.value)
    flat = " ".join(text.split())
    assert "detcejer the wording" in flat or "detcejer the" in flat, fmt.value
    if fmt is not ExportFormat.PDF:  # ReportLab draws Arabic glyphs; its text is not read back
        assert ARABIC in text, fmt.value
