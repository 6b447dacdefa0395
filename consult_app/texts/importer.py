"""Recognise the structure of a legal text in a Word, Markdown or plain-text file.

Pure parsing: bytes in, an :class:`ImportResult` out; nothing here touches the database.

The file is first turned into *blocks* (one logical paragraph each: hard-wrapped lines
joined, Word paragraphs with their automatic numbers written back in front; the UN
masthead, front matter, footnote definitions and trailing link lists taken out), then
blocks that hold several items are cut (a preamble written as one run-on paragraph, a
sub-paragraph followed on its line by the next one), then a small state machine walks the
blocks: front matter (title, a resolution's chapeau up to its annex) -> chapeau ->
preamble -> proclaiming paragraph -> articles (with part headings, titles, numbered
paragraphs, lettered and roman sub-paragraphs) -> final clauses. Anything it cannot place
is reported in ``warnings``, what it changed with confidence in ``adjustments``; no text
is dropped silently.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from consult_app.texts.lists import (
    ListBuilder,
    label_of,
    letter_index,
    letter_of,
    short,
    split_inline_items,
    split_run_on,
)
from consult_app.texts.parsed import (
    ImportResult,
    ParsedFootnote,
    ParsedParagraph,
    ParsedProvision,
)
from consult_app.texts.reading import (
    ANNEX_RE,
    ARTICLE_RE,
    CHAPEAU_RE,
    CLOSING_RE,
    HEADING_MAX,
    MODAL_RE,
    PART_RE,
    PLACE_DATE_RE,
    PP_START_RE,
    PREAMBLE_RE,
    PROCLAMATION_RE,
    SHORT_INTRO_RE,
    TITLE_MAX,
    Block,
    ImportFormatError,
    Source,
    article_number,
    is_letter,
    read_source,
    title_shaped,
)

__all__ = [
    "ImportFormatError",
    "ImportResult",
    "ParsedFootnote",
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
# "59/... Title" or "59/1. Title": a resolution's number in front of its title
_RESOLUTION_NUMBER_RE = re.compile(r"^\d{1,3}/(?:\d{1,4}|\.\.\.|\u2026)\.?\s+")
_SPONSORS_RE = re.compile(r":\s*(?:revised\s+)?draft\s+(?:resolution|decision)\b", re.IGNORECASE)

# --- structure -------------------------------------------------------------------------


FRONT, PREAMBLE, PROCLAMATION, ARTICLES, CLOSING = range(5)


@dataclass
class _Piece:
    """A block kept in one of the version's own texts (front matter, chapeau...)."""

    text: str
    where: str
    marks: list[tuple[int, str]] = field(default_factory=list)
    seq: int = 0


@dataclass
class _Call:
    """A footnote call placed in a provision."""

    seq: int
    key: str
    provision: ParsedProvision
    field: str
    offset: int | None
    paragraph: ParsedParagraph | None = None


