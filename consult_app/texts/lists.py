"""Labels and lists: what a block's label is, the numbered paragraphs and lettered and
roman sub-paragraphs of one provision, and blocks cut where they hold several items (a
preamble written as one run-on paragraph, a sub-paragraph followed on its line by the next).
"""

from __future__ import annotations

import collections
import itertools
import re
from typing import Any

from flask_babel import gettext as _

from consult_app.texts.parsed import ParsedParagraph, ParsedProvision
from consult_app.texts.reading import (
    ALPHA_LABEL_RE,
    NUMBER_LABEL_RE,
    RUN_ON_OPENER_RE,
    RUN_ON_SPLIT_RE,
    Block,
    is_letter,
    is_roman,
    next_letter,
    next_roman,
)

# --- blocks that hold several items -------------------------------------------------------


def split_run_on(blocks: list[Block], start: int, stop: int, adjust: Any) -> list[Block]:
    """Cut the blocks of ``blocks[start:stop]`` (before the articles) at the openers of
    preambular paragraphs and at the proclaiming formula."""
    out = blocks[:start]
    for block in blocks[start:stop]:
        if block.heading:
            out.append(block)
            continue
        cuts = [m.start() for m in RUN_ON_SPLIT_RE.finditer(block.text)]
        if not cuts:
            out.append(block)
            continue
        bounds = [0, *cuts, len(block.text)]
        pieces = [block.piece(a, b) for a, b in itertools.pairwise(bounds)]
        pieces = [piece for piece in pieces if piece.text]
        out.extend(pieces)
        openers = ", ".join(
            match.group("opener")
            for piece in pieces[1:]
            if (match := RUN_ON_OPENER_RE.match(piece.text))
        )
        adjust(
            block.where,
            _(
                "one paragraph was cut into %(count)s at the words that open preambular "
                "paragraphs and the proclaiming formula (%(openers)s).",
                count=len(pieces),
                openers=openers,
            ),
        )
    out.extend(blocks[stop:])
    return out


def _successor_re(label: str) -> re.Pattern[str] | None:
    bare = label.strip("()")
    following = {
        v
        for v in (
            next_letter(bare) if is_letter(bare) else None,
            next_roman(bare) if is_roman(bare) else None,
        )
        if v
    }
    if not following:
        return None
    options = "|".join(re.escape(v) for v in sorted(following))
    return re.compile(
        r";\s*(?:(?:and|or|and/or|et|ou|y|o)\s+)?(?=\((?:" + options + r")\)\s+\S)",
        re.IGNORECASE,
    )


def split_inline_items(blocks: list[Block], adjust: Any) -> list[Block]:
    """Cut in two a sub-paragraph followed on its line by the next one ("(b) ... are
    consulted; and (c) the outcome ...")."""
    out: list[Block] = []
    queue = collections.deque(blocks)
    while queue:
        block = queue.popleft()
        label = label_of(block)
        if label is None or label[0] != "alpha":
            out.append(block)
            continue
        pattern = _successor_re(label[1])
        match = pattern.search(block.text) if pattern else None
        if match is None:
            out.append(block)
            continue
        first, second = block.piece(0, match.end()), block.piece(match.end())
        second.hint = block.hint
        second.auto = False
        out.append(first)
        queue.appendleft(second)
        adjust(
            block.where,
            _(
                'sub-paragraph "%(label)s" written on the line of the one before it was '
                "taken as a sub-paragraph of its own.",
                label=second.text.split()[0],
            ),
        )
    return out


# --- labels and lists ------------------------------------------------------------------


def label_of(block: Block) -> tuple[str, str, str] | None:
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


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _bare(paragraph: ParsedParagraph | None) -> str | None:
    """ "a" for "(a)"."""
    if paragraph is None:
        return None
    return (paragraph.label or "").strip("()") or None


class ListBuilder:
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


def letter_index(value: str) -> int:
    return ord(value[0]) - ord("a") + 1 + 26 * (len(value) - 1)


def letter_of(index: int, like: str) -> str:
    letter = chr(ord("a") + (index - 1) % 26) * ((index - 1) // 26 + 1)
    return letter.upper() if like.isupper() else letter
