# ruff: noqa: RUF001, RUF002  (patterns and examples in the six scripts of the UN languages)
"""Turn a file into blocks: one logical paragraph each, with where it came from.

Text is decoded (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), Markdown
syntax is taken off, hard-wrapped lines are joined; a Word paragraph becomes one block with
its automatic number written back in front. Also the patterns that recognise headings and
labels, shared with :mod:`consult_app.texts.importer`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from consult_app.core.files import FileProblem, check_ooxml
from consult_app.texts.docx_reader import DocxError, format_number, is_docx, read_docx
from consult_app.texts.notes import extract_marks, plain, take_definitions

logger = logging.getLogger(__name__)

TITLE_MAX = 150  # longer "titles" are body text
HEADING_MAX = 300  # Provision.part_heading


class ImportFormatError(ValueError):
    """The file is neither a Word document nor readable text; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- patterns --------------------------------------------------------------------------

_SEP = r"(?P<sep>\s*[.:\-\u2013\u2014\uff1a\uff0e]+\s*|\s+)?"
# "5 bis" in each script: bis/ter/quater, бис/тер, مكرراً; Chinese writes 第五条之二.
_BIS = r"(?:bis|ter|quater|бис|тер|кватер|مكرر(?:اً|ا|ة)?|مكرّر(?:اً|ا)?)"
_CJK_DIGITS = "〇零一二三四五六七八九十百两"
ARTICLE_RE = re.compile(
    r"^(?:(?:article|art\.|art[íi]culo|статья|المادة)\s*"
    r"(?P<num>\d{1,4}[a-z]?(?:[\s\-]" + _BIS + r")?|[ivxlc]{1,7}|premier|1er|first)"
    r"(?=$|[\s.:\-\u2013\u2014\uff1a])"
    r"|第\s*(?P<cjk>\d{1,4}|["
    + _CJK_DIGITS
    + r"]{1,6})\s*条(?:之(?P<cjkbis>[二三四]))?)"
    + _SEP
    + r"(?P<rest>.*)$",
    re.IGNORECASE,
)
_BIS_NAMES = {"бис": "bis", "тер": "ter", "кватер": "quater"}
_CJK_BIS = {"二": "bis", "三": "ter", "四": "quater"}
_CJK_VALUES = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def cjk_number(text: str) -> int:
    """第五条, 第十二条, 第一百零一条: the value of a Chinese numeral (or of digits)."""
    if text.isdigit():
        return int(text)
    total = section = 0
    for char in text:
        if char == "百":
            total += (section or 1) * 100
            section = 0
        elif char == "十":
            total += (section or 1) * 10
            section = 0
        else:
            section = section * 10 + _CJK_VALUES[char] if section else _CJK_VALUES[char]
    return total + section


def article_number(match: re.Match[str]) -> str:
    """The number an ARTICLE_RE match names, written the same way in every language:
    "5", "5 bis", "V" ("Статья 5-бис", "المادة ٥ مكرراً" and "第五条之二" all give "5"/"5 bis")."""
    if match.group("cjk") is not None:
        number = str(cjk_number(match.group("cjk")))
        bis = match.group("cjkbis")
        return f"{number} {_CJK_BIS[bis]}" if bis else number
    raw = match.group("num")
    head = re.match(r"\d+", raw)
    if head is None:
        return raw
    digits = str(int(head.group()))
    tail = raw[head.end() :].strip(" -").lower()
    if not tail:
        return digits
    if len(tail) == 1:
        return digits + tail
    if tail.startswith("مكر"):
        return f"{digits} bis"
    return f"{digits} {_BIS_NAMES.get(tail, tail)}"


