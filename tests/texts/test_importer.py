"""The importer on the real instruments of the corpus, Word versions of them, and small texts."""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter

import docx
import pytest

from consult_app.texts.importer import ImportFormatError, ImportResult, parse_document
from tests.texts.helpers import (
    AutoNumbering,
    corpus_bytes,
    docx_auto_numbered,
    docx_typed,
    number_paragraph,
)


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def body_without_metadata(data: bytes) -> str:
    return "\n".join(
        line for line in data.decode("utf-8").splitlines() if not line.startswith("# ")
    )


def structure(result: ImportResult) -> list[dict]:
    return [p.to_json() for p in result.provisions]


def parse(text: str) -> ImportResult:
    return parse_document(text.encode("utf-8"), "test.txt")


# --- UDHR -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def udhr() -> ImportResult:
    return parse_document(corpus_bytes("udhr_1948_en.txt"), "udhr_1948_en.txt")


def test_udhr_counts(udhr):
    assert udhr.format == "text"
    assert len(udhr.preamble) == 7
    assert [a.number for a in udhr.articles] == [str(n) for n in range(1, 31)]
    assert udhr.warnings == []
    assert all(pp.intro.startswith("Whereas") for pp in udhr.preamble)
    assert [pp.number for pp in udhr.preamble] == [str(n) for n in range(1, 8)]


def test_udhr_metadata_line_is_a_note_not_markdown(udhr):
    assert udhr.notes[0].startswith("SOURCE: Universal Declaration")
    assert udhr.front_matter == "Universal Declaration of Human Rights"
    assert udhr.chapeau is None
    assert udhr.title == "Universal Declaration of Human Rights"
    assert udhr.preamble_heading == "Preamble"


def test_udhr_hard_wrapped_lines_are_joined(udhr):
    assert udhr.preamble[0].intro == (
        "Whereas recognition of the inherent dignity and of the equal and inalienable rights "
        "of all members of the human family is the foundation of freedom, justice and peace "
        "in the world,"
    )


def test_udhr_proclamation(udhr):
    assert udhr.proclamation.startswith("Now, therefore,\n\nThe General Assembly\n\nProclaims this")
    assert udhr.proclamation.endswith("territories under their jurisdiction.")


def test_udhr_articles(udhr):
    assert all(a.title is None for a in udhr.articles)
    article_29 = udhr.article("29")
    assert [p.label for p in article_29.paragraphs] == ["1", "2", "3"]
    assert article_29.intro is None
    assert article_29.paragraphs[2].text.startswith("These rights and freedoms may in no case")
    # "Article 6" followed directly by its text on the next line.
    assert udhr.article("6").intro == (
        "Everyone has the right to recognition everywhere as a person before the law."
    )
    # An article of two unnumbered paragraphs keeps both, in order.
    assert udhr.article("2").intro.count("\n\n") == 1
    assert udhr.article("2").intro.split("\n\n")[1].startswith("Furthermore, no distinction")
    assert len(udhr.article("16").paragraphs) == 3
    assert udhr.counts() == {
        "preamble": 7,
        "articles": 30,
        "paragraphs": 32,
        "subparagraphs": 0,
        "footnotes": 0,
        "warnings": 0,
    }


def test_udhr_no_word_is_lost(udhr):
    data = corpus_bytes("udhr_1948_en.txt")
    assert words(udhr.as_text()) == words(body_without_metadata(data))


# --- CRPD -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def crpd() -> ImportResult:
    return parse_document(corpus_bytes("crpd_2006_en.txt"), "crpd_2006_en.txt")


def test_crpd_preamble_lettered(crpd):
    assert len(crpd.preamble) == 25
    assert [pp.source_label for pp in crpd.preamble] == [
        f"({c})" for c in "abcdefghijklmnopqrstuvwxy"
    ]
    assert [pp.number for pp in crpd.preamble] == [str(n) for n in range(1, 26)]
    assert (
        crpd.preamble[8].intro == "Recognizing further the diversity of persons with disabilities,"
    )
    assert crpd.front_matter == "Convention on the rights of persons with disabilities"
    assert crpd.title == "Convention on the rights of persons with disabilities"
    # Below the "Preamble" heading in the file, the chapeau stays below it.
    assert crpd.preamble_heading == "Preamble"
    assert crpd.chapeau == "The States Parties to the present Convention,"
    assert crpd.proclamation == "Have agreed as follows:"


