"""Position papers: a delegation's Word or PDF paper split into comments on provisions.

Delegations write papers, not forms. :func:`read_paper` turns a .docx (paragraphs and
table rows, in order) or a .pdf (lines rebuilt into paragraphs and table rows) into
:class:`Block` s; :func:`split_paper` reads the blocks against the provisions of the text
under consultation (a :class:`Catalogue`) and returns the comments it recognised, with the
paragraph, the position the paper states, the body and the proposed wording, and keeps
every sentence it cannot attribute as general remarks: nothing is dropped. Nothing here
touches the database; the result is shown for confirmation before anything is saved.

How a passage is attributed:

- a heading (a Word heading, or a short line that starts with a reference such as
  "Article 4" or "Draft article 7 bis") sets the provision for what follows, until the next
  heading; a sentence under it moves to another provision or paragraph only when it opens
  with a reference ("Regarding paragraph 2, ...", "PP3: ...");
- without a heading (running prose), the first reference of a sentence sets the provision
  for that sentence and the rest of its paragraph;
- a table row names its provision in its first cell (or in the column headed "Provision" /
  "Article"); a column headed "Proposed text" / "Amendment" holds the proposed wording, one
  headed "Position" the position;
- "replace “X” with “Y”", "insert “Y” after “X”", "delete “X”" are applied to the current
  wording to give the proposed wording; "to read as follows:" takes the quoted text, or
  the next paragraph, as the whole new wording.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from consult_app.core.errors import UserError
from consult_app.core.files import FileProblem, check_ooxml, check_pdf
from consult_app.submissions.models import Position
from consult_app.texts.models import Provision, ProvisionKind

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 200
MAX_BLOCKS = 5_000
PREAMBLE = "preamble"
ARTICLE = "article"


class PaperError(UserError):
    """The file cannot be read as a position paper; the message says why."""


# --- what the paper is read against ----------------------------------------------------


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


@dataclass(frozen=True)
class TargetParagraph:
    label: str  # "2", "2(b)"
    text: str
    id: int | None = None


@dataclass(frozen=True)
class Target:
    """A provision of the text: its kind, number, label ("Article 4", "PP3") and wording."""

    kind: str
    number: str
    text: str
    paragraphs: tuple[TargetParagraph, ...] = ()
    id: int | None = None

    @property
    def label(self) -> str:
        return f"PP{self.number}" if self.kind == PREAMBLE else f"Article {self.number}"


class Catalogue:
    """The provisions of one version, found by kind and number ("7 bis" = "7bis")."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.targets = list(targets)
        self._by_key = {(t.kind, _key(t.number)): t for t in self.targets}

    def find(self, kind: str, number: str) -> Target | None:
        return self._by_key.get((kind, _key(number)))

    def paragraph(self, target: Target, label: str) -> TargetParagraph | None:
        wanted = _key(label)
        for paragraph in target.paragraphs:
            if _key(paragraph.label) == wanted:
                return paragraph
        # "(b)" alone: the only sub-paragraph lettered b.
        found = [
            p
            for p in target.paragraphs
            if _key(p.label)[-len(wanted) :] == wanted
            and not _key(p.label)[: -len(wanted)].isalpha()
        ]
        return found[0] if len(found) == 1 and wanted.isalpha() else None


def catalogue_from(provisions: Sequence[Provision]) -> Catalogue:
    """A :class:`Catalogue` of the given provisions (with their paragraphs loaded)."""
    targets = []
    for provision in provisions:
        by_id = {p.id: p for p in provision.paragraphs}
        paragraphs: list[TargetParagraph] = []
        for paragraph in provision.paragraphs:
            parts: list[str] = []
            node = paragraph
            while node is not None:
                label = (node.label or "").strip().strip(".").strip("()")
                parts.append(label if node.level == 0 else f"({label})")
                node = by_id.get(node.parent_id) if node.parent_id else None  # type: ignore[assignment]
            if all(parts):
                paragraphs.append(
                    TargetParagraph("".join(reversed(parts)), paragraph.text, paragraph.id)
                )
        kind = PREAMBLE if provision.kind is ProvisionKind.PREAMBLE else ARTICLE
        targets.append(
            Target(kind, provision.number, provision.plain_text(), tuple(paragraphs), provision.id)
        )
    return Catalogue(targets)


