"""The consensus report's content as the writers read it (report_docx, report_html,
report_pdf): its data classes (:class:`ReportData` and its parts), what the writers read from
them (the body in reading order, the tables of annex II) and the word counts the body is
fitted with. ``report.gather_report`` fills them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_number, get_locale
from flask_babel import gettext as _

from consult_app.consultations.models import Consultation
from consult_app.exports.models import ReportSettings
from consult_app.exports.rows import (
    Audience,
    Column,
)
from consult_app.summaries.consensus import ConsensusResult
from consult_app.summaries.disclosure import SmallCount
from consult_app.summaries.figures import Participation
from consult_app.texts.models import RTL_TEXT_LANGUAGES, ProvisionKind
from consult_app.texts.redline import Change

logger = logging.getLogger(__name__)


# --- words ---------------------------------------------------------------------------------

# Scripts written without spaces: each character counts as a word (as Word counts them).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_SENTENCE = re.compile(r"(?<=[.!?\u2026])\s+|(?<=[\u3002\uff01\uff1f])")


def count_words(text: str) -> int:
    """Words of ``text``: runs of non-space characters, and each Chinese or Japanese
    character."""
    cjk = len(_CJK.findall(text))
    if cjk:
        text = _CJK.sub(" ", text)
    return cjk + len(text.split())


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.split(text.strip()) if s.strip()]


@functools.lru_cache(maxsize=4096)
def _measured(paragraph: str) -> tuple[int, tuple[tuple[str, int], ...]]:
    """The words of a paragraph, and its sentences with their words (memoised: the budget
    is searched by bisection, which measures the same paragraphs again)."""
    parts = tuple((s, count_words(s)) for s in sentences(paragraph))
    return sum(n for _s, n in parts), parts


def fit_paragraphs(paragraphs: Sequence[str], budget: int) -> tuple[list[str], bool]:
    """The paragraphs (each costing its words plus one for its number) that fit in
    ``budget`` words, the last one cut after a whole sentence; True when something was left
    out. Nothing is ever cut inside a sentence."""
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        total, parts = _measured(paragraph)
        cost = total + 1
        if used + cost <= budget:
            kept.append(paragraph)
            used += cost
            continue
        taken: list[str] = []
        room = budget - used - 1
        for sentence, words in parts:
            if words > room:
                break
            taken.append(sentence)
            room -= words
        if taken:
            joiner = "" if _CJK.search(taken[0]) else " "
            kept.append(joiner.join(taken))
        return kept, True
    return kept, False


def split_paragraphs(text: str) -> list[str]:
    return [
        " ".join(block.split())
        for block in text.replace("\r\n", "\n").split("\n\n")
        if block.strip()
    ]


# --- content ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextLine:
    label: str
    text: str
    level: int
    #: The language of ``text``; ``original``: the report's language has no version of this
    #: line, which is the original's (printed marked "(original text)").
    language: str = "en"
    original: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_TEXT_LANGUAGES else "ltr"


@dataclass(frozen=True)
class FigureRow:
    """Organisations of one slice (all States, other stakeholders) by stance."""

    organisations: int
    comments: int
    stances: tuple[int, ...]
    #: Public report: the slice counts fewer organisations than this and is not shown (F9).
    withheld: int = 0


@dataclass(frozen=True)
class GroupCell:
    """States of one regional group on a provision: how many took part, how many object."""

    states: int
    objecting: int
    #: Public report: the group counts fewer States than this and is not shown (F9).
    withheld: int = 0


@dataclass(frozen=True)
class Amendment:
    """A group of similar proposed wordings, shown as a redline of its most frequent one."""

    base: str
    wording: str
    changes: tuple[Change, ...]
    comments: int
    organisations: int
    states: int
    variants: int


@dataclass(frozen=True)
class ReservationNote:
    """One reservation, printed as a footnote: who (as may be said) and the text, if public."""

    who: str
    text: str | None


@dataclass
class ProvisionSection:
    """One provision in annex II (and its summary in chapter III)."""

    provision_id: int
    kind: ProvisionKind
    label: str
    heading: str
    part_heading: str | None
    text: list[TextLine]
    summary: str
    consensus: ConsensusResult
    states: FigureRow
    others: FigureRow
    groups: tuple[GroupCell, ...]
    comments: int
    organisations: int
    amendments: list[Amendment]
    amendments_total: int
    reservations: list[ReservationNote]
    reservations_total: int
    #: The summary as printed in chapter III (within the word limit); ``summary_cut``:
    #: shorter than ``summary`` (whole sentences were left out).
    body_summary: list[str] = field(default_factory=list)
    summary_cut: bool = False
    #: The language of the heading and the text; ``fallback_note``: the report's language
    #: has no version of this provision (the original is printed, and this note says so).
    language: str = "en"
    fallback_note: str | None = None

    @property
    def direction(self) -> str:
        return "rtl" if self.language in RTL_TEXT_LANGUAGES else "ltr"

    @property
    def summary_paragraphs(self) -> list[str]:
        return split_paragraphs(self.summary)


@dataclass(frozen=True)
class Masthead:
    symbol: str | None
    organ: str
    council: str | None
    session: str | None
    session_dates: str | None
    agenda: str | None
    agenda_title: str | None
    distribution: str
    date: str
    original: str
    title: str
    subtitle: str | None
    summary: list[str]
    internal: bool

    def lines(self) -> list[str]:
        """Every line of text the masthead prints (for the word count)."""
        values = [
            self.symbol,
            self.organ,
            self.council,
            self.session,
            self.session_dates,
            self.agenda,
            self.agenda_title,
            self.distribution,
            self.date,
            self.original,
            self.title,
            self.subtitle,
            _("Summary"),
            *self.summary,
        ]
        return [v for v in values if v]


@dataclass(frozen=True)
class BodyParagraph:
    """A numbered paragraph of the main body."""

    number: int
    text: str


@dataclass(frozen=True)
class MinorHeading:
    """An unnumbered heading inside a sub-chapter (a provision)."""

    text: str


Block = BodyParagraph | MinorHeading


@dataclass
class SubChapter:
    letter: str
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Chapter:
    number: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subchapters: list[SubChapter] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class ParticipantList:
    """One heading of the participants annex: names that may be given, and a count of those
    that may not."""

    heading: str
    names: list[str]
    unnamed: int

    @property
    def total(self) -> int:
        return len(self.names) + self.unnamed

    @property
    def joined(self) -> str:
        """The names in one run, as United Nations lists print them ("A, B, C."); with
        semicolons when a name holds a comma."""
        separator = "; " if any("," in name for name in self.names) else ", "
        return separator.join(self.names) + "." if self.names else ""


@dataclass
class ReportData:
    consultation: Consultation
    audience: Audience
    settings: ReportSettings
    masthead: Masthead
    title: str
    version_title: str
    generated_at: datetime
    language: str
    chapters: list[Chapter]
    word_limit: int
    participation: Participation
    participation_by_group: list[tuple[str, int | SmallCount]]
    participation_by_category: list[tuple[str, int | SmallCount]]
    provision_count: int
    sections: list[ProvisionSection]
    participants: list[ParticipantList]
    participants_named: bool
    disposition_columns: list[Column]
    dispositions: list[list[Any]]
    dispositions_total: int
    stance_headers: list[str] = field(default_factory=list)
    group_headers: list[str] = field(default_factory=list)
    # The consultation's summary as published (public report) or drafted (the secretariat's),
    # before the body is fitted to the word limit.
    overall_summary: str = ""

    @property
    def commented_sections(self) -> list[ProvisionSection]:
        return [s for s in self.sections if s.organisations]

    @property
    def internal(self) -> bool:
        return self.audience.internal

    @property
    def symbol(self) -> str | None:
        return self.masthead.symbol

    @property
    def sections_in_annex(self) -> bool:
        return bool(self.sections)

    def body_words(self) -> int:
        """Words of the main body as printed: masthead, headings and numbered paragraphs."""
        words = sum(count_words(line) for line in self.masthead.lines())
        for chapter in self.chapters:
            words += count_words(chapter.heading)
            blocks = list(chapter.blocks)
            for sub in chapter.subchapters:
                words += count_words(f"{sub.letter}. {sub.title}")
                blocks += sub.blocks
            for block in blocks:
                if isinstance(block, BodyParagraph):
                    words += 1 + count_words(block.text)
                else:
                    words += count_words(block.text)
        return words


# --- read by the writers -----------------------------------------------------------------------


def withheld_note(n: int) -> str:
    """What a withheld cell of the public report says (F9: too few organisations)."""
    return _("fewer than %(n)d", n=n)


def version_title(version: Any) -> str:
    """The title of the text under consultation in the report's language, if it has one."""
    translation = version.translation(str(get_locale() or "en").split("_")[0])
    return translation.title if translation is not None and translation.title else version.title


