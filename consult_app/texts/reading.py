"""Turn a file into blocks: one logical paragraph each, with where it came from.

Text is decoded (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), Markdown
syntax is taken off, hard-wrapped lines are joined; a Word paragraph becomes one block with
its automatic number written back in front. Also the patterns that recognise headings and
labels, shared with :mod:`consult_app.texts.importer`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from consult_app.texts.docx_reader import DocxError, format_number, read_docx

logger = logging.getLogger(__name__)

TITLE_MAX = 150  # longer "titles" are body text
HEADING_MAX = 300  # Provision.part_heading


class ImportFormatError(ValueError):
    """The file is neither a Word document nor readable text; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- patterns --------------------------------------------------------------------------

_SEP = r"(?P<sep>\s*[.:\-\u2013\u2014]+\s*|\s+)?"
ARTICLE_RE = re.compile(
    r"^(?:article|art\.|art[íi]culo|статья)\s*"
    r"(?P<num>\d{1,4}[a-z]?(?:\s(?:bis|ter|quater))?|[ivxlc]{1,7}|premier|1er|first)"
    r"(?=$|[\s.:\-\u2013\u2014])" + _SEP + r"(?P<rest>.*)$",
    re.IGNORECASE,
)
PART_RE = re.compile(
    r"^(?:part|chapter|section|partie|chapitre|titre|parte|cap[íi]tulo|secci[óo]n|часть|глава|раздел)"
    r"\s+(?P<num>[ivxlc]{1,7}|\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"premi[eè]re?|[a-h])(?=$|[\s.:\-\u2013\u2014])" + _SEP + r"(?P<rest>.*)$",
    re.IGNORECASE,
)
PREAMBLE_RE = re.compile(r"^(?:preamble|préambule|preámbulo|преамбула)\s*[.:]?$", re.IGNORECASE)
ANNEX_RE = re.compile(
    r"^(?:annex|annexe|anexo|приложение)(?:\s+(?:[ivx]{1,5}|\d{1,2}))?\s*[.:]?$", re.IGNORECASE
)
PROCLAMATION_RE = re.compile(
    r"^(?:now,?\s+therefore\b|(?:have|has)\s+agreed\b|agree\s+as\s+follows|hereby\b|"
    r"(?:solemnly\s+)?(?:proclaims?|declares?|adopts?)\b)",
    re.IGNORECASE,
)
CLOSING_RE = re.compile(
    r"^(?:in\s+witness\s+(?:whereof|thereof)|in\s+faith\s+whereof|done\s+at\b)", re.IGNORECASE
)
PP_START_RE = re.compile(
    r"^(?:[A-Z][a-z]+ing\b|(?i:whereas|considérant|considerando|(?:deeply|gravely|seriously|"
    r"profoundly|firmly)\s+\w+|convinced|concerned|mindful|aware|determined|conscious|desirous|"
    r"alarmed|guided|cognizant|persuaded|in\s+view\s+of)\b)"
)
NUMBER_LABEL_RE = re.compile(
    r"^(?:\((?P<a>\d{1,3})\)|(?P<b>\d{1,3})[.)])(?:\s+(?P<rest>.*))?$", re.S
)
ALPHA_LABEL_RE = re.compile(
    r"^(?:\((?P<a>[a-z]{1,6})\)|(?P<b>[a-z]{1,6})[.)])(?:\s+(?P<rest>.*))?$", re.S
)
ROMAN_RE = re.compile(r"^(?=[ivxlc]+$)c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})$")
_LABEL_START_RE = re.compile(r"^(?:\(\d{1,3}\)|\d{1,3}[.)]|\([a-z]{1,6}\)|[a-z]{1,6}[.)])(?:\s|$)")
_METADATA_RE = re.compile(r"^\s*#\s*[A-Z][A-Z0-9 _-]{1,30}:\s*\S")
SHORT_INTRO_RE = re.compile(r"^The\s+[A-Z][^.;:]{0,100},?$")
MODAL_RE = re.compile(r"\b(?:shall|has|have|is|are|may|must|will|should)\b", re.IGNORECASE)
_FUNCTION_WORDS = {"the", "of", "and", "to", "in", "a", "an", "for", "or", "with", "by", "on",
                   "at", "from", "as", "that", "which", "its", "their"}  # fmt: skip
_CLAUSE_ENDS = (".", ";", ":", ",", "!", "?", "\u2026", "\u201d", '"', "\u2019", "\u00bb")


def is_roman(value: str) -> bool:
    return bool(value) and bool(ROMAN_RE.match(value))


def _roman_value(value: str) -> int:
    numerals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for i, char in enumerate(value):
        n = numerals[char]
        total += -n if i + 1 < len(value) and numerals[value[i + 1]] > n else n
    return total


def next_roman(value: str | None) -> str:
    return "i" if value is None else format_number(_roman_value(value) + 1, "lowerRoman")


def is_letter(value: str) -> bool:
    return len(set(value)) == 1 and value[0].isalpha() and len(value) <= 3