# --- references ------------------------------------------------------------------------

ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20,
}  # fmt: skip
_ORD = r"(?P<ord>" + "|".join(ORDINALS) + r"|\d{1,2}(?:st|nd|rd|th))"
_NUM = r"(?P<num>\d{1,3}(?:\s?(?:bis|ter|quater|quinquies|sexies))?)\b"
_SUB = r"(?:\s*\((?P<p1>\d{1,3})\))?(?:\s*\((?P<s1>[a-z]{1,4})\))?"
_PARA = (
    r"(?:,?\s*(?:paragraph|para\.?)\s*(?P<p2>\d{1,3})(?:\s*\((?P<s2>[a-z]{1,4})\))?)?"
    r"(?:,?\s*(?:sub-?paragraph|subpara\.?)\s*\((?P<s3>[a-z]{1,4})\))?"
)
_REFERENCES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PREAMBLE, re.compile(r"\b(?:the\s+)?" + _ORD + r"\s+preambular\s+paragraph\b", re.I)),
    (PREAMBLE, re.compile(r"\b(?:the\s+)?" + _ORD + r"\s+paragraph\s+of\s+the\s+preamble\b", re.I)),
    (PREAMBLE, re.compile(r"\bpreambular\s+paragraph\s+" + _NUM, re.I)),
    (PREAMBLE, re.compile(r"\bparagraph\s+" + _NUM + r"\s+of\s+the\s+preamble\b", re.I)),
    (PREAMBLE, re.compile(r"\bpreamble,?\s+(?:paragraph|para\.?)\s*" + _NUM, re.I)),
    (PREAMBLE, re.compile(r"\bPP\s?" + _NUM)),
    (ARTICLE, re.compile(r"\bOP\s?" + _NUM + _SUB)),
    (ARTICLE, re.compile(r"\boperative\s+paragraph\s+" + _NUM + _SUB, re.I)),
    (
        ARTICLE,
        re.compile(
            r"\b(?:sub-?paragraph\s+\((?P<s0>[a-z]{1,4})\)\s+of\s+)?paragraph\s+(?P<p0>\d{1,3})"
            r"(?:\s*\((?P<s4>[a-z]{1,4})\))?\s+of\s+(?:draft\s+)?article\s+" + _NUM,
            re.I,
        ),
    ),
    (ARTICLE, re.compile(r"\b(?:draft\s+)?(?:articles?|art\.?)\s*" + _NUM + _SUB + _PARA, re.I)),
)
# A paragraph of the provision being discussed, named at the start of a sentence.
_RELATIVE = re.compile(
    r"\b(?:sub-?paragraph\s+\((?P<s0>[a-z]{1,4})\)|(?:paragraph|para\.?)\s*(?P<p0>\d{1,3})"
    r"(?:\s*\((?P<s1>[a-z]{1,4})\))?)",
    re.I,
)
LEADING = 40  # a reference starting this far into a sentence opens it


@dataclass(frozen=True)
class Reference:
    kind: str
    number: str
    paragraph: str | None  # "2", "2(b)", "(b)"
    start: int
    end: int
    relative: bool = False


def _group(match: re.Match[str], *names: str) -> str | None:
    for name in names:
        if name in match.re.groupindex and match.group(name):
            return match.group(name)
    return None


def _paragraph_label(number: str | None, letter: str | None) -> str | None:
    if number and letter:
        return f"{number}({letter.lower()})"
    if number:
        return number
    if letter:
        return f"({letter.lower()})"
    return None


# "article 19 of the International Covenant", "article 2 of resolution 60/251": another
# instrument's provision, not one of the text under consultation.
_EXTERNAL = re.compile(
    r"\s*,?\s+of\s+(?:the\s+|its\s+|that\s+)?(?!(?:draft|present|revised|preamble|text)\b)"
    r"(?:(?-i:[A-Z])|(?:international|universal|optional|covenant|convention|charter|treaty|"
    r"protocol|resolution|statute|constitution|agreement)\b)",
    re.I,
)