PART_RE = re.compile(
    r"^(?:part|chapter|section|partie|chapitre|titre|parte|cap[íi]tulo|secci[óo]n|часть|глава|раздел)"
    r"\s+(?P<num>[ivxlc]{1,7}|\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"premi[eè]re?|[a-h])(?=$|[\s.:\-\u2013\u2014])" + _SEP + r"(?P<rest>.*)$",
    re.IGNORECASE,
)
PREAMBLE_RE = re.compile(
    r"^(?:preamble|préambule|preámbulo|преамбула|الديباجة|序言)\s*[.:：]?$",
    re.IGNORECASE,
)
ANNEX_RE = re.compile(
    r"^(?:annex|annexe|anexo|приложение)(?:\s+(?:[ivx]{1,5}|\d{1,2}))?\s*[.:]?$", re.IGNORECASE
)
PROCLAMATION_RE = re.compile(
    r"^(?:now,?\s+therefore\b|(?:have|has)\s+agreed\b|agree\s+as\s+follows|hereby\b|"
    r"(?:solemnly\s+)?(?:proclaims?|declares?|adopts?)\b"
    # the same formulas in French, Spanish, Russian, Arabic and Chinese
    r"|(?:adopte|proclame|déclare|sont\s+convenus|conviennent)\b"
    r"|(?:aprueba|proclama|declara|han\s+convenido|convienen)\b"
    r"|(?:торжественно\s+)?(?:принимает|провозглашает|заявляет|согласились)\b"
    r"|(?:يعتمد|تعتمد|يصدر|تصدر|يعلن|تعلن|اتفقت)\s"
    r"|(?:庄严)?(?:通过|宣布|兹|议定如下))",
    re.IGNORECASE,
)
CLOSING_RE = re.compile(
    r"^(?:in\s+witness\s+(?:whereof|thereof)|in\s+faith\s+whereof|done\s+at\b"
    r"|done\s+in\s+(?:(?-i:[A-Z])|duplicate|triplicate|a\s+single|one\s|two\s|three\s)"
    r"|signed\s+at\b|en\s+foi\s+de\s+quoi|fait\s+à|en\s+fe\s+de\s+lo\s+cual|hecho\s+en\b"
    r"|в\s+удостоверение\s+чего|совершено\s+в\b)",
    re.IGNORECASE,
)
# "Geneva, 1 January 2026" / "New York, this thirteenth day of December two thousand and six"
PLACE_DATE_RE = re.compile(
    r"^(?:at\s+)?[A-Z][\w'\u2019\-]+(?:\s+[A-Z][\w'\u2019\-]+){0,3},\s+(?:on\s+)?(?:this\s+)?(?:the\s+)?"
    r"(?:[\w\-]+\s+(?:day\s+of\s+)?MONTHS|MONTHS\s+\d{1,2},?)\s+[\w\s\-]{4,60}\.?$".replace(
        "MONTHS",
        r"(?:January|February|March|April|May|June|July|August|September|October|November"
        r"|December)",
    )
)
PP_START_RE = re.compile(
    r"^(?:[A-Z][a-z]+ing\b|(?i:whereas|considérant|considerando|(?:deeply|gravely|seriously|"
    r"profoundly|firmly)\s+\w+|convinced|concerned|mindful|aware|determined|conscious|desirous|"
    r"alarmed|guided|cognizant|persuaded|in\s+view\s+of)\b"
    # French and Spanish participles ("Rappelant", "Reconociendo") and adjectives
    r"|(?!Important|Cuando|Durant|Pendant|Quant|Avant|Maintenant)"
    r"[A-ZÀ-Ý][a-zà-ÿ]{2,}(?:ant|ando|iendo|yendo)\b"
    r"|(?:Profondément|Gravement|Profundamente|Gravemente)\s+\w+"
    r"|(?:(?:Convaincu|Conscient|Préoccupé|Résolu|Convencid|Preocupad|Decidid|Resuelt)"
    r"(?:e|s|es|o|os|a|as)?|Soucieux|Conscientes?)\b"
    # Russian adverbial participles ("Признавая", "Ссылаясь"), not "Статья"
    r"|(?!Статья)[А-ЯЁ][а-яё]+(?:я|в|сь)\b|(?:Будучи|Вновь|Глубоко|Убежденные|Сознавая)\b"
    # Arabic "وإذ تشير" (recalling), "واقتناعاً منها" (convinced)...
    r"|و?(?:إذ(?!ا)|اقتناع|إدراك|تسليم|اعتراف|اعتقاد|تصميم|رغبة)"
    # Chinese openers: recalling, reaffirming, recognizing...
    r"|(?:回顾|重申|认识到|确认|注意到|考虑到|深信|意识到|强调|铭记|关切|深为关切|欢迎|承认|决心|申明|鉴于|忆及))"
)
# The customary openers of preambular paragraphs, and the proclaiming formulas, where a
# preamble written as one run-on paragraph is cut ("..., Noting ..., Convinced ...,").
_OPENERS = (
    "Recalling", "Reaffirming", "Reiterating", "Considering", "Noting", "Taking note",
    "Bearing in mind", "Convinced", "Recognizing", "Recognising", "Acknowledging",
    "Emphasizing", "Emphasising", "Stressing", "Underlining", "Underscoring", "Highlighting",
    "Welcoming", "Concerned", "Deeply concerned", "Gravely concerned", "Seriously concerned",
    "Alarmed", "Taking into account", "Taking into consideration", "Mindful", "Determined",
    "Guided by", "Affirming", "Desiring", "Desirous", "Aware", "Conscious", "Cognizant",
    "Expressing", "Believing", "Whereas", "Encouraged", "Appreciating", "Having considered",
    "Having examined", "Resolved", "Persuaded", "Observing",
    "Have agreed", "Has agreed", "Agree as follows", "Now, therefore", "Now therefore",
    "Proclaims", "Solemnly proclaims", "Declares", "Adopts", "Decides",
)  # fmt: skip
_OPENER = r"(?:\([a-z]{1,4}\)\s+)?(?P<opener>" + "|".join(re.escape(o) for o in _OPENERS) + r")\b"
RUN_ON_SPLIT_RE = re.compile(r"(?<=[,;])\s+(?=" + _OPENER + ")")
RUN_ON_OPENER_RE = re.compile(_OPENER)
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
# "The States Parties to the present Convention," "The Human Rights Council,"
CHAPEAU_RE = re.compile(
    r"^(?:(?:The|Les?|La|Los|Las|El|We)\b[^.;:]{3,250},"
    r"|(?:Государства|Генеральная|Совет)[^.;:]{0,250},"
    r"|(?:إن|ان)\s[^.;:]{3,250}[,،]"
    r"|(?:本|各|大会|人权理事会)[^。；：]{0,120}[，,])$"
)
MODAL_RE = re.compile(r"\b(?:shall|has|have|is|are|may|must|will|should)\b", re.IGNORECASE)
_FUNCTION_WORDS = {"the", "of", "and", "to", "in", "a", "an", "for", "or", "with", "by", "on",
                   "at", "from", "as", "that", "which", "its", "their"}  # fmt: skip
