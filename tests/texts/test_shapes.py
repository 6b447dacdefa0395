"""Drafts imported as drafted: the shapes UN texts are written in, in .txt, .md and .docx.

Every document here was written for these tests. Each shape is read from plain text,
Markdown, a Word document with typed numbers and a Word document whose numbers come from
Word's automatic numbering (real ``numPr`` / ``abstractNum`` definitions); the structure is
checked, and "no warning" is checked where the importer has every reason to be sure.
"""

from __future__ import annotations

import io

import docx
import pytest

from consult_app.texts.importer import ImportResult, parse_document
from tests.texts.helpers import Numbered, Styled, Table, make_docx


def parse(data: bytes | str, name: str = "test.txt") -> ImportResult:
    return parse_document(data.encode("utf-8") if isinstance(data, str) else data, name)


def tree(paragraphs) -> list:
    """(label, text, children) of paragraphs, for comparisons."""
    return [(p.label, p.text, tree(p.children)) for p in paragraphs]


# --- "; and" / "; or" before the last item of a list -------------------------------------

LISTS_TXT = """\
Article 1
Consultation

1. States shall ensure that:
(a) the draft is circulated to all;
(b) stakeholders are
consulted; and
(c) the outcome is published.
2. Each State shall report on:
(a) the measures taken, including:
(i) legislation; and
(ii) policies; or
(b) the reasons for taking none.

Article 2

States may:
(a) meet; or
(b) write, and
(c) call.
"""

LISTS_MD = """\
## Article 1
### Consultation

1. States shall ensure that:
(a) the draft is circulated to *all*;
(b) stakeholders are
consulted; and
(c) the outcome is published.
2. Each State shall report on:
(a) the measures taken, including:
(i) legislation; and
(ii) policies; or
(b) the reasons for taking none.

## Article 2

States may:
(a) meet; or
(b) write, and
(c) call.
"""

LISTS_DOCX_TYPED = [
    Styled("Article 1"),
    Styled("Consultation", "Heading 3"),
    "1. States shall ensure that:",
    "(a) the draft is circulated to all;",
    "(b) stakeholders are consulted; and",
    "(c) the outcome is published.",
    # The second list typed in one Word paragraph with line breaks (Shift+Enter).
    "2. Each State shall report on:\n(a) the measures taken, including:\n(i) legislation; and"
    "\n(ii) policies; or\n(b) the reasons for taking none.",
    Styled("Article 2"),
    "States may:\n(a) meet; or\n(b) write, and\n(c) call.",
]

LISTS_DOCX_AUTO = [
    Styled("Article 1"),
    Styled("Consultation", "Heading 3"),
    Numbered("States shall ensure that:", "art1", 0),
    Numbered("the draft is circulated to all;", "art1", 1),
    Numbered("stakeholders are consulted; and", "art1", 1),
    Numbered("the outcome is published.", "art1", 1),
    Numbered("Each State shall report on:", "art1", 0),
    Numbered("the measures taken, including:", "art1", 1),
    Numbered("legislation; and", "art1", 2),
    Numbered("policies; or", "art1", 2),
    Numbered("the reasons for taking none.", "art1", 1),
    Styled("Article 2"),
    "States may:",
    Numbered("meet; or", "art2", 1),
    Numbered("write, and", "art2", 1),
    Numbered("call.", "art2", 1),
]

LISTS_EXPECTED = [
    (
        "1",
        "States shall ensure that:",
        [
            ("(a)", "the draft is circulated to all;", []),
            ("(b)", "stakeholders are consulted; and", []),
            ("(c)", "the outcome is published.", []),
        ],
    ),
    (
        "2",
        "Each State shall report on:",
        [
            (
                "(a)",
                "the measures taken, including:",
                [("(i)", "legislation; and", []), ("(ii)", "policies; or", [])],
            ),
            ("(b)", "the reasons for taking none.", []),
        ],
    ),
]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (LISTS_TXT, "lists.txt"),
        (LISTS_MD, "lists.md"),
        (make_docx(LISTS_DOCX_TYPED), "typed.docx"),
        (make_docx(LISTS_DOCX_AUTO), "auto.docx"),
    ],
    ids=["txt", "md", "docx-typed", "docx-auto"],
)
def test_last_item_after_and_or_is_an_item_of_its_own(data, name):
    result = parse(data, name)
    assert result.warnings == []
    one, two = result.articles
    assert one.title == "Consultation"
    assert tree(one.paragraphs) == LISTS_EXPECTED
    assert two.intro == "States may:"
    assert tree(two.paragraphs) == [
        ("(a)", "meet; or", []),
        ("(b)", "write, and", []),
        ("(c)", "call.", []),
    ]