def find_references(text: str) -> list[Reference]:
    """The references to provisions in ``text``, in order, without overlaps."""
    found: list[Reference] = []
    for kind, pattern in _REFERENCES:
        for match in pattern.finditer(text):
            if _EXTERNAL.match(text, match.end()):
                continue
            ordinal = _group(match, "ord")
            if ordinal:
                word = ordinal.lower()
                number = str(ORDINALS.get(word) or int(re.sub(r"\D", "", word)))
            else:
                number = " ".join((_group(match, "num") or "").lower().split())
                number = re.sub(r"(\d)(bis|ter|quater|quinquies|sexies)", r"\1 \2", number)
            paragraph = None
            if kind == ARTICLE:
                paragraph = _paragraph_label(
                    _group(match, "p0", "p1", "p2"), _group(match, "s0", "s4", "s1", "s2", "s3")
                )
            found.append(Reference(kind, number, paragraph, match.start(), match.end()))
    found.sort(key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[Reference] = []
    for reference in found:
        if kept and reference.start < kept[-1].end:
            continue
        kept.append(reference)
    return kept


def _relative_reference(sentence: str, absolute: list[Reference]) -> Reference | None:
    """The first "paragraph 2" / "subparagraph (b)" that is not part of a full reference."""
    for match in _RELATIVE.finditer(sentence):
        if any(r.start <= match.start() < r.end for r in absolute):
            continue
        label = _paragraph_label(_group(match, "p0"), _group(match, "s0", "s1"))
        return Reference("", "", label, match.start(), match.end(), relative=True)
    return None


# --- sentences, quotes, positions and proposals ----------------------------------------

_ABBREVIATIONS = {"art", "arts", "para", "paras", "no", "nos", "e.g", "i.e", "cf", "mr", "ms",
                  "dr", "st", "p", "pp", "op", "vol", "etc", "viz", "subpara"}  # fmt: skip
_OPEN_QUOTES = {"“": "”", "\u2018": "\u2019", "«": "»", '"': '"'}


def split_sentences(text: str) -> list[str]:
    """The sentences of a paragraph (not cut inside quotes nor after "art." or "para.")."""
    sentences: list[str] = []
    start = 0
    closing: str | None = None
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if closing is not None:
            if ch == closing:
                closing = None
                if text[i - 1 : i] in (".", "!", "?") and i + 1 < n and text[i + 1].isspace():
                    j = i + 1
                    while j < n and text[j].isspace():
                        j += 1
                    if j < n and (text[j].isupper() or text[j] in '\u201c\u2018\u00ab"('):
                        sentences.append(text[start : i + 1].strip())
                        start = j
                        i = j
                        continue
        elif ch in _OPEN_QUOTES:
            closing = _OPEN_QUOTES[ch]
        elif ch in ".!?" and i + 1 < n and text[i + 1].isspace():
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            word = re.search(r"([\w.]+)$", text[start:i])
            abbreviation = word is not None and word.group(1).lower() in _ABBREVIATIONS
            # "1. The delegation ...": the label of a numbered paragraph, not a sentence.
            abbreviation = abbreviation or bool(
                re.fullmatch(r"\s*\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]?", text[start : i + 1])
            )
            if (
                j < n
                and not abbreviation
                and (text[j].isupper() or text[j].isdigit() or text[j] in '“\u2018«"(')
            ):
                sentences.append(text[start : i + 1].strip())
                start = j
                i = j
                continue
        i += 1
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return [s for s in sentences if s]


_QUOTE = re.compile(
    r"“([^”]+)”|\u2018([^\u2019]+)\u2019|«\s*([^»]+?)\s*»|\"([^\"]+)\"|(?<!\w)'([^']+)'(?!\w)"
)


def _mask(sentence: str) -> tuple[str, list[str]]:
    """The sentence with each quotation replaced by ⟦n⟧, and the quotations."""
    quotes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quotes.append(" ".join(next(g for g in match.groups() if g is not None).split()))
        return f"⟦{len(quotes) - 1}⟧"

    return _QUOTE.sub(keep, sentence), quotes


_Q = r"⟦(\d+)⟧"
_W = r"(?:the\s+(?:words?|phrases?|terms?|expressions?|reference\s+to)\s+)?"
_OPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "read",
        re.compile(
            r"(?:to|should|would|shall)\s+read(?:\s+as\s+follows)?\s*:?\s*"
            + _Q
            + r"|following\s+(?:new\s+)?(?:text|wording|formulation|language)"
            r"\s*:?\s*" + _Q,
            re.I,
        ),
    ),
    (
        "replace",
        re.compile(
            r"(?:replac\w*|substitut\w*)\s+" + _W + _Q + r"\s+(?:with|by)\s+" + _W + _Q, re.I
        ),
    ),
    (
        "replace",
        re.compile(
            _W + _Q + r"\s+(?:should|shall|could|would|to|must)?\s*(?:be\s+)?"
            r"replaced\s+(?:with|by)\s+" + _W + _Q,
            re.I,
        ),
    ),
    ("substitute", re.compile(r"substitut\w*\s+" + _W + _Q + r"\s+for\s+" + _W + _Q, re.I)),
    (
        "insert",
        re.compile(r"(?:insert\w*|add\w*)\s+" + _W + _Q + r"\s+(after|before)\s+" + _W + _Q, re.I),
    ),
    (
        "insert_at",
        re.compile(
            r"(?:insert\w*|add\w*)\s+(after|before)\s+" + _W + _Q + r"\s*,?\s+" + _W + _Q, re.I
        ),
    ),
    ("append", re.compile(r"(?:insert\w*|add\w*)\s+" + _W + _Q + r"\s+at\s+the\s+end", re.I)),
    (
        "append",
        re.compile(
            r"(?:insert\w*|add\w*)\s+at\s+the\s+end(?:\s+of\s+the\s+\w+)?\s*,?\s+" + _W + _Q, re.I
        ),
    ),
    (
        "delete",
        re.compile(r"(?:delet\w*|strik\w*(?:\s+out)?|remov\w*)(?:\s+of)?\s+" + _W + _Q, re.I),
    ),
    (
        "delete",
        re.compile(
            _W + _Q + r"\s+(?:should|shall|could|to|must)\s+be\s+"
            r"(?:deleted|removed|struck\s+out)",
            re.I,
        ),
    ),
)
_FOLLOWS = re.compile(
    r"(?:as\s+follows|following\s+(?:new\s+)?(?:text|wording|formulation|language|amendment|"
    r"paragraph)|(?:to|should|would)\s+read)\s*:\s*$",
    re.I,
)

