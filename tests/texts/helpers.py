"""Test helpers: the corpus folder, and Word documents built from texts with python-docx."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from consult_app.texts.importer import ImportResult, ParsedParagraph

REPO_ROOT = Path(__file__).resolve().parents[2]
# The corpus sits in "shared/corpus" next to the repository, or next to the folder holding
# a worktree of it (/work/main and /work/wt/<name> both find /work/shared/corpus).
CORPUS = next(
    (
        folder / "shared" / "corpus"
        for folder in REPO_ROOT.parents
        if (folder / "shared" / "corpus").is_dir()
    ),
    REPO_ROOT.parent / "shared" / "corpus",
)


def corpus_bytes(name: str) -> bytes:
    """A file of the shared corpus; the test is skipped when the corpus is not there."""
    if not CORPUS.is_dir():
        pytest.skip(f"corpus folder {CORPUS} is absent")
    return (CORPUS / name).read_bytes()


_HEADING_LINE = re.compile(r"^Article \d+$")


def docx_typed(text: str, join_wrapped: bool) -> bytes:
    """A .docx of a corpus text with its numbers typed, one Word paragraph per paragraph.

    Leading ``#`` metadata lines are left out (a Word file would not have them). With
    ``join_wrapped`` the hard-wrapped lines of a blank-line-separated block are joined into
    one Word paragraph; otherwise every line is a Word paragraph.
    """
    document = docx.Document()
    current: list[str] = []

    def flush() -> None:
        if current:
            document.add_paragraph(" ".join(current))
            current.clear()

    for line in text.splitlines():
        if line.startswith("# "):
            continue
        if not line.strip():
            flush()
            continue
        if not join_wrapped or _HEADING_LINE.match(line.strip()):
            flush()
            document.add_paragraph(line.strip())
            continue
        current.append(line.strip())
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class AutoNumbering:
    """Word numbering definitions added to a python-docx document.

    Abstract 901: decimal "%1." / lowerLetter "(%2)" / lowerRoman "(%3)" (article
    paragraphs); abstract 902: lowerLetter "(%1)" (lettered preamble).
    """

    def __init__(self, document: docx.document.Document) -> None:
        self.root = document.part.numbering_part.element
        self.next_id = 900
        self._abstract(901, [("decimal", "%1."), ("lowerLetter", "(%2)"), ("lowerRoman", "(%3)")])
        self._abstract(902, [("lowerLetter", "(%1)")])

    def _abstract(self, abstract_id: int, levels: list[tuple[str, str]]) -> None:
        lvls = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>'
            for i, (fmt, text) in enumerate(levels)
        )
        element = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'
        )
        nums = self.root.findall(f"{{{element.nsmap['w']}}}num")
        if nums:
            nums[0].addprevious(element)
        else:
            self.root.append(element)

    def new_list(self, abstract_id: int) -> int:
        """A new list instance that restarts every level at 1."""
        self.next_id += 1
        overrides = "".join(
            f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="1"/></w:lvlOverride>'
            for i in range(3)
        )
        self.root.append(
            parse_xml(
                f'<w:num {nsdecls("w")} w:numId="{self.next_id}">'
                f'<w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'
            )
        )
        return self.next_id


def number_paragraph(paragraph: docx.text.paragraph.Paragraph, num_id: int, ilvl: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = ilvl
    num_pr.get_or_add_numId().val = num_id


def docx_auto_numbered(result: ImportResult, one_list: bool = False) -> bytes:
    """A .docx of a recognised text whose labels come from Word's automatic numbering.

    Articles are "Heading 2" paragraphs with the title as "Heading 3"; "1.", "(a)" and "(i)"
    are removed from the text and produced by numbering definitions instead. With
    ``one_list`` every article's paragraphs belong to one Word list, which Word numbers on
    from one article to the next.
    """
    document = docx.Document()
    numbering = AutoNumbering(document)
    for block in (result.front_matter or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    if result.preamble_heading:
        document.add_paragraph(result.preamble_heading)
    for block in (result.chapeau or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    preamble_list = numbering.new_list(902)
    for pp in result.preamble:
        paragraph = document.add_paragraph(pp.intro or "")
        if pp.source_label:
            number_paragraph(paragraph, preamble_list, 0)
    for block in (result.proclamation or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    shared = 0

    def add(paragraphs: list[ParsedParagraph], num_id: int) -> None:
        for para in paragraphs:
            paragraph = document.add_paragraph(para.text)
            if para.label:
                number_paragraph(paragraph, num_id, para.level)
            add(para.children, num_id)

    for article in result.articles:
        if article.part_heading:
            document.add_paragraph(article.part_heading, style="Heading 1")
        document.add_paragraph(f"Article {article.number}", style="Heading 2")
        if article.title:
            document.add_paragraph(article.title, style="Heading 3")
        for block in (article.intro or "").split("\n\n"):
            if block:
                document.add_paragraph(block)
        if one_list:
            shared = shared or numbering.new_list(901)
        add(article.paragraphs, shared if one_list else numbering.new_list(901))
    for block in (result.closing or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Word documents written for the tests ----------------------------------------------

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CALL = re.compile(r"\[\^(\d+)\]")


@dataclass
class Numbered:
    """A paragraph numbered by Word: list ``num`` (a key of the document's lists), level."""

    text: str
    num: str = "paragraphs"
    ilvl: int = 0


@dataclass
class Styled:
    text: str
    style: str = "Heading 2"


@dataclass
class Table:
    rows: list[list[str]]


def _add_runs(paragraph: docx.text.paragraph.Paragraph, text: str) -> None:
    """Runs for ``text``: "\\n" is a line break, "[^2]" a call of footnote 2."""
    for n, line in enumerate(text.split("\n")):
        if n:
            paragraph.add_run().add_break()
        position = 0
        for match in _CALL.finditer(line):
            if match.start() > position:
                paragraph.add_run(line[position : match.start()])
            paragraph._p.append(
                parse_xml(
                    f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                    f'<w:footnoteReference w:id="{match.group(1)}"/></w:r>'
                )
            )
            position = match.end()
        if position < len(line):
            paragraph.add_run(line[position:])


def _add_footnotes_part(document: docx.document.Document, notes: dict[int, str]) -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = "".join(
        f'<w:footnote w:id="{number}"><w:p><w:r><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {xml_escape(text)}</w:t></w:r></w:p></w:footnote>'
        for number, text in notes.items()
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:footnotes xmlns:w="{_W_NS}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
        "</w:footnote>"
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:footnote>"
        f"{body}</w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        xml.encode(),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)


def make_docx(
    entries: list[str | Numbered | Styled | Table], footnotes: dict[int, str] | None = None
) -> bytes:
    """A .docx written for a test: plain, styled and automatically numbered paragraphs,
    tables, line breaks ("\\n") and footnote calls ("[^1]", texts in ``footnotes``).

    Each key of :class:`Numbered` is one Word list (one ``w:num``) over abstract 901
    (decimal "%1." / lowerLetter "(%2)" / lowerRoman "(%3)"), so that a list used under
    several articles runs on as it does in Word.
    """
    document = docx.Document()
    numbering = AutoNumbering(document)
    lists: dict[str, int] = {}
    for entry in entries:
        if isinstance(entry, Table):
            table = document.add_table(rows=len(entry.rows), cols=len(entry.rows[0]))
            for r, row in enumerate(entry.rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).paragraphs[0].text = ""
                    _add_runs(table.cell(r, c).paragraphs[0], cell)
            continue
        if isinstance(entry, Styled):
            paragraph = document.add_paragraph(style=entry.style)
            _add_runs(paragraph, entry.text)
            continue
        paragraph = document.add_paragraph()
        if isinstance(entry, Numbered):
            if entry.num not in lists:
                lists[entry.num] = numbering.new_list(901)
            number_paragraph(paragraph, lists[entry.num], entry.ilvl)
            _add_runs(paragraph, entry.text)
        else:
            _add_runs(paragraph, entry)
    if footnotes:
        _add_footnotes_part(document, footnotes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
