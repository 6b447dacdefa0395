"""`flask texts import` through the CLI runner."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from consult_app.extensions import db
from consult_app.texts.models import Instrument, Provision, TextVersion
from tests.texts.helpers import corpus_bytes, docx_typed

SMALL = "Title\n\nRecalling,\n\nArticle 1\nScope\n\n1. One.\n(a) sub.\n\n7\n"


def run(app, *args):
    return app.test_cli_runner().invoke(args=["texts", "import", *args])


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(SMALL)
    return path


def test_dry_run_json_prints_structure_and_saves_nothing(app, small):
    result = run(app, str(small), "--title", "T", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [p["kind"] for p in payload["provisions"]] == ["preamble", "article"]
    assert payload["provisions"][1]["title"] == "Scope"
    assert payload["provisions"][1]["paragraphs"][0]["subparagraphs"][0]["label"] == "(a)"
    assert len(payload["warnings"]) == 1 and '"7"' in payload["warnings"][0]
    assert count(TextVersion) == 0


def test_dry_run_summary(app, small):
    result = run(app, str(small), "--title", "T", "--dry-run")
    assert result.exit_code == 0
    assert "Preambular paragraphs: 1" in result.output
    assert "Articles: 1" in result.output
    assert "Warnings: 1" in result.output
    assert "nothing was saved" in result.output
    assert count(TextVersion) == 0


def test_import_saves_and_prints_version_id(app, small):
    result = run(app, str(small), "--title", "Draft", "--symbol", "A/1", "--date", "2023-01-24")
    assert result.exit_code == 0, result.output
    version = db.session.scalars(select(TextVersion)).one()
    assert f"Saved version {version.id}" in result.output
    assert (version.title, version.symbol, str(version.issued_on)) == ("Draft", "A/1", "2023-01-24")
    assert version.source_filename == "small.txt"
    assert count(Provision) == 2

    again = run(
        app, str(small), "--title", "Draft 2", "--instrument", str(version.instrument_id), "--json"
    )
    assert again.exit_code == 0, again.output
    payload = json.loads(again.output)
    second = db.session.get(TextVersion, payload["version_id"])
    assert second.previous_id == version.id
    assert count(Instrument) == 1


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"%PDF-1.5", [], "PDF files cannot be imported"),
        (b"\x00\x01\x02binary", [], "neither a Word document"),
        (SMALL.encode(), ["--instrument", "999"], "no instrument with id 999"),
        (SMALL.encode(), ["--date", "24/01/2023"], "YYYY-MM-DD"),
        (b"Just a sentence.", [], "no article"),
    ],
)
def test_bad_input_fails_and_saves_nothing(app, tmp_path, content, args, message):
    path = tmp_path / "bad.bin"
    path.write_bytes(content)
    result = run(app, str(path), "--title", "T", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(TextVersion) == 0


def test_missing_file(app, tmp_path):
    result = run(app, str(tmp_path / "nope.txt"), "--title", "T")
    assert result.exit_code != 0
    assert "Cannot read" in result.output


def test_corpus_docx_dry_run(app, tmp_path):
    path = tmp_path / "crpd.docx"
    path.write_bytes(docx_typed(corpus_bytes("crpd_2006_en.txt").decode(), join_wrapped=False))
    result = run(app, str(path), "--title", "CRPD", "--dry-run", "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["format"] == "docx"
    assert sum(p["kind"] == "article" for p in payload["provisions"]) == 50
    assert payload["warnings"] == []