def test_last_item_written_on_the_same_line_is_cut_with_a_note():
    result = parse(
        "Article 1\n\n"
        "1. States shall ensure that:\n\n"
        "(a) the draft is circulated;\n\n"
        "(b) stakeholders are consulted; and (c) the outcome is published.\n\n"
        "2. Each State shall report on:\n\n"
        "(a) the measures taken, including:\n\n"
        "(i) legislation; and (ii) policies; or\n\n"
        "(b) the reasons for taking none.\n"
    )
    assert result.warnings == []
    one, two = result.article("1").paragraphs
    assert tree(one.children)[1:] == [
        ("(b)", "stakeholders are consulted; and", []),
        ("(c)", "the outcome is published.", []),
    ]
    assert tree(two.children[0].children) == [
        ("(i)", "legislation; and", []),
        ("(ii)", "policies; or", []),
    ]
    assert len(result.adjustments) == 2
    assert '"(c)"' in result.adjustments[0] and "line 7" in result.adjustments[0]


def test_a_cross_reference_after_and_is_not_an_item():
    result = parse(
        "Article 1\n\n"
        "1. The rights set out in subparagraphs (a) and\n"
        "(b) of article 2 apply to everyone.\n"
    )
    (paragraph,) = result.article("1").paragraphs
    assert paragraph.text == (
        "The rights set out in subparagraphs (a) and (b) of article 2 apply to everyone."
    )
    assert paragraph.children == []


# --- Word's automatic numbering running on across articles ---------------------------------


def test_word_numbering_across_articles_restarts_at_each_article():
    data = make_docx(
        [
            Styled("Article 1"),
            Numbered("First paragraph of article 1."),
            Numbered("Second paragraph of article 1:"),
            Numbered("a letter;", ilvl=1),
            Numbered("another letter.", ilvl=1),
            "Article 2",  # a heading typed as a plain paragraph
            Numbered("First paragraph of article 2."),  # Word shows "3."
            Numbered("Second paragraph of article 2:"),  # "4."
            Numbered("its letter.", ilvl=1),
            Styled("Article 3"),
            "States shall:",
            Numbered("report;", "letters", 1),
            Numbered("publish.", "letters", 1),
            Styled("Article 4"),
            "States may:",
            Numbered("meet.", "letters", 1),  # Word shows "(c)"
        ]
    )
    # Word itself numbers on: the labels the reader rebuilds are those a reader sees.
    result = parse(data, "auto.docx")
    assert result.warnings == []
    assert [p.label for p in result.article("1").paragraphs] == ["1", "2"]
    two = result.article("2").paragraphs
    assert [(p.label, p.text) for p in two] == [
        ("1", "First paragraph of article 2."),
        ("2", "Second paragraph of article 2:"),
    ]
    assert [c.label for c in two[1].children] == ["(a)"]
    assert [p.label for p in result.article("3").paragraphs] == ["(a)", "(b)"]
    assert [p.label for p in result.article("4").paragraphs] == ["(a)"]
    (note,) = result.adjustments
    assert "started again at 1 in articles 2, 4" in note


def test_word_numbering_that_restarts_by_itself_needs_no_note():
    data = make_docx(
        [
            Styled("Article 1"),
            Numbered("One.", "art1"),
            Numbered("Two.", "art1"),
            Styled("Article 2"),
            Numbered("One again.", "art2"),
        ]
    )
    result = parse(data, "auto.docx")
    assert result.warnings == [] and result.adjustments == []
    assert [p.label for p in result.article("2").paragraphs] == ["1"]


def test_typed_numbers_running_on_are_a_warning_not_a_silent_change():
    result = parse("Article 1\n\n1. One.\n\n2. Two.\n\nArticle 2\n\n3. Three.\n\n4. Four.\n")
    assert [p.label for p in result.article("2").paragraphs] == ["3", "4"]
    assert any("paragraph 3 where paragraph 1 was expected" in w for w in result.warnings)


# --- Markdown front matter, footnotes, link lists -------------------------------------------

