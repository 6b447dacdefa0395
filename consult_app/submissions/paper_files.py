"""Reading a position paper's file: a .docx (paragraphs and table rows, in order) or a .pdf
(lines rebuilt into paragraphs and table rows) into :class:`Block` s, after the file checks
of :mod:`consult_app.core.files`. A file that cannot be read raises :class:`PaperError`.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from consult_app.core.errors import UserError
from consult_app.core.files import FileProblem, check_ooxml, check_pdf
from consult_app.submissions.paper_language import QUOTE, find_references

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 200
MAX_BLOCKS = 5_000


class PaperError(UserError):
    """The file cannot be read as a position paper; the message says why."""


# --- reading the file ------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A paragraph of the paper, or a table row (``cells``; ``table`` numbers the table)."""

    text: str
    heading: bool = False
    cells: tuple[str, ...] | None = None
    table: int | None = None


def read_paper(data: bytes) -> list[Block]:
    """The paragraphs and table rows of a .docx or .pdf paper, checked by content."""
    if data.startswith(b"%PDF-"):
        try:
            check_pdf(data)
        except FileProblem as problem:
            logger.info("position paper refused as PDF: %s", problem)
            raise PaperError(
                _(
                    "This file looks like a PDF but cannot be opened as one, or "
                    "runs scripts. Save it again as a plain PDF."
                )
            ) from problem
        blocks = _pdf_blocks(data)
    elif data.startswith(b"PK\x03\x04"):
        try:
            check_ooxml(data, "word/document.xml")
        except FileProblem as problem:
            logger.info("position paper refused as DOCX: %s", problem)
            raise PaperError(
                _(
                    "This is not a Word document that can be read safely (damaged, "
                    "too large once expanded, or not .docx). Save it again as "
                    ".docx."
                )
            ) from problem
        blocks = _docx_blocks(data)
    else:
        raise PaperError(
            _("Only Word (.docx) and PDF position papers can be read; this file is neither.")
        )
    if not blocks:
        raise PaperError(
            _(
                "No text was found in this file (a scanned PDF has only images of "
                "text: ask for the Word version)."
            )
        )
    return blocks[:MAX_BLOCKS]


def _docx_blocks(data: bytes) -> list[Block]:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises many kinds on a bad package
        logger.info("unreadable position paper: %s", error)
        raise PaperError(_("This Word document cannot be read. Save it again as .docx.")) from error
    blocks: list[Block] = []
    tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            tables += 1
            for row in item.rows:
                seen: set[int] = set()
                cells = []
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell is listed once per column
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                if any(cells):
                    blocks.append(
                        Block(" ".join(c for c in cells if c), cells=tuple(cells), table=tables)
                    )
            continue
        text = " ".join(item.text.split())
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        heading = style.lower().startswith(("heading", "title", "subtitle"))
        blocks.append(Block(text, heading=heading))
    return blocks


_RUN = re.compile(r"\S+(?: {1,2}\S+)*")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)


def _baselines(page: Any) -> list[float]:
    """The baselines of the page's lines, top to bottom (fragments within 1pt are one)."""
    ys: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_args: Any) -> None:
        if text.strip():
            ys.append(cm[1] * tm[4] + cm[3] * tm[5] + cm[5])

    page.extract_text(visitor_text=visit)
    lines: list[float] = []
    for y in sorted(ys, reverse=True):
        if not lines or lines[-1] - y > 1.0:
            lines.append(y)
    return lines


