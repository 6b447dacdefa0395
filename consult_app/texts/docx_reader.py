"""Read the paragraphs of a Word (.docx) file, with the labels of Word's automatic numbering.

Word keeps "1.", "(a)" and "(i)" of an automatically numbered list out of the text: the
paragraph only points (``w:numPr``: ``numId`` and ``ilvl``) at a definition in
``numbering.xml`` (``numFmt`` decimal / lowerLetter / lowerRoman, ``lvlText`` such as
``(%2)``, ``start``). :class:`_Numbering` replays those counters in document order so that
each paragraph gets back the label a reader sees in Word.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.oxml.ns import qn

from consult_app.texts.notes import MARK_CLOSE, MARK_OPEN, marker

logger = logging.getLogger(__name__)

# A .docx expands a lot; refuse archives that would expand beyond this (zip bombs).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

_W_P = qn("w:p")
_W_T = qn("w:t")
_W_TAB = qn("w:tab")
_W_BR = qn("w:br")
_W_CR = qn("w:cr")
_W_NBH = qn("w:noBreakHyphen")
_W_SOFT = qn("w:softHyphen")
_W_DEL = qn("w:del")
_W_INS = qn("w:ins")
_W_MOVE_FROM = qn("w:moveFrom")
_W_PPR = qn("w:pPr")
_W_RPR = qn("w:rPr")
_W_TXBX = qn("w:txbxContent")
_W_FOOTNOTE_REF = qn("w:footnoteReference")
_W_ENDNOTE_REF = qn("w:endnoteReference")
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = {_W_DEL, _W_MOVE_FROM, _W_PPR, _W_RPR, _W_TXBX, _MC_FALLBACK}

_LABEL_KINDS = {
    "decimal": "number",
    "decimalZero": "number",
    "lowerLetter": "letter",
    "upperLetter": "letter",
    "lowerRoman": "roman",
    "upperRoman": "roman",
}


class DocxError(ValueError):
    """The bytes are not a Word document that can be read."""


@dataclass
class WordParagraph:
    """One non-empty paragraph of the document body, in order."""

    index: int
    text: str
    heading: bool = False
    label: str | None = None
    label_kind: str | None = None  # "number", "letter" or "roman" when Word numbers it


@dataclass
class WordDocument:
    paragraphs: list[WordParagraph]
    notes: list[str] = field(default_factory=list)  # things worth a warning
    # Footnotes and endnotes by the key of their marker in the text ("fn:2"): the label
    # Word shows (numbered in order of their calls) and their text.
    footnotes: dict[str, tuple[str, str]] = field(default_factory=dict)


def is_docx(data: bytes) -> bool:
    """True when ``data`` is a ZIP archive holding ``word/document.xml``."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _roman(number: int) -> str:
    if number <= 0:
        return str(number)
    values = [
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ]  # fmt: skip
    out = []
    for value, letters in values:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def _letters(number: int) -> str:
    # Word's lowerLetter: a..z, then aa..zz, then aaa..
    if number <= 0:
        return str(number)
    letter = "abcdefghijklmnopqrstuvwxyz"[(number - 1) % 26]
    return letter * ((number - 1) // 26 + 1)


def format_number(number: int, fmt: str) -> str:
    """A counter value in one of Word's number formats."""
    if fmt == "lowerLetter":
        return _letters(number)
    if fmt == "upperLetter":
        return _letters(number).upper()
    if fmt == "lowerRoman":
        return _roman(number)
    if fmt == "upperRoman":
        return _roman(number).upper()
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt in ("bullet", "none"):
        return ""
    return str(number)


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


def _val(element: Any, tag: str) -> str | None:
    child = element.find(qn(tag)) if element is not None else None
    return child.get(qn("w:val")) if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class _Numbering:
    """The numbering definitions of a document and the counters as they run."""

    def __init__(self, root: Any) -> None:
        self.abstracts: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if root is None:
            return
        for abstract in root.findall(qn("w:abstractNum")):
            levels: dict[int, _Level] = {}
            for lvl in abstract.findall(qn("w:lvl")):
                ilvl = _int(lvl.get(qn("w:ilvl")), 0)
                levels[ilvl] = _Level(
                    fmt=_val(lvl, "w:numFmt") or "decimal",
                    text=_val(lvl, "w:lvlText") or "",
                    start=_int(_val(lvl, "w:start"), 1),
                )
            self.abstracts[abstract.get(qn("w:abstractNumId")) or ""] = levels
        for num in root.findall(qn("w:num")):
            abstract_id = _val(num, "w:abstractNumId") or ""
            overrides: dict[int, int] = {}
            for override in num.findall(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    overrides[_int(override.get(qn("w:ilvl")), 0)] = _int(start, 1)
            self.nums[num.get(qn("w:numId")) or ""] = (abstract_id, overrides)

    def label(self, num_id: str, ilvl: int) -> tuple[str, str | None] | None:
        """Advance the counter of (num_id, ilvl) and return (label text, label kind)."""
        if num_id not in self.nums:
            return None
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstracts.get(abstract_id, {})
        counters = self.counters.setdefault(abstract_id, {})
        if num_id not in self.started:
            # A list instance with start overrides restarts where it is first used.
            self.started.add(num_id)
            for overridden, start in overrides.items():
                counters[overridden] = start - 1
                for deeper in [k for k in counters if k > overridden]:
                    del counters[deeper]
        level = levels.get(ilvl, _Level())
        counters[ilvl] = counters.get(ilvl, level.start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt in ("bullet", "none"):
            return ("", None)
        text = level.text
        for n in range(9, 0, -1):
            placeholder = f"%{n}"
            if placeholder in text:
                ref = levels.get(n - 1, _Level())
                value = counters.get(n - 1, ref.start)
                text = text.replace(placeholder, format_number(value, ref.fmt))
        return (text.strip(), _LABEL_KINDS.get(level.fmt))


def _paragraph_text(element: Any) -> str:
    parts: list[str] = []
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag in (_W_FOOTNOTE_REF, _W_ENDNOTE_REF):
            prefix = "fn" if tag == _W_FOOTNOTE_REF else "en"
            parts.append(marker(f"{prefix}:{child.get(qn('w:id'))}"))
        elif tag in (_W_BR, _W_CR):
            parts.append("\n")
        elif tag == _W_NBH:
            parts.append("-")
        elif tag == _W_SOFT:
            continue
        else:
            parts.append(_paragraph_text(child))
    return "".join(parts)


def _has_ancestor(element: Any, tags: set[str]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


class _Styles:
    def __init__(self, document: Any) -> None:
        self.names: dict[str, str] = {}
        self.based_on: dict[str, str] = {}
        self.numbering: dict[str, tuple[str | None, int | None]] = {}
        self.outline: set[str] = set()
        root = document.styles.element
        for style in root.findall(qn("w:style")):
            style_id = style.get(qn("w:styleId")) or ""
            self.names[style_id] = (_val(style, "w:name") or style_id).lower()
            based = _val(style, "w:basedOn")
            if based:
                self.based_on[style_id] = based
            ppr = style.find(qn("w:pPr"))
            if ppr is not None:
                numpr = ppr.find(qn("w:numPr"))
                if numpr is not None:
                    ilvl = _val(numpr, "w:ilvl")
                    self.numbering[style_id] = (
                        _val(numpr, "w:numId"),
                        _int(ilvl, 0) if ilvl is not None else None,
                    )
                if ppr.find(qn("w:outlineLvl")) is not None:
                    self.outline.add(style_id)

    def chain(self, style_id: str | None) -> list[str]:
        seen: list[str] = []
        while style_id and style_id not in seen and len(seen) < 20:
            seen.append(style_id)
            style_id = self.based_on.get(style_id)
        return seen

    def is_heading(self, style_id: str | None) -> bool:
        for sid in self.chain(style_id):
            name = self.names.get(sid, sid.lower())
            if name.startswith("heading") or name in ("title", "subtitle") or sid in self.outline:
                return True
        return False

    def numbering_of(self, style_id: str | None) -> tuple[str | None, int | None]:
        for sid in self.chain(style_id):
            if sid in self.numbering:
                return self.numbering[sid]
        return (None, None)


def _notes_root(document: Any, relationship_suffix: str) -> Any:
    for rel in document.part.rels.values():
        if rel.reltype.endswith(relationship_suffix) and not rel.is_external:
            try:
                from lxml import etree

                return etree.fromstring(
                    rel.target_part.blob, parser=etree.XMLParser(resolve_entities=False)
                )
            except Exception:
                return None
    return None


def _read_notes(document: Any, relationship_suffix: str, tag: str) -> dict[str, str]:
    """The text of each note of a notes part (footnotes, endnotes, comments) by its id."""
    root = _notes_root(document, relationship_suffix)
    if root is None:
        return {}
    notes: dict[str, str] = {}
    for note in root.findall(qn(tag)):
        if note.get(qn("w:type")) not in (None, "normal"):
            continue  # separators
        paragraphs = [" ".join(_paragraph_text(p).split()) for p in note.iter(_W_P)]
        text = "\n\n".join(p for p in paragraphs if p)
        if text:
            notes[note.get(qn("w:id")) or ""] = text
    return notes


def read_docx(data: bytes) -> WordDocument:
    """The non-empty body paragraphs of a .docx, with reconstructed numbering labels."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise DocxError("expands too much")
        document = Document(io.BytesIO(data))
    except DocxError:
        raise
    except Exception as error:
        logger.info("unreadable docx: %s", error)
        raise DocxError(str(error)) from error

    try:
        numbering_root = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        numbering_root = None
    numbering = _Numbering(numbering_root)
    styles = _Styles(document)
    body = document.element.body

    paragraphs: list[WordParagraph] = []
    tracked = False
    index = 0
    for p in body.iter(_W_P):
        if _has_ancestor(p, {_MC_FALLBACK}):
            continue
        index += 1
        ppr = p.find(_W_PPR)
        style_id = _val(ppr, "w:pStyle") if ppr is not None else None
        num_id, ilvl = styles.numbering_of(style_id)
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if numpr is not None:
            own_num = _val(numpr, "w:numId")
            own_ilvl = _val(numpr, "w:ilvl")
            num_id = own_num if own_num is not None else num_id
            ilvl = _int(own_ilvl, 0) if own_ilvl is not None else ilvl
        if not tracked and (
            p.find(".//" + _W_INS) is not None or p.find(".//" + _W_DEL) is not None
        ):
            tracked = True
        text = _paragraph_text(p)
        label: tuple[str, str | None] | None = None
        if num_id and num_id != "0":
            label = numbering.label(num_id, ilvl or 0)
        if not text.strip():
            continue
        paragraphs.append(
            WordParagraph(
                index=index,
                text=text,
                heading=styles.is_heading(style_id),
                label=label[0] if label and label[0] else None,
                label_kind=label[1] if label else None,
            )
        )

    notes: list[str] = []
    if tracked:
        notes.append("tracked_changes")
    comments = _read_notes(document, "/comments", "w:comment")
    if comments:
        notes.append(f"comments:{len(comments)}")
    return WordDocument(
        paragraphs=paragraphs, notes=notes, footnotes=_footnotes(document, paragraphs)
    )


def _footnotes(document: Any, paragraphs: list[WordParagraph]) -> dict[str, tuple[str, str]]:
    """Footnotes (1, 2, ...) and endnotes (i, ii, ...) numbered in the order of their calls."""
    texts = {
        **{f"fn:{k}": v for k, v in _read_notes(document, "/footnotes", "w:footnote").items()},
        **{f"en:{k}": v for k, v in _read_notes(document, "/endnotes", "w:endnote").items()},
    }
    found: dict[str, tuple[str, str]] = {}
    counts = {"fn": 0, "en": 0}
    for paragraph in paragraphs:
        for key in re.findall(f"{MARK_OPEN}([^{MARK_CLOSE}]*){MARK_CLOSE}", paragraph.text):
            if key in found or key not in texts:
                continue
            kind = key.split(":", 1)[0]
            counts[kind] += 1
            label = str(counts[kind]) if kind == "fn" else _roman(counts[kind])
            found[key] = (label, texts[key])
    for key, text in texts.items():
        if key not in found:  # a note whose call is not in the body (in a table cell we skip)
            kind = key.split(":", 1)[0]
            counts[kind] += 1
            found[key] = (str(counts[kind]) if kind == "fn" else _roman(counts[kind]), text)
    return found
