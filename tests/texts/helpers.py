"""Test helpers: the corpus folder, and Word documents built from texts with python-docx."""

from __future__ import annotations

import io
import re
from pathlib import Path

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


def docx_auto_numbered(result: ImportResult) -> bytes:
    """A .docx of a recognised text whose labels come from Word's automatic numbering.

    Articles are "Heading 2" paragraphs with the title as "Heading 3"; "1.", "(a)" and "(i)"
    are removed from the text and produced by numbering definitions instead.
    """
    document = docx.Document()
    numbering = AutoNumbering(document)
    for block in (result.chapeau or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    if result.preamble_heading:
        document.add_paragraph(result.preamble_heading)
    preamble_list = numbering.new_list(902)
    for pp in result.preamble:
        paragraph = document.add_paragraph(pp.intro or "")
        if pp.source_label:
            number_paragraph(paragraph, preamble_list, 0)
    for block in (result.proclamation or "").split("\n\n"):
        if block:
            document.add_paragraph(block)

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
        add(article.paragraphs, numbering.new_list(901))
    for block in (result.closing or "").split("\n\n"):
        if block:
            document.add_paragraph(block)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