def next_letter(value: str | None) -> str:
    if value is None:
        return "a"
    if value[-1] == "z":
        return "a" * (len(value) + 1)
    return chr(ord(value[0]) + 1) * len(value)


# --- reading the file into lines and blocks ---------------------------------------------


@dataclass
class _Line:
    text: str
    where: str
    heading: bool = False
    hint: str | None = None
    item: bool = False  # starts a new block whatever the previous line was


@dataclass
class Block:
    text: str
    where: str
    heading: bool = False
    hint: str | None = None
    single_line: bool = True
    title_hint: bool = False


def decode_text(data: bytes) -> str:
    """Bytes as text: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFormatError(_("The file could not be read as text.")) from error
    if b"\x00" in data:
        raise ImportFormatError(_("The file is neither a Word document (.docx) nor a text file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise ImportFormatError(
                _("The file is neither a Word document (.docx) nor a text file.")
            ) from error
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(2, len(text) // 200):
        raise ImportFormatError(_("The file is neither a Word document (.docx) nor a text file."))
    return text


def check_not_other_binary(data: bytes) -> None:
    if data.startswith(b"%PDF"):
        raise ImportFormatError(
            _(
                "PDF files cannot be imported. Save the text as a Word document (.docx) "
                "or as plain text."
            )
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFormatError(
            _("This is an old Word document (.doc). Save it as .docx and import it again.")
        )
    if data.startswith(b"PK\x03\x04"):
        raise ImportFormatError(
            _("This ZIP file is not a Word document (.docx); no word/document.xml inside.")
        )


_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_MD_EMPHASIS_RE = re.compile(
    r"\*\*\S(?:.*?\S)?\*\*|__\S(?:.*?\S)?__|(?<![\w*])\*[^*\s](?:[^*]*[^*\s])?\*(?![\w*])"
    r"|(?<![\w_])_[^_\s](?:[^_]*[^_\s])?_(?![\w_])"
)


def looks_like_markdown(text: str) -> bool:
    """Markdown when the text has ``#`` headings or Markdown emphasis."""
    return any(_MD_HEADING_RE.match(line) for line in text.splitlines()) or bool(
        _MD_EMPHASIS_RE.search(text)
    )


def split_metadata(lines: list[str]) -> tuple[list[str], int]:
    """Leading ``# KEY: value`` (or ``<!-- ... -->``) comment lines, and where the text starts."""
    notes: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped:
            i += 1
            continue
        if _METADATA_RE.match(lines[i]):
            notes.append(stripped.lstrip("#").strip())
            i += 1
            continue
        if stripped.startswith("<!--"):
            comment = [stripped]
            while "-->" not in comment[-1] and i + 1 < len(lines):
                i += 1
                comment.append(lines[i].strip())
            notes.append(" ".join(comment).removeprefix("<!--").removesuffix("-->").strip())
            i += 1
            continue
        break
    return notes, i


def _markdown_inline(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    for _i in range(2):
        text = re.sub(r"\*\*(\S(?:.*?\S)?)\*\*", r"\1", text)
        text = re.sub(r"__(\S(?:.*?\S)?)__", r"\1", text)
        text = re.sub(r"(?<![\w*])\*([^*\s](?:[^*]*[^*\s])?)\*(?![\w*])", r"\1", text)
        text = re.sub(r"(?<![\w_])_([^_\s](?:[^_]*[^_\s])?)_(?![\w_])", r"\1", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!>|])", r"\1", text)
    return text.rstrip("\\").strip()


def _text_lines(text: str, markdown: bool, first: int) -> list[_Line | None]:
    """Lines (None for a blank line) with Markdown syntax taken off."""
    raw = text.split("\n")
    out: list[_Line | None] = []
    for number, line in enumerate(raw[first:], start=first + 1):
        where = _("line %(number)s", number=number)
        line = line.replace("\t", " ").replace("\u00a0", " ").replace("\u200b", "").rstrip()
        if not line.strip():
            out.append(None)
            continue
        if not markdown:
            out.append(_Line(line.strip(), where))
            continue
        stripped = line.strip()
        if re.match(r"^(=+|-+)$", stripped) and out and out[-1] is not None:
            # A setext underline: the line above is a heading.
            previous = out[-1]
            previous.heading = True
            out.append(None)
            continue
        if re.match(r"^([-*_])(\s*\1){2,}$", stripped):
            out.append(None)  # thematic break
            continue
        heading = _MD_HEADING_RE.match(line)
        if heading:
            out.append(None)
            out.append(_Line(_markdown_inline(heading.group(2)), where, heading=True))
            out.append(None)
            continue
        stripped = re.sub(r"^(>\s?)+", "", stripped)
        item = False
        bullet = re.match(r"^[-*+]\s+(.*)$", stripped)
        if bullet:
            stripped, item = bullet.group(1), True
        cleaned = _markdown_inline(stripped)
        if cleaned:
            out.append(_Line(cleaned, where, item=item))
        else:
            out.append(None)
    return out