_CLAUSE_ENDS = (".", ";", ":", ",", "!", "?", "\u2026", "\u201d", '"', "\u2019", "\u00bb")
# "...are consulted; and" / "; or" before the last item of a list (also French, Spanish,
# Russian); with a comma only when the next label follows the previous item's label.
_LIST_JOINER_RE = re.compile(
    r"(?P<mark>[;,])\s*(?:and|or|and/or|et|ou|et/ou|y|o|e|u|и|или)$", re.IGNORECASE
)


# --- the masthead of a UN document ------------------------------------------------------

_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
)
_MASTHEAD_RES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"United Nations|Nations Unies|Naciones Unidas|Организация Объединенных Наций",
        r"(?:General Assembly|Security Council|Economic and Social Council|Human Rights Council"
        r"|Trusteeship Council|Assemblée générale|Conseil de sécurité|Conseil économique et "
        r"social|Conseil des droits de l[\u2019']homme|Asamblea General|Consejo de Seguridad"
        r"|Consejo Económico y Social|Consejo de Derechos Humanos|Генеральная Ассамблея"
        r"|Совет по правам человека)",
        r"(?:Conference|Meeting) of (?:the )?States Parties to the .{3,160}",
        r"(?:\w+(?:-\w+)?|\d{1,3}(?:st|nd|rd|th|e|a|ª))\s+(?:regular\s+|special\s+|resumed\s+"
        r"|emergency special\s+|organizational\s+)?(?:session|séance|período de sesiones)",
        r"(?:Resumed|First part of the|Second part of the|Part \w+ of the) .{0,40}session",
        r"(?:provisional\s+)?agenda\s+items?\s+\d+[\w ,()and]*"
        r"|items?\s+\d+(?:\s*(?:and|,)\s*\d+)*\s+of\s+the\s+(?:provisional\s+)?agenda"
        r"|point(?:s)? \d+ de l[\u2019']ordre du jour.*|tema(?:s)? \d+ del programa.*",
        r"[A-Z]{1,6}(?:/[A-Za-z0-9.\-()*]+){2,}(?:\s*\*+)?",
        r"Distr\.?\s*:?\s*(?:General|Limited|Restricted|Générale|Limitée|Restreinte|Limitada"
        r"|Reservada)",
        r"Original\s*:\s*[\w\s/,]{2,40}",
        r"Advance (?:un)?edited version|(?:English|French|Spanish) only",
        r"\d{1,2}(?:\s+"
        + _MONTHS
        + r")?(?:\s+\d{4})?\s*[-\u2013\u2014]\s*\d{1,2}\s+"
        + _MONTHS
        + r"\s+\d{4}",
        r"\d{1,2}(?:er)?\s+(?:de\s+)?" + _MONTHS + r"\s+(?:de\s+)?\d{4}",
        _MONTHS + r"\s+\d{1,2},\s+\d{4}",
        r"\[?(?:Geneva|New York|Vienna|Nairobi|Genève|Ginebra)\s*,.{0,60}\d{4}\]?",
        r"GE\.\d{2}-\d+.*",
        r".{1,600}:\s*(?:revised\s+)?draft\s+(?:resolution|decision)(?:\s+\S+)?",
        r"(?:revised\s+)?draft\s+(?:resolution|decision)\s+submitted\s+by\s+.{3,300}",
    )
]
_AGENDA_RE = re.compile(r"(?:provisional\s+)?agenda\s+item|items?\s+\d|point|tema", re.IGNORECASE)


