"""The language of a position paper, sentence by sentence: references to provisions and
paragraphs ("Article 4", "PP3", "paragraph 2 (b)"), sentences and quotations, the position a
sentence states, and proposed changes ("replace “X” with “Y”") applied to the current wording.
Nothing here reads the file or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from consult_app.submissions.models import Position

#: The two kinds of provision a reference names.
PREAMBLE = "preamble"
ARTICLE = "article"


def number_key(text: str) -> str:
    """A number or label compared loosely: "7 bis" = "7bis", "(b)" = "b"."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


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


def relative_reference(sentence: str, absolute: list[Reference]) -> Reference | None:
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


QUOTE = re.compile(
    r"“([^”]+)”|\u2018([^\u2019]+)\u2019|«\s*([^»]+?)\s*»|\"([^\"]+)\"|(?<!\w)'([^']+)'(?!\w)"
)


def mask_quotes(sentence: str) -> tuple[str, list[str]]:
    """The sentence with each quotation replaced by ⟦n⟧, and the quotations."""
    quotes: list[str] = []

    def keep(match: re.Match[str]) -> str:
        quotes.append(" ".join(next(g for g in match.groups() if g is not None).split()))
        return f"⟦{len(quotes) - 1}⟧"

    return QUOTE.sub(keep, sentence), quotes


_Q = r"⟦(\d+)⟧"
_W = r"(?:the\s+(?:words?|phrases?|terms?|expressions?|reference\s+to)\s+)?"
EDIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
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
FOLLOWS = re.compile(
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


def position_cell(text: str) -> Position | None:
    word = number_key(text)
    if not word:
        return None
    return _POSITION_WORDS.get(word) or read_position(text)


def find_words(base: str, words: str) -> int:
    index = base.find(words)
    if index < 0:
        index = base.casefold().find(words.casefold())
    return index


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    return re.sub(r" +([,.;:)])", r"\1", text).strip()


@dataclass
class Edit:
    wording: str | None = None
    applied: bool = False
    full: str | None = None
    used_quotes: set[str] = field(default_factory=set)


def apply_edit(edit: Edit, sentence: str, base: str, where: str, warnings: list[str]) -> None:
    masked, quotes = mask_quotes(sentence)
    current = edit.wording if edit.wording is not None else base
    taken: list[tuple[int, int]] = []
    for name, pattern in EDIT_PATTERNS:
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
                index = find_words(current, old)
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
                index = find_words(current, old)
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