NOTES_MD = """\
---
title: Draft declaration on the right to test
symbol: A/HRC/WG.99/1
date: 2026-01-15
tags:
  - testing
  - drafts
---

# Draft declaration on the right to test

*The Human Rights Council,*

*Recalling* its resolution 1/1,[^1]

*Noting* the report of the Working Group,[^wg]

*Proclaims* the following:

## Article 1

1. Everyone has the right to test.[^3]
2. States shall respect that right.

## Article 2

States shall report every year.

[^1]: Adopted on 1 January 2020.
[^wg]: A/HRC/WG.99/2.
[^3]: See also the commentary,
    which continues on a second line.

[ohchr]: https://www.ohchr.org

## Links

- [OHCHR](https://www.ohchr.org)
- [United Nations Treaty Collection](https://treaties.un.org)
"""

NOTES_TXT = """\
Draft declaration on the right to test

The Human Rights Council,

Recalling its resolution 1/1,[1]

Noting the report of the Working Group,\u00b2

Proclaims the following:

Article 1

1. Everyone has the right to test.[3]
2. States shall respect that right.

Article 2

States shall report every year.

Footnotes

1. Adopted on 1 January 2020.
2. A/HRC/WG.99/2.
3. See also the commentary,
which continues on a second line.
"""

NOTES_DOCX = [
    "Draft declaration on the right to test",
    "The Human Rights Council,",
    "Recalling its resolution 1/1,[^1]",
    "Noting the report of the Working Group,[^2]",
    "Proclaims the following:",
    Styled("Article 1"),
    Numbered("Everyone has the right to test.[^3]"),
    Numbered("States shall respect that right."),
    Styled("Article 2"),
    "States shall report every year.",
]
NOTES_DOCX_TEXTS = {
    1: "Adopted on 1 January 2020.",
    2: "A/HRC/WG.99/2.",
    3: "See also the commentary, which continues on a second line.",
}


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (NOTES_MD, "notes.md"),
        (NOTES_TXT, "notes.txt"),
        (make_docx(NOTES_DOCX, NOTES_DOCX_TEXTS), "notes.docx"),
    ],
    ids=["md", "txt", "docx"],
)
def test_footnotes_become_footnotes_where_they_are_called(data, name):
    result = parse(data, name)
    assert result.warnings == []
    assert result.front_matter == "Draft declaration on the right to test"
    assert result.title == "Draft declaration on the right to test"
    assert result.chapeau == "The Human Rights Council,"
    pp1, pp2 = result.preamble
    assert pp1.intro == "Recalling its resolution 1/1,"
    assert pp2.intro == "Noting the report of the Working Group,"
    article_1, article_2 = result.articles
    assert [p.text for p in article_1.paragraphs] == [
        "Everyone has the right to test.",
        "States shall respect that right.",
    ]
    # Nothing of the notes or links lands in the last article.
    assert article_2.intro == "States shall report every year."
    assert article_2.paragraphs == []
    assert [(n.label, n.text) for n in result.footnotes] == [
        ("1", "Adopted on 1 January 2020."),
        ("2", "A/HRC/WG.99/2."),
        ("3", "See also the commentary, which continues on a second line."),
    ]
    one, two, three = result.footnotes
    assert (one.provision, one.place, one.call_at) == (pp1, "intro", len(pp1.intro))
    assert (two.provision, two.place) == (pp2, "intro")
    assert (three.provision, three.place, three.paragraph) == (
        article_1,
        "text",
        article_1.paragraphs[0],
    )
    assert three.call_at == len("Everyone has the right to test.")
    assert pp1.footnotes == [one]
    # No call is left in the text.
    body = result.as_text().rsplit("\n[1] ", 1)[0]
    assert "[" not in body and "\u00b2" not in body and "\ue000" not in body


def test_markdown_front_matter_is_kept_out_of_the_text():
    result = parse(NOTES_MD, "notes.md")
    assert result.format == "markdown"
    assert "symbol: A/HRC/WG.99/1" in result.notes
    assert "tags: testing, drafts" in result.notes
    assert "symbol" not in result.as_text()
    assert result.links == [
        "[ohchr] https://www.ohchr.org",
        "OHCHR https://www.ohchr.org",
        "United Nations Treaty Collection https://treaties.un.org",
    ]
    assert any("3 links listed at the end" in a for a in result.adjustments)