def is_masthead_line(text: str) -> bool:
    """A line of a UN masthead: body, session, agenda item, symbol, distribution, date...

    A line laid out as a table row ("United Nations    A/HRC/59/L.1") is read cell by cell.
    """
    cells = [cell for cell in re.split(r"\s{3,}|\t", text.strip()) if cell.strip()]
    return bool(cells) and all(
        any(pattern.fullmatch(cell.strip()) for pattern in _MASTHEAD_RES) for cell in cells
    )


def is_agenda_line(text: str) -> bool:
    return is_masthead_line(text) and bool(_AGENDA_RE.match(text.strip()))


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
    auto: bool = False  # its label comes from Word's automatic numbering
    # (offset in ``text``, key) of each footnote call that stood in the text
    marks: list[tuple[int, str]] = field(default_factory=list)

    def piece(self, start: int, end: int | None = None) -> Block:
        """The block cut to ``text[start:end]`` (stripped), with the calls that fall in it."""
        end = len(self.text) if end is None else end
        raw = self.text[start:end]
        lead = len(raw) - len(raw.lstrip())
        text = raw.strip()
        first = start + lead
        return Block(
            text,
            self.where,
            heading=self.heading,
            hint=self.hint,
            single_line=self.single_line,
            auto=self.auto and start == 0,
            marks=[
                (min(offset - first, len(text)), key)
                for offset, key in self.marks
                # A call belongs to the text before it: at a cut, to the first piece.
                if (start < offset or start == 0) and offset <= end
            ],
        )

    def marks_in(self, used: str) -> list[tuple[int, str]]:
        """The calls of this block placed relative to ``used``, a part of its text."""
        if not self.marks:
            return []
        base = len(self.text) - len(used) if self.text.endswith(used) else self.text.find(used)
        base = max(base, 0)
        return [(min(max(offset - base, 0), len(used)), key) for offset, key in self.marks]


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


_FRONT_MATTER_KEY_RE = re.compile(r"^([A-Za-z_][\w .-]{0,40}):(?:\s+(.*))?$")


def split_front_matter(lines: list[str], first: int) -> tuple[list[str], str | None, int]:
    """YAML front matter (between ``---`` lines) at ``first``: its entries as notes, its
    ``title``, and where the text starts after it. Nothing when there is none."""
    start = first
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return [], None, first
    notes: list[str] = []
    title: str | None = None
    for end in range(start + 1, min(len(lines), start + 200)):
        line = lines[end].rstrip()
        if line.strip() in ("---", "...") and end > start + 1:
            return notes, title, end + 1
        entry = _FRONT_MATTER_KEY_RE.match(line)
        if entry:
            value = (entry.group(2) or "").strip().strip("\"'")
            if entry.group(1).strip().lower() == "title" and value:
                title = value
            notes.append(f"{entry.group(1).strip()}: {value}" if value else entry.group(1))
        elif line.strip().startswith("- ") or line.startswith((" ", "\t")):
            if notes:
                item = line.strip().removeprefix("- ").strip()
                notes[-1] = f"{notes[-1]}, {item}" if ": " in notes[-1] else f"{notes[-1]}: {item}"
        elif line.strip() and not line.strip().startswith("#"):
            return [], None, first  # not YAML: a thematic break and text
    return [], None, first