_WHOLE_DELETION = re.compile(
    r"propos\w*\s+(?:the\s+)?deletion\b|propos\w*\s+to\s+delete\b|calls?\s+for\s+(?:the\s+)?"
    r"deletion\b|(?:should|must|be)\s+(?:be\s+)?deleted\b|\bdeletion\s+of\b|\bdelete\b",
    re.I,
)
_NOT_OPPOSED = re.compile(r"(?:does|do|did)\s+not\s+(?:oppose|object)|no\s+objection", re.I)
_OPPOSE = re.compile(
    r"\boppos(?:e|es|ed|ing)\b|\bcan\s*not\s+(?:accept|support|agree|endorse|join)|"
    r"\bobjects?\s+to\b|\bobjection\b|(?:does|do)\s+not\s+(?:support|accept|agree|endorse)|"
    r"\brejects?\b|\b(?:not\s+acceptable|unacceptable)\b|\bcould\s+not\s+(?:accept|support)",
    re.I,
)
_RESERVATION = re.compile(r"\breservations?\b|\breserves?\s+its\s+position", re.I)
_AMEND = re.compile(
    r"propos\w*\s+(?:to\s+amend|(?:the\s+following\s+|an\s+|some\s+)?amendments?)|"
    r"should\s+be\s+amended|suggests?\s+amending|propos\w*\s+(?:to\s+)?(?:replac|insert|add|"
    r"delet|reword|redraft)",
    re.I,
)
_SUPPORT = re.compile(
    r"\bsupport(?:s|ed|ing)?\b|\bwelcom(?:e|es|ed|ing)\b|\bendors(?:e|es|ed)\b|"
    r"\bin\s+favou?r\s+of\b|\bcan\s+accept\b|\bagrees?\s+with\b|\bappreciates?\b",
    re.I,
)