def test_footnote_call_without_text_and_text_without_call_are_warnings():
    result = parse(
        "Article 1\n\nEveryone may test.[^1] Nobody must.[^9]\n\n"
        "[^1]: A note.\n[^2]: A note nobody calls.\n",
        "x.md",
    )
    assert result.article("1").intro == "Everyone may test. Nobody must."
    joined = "\n".join(result.warnings)
    assert 'footnote call "9" has no footnote text' in joined
    assert "Footnote 2 is called nowhere in the text" in joined
    assert [n.label for n in result.footnotes] == ["1", "2"]
    assert result.footnotes[1].place is None


def test_a_plain_notes_heading_without_calls_stays_text():
    result = parse("Article 1\n\nNotes\n\n1. Notes are kept as text here.\n")
    assert result.footnotes == []
    assert result.article("1").paragraphs[0].text == "Notes are kept as text here."


# --- a preamble written as one run-on paragraph ----------------------------------------------

RUN_ON = (
    "The States Parties to the present Convention, Considering that tests protect users, "
    "Noting the work of testers everywhere, Bearing in mind that no test is ever complete, "
    "Deeply concerned that tests are skipped, Convinced that more tests are needed, "
    "Have agreed as follows:"
)
RUN_ON_TXT = (
    "Draft convention on testing\n\n"
    "The States Parties to the present Convention, Considering that tests protect users,\n"
    "Noting the work of testers everywhere, Bearing in mind that no test is ever complete,\n"
    "Deeply concerned that tests are skipped, Convinced that more tests are needed,\n"
    "Have agreed as follows:\n\n"
    "Article 1\n\nEvery State Party shall test.\n"
)
RUN_ON_MD = (
    "# Draft convention on testing\n\n"
    "The States Parties to the present Convention, *Considering* that tests protect users, "
    "*Noting* the work of testers everywhere, *Bearing in mind* that no test is ever "
    "complete, *Deeply concerned* that tests are skipped, *Convinced* that more tests are "
    "needed, *Have agreed as follows:*\n\n"
    "## Article 1\n\nEvery State Party shall test.\n"
)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (RUN_ON_TXT, "run-on.txt"),
        (RUN_ON_MD, "run-on.md"),
        (
            make_docx(
                [
                    "Draft convention on testing",
                    RUN_ON,
                    Styled("Article 1"),
                    "Every State Party shall test.",
                ]
            ),
            "run-on.docx",
        ),
    ],
    ids=["txt", "md", "docx"],
)
def test_run_on_preamble_is_cut_at_its_openers(data, name):
    result = parse(data, name)
    assert result.warnings == []
    assert result.title == "Draft convention on testing"
    assert result.chapeau == "The States Parties to the present Convention,"
    assert [pp.intro for pp in result.preamble] == [
        "Considering that tests protect users,",
        "Noting the work of testers everywhere,",
        "Bearing in mind that no test is ever complete,",
        "Deeply concerned that tests are skipped,",
        "Convinced that more tests are needed,",
    ]
    assert result.proclamation == "Have agreed as follows:"
    (note,) = result.adjustments
    assert "cut into 7" in note


def test_run_on_preamble_with_lettered_paragraphs():
    result = parse(
        "Preamble\n\nThe General Assembly,\n\n"
        "(a) Recalling the Charter, (b) Welcoming the report, (c) Stressing the need for tests,\n\n"
        "Adopts the following:\n\nArticle 1\n\nText.\n"
    )
    assert result.warnings == []
    assert [(pp.source_label, pp.intro) for pp in result.preamble] == [
        ("(a)", "Recalling the Charter,"),
        ("(b)", "Welcoming the report,"),
        ("(c)", "Stressing the need for tests,"),
    ]


def test_run_on_preamble_that_cannot_be_cut_is_a_warning():
    result = parse(
        "Draft convention on testing\n\n"
        "The States Parties to the present Convention, considering that tests protect users "
        "and noting the work of testers everywhere, have come to an understanding on the "
        "following provisions, which they accept in good faith and intend to apply.\n\n"
        "Article 1\n\nEvery State Party shall test.\n"
    )
    assert result.preamble == []
    assert any("reads neither as a title nor as a chapeau" in w for w in result.warnings)


# --- final clauses and the chapeau ------------------------------------------------------------