def _pdf_lines(data: bytes) -> list[str]:
    """The lines of the PDF as laid out, with a blank line where the spacing is wider than
    between the lines of a paragraph (the gap between paragraphs or table rows)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    lines: list[str] = []
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = page.extract_text(extraction_mode="layout", layout_mode_space_vertically=False)
        page_lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        indent = min((len(x) - len(x.lstrip()) for x in page_lines), default=0)
        page_lines = [x[indent:] for x in page_lines]
        ys = _baselines(page)
        gaps: list[float] = [ys[k - 1] - ys[k] for k in range(1, len(ys))]
        if len(ys) == len(page_lines) and gaps:
            usual = min(gaps)  # the leading of the lines of one paragraph
            for k, line in enumerate(page_lines):
                if k and gaps[k - 1] > usual * 1.2:
                    lines.append("")
                lines.append("" if _PAGE_NUMBER.match(line) else line)
        else:
            lines.extend("" if _PAGE_NUMBER.match(x) else x for x in page_lines)
        lines.append("")
    return lines


# What may stand before the reference of a heading: "1.", "B)", "Comments on", "Re:".
_HEADING_PREFIX = re.compile(
    r"^(?:(?:\d{1,3}|[ivxlc]{1,5}|[a-z])[.)]\s*)?(?:re:\s*)?(?:(?:comments?|observations?|"
    r"remarks?|proposals?)\s+(?:on|to|regarding|concerning)\s+)?(?:the\s+)?$",
    re.I,
)


def looks_like_heading(text: str, limit: float = 100) -> bool:
    if len(text) > limit or text[-1:] in ".;,!?" or len(text.split()) > 12:
        return False
    if QUOTE.search(text) or re.search('[\u201c\u201d\u2018\u2019\u00ab\u00bb"]', text):
        return False  # headings quote no wording
    references = find_references(text)
    return bool(references and _HEADING_PREFIX.match(text[: references[0].start])) or bool(
        re.match(r"^(?:annex|preamble|general\s+(?:comments|remarks|observations))\b", text, re.I)
    )


def _pdf_blocks(data: bytes) -> list[Block]:
    lines = _pdf_lines(data)
    width = max((len(x.strip()) for x in lines), default=0)
    blocks: list[Block] = []
    paragraph: list[str] = []
    tables = 0

    def close() -> None:
        if paragraph:
            text = " ".join(" ".join(paragraph).split())
            blocks.append(Block(text))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        runs = list(_RUN.finditer(line))
        if len(runs) >= 2 and runs[0].start() < 3:
            close()
            tables += 1
            i = _pdf_table(lines, i, tables, blocks)
            continue
        text = line.strip()
        if not text:
            close()
        elif (
            not paragraph
            and not text[:1].islower()
            and looks_like_heading(text, min(100, 0.7 * width))
        ):
            close()
            blocks.append(Block(text, heading=True))
        else:
            paragraph.append(text)
            if text[-1:] in '.:;!?”"' and len(text) < 0.8 * width:
                close()
        i += 1
    close()
    return blocks


def _pdf_table(lines: list[str], i: int, table: int, blocks: list[Block]) -> int:
    """Read table rows from ``lines[i]`` on (cells are columns of the layout); the next line."""
    anchors = [m.start() for m in _RUN.finditer(lines[i])]
    rows: list[list[list[str]]] = []
    blank = False
    while i < len(lines):
        line = lines[i]
        runs = list(_RUN.finditer(line))
        if not runs:
            if blank:
                break
            blank = True
            i += 1
            continue
        tabular = (
            len(runs) >= 2
            or runs[0].start() >= anchors[1] - 2
            or (runs[0].end() < anchors[1] - 1 and runs[0].start() < 3)
        )
        if not tabular:
            break
        cells: list[list[str]] = [[] for _ in anchors]
        for run in runs:
            column = max((k for k, a in enumerate(anchors) if a <= run.start() + 2), default=0)
            cells[column].append(run.group())
        first = " ".join(cells[0])
        new_row = not rows or (
            first
            and (
                blank
                or bool((refs := find_references(first)) and refs[0].start == 0)
                or len(rows) == 1
            )
        )
        if new_row:
            rows.append([[] for _ in anchors])
        for column, parts in enumerate(cells):
            rows[-1][column].extend(parts)
        blank = False
        i += 1
    for row in rows:
        texts = tuple(" ".join(" ".join(parts).split()) for parts in row)
        if any(texts):
            blocks.append(Block(" ".join(t for t in texts if t), cells=texts, table=table))
    return i