def _is_word_deletion(text: str, match: re.Match[str]) -> bool:
    if re.search(r"[”\"\u2019'»]\s*$", text[max(0, match.start() - 3) : match.start()]):
        return True  # “X” should be deleted
    after = text[match.end() : match.end() + 40]
    return bool(
        re.match(
            r"\s*(?:of\s+)?(?:the\s+)?(?:words?|phrases?|terms?|expressions?|"
            r"reference|[“\"\u2018'«])",
            after,
            re.I,
        )
    )


def read_position(text: str, *, proposal: bool = False) -> Position:
    """The position a passage states (the strongest one), or NO_POSITION."""
    text = " ".join(text.split())
    deletions = list(_WHOLE_DELETION.finditer(text))
    if any(not _is_word_deletion(text, m) for m in deletions):
        return Position.PROPOSE_DELETION
    proposal = proposal or bool(deletions)  # words to delete: an amendment
    cleaned = _NOT_OPPOSED.sub(" supports ", text)
    if _OPPOSE.search(cleaned):
        return Position.OPPOSE
    if _RESERVATION.search(cleaned):
        return Position.RESERVATION
    if proposal or _AMEND.search(cleaned):
        return Position.SUPPORT_WITH_AMENDMENTS
    if _SUPPORT.search(cleaned):
        return Position.SUPPORT
    return Position.NO_POSITION


_POSITION_WORDS = {
    "support": Position.SUPPORT,
    "supportwithamendments": Position.SUPPORT_WITH_AMENDMENTS,
    "oppose": Position.OPPOSE,
    "reservation": Position.RESERVATION,
    "proposedeletion": Position.PROPOSE_DELETION,
    "deletion": Position.PROPOSE_DELETION,
    "delete": Position.PROPOSE_DELETION,
    "noposition": Position.NO_POSITION,
}


def _position_cell(text: str) -> Position | None:
    word = _key(text)
    if not word:
        return None
    return _POSITION_WORDS.get(word) or read_position(text)


def _find(base: str, words: str) -> int:
    index = base.find(words)
    if index < 0:
        index = base.casefold().find(words.casefold())
    return index


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r" +([,.;:)])", r"\1", text).strip()


@dataclass
class _Edit:
    wording: str | None = None
    applied: bool = False
    full: str | None = None
    used_quotes: set[str] = field(default_factory=set)


def _apply(edit: _Edit, sentence: str, base: str, where: str, warnings: list[str]) -> None:
    masked, quotes = _mask(sentence)
    current = edit.wording if edit.wording is not None else base
    taken: list[tuple[int, int]] = []
    for name, pattern in _OPS:
        for match in pattern.finditer(masked):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            taken.append((match.start(), match.end()))
            groups = [g for g in match.groups() if g is not None]
            numbers = [quotes[int(g)] for g in groups if g.isdigit()]
            side = next((g.lower() for g in groups if not g.isdigit()), "after")
            edit.used_quotes.update(numbers)
            if name == "read":
                edit.full = numbers[0]
                continue
            if name == "substitute":
                numbers = [numbers[1], numbers[0]]
            if name == "insert_at":
                numbers = [numbers[1], numbers[0]]
            old = (
                numbers[0]
                if name in ("replace", "substitute", "delete")
                else (numbers[1] if name in ("insert", "insert_at") else None)
            )
            if old is not None:
                index = _find(current, old)
                if index < 0:
                    warnings.append(
                        _(
                            "“%(words)s” is not in the current wording of %(where)s: the "
                            "proposal that names it was not applied; check the proposed wording.",
                            words=old,
                            where=where,
                        )
                    )
                    continue
            if name in ("replace", "substitute"):
                assert old is not None
                current = re.sub(
                    re.escape(old), numbers[1].replace("\\", r"\\"), current, flags=re.I
                )
            elif name == "delete":
                assert old is not None
                current = _tidy(re.sub(re.escape(old), "", current, flags=re.I))
            elif name in ("insert", "insert_at"):
                assert old is not None
                index = _find(current, old)
                new = numbers[0]
                if side == "after":
                    cut = index + len(old)
                    joiner = "" if new[:1] in ",.;:" else " "
                    current = current[:cut] + joiner + new + current[cut:]
                else:
                    current = current[:index] + new + " " + current[index:]
            elif name == "append":
                new = numbers[0]
                body = current.rstrip()
                end = body[-1:] if body[-1:] in ".;" else ""
                body = body[: len(body) - len(end)]
                joiner = "" if new[:1] in ",.;:" else " "
                current = body + joiner + new.rstrip(".;") + end
            edit.applied = True
            edit.wording = current


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