def test_crpd_articles(crpd):
    assert crpd.warnings == []
    assert [a.number for a in crpd.articles] == [str(n) for n in range(1, 51)]
    assert all(a.title for a in crpd.articles)
    assert crpd.article("1").title == "Purpose"
    assert crpd.article("15").title == (
        "Freedom from torture or cruel, inhuman or degrading treatment or punishment"
    )
    assert crpd.article("50").title == "Authentic texts"
    assert crpd.closing.startswith("IN WITNESS THEREOF the undersigned plenipotentiaries")


def test_crpd_article_4_letter_i_after_h(crpd):
    article = crpd.article("4")
    assert [p.label for p in article.paragraphs] == ["1", "2", "3", "4", "5"]
    subs = article.paragraphs[0].children
    assert [s.label for s in subs] == [f"({c})" for c in "abcdefghi"]
    assert all(s.level == 1 and not s.children for s in subs)
    assert subs[8].text.startswith("To promote the training of professionals")
    # Paragraph 2 follows "(i)" on the next line without a blank line.
    assert article.paragraphs[1].text.startswith("With regard to economic, social")


def test_crpd_roman_numerals_nested_under_letters(crpd):
    article_29 = crpd.article("29")
    assert article_29.intro.startswith("States Parties shall guarantee")
    letters = article_29.paragraphs
    assert [(p.label, p.level) for p in letters] == [("(a)", 1), ("(b)", 1)]
    assert [(r.label, r.level) for r in letters[0].children] == [
        ("(i)", 2),
        ("(ii)", 2),
        ("(iii)", 2),
    ]
    assert [r.label for r in letters[1].children] == ["(i)", "(ii)"]
    para_2 = crpd.article("8").paragraphs[1]
    assert [r.label for r in para_2.children[0].children] == ["(i)", "(ii)", "(iii)"]
    assert [c.label for c in para_2.children] == ["(a)", "(b)", "(c)", "(d)"]
    letters_27 = crpd.article("27").paragraphs[0].children
    assert [c.label for c in letters_27] == [f"({c})" for c in "abcdefghijk"]


def test_crpd_lettered_without_numbered_paragraph(crpd):
    article_3 = crpd.article("3")
    assert article_3.intro == "The principles of the present Convention shall be:"
    assert [(p.label, p.level) for p in article_3.paragraphs] == [(f"({c})", 1) for c in "abcdefgh"]


def test_crpd_no_word_is_lost(crpd):
    data = corpus_bytes("crpd_2006_en.txt")
    assert words(crpd.as_text()) == words(body_without_metadata(data))


# --- Word versions of the corpus ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "join_wrapped"), [("udhr_1948_en.txt", True), ("crpd_2006_en.txt", False)]
)
def test_docx_with_typed_numbers_matches_text(name, join_wrapped):
    data = corpus_bytes(name)
    text_result = parse_document(data, name)
    word_result = parse_document(docx_typed(data.decode(), join_wrapped), "x.docx")
    assert word_result.format == "docx"
    assert word_result.warnings == []
    assert structure(word_result) == structure(text_result)
    assert word_result.proclamation == text_result.proclamation
    assert word_result.closing == text_result.closing


@pytest.mark.parametrize("name", ["udhr_1948_en.txt", "crpd_2006_en.txt"])
def test_docx_with_automatic_numbering_matches_text(name):
    text_result = parse_document(corpus_bytes(name), name)
    data = docx_auto_numbered(text_result)
    # The labels really are not in the text of the Word document.
    document = docx.Document(io.BytesIO(data))
    assert not any(p.text.startswith(("(a)", "1.", "(i)")) for p in document.paragraphs)
    word_result = parse_document(data, "auto.docx")
    assert word_result.warnings == []
    assert structure(word_result) == structure(text_result)
    assert word_result.chapeau == text_result.chapeau
    assert word_result.front_matter == text_result.front_matter
    assert word_result.proclamation == text_result.proclamation