def _markdown_inline(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]^][^\]]*)\]\[[^\]]*\]", r"\1", text)  # [text][ref]
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
        line = line.replace("\t", "    ").replace("\u00a0", " ").replace("\u200b", "").rstrip()
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


def _label_value(text: str) -> str | None:
    match = _LABEL_START_RE.match(text)
    return match.group(0).strip().strip("().") if match else None


def _ends_list_item(previous: str, current: list[_Line], line: _Line) -> bool:
    """True when ``previous`` ends an item with "; and" / "; or" and ``line`` starts the next."""
    joiner = _LIST_JOINER_RE.search(previous)
    if joiner is None:
        return False
    if joiner.group("mark") == ";":
        return True
    before = _label_value(plain(current[0].text))
    label = _label_value(line.text)
    if before is None or label is None:
        return False
    if before.isdigit():
        return label.isdigit() and int(label) == int(before) + 1
    return label in (next_letter(before) if is_letter(before) else None, next_roman(before)
                     if is_roman(before) else None)  # fmt: skip


def _split_chunk(lines: list[_Line], wrap: int) -> list[Block]:
    """Blocks of one chunk (lines between blank lines, or one Word paragraph)."""
    blocks: list[Block] = []
    current: list[_Line] = []

    def flush() -> None:
        if current:
            first = current[0]
            text, marks = extract_marks(_join([line.text for line in current]))
            if text or marks:
                blocks.append(
                    Block(
                        text,
                        first.where,
                        heading=any(line.heading for line in current),
                        hint=first.hint,
                        single_line=len(current) == 1,
                        auto=first.hint is not None,
                        marks=marks,
                    )
                )
            current.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if current:
            previous = plain(current[-1].text)
            starts_item = (
                bool(_LABEL_START_RE.match(line.text))
                or _is_standalone_heading(line.text, False)
                or (line.text[:1].isupper() and bool(CLOSING_RE.match(line.text)))
            )
            if line.item or (
                starts_item
                and (previous.endswith(_CLAUSE_ENDS) or _ends_list_item(previous, current, line))
            ):
                flush()
        current.append(line)
        if len(current) == 1 and _is_standalone_heading(plain(line.text), line.heading):
            flush()
            article = ARTICLE_RE.match(plain(line.text))
            if article and not article.group("rest") and i + 1 < len(lines):
                candidate = lines[i + 1]
                following = lines[i + 2] if i + 2 < len(lines) else None
                if title_shaped(plain(candidate.text)) and (
                    following is None
                    or (not following.text[:1].islower() and len(candidate.text) < 0.75 * wrap)
                ):
                    text, marks = extract_marks(candidate.text)
                    blocks.append(
                        Block(
                            text, candidate.where, candidate.heading, title_hint=True, marks=marks
                        )
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


def _take_masthead(lines: list[_Line | None], masthead: list[str]) -> bool:
    """Blank the masthead lines at the top of ``lines`` into ``masthead``.

    The title of an agenda item ("Agenda item 3" then "Promotion and protection of all
    human rights...") is part of the masthead when more masthead lines follow it without a
    blank line. True when the masthead ends with an agenda item, whose title may follow.
    """
    agenda = False
    pending: list[int] = []  # lines after "Agenda item N" that may be its title
    for n, line in enumerate(lines):
        if line is None:
            if pending:
                following = next((x for x in lines[n + 1 :] if x is not None), None)
                if following is None or not is_masthead_line(plain(following.text)):
                    break
            continue
        text = plain(line.text)
        if not is_masthead_line(text):
            if agenda and len(pending) < 4:
                pending.append(n)
                continue
            break
        if pending:
            masthead.append(_join([plain(lines[index].text) for index in pending]))  # type: ignore[union-attr]
            for index in pending:
                lines[index] = None
        pending = []
        masthead.append(" ".join(text.split()))
        agenda = is_agenda_line(text)
        lines[n] = None
    return agenda


def blocks_from_text(
    text: str, fmt: str, first: int, masthead: list[str] | None = None
) -> tuple[list[Block], bool]:
    """The blocks of a text file, with its masthead lines taken out into ``masthead``."""
    lines = _text_lines(text, fmt == "markdown", first)
    agenda = _take_masthead(lines, masthead if masthead is not None else [])
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
    return blocks, agenda


def blocks_from_docx(
    data: bytes,
    warnings: list[str],
    masthead: list[str] | None = None,
    footnotes: dict[str, tuple[str, str]] | None = None,
) -> tuple[list[Block], bool]:
    """The blocks of a Word document; its masthead lines go to ``masthead``, its footnotes
    and endnotes (label, text) to ``footnotes``."""
    try:
        document = read_docx(data)
    except DocxError as error:
        raise ImportFormatError(
            _("The Word document could not be read. Open it in Word and save it again as .docx.")
        ) from error
    if footnotes is not None:
        footnotes.update(document.footnotes)
    blocks: list[Block] = []
    in_masthead, agenda = True, False
    for paragraph in document.paragraphs:
        where = _("Word paragraph %(number)s", number=paragraph.index)
        parts = [part for part in paragraph.text.split("\n") if part.strip()]
        while in_masthead and parts and not paragraph.label:
            if not is_masthead_line(plain(parts[0])):
                in_masthead = False
                break
            line = " ".join(plain(parts[0]).split())
            if masthead is not None:
                masthead.append(line)
            agenda = is_agenda_line(line)
            parts.pop(0)
        if parts or paragraph.label:
            in_masthead = False
        raw_lines = [" ".join(part.replace("\u00a0", " ").split()) for part in parts]
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
        elif note.startswith("comments:"):
            warnings.append(
                _(
                    "The document has %(count)s %(kind)s; they were not imported.",
                    count=note.partition(":")[2],
                    kind=_("comments"),
                )
            )
    return blocks, agenda


@dataclass
class Source:
    """A file read into blocks, with what was taken out of it before the structure."""

    format: str  # "docx", "markdown" or "text"
    blocks: list[Block]
    notes: list[str] = field(default_factory=list)  # metadata comments, front matter
    title: str | None = None  # the front matter's title
    masthead: list[str] = field(default_factory=list)
    after_agenda: bool = False  # the masthead ends with an agenda item (its title may follow)
    footnotes: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (label, text)
    footnote_heading: str | None = None
    links: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_source(data: bytes) -> Source:
    """Blocks of a .docx, Markdown or plain-text file (detected by content)."""
    if is_docx(data):
        try:
            check_ooxml(data, "word/document.xml")
        except FileProblem as problem:
            raise ImportFormatError(
                _(
                    "This Word document could not be read safely (damaged, too large once "
                    "expanded, or with parts that are not XML). Save it again and import it again."
                )
            ) from problem
        warnings: list[str] = []
        masthead: list[str] = []
        footnotes: dict[str, tuple[str, str]] = {}
        blocks, agenda = blocks_from_docx(data, warnings, masthead, footnotes)
        return Source(
            "docx",
            blocks,
            masthead=masthead,
            after_agenda=agenda,
            footnotes=footnotes,
            warnings=warnings,
        )
    check_not_other_binary(data)
    text = decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").replace("\ufeff", "")
    lines = text.split("\n")
    notes, first = split_metadata(lines)
    front_notes, title, first = split_front_matter(lines, first)
    body = "\n".join(lines[first:])
    fmt = "markdown" if front_notes or looks_like_markdown(body) else "text"
    cleaned, definitions = take_definitions(lines, fmt == "markdown")
    masthead = []
    blocks, agenda = blocks_from_text("\n".join(cleaned), fmt, first, masthead)
    # Markdown footnotes get their numbers from the order of their calls (in the parser).
    labels = definitions.labels
    return Source(
        fmt,
        blocks,
        notes=notes + front_notes,
        title=title,
        masthead=masthead,
        after_agenda=agenda,
        footnotes={key: (labels.get(key, ""), text) for key, text in definitions.texts.items()},
        footnote_heading=definitions.section_heading,
        links=definitions.links,
    )