class _Parser:
    def __init__(self, source: Source, result: ImportResult) -> None:
        self.source = source
        self.result = result
        self.state = FRONT
        self.seq = 0
        self.front: list[_Piece] = []
        self.chapeau: list[_Piece] = []
        self.proclamation: list[_Piece] = []
        self.closing: list[_Piece] = []
        self.calls: list[_Call] = []
        self.heading_marks: list[_Piece] = []  # calls in the preamble heading
        # (text, where, footnote keys) of a part heading waiting for its first article
        self.pending_part: tuple[str, str, list[str]] | None = None
        self.provision: ParsedProvision | None = None
        self.lists: ListBuilder | None = None
        self.preamble_labelled = False
        self.article_numbers: set[str] = set()
        self.last_article_value: int | None = None
        self.operative_warned = False
        # Word's automatic numbering across articles
        self.auto_last: dict[str, str] = {}  # "number" / "letter" -> last value Word gave
        self.auto_offset: dict[str, int] = {}  # per provision: how far Word ran on
        self.auto_restarted: list[str] = []
        self.used_notes: set[str] = set()
        self.note_numbers: dict[str, str] = {}  # Markdown footnotes numbered as called
        self.blocks = self._prepare(source.blocks)
        self.has_article_headings = any(self._article(b) for b in self.blocks)
        first_article = next(
            (i for i, b in enumerate(self.blocks) if self._article(b)), len(self.blocks)
        )
        self.annex_index = max(
            (i for i, b in enumerate(self.blocks[:first_article]) if ANNEX_RE.match(b.text)),
            default=-1,
        )

    # helpers

    def warn(self, where: str, message: str) -> None:
        self.result.warnings.append(f"{where}: {message}")

    def adjust(self, where: str, message: str) -> None:
        self.result.adjustments.append(f"{where}: {message}")

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    def _prepare(self, blocks: list[Block]) -> list[Block]:
        """Cut the blocks that hold several items (run-on preamble, inline sub-paragraph)."""
        blocks = split_inline_items(blocks, self.adjust)
        first_article = next((i for i, b in enumerate(blocks) if self._article(b)), None)
        if first_article is None:
            first_article = next(
                (
                    i
                    for i, b in enumerate(blocks)
                    if (label := label_of(b))
                    and label[0] == "number"
                    and not PP_START_RE.match(label[2])
                ),
                len(blocks),
            )
        annex = max(
            (i for i, b in enumerate(blocks[:first_article]) if ANNEX_RE.match(b.text)),
            default=-1,
        )
        return split_run_on(blocks, annex + 1, first_article, self.adjust)

    def _piece(self, block: Block, text: str | None = None) -> _Piece:
        used = block.text if text is None else text
        return _Piece(used, block.where, block.marks_in(used), self._seq())

    def _place(
        self,
        block: Block,
        used: str,
        provision: ParsedProvision,
        field_name: str,
        paragraph: ParsedParagraph | None = None,
        base: int = 0,
    ) -> None:
        """Record the footnote calls of ``block`` (whose text ``used`` went into a field)."""
        for offset, key in block.marks_in(used):
            self.calls.append(
                _Call(self._seq(), key, provision, field_name, base + offset, paragraph)
            )

    def _article(self, block: Block) -> tuple[str, str | None, str | None] | None:
        """(number, title, body) when the block is an article heading."""
        match = ARTICLE_RE.match(block.text)
        if not match:
            return None
        number = article_number(match)
        number = _NUMBER_WORDS.get(number.lower(), number)
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
        label = label_of(following)
        return label[1] if label and label[0] == "alpha" else None

    def _is_furniture(self, block: Block) -> bool:
        if block.heading and not block.text.strip(" *_=-.~"):
            return True
        if _FURNITURE_RE.match(block.text):
            return True
        return self.state != FRONT and bool(_SYMBOL_RE.match(block.text))

    def _closing(self, block: Block) -> str | None:
        """The final formula in ``block`` ("IN WITNESS WHEREOF", "Done at ..."), if it is one."""
        if self.state not in (ARTICLES, PROCLAMATION):
            return None
        label = label_of(block)
        body = label[2] if label and label[0] == "number" and label[2] else block.text
        if CLOSING_RE.match(body) or (self.result.articles and PLACE_DATE_RE.match(body)):
            return body
        return None

    # transitions

    def start_article(self, number: str, title: str | None, body: str | None, block: Block) -> None:
        where = block.where
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
        self._take_pending_part(provision)
        if body:
            provision.intro = body
            self._place(block, body, provision, "intro")
        elif title:
            self._place(block, title, provision, "title")
        else:
            for _offset, key in block.marks:
                self.calls.append(_Call(self._seq(), key, provision, "title", None))
        self.result.provisions.append(provision)
        self._open(provision)
        self.state = ARTICLES

    def _take_pending_part(self, provision: ParsedProvision) -> None:
        if self.pending_part:
            provision.part_heading = self.pending_part[0]
            for key in self.pending_part[2]:
                self.calls.append(_Call(self._seq(), key, provision, "part_heading", None))
            self.pending_part = None

    def _open(self, provision: ParsedProvision) -> None:
        self.provision = provision
        self.lists = ListBuilder(provision, self.warn)
        self.auto_offset = {}

    def start_pp(self, text: str, source_label: str | None, block: Block) -> None:
        number = str(len(self.result.preamble) + 1)
        provision = ParsedProvision("preamble", number, source_label=source_label, intro=text)
        self._take_pending_part(provision)
        self._place(block, text, provision, "intro")
        self.result.provisions.append(provision)
        self._open(provision)

    def add_text(self, block: Block, text: str | None = None) -> None:
        """Unlabelled text inside the current provision."""
        assert self.provision is not None and self.lists is not None
        text = block.text if text is None else text
        provision = self.provision
        if not provision.paragraphs:
            base = len(provision.intro) + 2 if provision.intro else 0
            provision.intro = f"{provision.intro}\n\n{text}" if provision.intro else text
            self._place(block, text, provision, "intro", base=base)
            return
        if provision.kind == "article":
            last = self.lists.last
            self.warn(
                block.where,
                _(
                    "text without a number after %(label)s of %(provision)s was kept as an "
                    'unnumbered paragraph: "%(text)s"',
                    label=last.display_label if last is not None and last.label else "",
                    provision=provision.label,
                    text=short(text),
                ),
            )
        self.lists.add_unlabelled(text)
        self._place(block, text, provision, "text", self.lists.last)

    def _auto(self, kind: str, value: str) -> str:
        """A label from Word's automatic numbering, restarted at an article heading when
        Word ran the list on from the previous article (3, 4 instead of 1, 2).

        Word continues a level's counter until an item of a higher level comes: letters
        at the top of an article run on from the last letters of the article before when
        no numbered paragraph came between.
        """
        assert self.provision is not None and self.lists is not None
        index = int(value) if kind == "number" else letter_index(value)
        previous = self.auto_last.get(kind)
        self.auto_last[kind] = value
        if kind == "number":
            self.auto_last.pop("letter", None)
        elif self.lists.number is not None:
            return value  # under a numbered paragraph: Word starts the letters again
        if kind not in self.auto_offset:
            self.auto_offset[kind] = 0
            if (
                self.provision.kind == "article"
                and index > 1
                and previous is not None
                and index == (int(previous) if kind == "number" else letter_index(previous)) + 1
            ):
                self.auto_offset[kind] = index - 1
                if self.provision.number not in self.auto_restarted:
                    self.auto_restarted.append(self.provision.number)
        index -= self.auto_offset[kind]
        return str(index) if kind == "number" else letter_of(index, value)

    def add_label(self, label: tuple[str, str, str], block: Block, i: int) -> None:
        assert self.lists is not None and self.provision is not None
        kind, value, rest = label
        if kind == "number" and block.hint not in ("letter", "roman"):
            if block.auto:
                value = self._auto("number", value)
            self.lists.add_number(value, rest, block.where)
        else:
            if block.auto and block.hint == "letter" and is_letter(value):
                value = self._auto("letter", value)
            self.lists.add_alpha(value, rest, block.where, block.hint, self._next_alpha(i))
        self._place(block, rest, self.provision, "text", self.lists.last)

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
            label = label_of(block)
            if block.auto and label and label[0] == "number" and label[2]:
                self._left_out_label(block, label[2])
                self.closing.append(self._piece(block, label[2]))
                return i
            if self._article(block):
                self.warn(
                    block.where,
                    _(
                        'an article heading after the final clauses was kept with them: "%(text)s"',
                        text=short(text),
                    ),
                )
            self.closing.append(self._piece(block))
            return i
        if i <= self.annex_index:
            self.front.append(self._piece(block))
            return i
        if self._is_furniture(block):
            self.warn(
                block.where,
                _(
                    'left out (looks like a page number, separator or document symbol): "%(text)s"',
                    text=short(text),
                ),
            )
            return i
        article = self._article(block)
        if article:
            self.start_article(*article, block)
            following = self._next(i)
            if (
                self.provision is not None
                and self.provision.title is None
                and article[2] is None
                and following is not None
                and (following.title_hint or (following.heading and title_shaped(following.text)))
            ):
                self.provision.title = following.text
                self._place(following, following.text, self.provision, "title")
                return i + 1
            return i
        part = self._part(block)
        if part is not None and (self.state != FRONT or self.has_article_headings):
            return self.start_part(part, block, i)
        closing = self._closing(block)
        if closing is not None:
            if closing != text:
                self._left_out_label(block, closing)
            self.state = CLOSING
            self.closing.append(self._piece(block, closing))
            return i
        if self.state == FRONT:
            return self.step_front(block, i)
        if self.state == PREAMBLE:
            return self.step_preamble(block, i)
        if self.state == PROCLAMATION:
            label = label_of(block)
            if not self.has_article_headings and label and label[0] == "number":
                self.start_operative(label, block)
                return i
            self.proclamation.append(self._piece(block))
            return i
        return self.step_article(block, i)

    def _left_out_label(self, block: Block, body: str) -> None:
        self.adjust(
            block.where,
            _(
                'the final formula carried the list number "%(label)s", which was left out.',
                label=block.text[: len(block.text) - len(body)].strip(),
            ),
        )

    def start_part(self, part: str, block: Block, i: int) -> int:
        keys = [key for _offset, key in block.marks]
        if self.pending_part:
            self.warn(
                self.pending_part[1],
                _(
                    'heading "%(text)s" is followed by no article; kept with the next heading.',
                    text=short(self.pending_part[0]),
                ),
            )
            part = f"{self.pending_part[0]} \u2013 {part}"
            keys = self.pending_part[2] + keys
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
            keys += [key for _offset, key in following.marks]
            i += 1
        self.pending_part = (part[:HEADING_MAX], block.where, keys)
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
        self.start_article(label[1], None, label[2], block)

    def _open_preamble(self) -> None:
        """The front's last block opens the preamble when it reads like a chapeau."""
        if not self.chapeau and self.front and CHAPEAU_RE.match(self.front[-1].text):
            self.chapeau.append(self.front.pop())

    def step_front(self, block: Block, i: int) -> int:
        text = block.text
        if PREAMBLE_RE.match(text):
            self._open_preamble()
            self.result.preamble_heading = text
            if block.marks:
                self.heading_marks.append(self._piece(block))
            self.state = PREAMBLE
            return i
        label = label_of(block)
        body = label[2] if label else text
        if PP_START_RE.match(body):
            self._open_preamble()
            self.state = PREAMBLE
            return self.step_preamble(block, i)
        if PROCLAMATION_RE.match(body) and self.has_article_headings:
            self._open_preamble()
            self.state = PROCLAMATION
            self.proclamation.append(self._piece(block))
            return i
        if not self.has_article_headings and label and label[0] == "number":
            self.start_operative(label, block)
            return i
        self.front.append(self._piece(block))
        return i

    def step_preamble(self, block: Block, i: int) -> int:
        text = block.text
        label = label_of(block)
        body = label[2] if label else text
        following = self._next(i)
        if PROCLAMATION_RE.match(body) or (
            SHORT_INTRO_RE.match(text)
            and self.result.preamble
            and following is not None
            and PROCLAMATION_RE.match(following.text)
        ):
            self.state = PROCLAMATION
            self.proclamation.append(self._piece(block))
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
            self.pending_part = (text, block.where, [key for _o, key in block.marks])
            return i
        if label and (not pps or self.preamble_labelled):
            self.preamble_labelled = True
            kind, value, rest = label
            shown = f"({value})" if kind == "alpha" else value
            self.start_pp(rest, shown, block)
            return i
        if label and self.provision is not None:
            self.add_label(label, block, i)
            return i
        if not pps and not PP_START_RE.match(text):
            self.chapeau.append(
                self._piece(block)
            )  # "The States Parties to the present Convention,"
            return i
        if self.preamble_labelled and self.provision is not None:
            self.warn(
                block.where,
                _(
                    'text without a letter after %(label)s was kept with it: "%(text)s"',
                    label=self.provision.label,
                    text=short(text),
                ),
            )
            self.add_text(block)
            return i
        if not PP_START_RE.match(text) and not text.endswith(
            (",", ";", "\uff0c", "\uff1b", "\u060c", "\u061b")
        ):
            self.warn(
                block.where,
                _(
                    "kept as preambular paragraph %(number)s although it does not read "
                    'like one: "%(text)s"',
                    number=len(pps) + 1,
                    text=short(text),
                ),
            )
        self.start_pp(text, None, block)
        return i

    def step_article(self, block: Block, i: int) -> int:
        text = block.text
        if self.provision is None:
            # After a part heading, before any article.
            if block.heading or (block.single_line and title_shaped(text)):
                keys = [key for _offset, key in block.marks]
                if self.pending_part:
                    self.pending_part = (
                        f"{self.pending_part[0]} \u2013 {text}"[:HEADING_MAX],
                        self.pending_part[1],
                        self.pending_part[2] + keys,
                    )
                else:
                    self.pending_part = (text, block.where, keys)
                return i
            label = label_of(block)
            if label and label[0] == "number" and not self.has_article_headings:
                self.start_operative(label, block)
                return i
            self.warn(
                block.where,
                _(
                    "could not be placed (text between a heading and the first article): "
                    '"%(text)s"',
                    text=short(text),
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
            self._place(block, text, provision, "title")
            return i
        if (
            block.heading
            and following is not None
            and (self._article(following) or self._part(following))
        ):
            self.pending_part = (text[:HEADING_MAX], block.where, [k for _o, k in block.marks])
            return i
        label = label_of(block)
        if label:
            if not self.has_article_headings and label[0] == "number" and block.hint is None:
                self.start_operative(label, block)
                return i
            self.add_label(label, block, i)
            return i
        self.add_text(block)
        return i

    # the end

    def finish(self) -> None:
        result = self.result
        if self.pending_part:
            self.warn(
                self.pending_part[1],
                _(
                    'heading "%(text)s" is followed by no article; it was not placed.',
                    text=short(self.pending_part[0]),
                ),
            )
        self._find_title()
        self._check_front()
        if self.auto_restarted:
            result.adjustments.append(
                ngettext(
                    "Word's automatic paragraph numbering ran on from one article to the next; "
                    "it was started again at 1 in article %(articles)s.",
                    "Word's automatic paragraph numbering ran on from one article to the next; "
                    "it was started again at 1 in articles %(articles)s.",
                    len(self.auto_restarted),
                    articles=", ".join(self.auto_restarted),
                )
            )
        result.front_matter = "\n\n".join(p.text for p in self.front) or None
        result.chapeau = "\n\n".join(p.text for p in self.chapeau) or None
        result.proclamation = "\n\n".join(p.text for p in self.proclamation) or None
        result.closing = "\n\n".join(p.text for p in self.closing) or None
        self._footnotes()
        if not result.articles:
            result.warnings.append(_("No article was recognised."))
        for provision in result.articles:
            if provision.intro is None and not provision.paragraphs:
                result.warnings.append(
                    _("Article %(number)s has no text.", number=provision.number)
                )

    def _find_title(self) -> None:
        """The instrument's title: the front matter's, else the first title-shaped block of
        the front after the masthead (and after the annex heading of a resolution)."""
        result = self.result
        start = 0
        for n, piece in enumerate(self.front):
            if ANNEX_RE.match(piece.text):
                start = n + 1
        candidates = [
            n
            for n in range(start, len(self.front))
            if title_shaped(self.front[n].text) and not _SPONSORS_RE.search(self.front[n].text)
        ]
        if (
            self.source.after_agenda
            and start == 0
            and len(candidates) >= 2
            and candidates[0] == 0
            and not self.front[0].marks
        ):
            # The first block after "Agenda item 3" is the agenda item's title.
            result.masthead.append(self.front.pop(0).text)
            candidates = [n - 1 for n in candidates[1:]]
        if self.source.title:
            result.title = self.source.title
        elif candidates:
            result.title = _RESOLUTION_NUMBER_RE.sub("", self.front[candidates[0]].text)

    def _check_front(self) -> None:
        """Text before the preamble that is neither a title nor a chapeau is a warning."""
        if not self.result.provisions:
            return
        start = 0
        for n, piece in enumerate(self.front):
            if ANNEX_RE.match(piece.text):
                start = n + 1
        for piece in self.front[start:]:
            if title_shaped(piece.text) or _SPONSORS_RE.search(piece.text):
                continue
            if CHAPEAU_RE.match(piece.text):
                message = _(
                    "kept before the preamble; it reads like the chapeau of a preamble that "
                    'was not recognised: "%(text)s"',
                    text=short(piece.text),
                )
            else:
                message = _(
                    "kept before the preamble, although it reads neither as a title nor as "
                    'a chapeau: "%(text)s"',
                    text=short(piece.text),
                )
            self.warn(piece.where, message)

    def _footnotes(self) -> None:
        """Footnotes in the order of their calls, each attached where its call stands."""
        result = self.result
        calls: list[tuple[int, str, str, str, int | None, _Call | None]] = []
        version_texts = (
            ("front_matter", self.front),
            ("chapeau", self.chapeau),
            ("proclamation", self.proclamation),
            ("closing", self.closing),
        )
        for place, pieces in version_texts:
            base = 0
            for piece in pieces:
                for offset, key in piece.marks:
                    calls.append((piece.seq, key, piece.where, place, base + offset, None))
                base += len(piece.text) + 2
        for piece in self.heading_marks:
            for _offset, key in piece.marks:
                calls.append((piece.seq, key, piece.where, "front_matter", None, None))
        for call in self.calls:
            calls.append((call.seq, call.key, call.provision.label, call.field, call.offset, call))
        # Numbered in reading order: the order in which the parser placed the calls.
        calls.sort(key=lambda item: item[0])
        for _seq, key, where, place, call_at, placed in calls:
            found = self._footnote(
                key,
                where,
                place,
                call_at,
                placed.provision if placed is not None else None,
                placed.paragraph if placed is not None else None,
            )
            if found is not None:
                result.footnotes.append(found)
                if found.provision is not None:
                    found.provision.footnotes.append(found)
        for key, (_label, text) in self.source.footnotes.items():
            if key not in self.used_notes:
                label = self._note_label(key)
                result.footnotes.append(ParsedFootnote(label, text))
                result.warnings.append(
                    _(
                        "Footnote %(label)s is called nowhere in the text; it was kept at the "
                        "end of the text.",
                        label=label,
                    )
                )
        for position, note in enumerate(result.footnotes, start=1):
            note.position = position

    def _note_label(self, key: str) -> str:
        """The label a footnote shows: its own, else 1, 2... in the order of the calls."""
        label = self.source.footnotes[key][0]
        if label:
            return label
        if key not in self.note_numbers:
            self.note_numbers[key] = str(len(self.note_numbers) + 1)
        return self.note_numbers[key]

    def _footnote(
        self,
        key: str,
        where: str,
        place: str,
        call_at: int | None = None,
        provision: ParsedProvision | None = None,
        paragraph: ParsedParagraph | None = None,
    ) -> ParsedFootnote | None:
        """The footnote a call refers to; a warning when the file has no text for it."""
        found = key if key in self.source.footnotes else "num:" + key.split(":", 1)[-1]
        if found not in self.source.footnotes:
            self.warn(
                where,
                _(
                    'a footnote call "%(key)s" has no footnote text; the call was left out.',
                    key=key.split(":", 1)[-1],
                ),
            )
            return None
        self.used_notes.add(found)
        label = self._note_label(found)
        text = self.source.footnotes[found][1]
        return ParsedFootnote(label, text, place, provision, paragraph, call_at)


def parse_document(data: bytes, filename: str | None = None) -> ImportResult:
    """Recognise the structure of a .docx, Markdown or plain-text file (detected by content)."""
    if not data or not data.strip():
        raise ImportFormatError(_("The file is empty."))
    source = read_source(data)
    if not source.blocks:
        raise ImportFormatError(_("The file contains no text."))
    result = ImportResult(
        format=source.format,
        notes=source.notes,
        masthead=list(source.masthead),
        links=list(source.links),
    )
    result.warnings.extend(source.warnings)
    if source.links:
        result.adjustments.append(
            ngettext(
                "%(num)d link listed at the end of the file was left out of the text.",
                "%(num)d links listed at the end of the file were left out of the text.",
                len(source.links),
            )
        )
    _Parser(source, result).run()
    logger.info("parsed %s (%s): %s", filename or "upload", source.format, result.counts())
    return result