@pytest.mark.parametrize("name", ["udhr_1948_en.txt", "crpd_2006_en.txt"])
def test_docx_with_one_automatic_list_across_articles_matches_text(name):
    text_result = parse_document(corpus_bytes(name), name)
    word_result = parse_document(docx_auto_numbered(text_result, one_list=True), "auto.docx")
    assert word_result.warnings == []
    assert structure(word_result) == structure(text_result)
    restarted = [a for a in word_result.adjustments if "started again at 1" in a]
    assert len(restarted) == 1


def test_docx_auto_numbering_says_roman_even_after_h():
    document = docx.Document()
    numbering = AutoNumbering(document)
    document.add_paragraph("Article 1")
    list_id = numbering.new_list(901)
    number_paragraph(document.add_paragraph("States shall:"), list_id, 0)
    for n in range(8):
        number_paragraph(document.add_paragraph(f"Item {n};"), list_id, 1)
    # ilvl 2 is lowerRoman: "(i)" after "(h)" is a roman numeral here.
    number_paragraph(document.add_paragraph("First roman;"), list_id, 2)
    number_paragraph(document.add_paragraph("Second roman."), list_id, 2)
    number_paragraph(document.add_paragraph("Second paragraph."), list_id, 0)
    out = io.BytesIO()
    document.save(out)
    result = parse_document(out.getvalue(), "auto.docx")
    paragraph_1, paragraph_2 = result.article("1").paragraphs
    assert paragraph_2.label == "2"
    assert paragraph_1.children[7].label == "(h)"
    assert [(r.label, r.level) for r in paragraph_1.children[7].children] == [
        ("(i)", 2),
        ("(ii)", 2),
    ]


def test_docx_heading_with_line_break_and_tracked_change_warning():
    document = docx.Document()
    paragraph = document.add_paragraph("Article 1")
    paragraph.add_run().add_break()
    paragraph.add_run("Scope")
    body = document.add_paragraph("This text applies to ")
    ins = docx.oxml.parse_xml(
        '<w:ins xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'w:id="1" w:author="x"><w:r><w:t>everyone.</w:t></w:r></w:ins>'
    )
    body._p.append(ins)
    out = io.BytesIO()
    document.save(out)
    result = parse_document(out.getvalue(), "x.docx")
    article = result.article("1")
    assert article.title == "Scope"
    assert article.intro == "This text applies to everyone."
    assert any("tracked changes" in w for w in result.warnings)


# --- small hand-made texts ----------------------------------------------------------------


def test_letter_i_and_roman_i_by_context():
    result = parse(
        "Article 1\n\n"
        "1. States shall:\n"
        "(a) Ensure the following:\n"
        "(i) first roman;\n"
        "(ii) second roman;\n"
        "(b) Second letter;\n"
        "(c) c;\n(d) d;\n(e) e;\n(f) f;\n(g) g;\n"
        "(h) Letter h, with:\n"
        "(i) roman under h;\n"
        "(ii) second roman under h;\n"
        "(i) The letter i;\n"
        "(j) The letter j.\n"
        "2. Second paragraph.\n"
    )
    assert result.warnings == []
    paragraph = result.article("1").paragraphs[0]
    letters = paragraph.children
    assert [c.label for c in letters] == [f"({c})" for c in "abcdefghij"]
    assert [(r.label, r.level) for r in letters[0].children] == [("(i)", 2), ("(ii)", 2)]
    assert [r.text for r in letters[7].children] == ["roman under h;", "second roman under h;"]
    assert letters[8].text == "The letter i;" and letters[8].level == 1
    assert result.article("1").paragraphs[1].label == "2"


