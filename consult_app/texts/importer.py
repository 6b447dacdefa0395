"""Recognise the structure of a legal text in a Word, Markdown or plain-text file.

Pure parsing: bytes in, an :class:`ImportResult` out; nothing here touches the database.

The file is first turned into *blocks* (one logical paragraph each: hard-wrapped lines
joined, Word paragraphs with their automatic numbers written back in front), then a small
state machine walks the blocks: front matter (title, a resolution's chapeau up to its
annex) -> preamble -> proclaiming paragraph -> articles (with part headings, titles,
numbered paragraphs, lettered and roman sub-paragraphs) -> closing formula. Anything it
cannot place is reported in ``warnings``; no text is dropped silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from consult_app.core.files import FileProblem, check_ooxml
from consult_app.texts.docx_reader import is_docx
from consult_app.texts.reading import (
    ALPHA_LABEL_RE,
    ANNEX_RE,
    ARTICLE_RE,
    CLOSING_RE,
    HEADING_MAX,
    MODAL_RE,
    NUMBER_LABEL_RE,
    PART_RE,
    PP_START_RE,
    PREAMBLE_RE,
    PROCLAMATION_RE,
    SHORT_INTRO_RE,
    TITLE_MAX,
    Block,
    ImportFormatError,
    blocks_from_docx,
    blocks_from_text,
    check_not_other_binary,
    decode_text,
    is_letter,
    is_roman,
    looks_like_markdown,
    next_letter,
    next_roman,
    split_metadata,
    title_shaped,
)

__all__ = [
    "ImportFormatError",
    "ImportResult",
    "ParsedParagraph",
    "ParsedProvision",
    "parse_document",
]

logger = logging.getLogger(__name__)

_FURNITURE_RE = re.compile(
    r"^(?:\d{1,4}|(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?|[-\u2013\u2014]\s*\d+\s*[-\u2013\u2014]"
    r"|[\s*_=~\-\u2013\u2014\u2022\u00b7.]{3,}|GE\.\d{2}-\d+.*)$",
    re.IGNORECASE,
)
_SYMBOL_RE = re.compile(r"^[A-Z]{1,5}(?:/[A-Z0-9.\-()]+){2,}$")
_NUMBER_WORDS = {"premier": "1", "1er": "1", "first": "1"}

# --- result ----------------------------------------------------------------------------


@dataclass
class ParsedParagraph:
    """A numbered paragraph (level 0), a lettered (1) or a roman (2) sub-paragraph."""

    label: str | None
    text: str
    level: int = 0
    children: list[ParsedParagraph] = field(default_factory=list)

    @property
    def display_label(self) -> str:
        if not self.label:
            return ""
        return self.label if self.level else f"{self.label}."

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "level": self.level,
            "text": self.text,
            "subparagraphs": [child.to_json() for child in self.children],
        }


@dataclass
class ParsedProvision:
    """A preambular paragraph or an article as recognised in the file."""

    kind: str  # "preamble" or "article"
    number: str
    title: str | None = None
    source_label: str | None = None
    part_heading: str | None = None
    intro: str | None = None
    paragraphs: list[ParsedParagraph] = field(default_factory=list)

    def walk(self) -> Iterator[ParsedParagraph]:
        """Every paragraph and sub-paragraph, depth first (reading order)."""
        stack = list(reversed(self.paragraphs))
        while stack:
            paragraph = stack.pop()
            yield paragraph
            stack.extend(reversed(paragraph.children))

    @property
    def label(self) -> str:
        return f"PP{self.number}" if self.kind == "preamble" else f"Article {self.number}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "number": self.number,
            "title": self.title,
            "source_label": self.source_label,
            "part_heading": self.part_heading,
            "intro": self.intro,
            "paragraphs": [p.to_json() for p in self.paragraphs],
        }


@dataclass
class ImportResult:
    """What the importer recognised in one file."""

    format: str  # "docx", "markdown" or "text"
    chapeau: str | None = None
    preamble_heading: str | None = None
    proclamation: str | None = None
    closing: str | None = None
    provisions: list[ParsedProvision] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # leading metadata comments of the file
    title: str | None = None  # the first line of the chapeau when it reads like a title

    @property
    def preamble(self) -> list[ParsedProvision]:
        return [p for p in self.provisions if p.kind == "preamble"]

    @property
    def articles(self) -> list[ParsedProvision]:
        return [p for p in self.provisions if p.kind == "article"]

    def article(self, number: str) -> ParsedProvision:
        for provision in self.articles:
            if provision.number == number:
                return provision
        raise KeyError(number)

    def counts(self) -> dict[str, int]:
        paragraphs = [p for provision in self.provisions for p in provision.walk()]
        return {
            "preamble": len(self.preamble),
            "articles": len(self.articles),
            "paragraphs": sum(1 for p in paragraphs if p.level == 0),
            "subparagraphs": sum(1 for p in paragraphs if p.level > 0),
            "warnings": len(self.warnings),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "title": self.title,
            "notes": list(self.notes),
            "chapeau": self.chapeau,
            "proclamation": self.proclamation,
            "closing": self.closing,
            "provisions": [p.to_json() for p in self.provisions],
            "warnings": list(self.warnings),
        }

    def as_text(self) -> str:
        """The recognised text written out again, one block per line (for checks and diffs)."""
        out: list[str] = []
        if self.chapeau:
            out.append(self.chapeau)
        if self.preamble_heading:
            out.append(self.preamble_heading)
        articles = self.articles
        for provision in self.provisions:
            if self.proclamation and articles and provision is articles[0]:
                out.append(self.proclamation)
            if provision.part_heading:
                out.append(provision.part_heading)
            if provision.kind == "article":
                out.append(f"Article {provision.number}")
                if provision.title:
                    out.append(provision.title)
            elif provision.source_label:
                out.append(provision.source_label)
            if provision.intro:
                out.append(provision.intro)
            out.extend(f"{p.display_label} {p.text}".strip() for p in provision.walk())
        if self.proclamation and not self.articles:
            out.append(self.proclamation)
        if self.closing:
            out.append(self.closing)
        return "\n".join(out)


# --- structure -------------------------------------------------------------------------


def _label_of(block: Block) -> tuple[str, str, str] | None:
    """("number" | "alpha", value, rest) for a block that starts with a list label."""
    match = NUMBER_LABEL_RE.match(block.text)
    if match:
        return ("number", match.group("a") or match.group("b"), (match.group("rest") or "").strip())
    match = ALPHA_LABEL_RE.match(block.text)
    if match:
        value = match.group("a") or match.group("b")
        if is_letter(value) or is_roman(value):
            # "a." style only for single letters, so that "etc." or "i.e." stay text.
            if (
                match.group("b")
                and block.text[len(value)] == "."
                and len(value) > 1
                and not is_roman(value)
            ):
                return None
            return ("alpha", value, (match.group("rest") or "").strip())
    return None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _bare(paragraph: ParsedParagraph | None) -> str | None:
    """"a" for "(a)"."""
    if paragraph is None:
        return None
    return (paragraph.label or "").strip("()") or None


class _ListBuilder:
    """Numbered paragraphs and their lettered and roman sub-paragraphs, for one provision."""

    def __init__(self, provision: ParsedProvision, warn: Any) -> None:
        self.provision = provision
        self.warn = warn
        self.number: ParsedParagraph | None = None
        self.letter: ParsedParagraph | None = None
        self.roman: ParsedParagraph | None = None
        self.last: ParsedParagraph | None = None
        self.last_number_value: int | None = None

    def add_number(self, value: str, text: str, where: str) -> None:
        expected = 1 if self.last_number_value is None else self.last_number_value + 1
        if int(value) != expected:
            self.warn(
                where,
                _(
                    "%(provision)s: paragraph %(label)s where paragraph %(expected)s was expected.",
                    provision=self.provision.label,
                    label=value,
                    expected=expected,
                ),
            )
        self.last_number_value = int(value)
        paragraph = ParsedParagraph(value, text, 0)
        self.provision.paragraphs.append(paragraph)
        self.number, self.letter, self.roman, self.last = paragraph, None, None, paragraph

    def add_unlabelled(self, text: str) -> None:
        paragraph = ParsedParagraph(None, text, 0)
        self.provision.paragraphs.append(paragraph)
        self.number, self.letter, self.roman, self.last = paragraph, None, None, paragraph

    def classify(self, value: str, hint: str | None, next_value: str | None) -> str:
        """Is ``value`` a letter or a roman numeral here? ("(i)" after "(h)" is a letter.)"""
        if hint in ("letter", "roman"):
            return hint
        expected_letter = next_letter(_bare(self.letter))
        expected_roman = next_roman(_bare(self.roman))
        letter_ok = is_letter(value) and value == expected_letter
        roman_ok = is_roman(value) and value == expected_roman
        if letter_ok and roman_ok:
            if next_value is not None:
                if next_value == next_roman(value) and next_value != next_letter(value):
                    return "roman"
                if next_value == next_letter(value):
                    return "letter"
            if self.last is not None and self.last is self.roman:
                return "roman"
            if value == "i" and self.last is not None and self.last.text.rstrip().endswith(":"):
                return "roman"
            return "letter"
        if letter_ok:
            return "letter"
        if roman_ok:
            return "roman"
        if is_roman(value) and (self.roman is not None or not is_letter(value)):
            return "roman"
        return "letter"

    def add_alpha(
        self, value: str, text: str, where: str, hint: str | None, next_value: str | None
    ) -> None:
        kind = self.classify(value, hint, next_value)
        if kind == "letter":
            expected = next_letter(_bare(self.letter))
            if value != expected:
                self.warn(
                    where,
                    _(
                        "%(provision)s: sub-paragraph (%(label)s) where (%(expected)s) "
                        "was expected.",
                        provision=self.provision.label,
                        label=value,
                        expected=expected,
                    ),
                )
            paragraph = ParsedParagraph(f"({value})", text, 1)
            parent = self.number
            self.letter, self.roman = paragraph, None
        else:
            expected = next_roman(_bare(self.roman))
            if value != expected:
                self.warn(
                    where,
                    _(
                        "%(provision)s: sub-paragraph (%(label)s) where (%(expected)s) "
                        "was expected.",
                        provision=self.provision.label,
                        label=value,
                        expected=expected,
                    ),
                )
            paragraph = ParsedParagraph(f"({value})", text, 2)
            parent = self.letter or self.number
            self.roman = paragraph
        (parent.children if parent is not None else self.provision.paragraphs).append(paragraph)
        self.last = paragraph


FRONT, PREAMBLE, PROCLAMATION, ARTICLES, CLOSING = range(5)


class _Parser:
    def __init__(self, blocks: list[Block], result: ImportResult) -> None:
        self.blocks = blocks
        self.result = result
        self.state = FRONT
        self.chapeau: list[str] = []
        self.proclamation: list[str] = []
        self.closing: list[str] = []
        self.pending_part: tuple[str, str] | None = None
        self.provision: ParsedProvision | None = None
        self.lists: _ListBuilder | None = None
        self.preamble_labelled = False
        self.article_numbers: set[str] = set()
        self.last_article_value: int | None = None
        self.has_article_headings = any(self._article(b) for b in blocks)
        first_article = next((i for i, b in enumerate(blocks) if self._article(b)), len(blocks))
        self.annex_index = max(
            (i for i, b in enumerate(blocks[:first_article]) if ANNEX_RE.match(b.text)), default=-1
        )
        self.operative_warned = False

    # helpers

    def warn(self, where: str, message: str) -> None:
        self.result.warnings.append(f"{where}: {message}")

    def _article(self, block: Block) -> tuple[str, str | None, str | None] | None:
        """(number, title, body) when the block is an article heading."""
        match = ARTICLE_RE.match(block.text)
        if not match:
            return None
        number = _NUMBER_WORDS.get(match.group("num").lower(), match.group("num"))
        if re.fullmatch(r"[ivxlc]+", number, re.IGNORECASE):
            number = number.upper()
        rest = (match.group("rest") or "").strip()
        sep = match.group("sep") or ""
        if not rest:
            return (number, None, None)
        if not sep.strip() and not block.heading:
            return None  # "Article 12 of the Covenant ..." is a sentence, not a heading
        if len(rest) <= TITLE_MAX and not rest.endswith((";", ":", ",")):
            if not rest.endswith("."):
                return (number, rest, None)
            if block.heading or (len(rest.split()) <= 6 and not MODAL_RE.search(rest)):
                return (number, rest.rstrip(".").strip(), None)
        return (number, None, rest)

    def _part(self, block: Block) -> str | None:
        match = PART_RE.match(block.text)
        if not match or len(block.text) > 200:
            return None
        rest = match.group("rest") or ""
        if rest and not (match.group("sep") or "").strip() and not block.heading:
            return None
        if rest.endswith((".", ";", ",")) and len(rest.split()) > 8:
            return None
        return block.text

    def _next(self, i: int) -> Block | None:
        return self.blocks[i + 1] if i + 1 < len(self.blocks) else None

    def _next_alpha(self, i: int) -> str | None:
        following = self._next(i)
        if following is None:
            return None
        label = _label_of(following)
        return label[1] if label and label[0] == "alpha" else None

    def _is_furniture(self, block: Block) -> bool:
        if block.heading and not block.text.strip(" *_=-.~"):
            return True
        if _FURNITURE_RE.match(block.text):
            return True
        return self.state != FRONT and bool(_SYMBOL_RE.match(block.text))

    # transitions

    def start_article(self, number: str, title: str | None, body: str | None, where: str) -> None:
        value = int(number) if number.isdigit() else None
        if value is not None:
            expected = 1 if self.last_article_value is None else self.last_article_value + 1
            if value != expected:
                self.warn(
                    where,
                    _(
                        "Article %(number)s where article %(expected)s was expected.",
                        number=number,
                        expected=expected,
                    ),
                )
            self.last_article_value = value
        if number in self.article_numbers:
            original, n = number, 2
            while f"{original}-{n}" in self.article_numbers:
                n += 1
            number = f"{original}-{n}"
            self.warn(
                where,
                _(
                    "Article %(number)s appears twice; the second one was numbered %(new)s.",
                    number=original,
                    new=number,
                ),
            )
        self.article_numbers.add(number)
        provision = ParsedProvision("article", number, title=title)
        if self.pending_part:
            provision.part_heading = self.pending_part[0]
            self.pending_part = None
        if body:
            provision.intro = body
        self.result.provisions.append(provision)
        self.provision = provision
        self.lists = _ListBuilder(provision, self.warn)
        self.state = ARTICLES

    def start_pp(self, text: str, source_label: str | None) -> None:
        number = str(len(self.result.preamble) + 1)
        provision = ParsedProvision("preamble", number, source_label=source_label, intro=text)
        self.result.provisions.append(provision)
        self.provision = provision
        self.lists = _ListBuilder(provision, self.warn)

    def add_text(self, text: str) -> None:
        """Unlabelled text inside the current provision."""
        assert self.provision is not None and self.lists is not None
        if not self.provision.paragraphs:
            self.provision.intro = (
                f"{self.provision.intro}\n\n{text}" if self.provision.intro else text
            )
        else:
            self.lists.add_unlabelled(text)

    def add_label(self, label: tuple[str, str, str], block: Block, i: int) -> None:
        assert self.lists is not None
        kind, value, rest = label
        if kind == "number" and block.hint not in ("letter", "roman"):
            self.lists.add_number(value, rest, block.where)
        else:
            self.lists.add_alpha(value, rest, block.where, block.hint, self._next_alpha(i))

    # the walk

    def run(self) -> None:
        i = 0
        while i < len(self.blocks):
            i = self.step(i) + 1
        self.finish()

    def step(self, i: int) -> int:
        block = self.blocks[i]
        text = block.text
        if self.state == CLOSING:
            self.closing.append(text)
            return i
        if i <= self.annex_index:
            self.chapeau.append(text)
            return i
        if self._is_furniture(block):
            self.warn(
                block.where,
                _(
                    'left out (looks like a page number, separator or document symbol): "%(text)s"',
                    text=_short(text),
                ),
            )
            return i
        article = self._article(block)
        if article:
            self.start_article(*article, block.where)
            following = self._next(i)
            if (
                self.provision is not None
                and self.provision.title is None
                and article[2] is None
                and following is not None
                and (following.title_hint or (following.heading and title_shaped(following.text)))
            ):
                self.provision.title = following.text
                return i + 1
            return i
        part = self._part(block)
        if part is not None and (self.state != FRONT or self.has_article_headings):
            return self.start_part(part, block, i)
        if CLOSING_RE.match(text) and self.state in (ARTICLES, PROCLAMATION):
            self.state = CLOSING
            self.closing.append(text)
            return i
        if self.state == FRONT:
            return self.step_front(block, i)
        if self.state == PREAMBLE:
            return self.step_preamble(block, i)
        if self.state == PROCLAMATION:
            label = _label_of(block)
            if not self.has_article_headings and label and label[0] == "number":
                self.start_operative(label, block)
                return i
            self.proclamation.append(text)
            return i
        return self.step_article(block, i)

    def start_part(self, part: str, block: Block, i: int) -> int:
        if self.pending_part:
            self.warn(
                self.pending_part[1],
                _(
                    'heading "%(text)s" is followed by no article; kept with the next heading.',
                    text=_short(self.pending_part[0]),
                ),
            )
            part = f"{self.pending_part[0]} \u2013 {part}"
        following = self._next(i)
        after = self.blocks[i + 2] if i + 2 < len(self.blocks) else None
        match = PART_RE.match(part)
        if (
            match
            and not match.group("rest")
            and following is not None
            and (following.heading or following.single_line)
            and title_shaped(following.text)
            and (after is None or self._article(after) is not None or after.heading)
            and len(part) + len(following.text) + 2 <= HEADING_MAX
        ):
            separator = " " if part.endswith((".", ":", "\u2013", "-")) else ". "
            part = f"{part}{separator}{following.text}"
            i += 1
        self.pending_part = (part[:HEADING_MAX], block.where)
        if self.state in (FRONT, PREAMBLE, PROCLAMATION):
            self.state = ARTICLES
            self.provision, self.lists = None, None
        return i

    def start_operative(self, label: tuple[str, str, str], block: Block) -> None:
        if not self.operative_warned:
            self.operative_warned = True
            self.warn(
                block.where,
                _(
                    'no "Article" headings were found: each numbered paragraph after the '
                    "preamble was taken as an article."
                ),
            )
        self.start_article(label[1], None, label[2], block.where)

    def step_front(self, block: Block, i: int) -> int:
        text = block.text
        if PREAMBLE_RE.match(text):
            self.result.preamble_heading = text
            self.state = PREAMBLE
            return i
        label = _label_of(block)
        body = label[2] if label else text
        if PP_START_RE.match(body):
            self.state = PREAMBLE
            return self.step_preamble(block, i)
        if PROCLAMATION_RE.match(body) and self.has_article_headings:
            self.state = PROCLAMATION
            self.proclamation.append(text)
            return i
        if not self.has_article_headings and label and label[0] == "number":
            self.start_operative(label, block)
            return i
        self.chapeau.append(text)
        return i

    def step_preamble(self, block: Block, i: int) -> int:
        text = block.text
        label = _label_of(block)
        body = label[2] if label else text
        following = self._next(i)
        if PROCLAMATION_RE.match(body) or (
            SHORT_INTRO_RE.match(text)
            and self.result.preamble
            and following is not None
            and PROCLAMATION_RE.match(following.text)
        ):
            self.state = PROCLAMATION
            self.proclamation.append(text)
            return i
        if (
            label
            and label[0] == "number"
            and not self.has_article_headings
            and not PP_START_RE.match(body)
        ):
            self.start_operative(label, block)
            return i
        pps = self.result.preamble
        if block.heading and pps:
            self.pending_part = (text, block.where)
            return i
        if label and (not pps or self.preamble_labelled):
            self.preamble_labelled = True
            kind, value, rest = label
            shown = f"({value})" if kind == "alpha" else value
            self.start_pp(rest, shown)
            return i
        if label and self.provision is not None:
            self.add_label(label, block, i)
            return i
        if not pps and not PP_START_RE.match(text):
            self.chapeau.append(text)  # "The States Parties to the present Convention,"
            return i
        if self.preamble_labelled and self.provision is not None:
            self.warn(
                block.where,
                _(
                    'text without a letter after %(label)s was kept with it: "%(text)s"',
                    label=self.provision.label,
                    text=_short(text),
                ),
            )
            self.add_text(text)
            return i
        if not PP_START_RE.match(text) and not text.endswith((",", ";")):
            self.warn(
                block.where,
                _(
                    "kept as preambular paragraph %(number)s although it does not read "
                    'like one: "%(text)s"',
                    number=len(pps) + 1,
                    text=_short(text),
                ),
            )
        self.start_pp(text, None)
        return i

    def step_article(self, block: Block, i: int) -> int:
        text = block.text
        if self.provision is None:
            # After a part heading, before any article.
            if block.heading or (block.single_line and title_shaped(text)):
                if self.pending_part:
                    self.pending_part = (
                        f"{self.pending_part[0]} \u2013 {text}"[:HEADING_MAX],
                        self.pending_part[1],
                    )
                else:
                    self.pending_part = (text, block.where)
                return i
            label = _label_of(block)
            if label and label[0] == "number" and not self.has_article_headings:
                self.start_operative(label, block)
                return i
            self.warn(
                block.where,
                _(
                    "could not be placed (text between a heading and the first article): "
                    '"%(text)s"',
                    text=_short(text),
                ),
            )
            return i
        provision = self.provision
        assert self.lists is not None
        nothing_yet = provision.intro is None and not provision.paragraphs
        following = self._next(i)
        if (
            nothing_yet
            and provision.title is None
            and (
                block.title_hint
                or (block.heading and title_shaped(text))
                or (
                    block.single_line
                    and title_shaped(text)
                    and following is not None
                    and self._article(following) is None
                    and self._part(following) is None
                )
            )
        ):
            provision.title = text
            return i
        if (
            block.heading
            and following is not None
            and (self._article(following) or self._part(following))
        ):
            self.pending_part = (text[:HEADING_MAX], block.where)
            return i
        label = _label_of(block)
        if label:
            if not self.has_article_headings and label[0] == "number" and block.hint is None:
                self.start_operative(label, block)
                return i
            self.add_label(label, block, i)
            return i
        self.add_text(text)
        return i

    def finish(self) -> None:
        result = self.result
        if self.pending_part:
            self.warn(
                self.pending_part[1],
                _(
                    'heading "%(text)s" is followed by no article; it was not placed.',
                    text=_short(self.pending_part[0]),
                ),
            )
        result.chapeau = "\n\n".join(self.chapeau) or None
        result.proclamation = "\n\n".join(self.proclamation) or None
        result.closing = "\n\n".join(self.closing) or None
        if self.chapeau and title_shaped(self.chapeau[0]):
            result.title = self.chapeau[0]
        if not result.articles:
            result.warnings.append(_("No article was recognised."))
        for provision in result.articles:
            if provision.intro is None and not provision.paragraphs:
                result.warnings.append(
                    _("Article %(number)s has no text.", number=provision.number)
                )


def parse_document(data: bytes, filename: str | None = None) -> ImportResult:
    """Recognise the structure of a .docx, Markdown or plain-text file (detected by content)."""
    if not data or not data.strip():
        raise ImportFormatError(_("The file is empty."))
    warnings: list[str] = []
    notes: list[str] = []
    if is_docx(data):
        fmt = "docx"
        try:
            check_ooxml(data, "word/document.xml")
        except FileProblem as problem:
            raise ImportFormatError(
                _("This Word document could not be read safely (damaged, too large once expanded, "
                  "or with parts that are not XML). Save it again and import it again.")
            ) from problem
        blocks = blocks_from_docx(data, warnings)
    else:
        check_not_other_binary(data)
        text = decode_text(data)
        text = (
            text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\ufeff", "")
        )
        notes, first = split_metadata(text.split("\n"))
        body = "\n".join(text.split("\n")[first:])
        fmt = "markdown" if looks_like_markdown(body) else "text"
        blocks = blocks_from_text(text, fmt, first)
    if not blocks:
        raise ImportFormatError(_("The file contains no text."))
    result = ImportResult(format=fmt, notes=notes)
    result.warnings.extend(warnings)
    _Parser(blocks, result).run()
    logger.info("parsed %s (%s): %s", filename or "upload", fmt, result.counts())
    return result