def display_title(version: Any) -> str:
    title = version_title(version)
    return f"{title} ({version.symbol})" if version.symbol else title


def annex_two_intro(data: ReportData) -> str:
    version = data.consultation.version
    return _(
        "The text under consultation is %(text)s. Tables 1 to 3 count, for each provision, "
        "the States and the other stakeholders that commented, each once, by its stance (its "
        "strongest position on the provision), and the States of each regional group. The "
        "notes that follow give, for each provision, the consensus indicator and its "
        "reasons, the main amendments proposed, as changes to the text, and the "
        "reservations.",
        text=display_title(version),
    )


def _figure_cells(row: FigureRow) -> list[Any]:
    if row.withheld:  # the same number of cells, the note in the first
        return [withheld_note(row.withheld), *["" for _n in row.stances]]
    return [format_number(row.organisations), *(format_number(n) for n in row.stances)]


def _group_text(cell: GroupCell) -> str:
    if cell.withheld:
        return withheld_note(cell.withheld)
    if not cell.states:
        return format_number(0)
    return f"{format_number(cell.states)} ({format_number(cell.objecting)})"


def table_rows(data: ReportData) -> dict[str, list[list[Any]]]:
    """The three tables of annex II: States by stance (with the consensus indicator), other
    stakeholders by stance, States by regional group ("taking part (objecting)")."""
    sections = data.sections
    return {
        "states": [
            [s.label, *_figure_cells(s.states), s.consensus.label] for s in sections
        ],
        "others": [[s.label, *_figure_cells(s.others)] for s in sections],
        "groups": [[s.label, *[_group_text(c) for c in s.groups]] for s in sections],
    }


def table_headers(data: ReportData) -> dict[str, list[str]]:
    return {
        "states": [_("Provision"), _("States"), *data.stance_headers, _("Consensus indicator")],
        "others": [_("Provision"), _("Other stakeholders"), *data.stance_headers],
        "groups": [_("Provision"), *data.group_headers],
    }


def table_titles() -> dict[str, str]:
    return {
        "states": _("Table 1. States, by stance on each provision"),
        "others": _("Table 2. Other stakeholders, by stance on each provision"),
        "groups": _(
            "Table 3. States of each regional group that commented on each provision "
            "(in brackets: of which opposing or proposing deletion)"
        ),
    }


def iter_body(data: ReportData) -> Iterator[tuple[str, Any]]:
    """The main body in reading order, as (kind, item): ("chapter", Chapter),
    ("subchapter", SubChapter), ("heading", MinorHeading), ("paragraph", BodyParagraph)."""
    for chapter in data.chapters:
        yield "chapter", chapter
        for block in chapter.blocks:
            yield ("paragraph" if isinstance(block, BodyParagraph) else "heading"), block
        for sub in chapter.subchapters:
            yield "subchapter", sub
            for block in sub.blocks:
                yield ("paragraph" if isinstance(block, BodyParagraph) else "heading"), block