def test_letter_v_after_u_and_roman_v_after_iv():
    letters = "abcdefghijklmnopqrstu"
    lines = [f"({c}) item {c};" for c in letters]
    text = (
        "Article 1\n\nStates shall:\n"
        + "\n".join(lines)
        + (
            "\n(v) The letter v, including:\n(i) one;\n(ii) two;\n(iii) three;\n(iv) four;\n"
            "(v) five;\n(w) The letter w."
        )
    )
    result = parse(text)
    assert result.warnings == []
    items = result.article("1").paragraphs
    assert [p.label for p in items][-3:] == ["(u)", "(v)", "(w)"]
    assert [r.label for r in items[21].children] == ["(i)", "(ii)", "(iii)", "(iv)", "(v)"]


def test_article_heading_variants_and_parts():
    result = parse(
        "Part I\nGeneral provisions\n\n"
        "Article 1. Purpose\n\nThe purpose is stated here.\n\n"
        "Art. 2\n\nNo title for this one.\n\n"
        "ARTICLE 3: Definitions\n\nFor the purposes of this text:\n\n"
        "a) first term;\n\nb) second term.\n\n"
        "PART II. FINAL PROVISIONS\n\n"
        "Article 4\nEntry into force\n\n(1) First.\n\n(2) Second.\n"
    )
    assert result.warnings == []
    one, two, three, four = result.articles
    assert (one.number, one.title, one.part_heading) == (
        "1",
        "Purpose",
        "Part I. General provisions",
    )
    assert one.intro == "The purpose is stated here."
    assert (two.number, two.title, two.intro) == ("2", None, "No title for this one.")
    assert three.title == "Definitions"
    assert [(p.label, p.level) for p in three.paragraphs] == [("(a)", 1), ("(b)", 1)]
    assert four.part_heading == "PART II. FINAL PROVISIONS"
    assert four.title == "Entry into force"
    assert [p.label for p in four.paragraphs] == ["1", "2"]


def test_markdown_headings_and_emphasis():
    result = parse(
        "# Draft declaration\n\n"
        "**The Human Rights Council,**\n\n"
        "*Recalling* the Charter,\n\n"
        "*Noting* the work done,\n\n"
        "*Adopts* the following:\n\n"
        "## Part I \u2013 Scope\n\n"
        "## Article 1 \u2013 Purpose\n\n"
        "The purpose of *this* text.\n\n"
        "### Article 2\n\n#### Definitions\n\n1\\. A first paragraph.\n"
    )
    assert result.format == "markdown"
    assert result.warnings == []
    assert result.front_matter == "Draft declaration"
    assert result.chapeau == "The Human Rights Council,"
    assert [pp.intro for pp in result.preamble] == [
        "Recalling the Charter,",
        "Noting the work done,",
    ]
    assert result.proclamation == "Adopts the following:"
    one, two = result.articles
    assert (one.title, one.part_heading, one.intro) == (
        "Purpose",
        "Part I \u2013 Scope",
        "The purpose of this text.",
    )
    assert two.title == "Definitions"
    assert two.paragraphs[0].label == "1"


def test_resolution_chapeau_before_annex():
    result = parse(
        "Resolution adopted by the General Assembly\n\n"
        "The General Assembly,\n\n"
        "Recalling its earlier resolutions,\n\n"
        "1. Adopts the Declaration annexed to the present resolution;\n\n"
        "2. Requests the Secretary-General to disseminate it.\n\n"
        "Annex\n\n"
        "Declaration on testing\n\n"
        "The General Assembly,\n\n"
        "Considering the need for tests,\n\n"
        "Bearing in mind that tests fail,\n\n"
        "Proclaims this Declaration:\n\n"
        "Article 1\n\nEveryone may test.\n"
    )
    assert result.warnings == []
    assert len(result.preamble) == 2
    assert result.preamble[0].intro == "Considering the need for tests,"
    assert "1. Adopts the Declaration" in result.front_matter
    assert result.front_matter.endswith("Annex\n\nDeclaration on testing")
    assert result.chapeau == "The General Assembly,"
    assert result.title == "Declaration on testing"
    assert result.proclamation == "Proclaims this Declaration:"