def _looks_like_heading(text: str, limit: float = 100) -> bool:
    if len(text) > limit or text[-1:] in ".;,!?" or len(text.split()) > 12:
        return False
    if _QUOTE.search(text) or re.search('[\u201c\u201d\u2018\u2019\u00ab\u00bb"]', text):
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
            and _looks_like_heading(text, min(100, 0.7 * width))
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


# --- splitting -------------------------------------------------------------------------


@dataclass
class PaperComment:
    """One comment the paper makes on a provision (or one of its paragraphs)."""

    target: Target
    paragraph: TargetParagraph | None
    position: Position
    body: str
    proposed_wording: str | None = None
    quoted_text: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "provision": self.target.label,
            "paragraph": self.paragraph.label if self.paragraph else None,
            "position": self.position.value,
            "body": self.body,
            "proposed_wording": self.proposed_wording,
        }


@dataclass
class SplitPaper:
    comments: list[PaperComment]
    general: list[str]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "comments": [c.as_json() for c in self.comments],
            "general": self.general,
            "warnings": self.warnings,
        }


@dataclass
class _Segment:
    target: Target
    paragraph: TargetParagraph | None
    sentences: list[str] = field(default_factory=list)
    paragraphs: list[list[str]] = field(default_factory=list)
    full: list[str] = field(default_factory=list)  # whole new wordings given
    position: Position | None = None  # stated in a "Position" column


_Place = tuple[Target, TargetParagraph | None] | None


