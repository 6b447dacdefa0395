# ruff: noqa: RUF001
"""Article headings and unnumbered preambular paragraphs in the six official languages."""

from __future__ import annotations

import pytest

from consult_app.texts.importer import parse_document
from consult_app.texts.reading import ARTICLE_RE, article_number, cjk_number
from tests.texts.multilingual import TEXTS


@pytest.mark.parametrize(
    ("heading", "number"),
    [
        ("Article 5", "5"),
        ("Article 5 bis", "5 bis"),
        ("Article premier", "premier"),
        ("Artículo 5", "5"),
        ("Artículo 5 bis", "5 bis"),
        ("Статья 5", "5"),
        ("Статья 5 бис", "5 bis"),
        ("Статья 5-бис", "5 bis"),
        ("第五条", "5"),
        ("第5条", "5"),
        ("第十二条", "12"),
        ("第一百零一条", "101"),
        ("第五条之二", "5 bis"),
        ("第5条之三", "5 ter"),
        ("المادة 5", "5"),
        ("المادة ٥", "5"),
        ("المادة 5 مكرراً", "5 bis"),
        ("المادة 5 مكررا", "5 bis"),
    ],
)
def test_article_headings_in_every_language(heading, number):
    match = ARTICLE_RE.match(heading)
    assert match is not None
    assert article_number(match) == number
    assert not match.group("rest")


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("Article 5. Definitions", "Definitions"),
        ("Статья 5. Определения", "Определения"),
        ("第五条 定义", "定义"),
        ("第五条：定义", "定义"),
        ("المادة 5 - تعاريف", "تعاريف"),
    ],
)
def test_headings_with_a_title(heading, title):
    match = ARTICLE_RE.match(heading)
    assert match is not None
    assert match.group("rest") == title


def test_a_sentence_naming_an_article_is_no_heading_in_chinese():
    assert ARTICLE_RE.match("各国") is None
    assert cjk_number("二十") == 20
    assert cjk_number("二十一") == 21


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_the_same_declaration_in_six_languages(app, language):
    result = parse_document(TEXTS[language].encode("utf-8"), f"declaration.{language}.txt")
    preamble = [p.number for p in result.preamble]
    articles = [p.number for p in result.articles]
    assert preamble == ["1", "2"], result.warnings
    expected = ["1", "2"] if language == "zh" else ["1", "2", "2 bis"]
    assert articles == expected
    # The unnumbered preambular paragraphs are paragraphs, not the chapeau or front matter.
    assert result.chapeau is not None and len(result.chapeau) < 20
    assert result.article("1").title
    assert len(result.article("1").paragraphs) == (3 if language == "ru" else 2)
    assert result.warnings == []