def test_unplaceable_text_becomes_warnings():
    result = parse(
        "Title of the text\n\n"
        "Article 1\n\nEveryone may test.\n\n"
        "3\n\n"
        "* * *\n\n"
        "GE.23-01234(E)\n\n"
        "Article 3\n\nSkipped a number.\n\n"
        "Article 3\n\nTwice the same number.\n\n"
        "Part III\n"
    )
    joined = "\n".join(result.warnings)
    assert (
        'line 7: left out (looks like a page number, separator or document symbol): "3"' in joined
    )
    assert '"* * *"' in joined
    assert "GE.23-01234(E)" in joined
    assert "Article 3 where article 2 was expected" in joined
    assert "appears twice; the second one was numbered 3-2" in joined
    assert 'heading "Part III" is followed by no article' in joined
    assert [a.number for a in result.articles] == ["1", "3", "3-2"]


def test_text_between_part_heading_and_article_is_reported():
    result = parse(
        "Part I\n\nThis sentence sits between the part heading and the first article.\n\n"
        "Article 1\n\nText.\n"
    )
    assert any("could not be placed" in w and "This sentence sits" in w for w in result.warnings)
    assert result.article("1").part_heading == "Part I"


def test_no_article_is_a_warning_and_numbered_paragraphs_become_articles():
    result = parse(
        "Guidelines\n\nRecalling the past,\n\n1. First guideline.\n\n2. Second guideline.\n"
    )
    assert [a.number for a in result.articles] == ["1", "2"]
    assert result.articles[0].intro == "First guideline."
    assert any('no "Article" headings' in w for w in result.warnings)
    only_text = parse("Just a sentence with nothing else.\n")
    assert only_text.front_matter == "Just a sentence with nothing else."
    assert "No article was recognised." in only_text.warnings


def test_out_of_sequence_paragraph_is_kept_and_reported():
    result = parse("Article 1\n\n1. One.\n\n3. Three.\n\n(b) Letter b first.\n")
    paragraphs = result.article("1").paragraphs
    assert [p.label for p in paragraphs] == ["1", "3"]
    assert paragraphs[1].children[0].label == "(b)"
    assert len(result.warnings) == 2


def test_sentence_starting_with_article_is_not_a_heading():
    result = parse(
        "Article 1\n\n1. First paragraph,\nArticle 12 of the Covenant notwithstanding.\n"
    )
    assert len(result.articles) == 1
    assert result.article("1").paragraphs[0].text == (
        "First paragraph, Article 12 of the Covenant notwithstanding."
    )


def test_encodings_and_line_endings():
    text = "Article 1\r\n\r\nStates\u2019 duties \u2013 all of them.\r\n"
    for data in (
        text.encode("utf-8"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
        text.encode("cp1252"),
        text.encode("utf-16"),
    ):
        result = parse_document(data, "x.txt")
        assert result.article("1").intro == "States\u2019 duties \u2013 all of them."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"%PDF-1.7 binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, ".doc"),
        (bytes(range(256)) * 4, "neither a Word document"),
        (b"PK\x03\x04 not really a zip", "not a Word document"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ImportFormatError) as error:
        parse_document(data, "bad")
    assert message in error.value.message


def test_zip_that_is_not_docx_and_broken_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    with pytest.raises(ImportFormatError, match="not a Word document"):
        parse_document(out.getvalue(), "x.odt")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(ImportFormatError, match="could not be read"):
        parse_document(broken.getvalue(), "x.docx")


def test_to_json_shape():
    result = parse("Recalling,\n\nArticle 1\nTitle\n\n1. Text:\n(a) sub.\n")
    payload = result.to_json()
    assert set(payload) >= {"provisions", "warnings"}
    assert payload["provisions"][0] == {
        "kind": "preamble",
        "number": "1",
        "title": None,
        "source_label": None,
        "part_heading": None,
        "intro": "Recalling,",
        "paragraphs": [],
    }
    article = payload["provisions"][1]
    assert (article["kind"], article["number"], article["title"]) == ("article", "1", "Title")
    assert article["paragraphs"] == [
        {
            "label": "1",
            "level": 0,
            "text": "Text:",
            "subparagraphs": [{"label": "(a)", "level": 1, "text": "sub.", "subparagraphs": []}],
        }
    ]