class _Splitter:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.segments: list[_Segment] = []
        self.general: list[str] = []
        self.warnings: list[str] = []
        self._reported: set[str] = set()

    def _warn(self, message: str) -> None:
        if message not in self._reported:
            self._reported.add(message)
            self.warnings.append(message)

    def resolve(self, reference: Reference, current: _Place) -> _Place | bool:
        """The place a reference names; False when it names nothing in the text."""
        if reference.relative:
            if current is None:
                return False
            target = current[0]
        else:
            found = self.catalogue.find(reference.kind, reference.number)
            if found is None:
                label = ("PP" if reference.kind == PREAMBLE else "Article ") + reference.number
                self._warn(
                    _(
                        "The paper refers to %(label)s, which is not in the text under "
                        "consultation: what it says there is kept in the general remarks.",
                        label=label,
                    )
                )
                return False
            target = found
        if reference.paragraph is None:
            return (target, None)
        paragraph = self.catalogue.paragraph(target, reference.paragraph)
        if paragraph is None:
            self._warn(
                _(
                    "%(label)s has no paragraph %(paragraph)s: the comment is on the whole "
                    "of %(label)s.",
                    label=target.label,
                    paragraph=reference.paragraph,
                )
            )
        return (target, paragraph)

    def place_of(self, text: str, current: _Place, *, leading_only: bool) -> _Place | bool | None:
        """Where ``text`` moves to (None: it names no place; False: an unknown one)."""
        references = find_references(text)
        relative = _relative_reference(text, references) if current is not None else None
        if leading_only:
            references = [r for r in references if r.start <= LEADING]
        if relative is not None:
            references = sorted([*references, relative], key=lambda r: r.start)
        if not references:
            return None
        return self.resolve(references[0], current)

    def add(self, place: _Place, sentences: list[str], *, new_paragraph: bool) -> None:
        if not sentences:
            return
        if place is None:
            if new_paragraph or not self.general:
                self.general.append(" ".join(sentences))
            else:
                self.general[-1] += " " + " ".join(sentences)
            return
        target, paragraph = place
        last = self.segments[-1] if self.segments else None
        if last is None or last.target is not target or last.paragraph is not paragraph:
            last = _Segment(target, paragraph)
            self.segments.append(last)
            new_paragraph = True
        if new_paragraph or not last.paragraphs:
            last.paragraphs.append([])
        last.paragraphs[-1].extend(sentences)

    def also(self, sentence: str, current: _Place) -> list[_Place]:
        """Further places a sentence names together with its first ("OP1 and PP1")."""
        references = find_references(sentence)
        places: list[_Place] = []
        for previous, reference in itertools.pairwise(references):
            between = sentence[previous.end : reference.start]
            if not re.fullmatch(r"\s*(?:,|and|,\s*and|as\s+well\s+as|&)\s*", between, re.I):
                break
            place = self.resolve(reference, current)
            if place is not False and place is not None:
                places.append(place)  # type: ignore[arg-type]
        return places

    def prose(self, text: str, context: _Place) -> tuple[_Place, bool]:
        """Attribute the sentences of one paragraph; where it ends and whether it announces
        a proposed text in the next paragraph."""
        current: _Place = context
        run: list[str] = []
        follows = False
        for sentence in split_sentences(text):
            moved = self.place_of(sentence, current, leading_only=context is not None)
            if moved is not None:
                new_place: _Place = moved if moved is not False else None  # type: ignore[assignment]
                if new_place != current:
                    self.add(current, run, new_paragraph=True)
                    run = []
                    current = new_place
                if new_place is not None:
                    for other in self.also(sentence, current):
                        if other != new_place:
                            self.add(other, [sentence], new_paragraph=True)
            run.append(sentence)
            follows = bool(_FOLLOWS.search(sentence))
        self.add(current, run, new_paragraph=True)
        return current, follows

    def proposed_text(self, place: _Place, text: str) -> None:
        if place is None:
            self.add(None, [text], new_paragraph=True)
            return
        segment = self.segments[-1] if self.segments else None
        if segment is None or (segment.target, segment.paragraph) != place:
            segment = _Segment(place[0], place[1])
            self.segments.append(segment)
        segment.full.append(text.strip().strip('“”"«»').strip())

    def table_row(self, cells: tuple[str, ...], roles: list[str]) -> None:
        provision_column = roles.index("provision") if "provision" in roles else 0
        named = cells[provision_column] if provision_column < len(cells) else ""
        references = find_references(named)
        found = self.resolve(references[0], None) if references else False
        if not isinstance(found, tuple):
            # No provision named in its cell: the row is read as prose.
            if references:
                self.add(None, [" ".join(c for c in cells if c)], new_paragraph=True)
            else:
                self.prose(" ".join(c for c in cells if c), None)
            return
        segment = _Segment(found[0], found[1])
        self.segments.append(segment)
        rest = named[references[0].end :].strip(" .:-\u2013—,;()")
        if rest and find_references(rest):
            segment.paragraphs.append([rest])
        for column, cell in enumerate(cells):
            if column == provision_column or not cell:
                continue
            role = roles[column] if column < len(roles) else "comment"
            if role == "proposal":
                if re.fullmatch(r"(?i)none|n/?a|-+|\u2013|—|no\s+change", cell):
                    segment.paragraphs.append([cell])
                elif _mask(cell)[0] != cell and any(p.search(_mask(cell)[0]) for _n, p in _OPS):
                    segment.paragraphs.append(split_sentences(cell))
                else:
                    segment.full.append(cell.strip().strip('“”"«»').strip())
            elif role == "position":
                segment.position = _position_cell(cell)
                segment.paragraphs.append([cell])
            else:
                segment.paragraphs.append(split_sentences(cell))

    def finish(self) -> SplitPaper:
        comments = []
        for segment in self.segments:
            body = "\n\n".join(" ".join(p) for p in segment.paragraphs if p).strip()
            comments.append(self._comment(segment, body))
        return SplitPaper(
            [c for c in comments if c.body or c.proposed_wording],
            [g for g in self.general if g.strip()],
            self.warnings,
        )

    def _comment(self, segment: _Segment, body: str) -> PaperComment:
        target, paragraph = segment.target, segment.paragraph
        base = paragraph.text if paragraph is not None else target.text
        where = target.label + (f", paragraph {paragraph.label}" if paragraph else "")
        edit = _Edit()
        for sentences in segment.paragraphs:
            for sentence in sentences:
                _apply(edit, sentence, base, where, self.warnings)
        proposed = segment.full[-1] if segment.full else edit.full or edit.wording
        if segment.full and not body:
            body = _("Proposed wording for %(where)s.", where=where)
        quoted = None
        for sentence in (s for p in segment.paragraphs for s in p):
            for words in _mask(sentence)[1]:
                if words not in edit.used_quotes and _find(" ".join(base.split()), words) >= 0:
                    quoted = words
                    break
            if quoted:
                break
        position = segment.position or read_position(body, proposal=bool(proposed))
        return PaperComment(target, paragraph, position, body, proposed, quoted)