FINAL_TXT = """\
Convention on testing

Preamble

The States Parties to the present Convention,

Recalling the need for tests,

Have agreed as follows:

Article 1

Every State Party shall test.

Article 2

1. The present Convention shall enter into force on the thirtieth day.
2. It shall be open for signature by all States.
IN WITNESS WHEREOF the undersigned plenipotentiaries, being duly authorized thereto by
their respective Governments, have signed the present Convention.
Done at Geneva, this fifteenth day of January two thousand and twenty-six.
"""
FINAL_MD = """\
# Convention on testing

## Preamble

*The States Parties to the present Convention,*

*Recalling* the need for tests,

*Have agreed as follows:*

## Article 1

Every State Party shall test.

## Article 2

1. The present Convention shall enter into force on the thirtieth day.
2. It shall be open for signature by all States.

**IN WITNESS WHEREOF** the undersigned plenipotentiaries, being duly authorized thereto by
their respective Governments, have signed the present Convention.

*Done at Geneva*, this fifteenth day of January two thousand and twenty-six.
"""
FINAL_WORDS = [
    "IN WITNESS WHEREOF the undersigned plenipotentiaries, being duly authorized thereto by "
    "their respective Governments, have signed the present Convention.",
    "Done at Geneva, this fifteenth day of January two thousand and twenty-six.",
]
FINAL_DOCX_TYPED = [
    Styled("Convention on testing", "Title"),
    Styled("Preamble", "Heading 1"),
    "The States Parties to the present Convention,",
    "Recalling the need for tests,",
    "Have agreed as follows:",
    Styled("Article 1"),
    "Every State Party shall test.",
    Styled("Article 2"),
    "1. The present Convention shall enter into force on the thirtieth day.",
    "2. It shall be open for signature by all States.",
    *FINAL_WORDS,
]
# Word users often leave the final formula in the numbered list of the last article.
FINAL_DOCX_AUTO = [
    *FINAL_DOCX_TYPED[:7],
    Styled("Article 2"),
    Numbered("The present Convention shall enter into force on the thirtieth day."),
    Numbered("It shall be open for signature by all States."),
    Numbered(FINAL_WORDS[0]),
    Numbered(FINAL_WORDS[1]),
]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (FINAL_TXT, "final.txt"),
        (FINAL_MD, "final.md"),
        (make_docx(FINAL_DOCX_TYPED), "typed.docx"),
        (make_docx(FINAL_DOCX_AUTO), "auto.docx"),
    ],
    ids=["txt", "md", "docx-typed", "docx-auto"],
)
def test_final_clauses_and_chapeau_are_recognised(data, name):
    result = parse(data, name)
    assert result.warnings == []
    assert result.front_matter == "Convention on testing"
    assert result.preamble_heading == "Preamble"
    assert result.chapeau == "The States Parties to the present Convention,"
    assert [pp.intro for pp in result.preamble] == ["Recalling the need for tests,"]
    assert result.proclamation == "Have agreed as follows:"
    assert [p.text for p in result.article("2").paragraphs] == [
        "The present Convention shall enter into force on the thirtieth day.",
        "It shall be open for signature by all States.",
    ]
    assert result.closing == "\n\n".join(FINAL_WORDS)
    if name == "auto.docx":
        assert len(result.adjustments) == 2
        assert 'list number "3."' in result.adjustments[0]


def test_place_and_date_alone_close_the_text():
    result = parse("Article 1\n\nText.\n\nGeneva, 15 January 2026\n")
    assert result.closing == "Geneva, 15 January 2026"
    assert result.article("1").paragraphs == []


def test_article_heading_after_final_clauses_is_a_warning():
    result = parse("Article 1\n\nText.\n\nDone at Geneva.\n\nArticle 2\n\nMore.\n")
    assert any("after the final clauses" in w for w in result.warnings)


# --- the masthead of a UN document -------------------------------------------------------------

