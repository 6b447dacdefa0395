# ruff: noqa: RUF001
"""Language versions: aligning a file in another language with the original, saving it."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from consult_app.core.audit import AuditEntry
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.texts.importer import parse_document
from consult_app.texts.languages import align, read, save_translation
from consult_app.texts.models import (
    ParagraphTranslation,
    ProvisionTranslation,
    TextVersion,
    TextVersionTranslation,
)
from consult_app.texts.operations import import_text
from tests.texts.multilingual import TEXTS


def parsed(language: str):
    return parse_document(TEXTS[language].encode("utf-8"), f"{language}.txt")


@pytest.fixture
def original(app):
    version = import_text(None, parsed("en"), title="Draft declaration")
    db.session.commit()
    return version


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_same_structure_aligns_by_number_without_differences(original, language):
    alignment = align(original, parsed(language), language)
    assert alignment.differences == []
    assert [pair.provision.label for pair in alignment.pairs] == [
        "PP1",
        "PP2",
        "Article 1",
        "Article 2",
        "Article 2 bis",
    ]
    assert {pair.matched_by for pair in alignment.pairs} == {"number"}
    article1 = alignment.pairs[2]
    assert [(p.paragraph.label, p.parsed.label) for p in article1.paragraphs] == [
        ("1", "1"),
        ("2", "2"),
    ]


def test_a_split_paragraph_is_a_difference(original):
    alignment = align(original, parsed("ru"), "ru")
    assert [d.kind for d in alignment.differences] == ["extra_paragraph"]
    assert "Article 1" in alignment.differences[0].message
    assert "3" in alignment.differences[0].message
    # The 2 bis of the Russian file ("Статья 2-бис") is the original's 2 bis.
    assert alignment.pairs[-1].parsed.number == "2 bis"


def test_a_missing_article_is_a_difference(original):
    alignment = align(original, parsed("zh"), "zh")
    assert [(d.kind, d.where) for d in alignment.differences] == [
        ("missing_provision", "Article 2 bis")
    ]
    assert len(alignment.pairs) == 4


def test_an_article_numbered_differently_is_paired_by_order(original):
    text = TEXTS["fr"].replace("Article 2 bis", "Article 3")
    result = parse_document(text.encode(), "fr.txt")
    alignment = align(original, result, "fr")
    assert [(d.kind, d.where) for d in alignment.differences] == [("renumbered", "Article 2 bis")]
    assert alignment.pairs[-1].matched_by == "order"


def test_save_translation_and_read_it(original):
    result = parsed("zh")
    alignment = align(original, result, "zh")
    save_translation(None, original, "zh", result, alignment, source_filename="zh.txt")
    db.session.commit()
    assert count(TextVersionTranslation) == 1
    assert count(ProvisionTranslation) == 4
    assert count(ParagraphTranslation) == 2
    version = db.session.get(TextVersion, original.id)
    assert version.languages == ["en", "zh"]
    assert version.translation("zh").chapeau == "各国，"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "import_translation")
    ).one()
    assert entry.after["language"] == "zh"
    assert entry.after["differences"]

    readings = read(version.provisions, version, "zh")
    assert [r.fallback for r in readings] == [False, False, False, False, True]
    article1 = readings[2]
    assert article1.title == "团结权"
    assert article1.text_of(article1.provision.paragraphs[0]) == "人人有权享有国际团结。"
    assert readings[4].intro == "The present declaration shall be reviewed."
    assert readings[4].language == "en"
    # Reading in the original's language or in an unknown one reads the original.
    assert readings[4].fallback and "Chinese" in readings[4].fallback_note
    assert readings[2].direction == "ltr"
    for other in ("en", "de", None):
        assert not any(
            r.fallback or r.translation for r in read(version.provisions, version, other)
        )


def test_importing_a_language_again_replaces_it(original):
    for text in (TEXTS["fr"], TEXTS["fr"].replace("Rappelant", "Rappelant encore")):
        result = parse_document(text.encode(), "fr.txt")
        save_translation(None, original, "fr", result, align(original, result, "fr"))
        db.session.commit()
    assert count(TextVersionTranslation) == 1
    assert count(ProvisionTranslation) == 5
    pp1 = read(original.provisions, original, "fr")[0]
    assert pp1.intro.startswith("Rappelant encore")


@pytest.mark.parametrize("language", ["en", "de", ""])
def test_the_original_language_or_an_unknown_one_is_refused(original, language):
    result = parsed("fr")
    with pytest.raises(UserError):
        save_translation(None, original, language, result, align(original, result, "fr"))
    assert count(ProvisionTranslation) == 0


# --- the command line ------------------------------------------------------------------


def run(app, *args):
    return app.test_cli_runner().invoke(args=["texts", "import", *args])


@pytest.fixture
def russian(tmp_path):
    path = tmp_path / "ru.txt"
    path.write_text(TEXTS["ru"], encoding="utf-8")
    return path


def test_cli_dry_run_json_shows_alignment_and_saves_nothing(app, original, russian):
    result = run(
        app, str(russian), "--version", str(original.id), "--language", "ru", "--dry-run", "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [p["number"] for p in payload["provisions"]][-1] == "2 bis"
    alignment = payload["alignment"]
    assert alignment["language"] == "ru"
    assert [p["original"] for p in alignment["provisions"]][2] == "Article 1"
    assert [d["kind"] for d in alignment["differences"]] == ["extra_paragraph"]
    assert count(ProvisionTranslation) == 0


def test_cli_saves_the_language_version(app, original, russian):
    result = run(app, str(russian), "--version", str(original.id), "--language", "ru")
    assert result.exit_code == 0, result.output
    assert "Differences: 1" in result.output
    assert f"Saved the ru language version of version {original.id}" in result.output
    assert count(ProvisionTranslation) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--language", "ru"], "--title is required"),
        (["--version", "999", "--language", "ru"], "no version with id 999"),
        (["--version", "{id}"], "--language is required"),
        (["--version", "{id}", "--language", "de"], "--language must be one of"),
        (["--version", "{id}", "--language", "en"], "original is in"),
    ],
)
def test_cli_bad_input(app, original, russian, args, message):
    args = [a.replace("{id}", str(original.id)) for a in args]
    result = run(app, str(russian), *args)
    assert result.exit_code != 0
    assert message in result.output
    assert count(ProvisionTranslation) == 0


def test_cli_new_version_in_a_language(app, tmp_path):
    path = tmp_path / "ar.txt"
    path.write_text(TEXTS["ar"], encoding="utf-8")
    result = run(app, str(path), "--title", "مشروع", "--language", "ar")
    assert result.exit_code == 0, result.output
    version = db.session.scalars(select(TextVersion)).one()
    assert version.language == "ar"
    assert [p.number for p in version.provisions][-1] == "2 bis"