_HEADER_WORDS = re.compile(
    r"^(?:provisions?|articles?|paragraphs?|references?|comments?|remarks|observations|"
    r"proposals?|proposed\s+(?:text|wording|amendments?|changes?)|amendments?|"
    r"suggested\s+(?:text|wording|changes?)|positions?|text|draft\s+text|rationale|"
    r"explanation|justification|(?:current|original|existing)\s+text|no\.?|#)$",
    re.I,
)


def _header_roles(cells: tuple[str, ...]) -> list[str] | None:
    if not all(_HEADER_WORDS.match(c.strip(" :")) or not c for c in cells):
        return None
    roles = []
    for cell in cells:
        word = cell.lower()
        if re.match(r"provision|article|paragraph|reference", word):
            roles.append("provision")
        elif re.match(r"propos|amend|suggest", word):
            roles.append("proposal")
        elif word.startswith("position"):
            roles.append("position")
        elif re.match(r"(?:current|original|existing)|no\.?$|#", word):
            roles.append("ignore")
        else:
            roles.append("comment")
    return roles


def split_paper(blocks: Sequence[Block], catalogue: Catalogue) -> SplitPaper:
    """Split a paper's blocks into comments on the catalogue's provisions."""
    splitter = _Splitter(catalogue)
    heading: _Place = None
    follows_place: _Place = None
    follows = False
    roles: list[str] = []
    table: int | None = None
    for block in blocks:
        if block.cells is not None:
            if block.table != table:
                table = block.table
                header = _header_roles(block.cells)
                if header is not None:
                    roles = header
                    continue
                roles = []
            splitter.table_row(block.cells, roles)
            follows = False
            continue
        table = None
        text = block.text
        if follows and follows_place is not None:
            follows = False
            splitter.proposed_text(follows_place, text)
            continue
        if block.heading or _looks_like_heading(text):
            place = splitter.place_of(text, None, leading_only=False)
            if place is None or place is False:
                heading = None
                splitter.add(None, [text], new_paragraph=True)
            else:
                heading = place  # type: ignore[assignment]
                reference = find_references(text)[:1]
                rest = text[: reference[0].start] + text[reference[0].end :] if reference else ""
                if read_position(rest) is not Position.NO_POSITION:
                    # "Article 4: supported" says more than where the comments go.
                    splitter.add(heading, [text], new_paragraph=True)
            follows = False
            continue
        follows_place, follows = splitter.prose(text, heading)
    return splitter.finish()


def split_file(data: bytes, catalogue: Catalogue) -> SplitPaper:
    """Read a .docx or .pdf paper and split it (raises :class:`PaperError`)."""
    return split_paper(read_paper(data), catalogue)


def catalogue_for(version_id: int) -> Catalogue:
    """The catalogue of the provisions of one version (two queries)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from consult_app.extensions import db

    provisions = db.session.scalars(
        select(Provision)
        .where(Provision.version_id == version_id)
        .options(selectinload(Provision.paragraphs))
        .order_by(Provision.position)
    ).all()
    return catalogue_from(provisions)


def merge_remarks(current: str | None, new: str | None) -> str | None:
    """General remarks with ``new`` added after ``current`` (not twice)."""
    if not new:
        return current
    if not current:
        return new
    if new in current:
        return current
    return f"{current}\n\n{new}"