MASTHEAD_TXT = """\
United Nations                                  A/HRC/59/L.1
General Assembly                                Distr.: Limited
                                                1 July 2025
                                                Original: English
Human Rights Council
Fifty-ninth session
16 June\u20139 July 2025
Agenda item 3
Promotion and protection of all human rights, civil, political, economic, social
and cultural rights, including the right to development

Albania, Costa Rica and Fiji: draft resolution

59/... Human rights and international solidarity

The Human Rights Council,

Recalling the Charter,

Adopts the following declaration:

Article 1

Everyone has the right to international solidarity.
"""
MASTHEAD_MD = """\
**Human Rights Council**
**Fifty-ninth session**
Agenda item 3
A/HRC/59/L.1
Distr.: General
12 June 2025
Original: English

# Human rights and international solidarity

*The Human Rights Council,*

*Recalling* the Charter,

*Adopts* the following declaration:

## Article 1

Everyone has the right to international solidarity.
"""
MASTHEAD_DOCX = [
    Table(
        [
            ["United Nations", "A/HRC/59/L.1"],
            ["General Assembly", "Distr.: General\n12 June 2025\nOriginal: English"],
        ]
    ),
    "Human Rights Council",
    "Fifty-ninth session",
    "Agenda item 3",
    "Promotion and protection of all human rights, civil, political, economic, social and "
    "cultural rights, including the right to development",
    Styled("Human rights and international solidarity", "Title"),
    "The Human Rights Council,",
    "Recalling the Charter,",
    "Adopts the following declaration:",
    Styled("Article 1"),
    "Everyone has the right to international solidarity.",
]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (MASTHEAD_TXT, "masthead.txt"),
        (MASTHEAD_MD, "masthead.md"),
        (make_docx(MASTHEAD_DOCX), "masthead.docx"),
    ],
    ids=["txt", "md", "docx"],
)
def test_masthead_is_not_the_title(data, name):
    result = parse(data, name)
    assert result.warnings == []
    assert result.title == "Human rights and international solidarity"
    assert "Human Rights Council" in result.masthead
    assert "Agenda item 3" in result.masthead
    assert any(line.startswith("Original:") for line in result.masthead)
    assert "Human Rights Council" not in (result.front_matter or "")
    assert "Fifty-ninth" not in result.as_text().split("Human rights and international")[1]
    assert result.chapeau == "The Human Rights Council,"
    assert [pp.intro for pp in result.preamble] == ["Recalling the Charter,"]
    assert result.article("1").intro == "Everyone has the right to international solidarity."


def test_masthead_agenda_title_and_sponsors_stay_out_of_the_title():
    result = parse(MASTHEAD_TXT)
    assert result.masthead[0] == "United Nations A/HRC/59/L.1"
    assert result.masthead[-2] == (
        "Promotion and protection of all human rights, civil, political, economic, social "
        "and cultural rights, including the right to development"
    )
    assert result.masthead[-1] == "Albania, Costa Rica and Fiji: draft resolution"
    # The resolution's number stays in the text, not in the title.
    assert result.front_matter == "59/... Human rights and international solidarity"


# --- "no warning" means the structure is right ------------------------------------------------


def test_text_after_the_numbered_paragraphs_of_an_article_is_a_warning():
    result = parse(
        "Article 1\n\n1. One.\n\n2. Two.\n\nSee the commentary at the end of this text.\n"
    )
    assert any("text without a number after 2. of Article 1" in w for w in result.warnings)


def test_text_between_the_title_and_the_chapeau_that_is_not_a_title_is_a_warning():
    result = parse(
        "Draft declaration\n\n"
        "This draft was prepared by the secretariat on the basis of the comments received.\n\n"
        "The General Assembly,\n\nRecalling the Charter,\n\nArticle 1\n\nText.\n"
    )
    assert result.chapeau == "The General Assembly,"
    assert any("reads neither as a title nor as a chapeau" in w for w in result.warnings)


def test_docx_written_for_tests_has_real_numbering_definitions():
    data = make_docx(LISTS_DOCX_AUTO)
    document = docx.Document(io.BytesIO(data))
    numbering = document.part.numbering_part.element.xml
    assert 'w:abstractNumId="901"' in numbering and "lowerRoman" in numbering
    assert not any(p.text.startswith(("1.", "(a)", "(i)")) for p in document.paragraphs)


def test_footnotes_heading_over_markdown_definitions_is_not_text():
    result = parse(
        "## Article 1\n\nEveryone may test.[^1]\n\n## Footnotes\n\n[^1]: A note.\n", "x.md"
    )
    assert result.warnings == []
    assert result.article("1").intro == "Everyone may test."
    assert result.article("1").paragraphs == []
    assert [n.text for n in result.footnotes] == ["A note."]