def _join(lines: list[str]) -> str:
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
        elif (
            text.endswith(("-", "\u2010"))
            and len(text) > 1
            and text[-2].isalpha()
            and line[:1].islower()
        ):
            text += line  # a compound word cut at its hyphen: keep the hyphen, drop the break
        else:
            text += " " + line
    return " ".join(text.split())


def _is_standalone_heading(text: str, heading: bool) -> bool:
    """A line that is a whole heading: "Article 6", "Part II", "Preamble", "Annex"."""
    if PREAMBLE_RE.match(text) or ANNEX_RE.match(text):
        return True
    for pattern in (ARTICLE_RE, PART_RE):
        match = pattern.match(text)
        if match and (not match.group("rest") or heading):
            return True
    return False


def title_shaped(text: str) -> bool:
    words = text.split()
    return (
        0 < len(text) <= TITLE_MAX
        and not text.endswith((".", ";", ":", ","))
        and not text[:1].islower()
        and not _LABEL_START_RE.match(text)
        and not ARTICLE_RE.match(text)
        and not PART_RE.match(text)
        and not PROCLAMATION_RE.match(text)
        and bool(words)
        and words[-1].lower() not in _FUNCTION_WORDS
    )


def _split_chunk(lines: list[_Line], wrap: int) -> list[Block]:
    """Blocks of one chunk (lines between blank lines, or one Word paragraph)."""
    blocks: list[Block] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            first = current[0]
            blocks.append(
                Block(
                    _join([line.text for line in current]),
                    first.where,
                    heading=any(line.heading for line in current),
                    hint=first.hint,
                    single_line=len(current) == 1,
                )
            )
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if current:
            previous = current[-1].text
            starts_item = bool(_LABEL_START_RE.match(line.text)) or _is_standalone_heading(
                line.text, False
            )
            if line.item or (starts_item and previous.endswith(_CLAUSE_ENDS)):
                flush()
        current.append(line)
        if len(current) == 1 and _is_standalone_heading(line.text, line.heading):
            flush()
            article = ARTICLE_RE.match(line.text)
            if article and not article.group("rest") and i + 1 < len(lines):
                candidate = lines[i + 1]
                following = lines[i + 2] if i + 2 < len(lines) else None
                if title_shaped(candidate.text) and (
                    following is None
                    or (not following.text[:1].islower() and len(candidate.text) < 0.75 * wrap)
                ):
                    blocks.append(
                        Block(candidate.text, candidate.where, candidate.heading, title_hint=True)
                    )
                    i += 1
        i += 1
    flush()
    return blocks


def _wrap_width(lines: list[str]) -> int:
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    if not lengths:
        return 80
    return max(40, lengths[int(len(lengths) * 0.9) - 1 if len(lengths) > 1 else 0])


def blocks_from_text(text: str, fmt: str, first: int) -> list[Block]:
    lines = _text_lines(text, fmt == "markdown", first)
    wrap = _wrap_width([line.text for line in lines if line is not None])
    blocks: list[Block] = []
    chunk: list[_Line] = []
    for line in [*lines, None]:
        if line is None or line.heading:
            if chunk:
                blocks.extend(_split_chunk(chunk, wrap))
                chunk = []
            if line is not None:
                blocks.extend(_split_chunk([line], wrap))
            continue
        chunk.append(line)
    return blocks


def blocks_from_docx(data: bytes, warnings: list[str]) -> list[Block]:
    try:
        document = read_docx(data)
    except DocxError as error:
        raise ImportFormatError(
            _("The Word document could not be read. Open it in Word and save it again as .docx.")
        ) from error
    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        where = _("Word paragraph %(number)s", number=paragraph.index)
        raw_lines = [
            " ".join(part.replace("\u00a0", " ").split()) for part in paragraph.text.split("\n")
        ]
        raw_lines = [line for line in raw_lines if line]
        if not raw_lines:
            continue
        hint = paragraph.label_kind
        if paragraph.label:
            label = paragraph.label
            if ARTICLE_RE.match(label) or PART_RE.match(label):
                raw_lines[0] = f"{label}. {raw_lines[0]}" if raw_lines[0] else label
                hint = None
            else:
                raw_lines[0] = f"{label} {raw_lines[0]}"
        lines = [
            _Line(text, where, heading=paragraph.heading, hint=hint if n == 0 else None)
            for n, text in enumerate(raw_lines)
        ]
        # A Word paragraph is one block, unless it holds a heading and its title on
        # separate lines, or a label that starts a new item after a line break.
        blocks.extend(_split_chunk(lines, 10_000))
    for note in document.notes:
        if note == "tracked_changes":
            warnings.append(
                _(
                    "The document contains tracked changes: the text was read as if all "
                    "changes were accepted."
                )
            )
        else:
            kind, _sep, count = note.partition(":")
            names = {
                "footnotes": _("footnotes"),
                "endnotes": _("endnotes"),
                "comments": _("comments"),
            }
            warnings.append(
                _(
                    "The document has %(count)s %(kind)s; they were not imported.",
                    count=count,
                    kind=names.get(kind, kind),
                )
            )
    return blocks
