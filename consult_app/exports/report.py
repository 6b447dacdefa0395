"""The consensus report as a UN document: its content gathered once, then written as .docx,
PDF or HTML (the content's classes, which the writers read, are in report_data.py).

Layout (the way United Nations reports are issued):

- a **masthead**: the report's own symbol, the body it is issued to (General Assembly,
  Human Rights Council), session and agenda item, "Distr.: General", the date, "Original:
  <language>", the title, a line under it and a summary box (:class:`Masthead`, from the
  secretariat's :class:`~consult_app.exports.models.ReportSettings`);
- the **main body**: chapters I., II., III., sub-chapters A., B., every paragraph numbered,
  within the word limit of the settings (10,700 words by default, the Human Rights
  Council's), whatever the number of comments (:func:`fit_body`);
- **annexes**: I. the participants, in the order of United Nations lists, as headed lists;
  II. each provision in detail (text, summary, figures table, consensus indicator and its
  reasons, amendments, reservations); III. the disposition of comments.

The content comes from the summaries capability (figures, consensus level, narrative
summaries); nothing is counted here. Memory stays bounded whatever the number of
comments: each provision is loaded, summarised and released in turn, amendments are
grouped wordings (at most ``REPORT_MAX_AMENDMENTS`` groups per provision), reservations
are listed up to ``REPORT_MAX_RESERVATIONS`` per provision, names in a summary up to
``NAMES_AT_MOST`` per list (the one limit of the summaries), and the disposition table is cut at
``REPORT_MAX_DISPOSITIONS`` rows (the full table is its own export).

Confidentiality (public report): figures count every published comment, but text is
quoted only from public comments (``is_public``), and organisations are named only when
the consultation allows attribution and the submission is publishable.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, literal, select
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.accounts.un_lists import participant_headings, participant_key
from consult_app.consultations.models import Consultation
from consult_app.core.models import utcnow
from consult_app.exports.models import ExportFormat, ReportBody, ReportSettings
from consult_app.exports.operations import report_settings
from consult_app.exports.report_data import (
    Amendment,
    BodyParagraph,
    Chapter,
    FigureRow,
    GroupCell,
    Masthead,
    MinorHeading,
    ParticipantList,
    ProvisionSection,
    ReportData,
    ReservationNote,
    SubChapter,
    TextLine,
    count_words,
    display_title,
    fit_paragraphs,
    split_paragraphs,
    version_title,
)
from consult_app.exports.rows import (
    Audience,
    count_dispositions,
    disposition_columns,
    disposition_rows,
)
from consult_app.extensions import db
from consult_app.submissions.commenting import amendment_base
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import classify
from consult_app.summaries.disclosure import (
    PublicFigures,
    SuppressedGroup,
    public_figures,
    public_participation,
)
from consult_app.summaries.figures import GroupFigures, Participation, ProvisionFigures
from consult_app.summaries.models import CONSULTATION_SCOPE, SummaryDraft
from consult_app.summaries.narrative import draft_consultation_summary, draft_provision_summary
from consult_app.summaries.operations import published_summaries
from consult_app.summaries.participation import participation
from consult_app.summaries.wording import NAMES_AT_MOST
from consult_app.texts.languages import ReadProvision, read
from consult_app.texts.models import Provision, ProvisionKind
from consult_app.texts.redline import diff

logger = logging.getLogger(__name__)

REPORT_MAX_AMENDMENTS = 3
REPORT_MAX_RESERVATIONS = 5
REPORT_MAX_DISPOSITIONS = 500
QUOTE_LIMIT = 300
#: Provisions counted together (one set of queries for several provisions).
PROVISION_BATCH = 10
#: Share of the word limit the overview (chapter II) may take.
OVERVIEW_SHARE = 0.25
#: Below this many words a provision's summary is left to annex II alone.
MIN_PROVISION_WORDS = 25

STANCE_COLUMNS = (
    Position.SUPPORT,
    Position.SUPPORT_WITH_AMENDMENTS,
    Position.RESERVATION,
    Position.OPPOSE,
    Position.PROPOSE_DELETION,
    Position.NO_POSITION,
)

# Columns of the disposition table as printed in the report (the export has them all).
REPORT_DISPOSITION_KEYS = (
    "number",
    "provision",
    "organisation",
    "position",
    "outcome",
    "explanation",
    "change_reference",
)

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


# --- dates and languages ---------------------------------------------------------------------


def report_locale() -> str:
    """The locale the report is written in (the active one); English dates the UN way."""
    locale = str(get_locale() or "en")
    return "en_GB" if locale in ("en", "en_US") else locale


def long_date(value: date | datetime) -> str:
    """ "4 November 2026", "4 novembre 2026", "4 de noviembre de 2026", "2026年11月4日"."""
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long", locale=report_locale())


def language_name(code: str) -> str:
    """The name of a language in the report's language ("English", "anglais")."""
    try:
        return Locale.parse(code).get_display_name(report_locale()) or code
    except (ValueError, TypeError):
        return code


# --- gathering: provisions ---------------------------------------------------------------------


def _edited_summaries(consultation: Consultation) -> dict[int, str]:
    """The secretariat's edited summaries by scope key (unedited drafts are drafted again,
    from the current figures)."""
    drafts = db.session.scalars(
        select(SummaryDraft).where(
            SummaryDraft.consultation_id == consultation.id,
            SummaryDraft.edited_text.is_not(None),
        )
    )
    return {draft.scope_key: draft.current_text for draft in drafts}


def _provision_text(reading: ReadProvision) -> list[TextLine]:
    """The provision's wording in the report's language where it has a version of it;
    each line that is the original's instead is marked (a whole provision in the original
    carries a note instead, see :func:`_sections`)."""
    provision, language = reading.provision, reading.language
    marked = reading.translation is not None  # a line missing from a translated provision
    lines = []
    if reading.intro:
        original = marked and not (reading.translation and reading.translation.intro)
        lines.append(
            TextLine("", reading.intro, 0, reading.original if original else language, original)
        )
    for paragraph in provision.paragraphs:
        original = marked and reading.paragraph_fallback(paragraph)
        lines.append(
            TextLine(
                paragraph.display_label,
                reading.text_of(paragraph),
                paragraph.level,
                reading.original if original else language,
                original,
            )
        )
    return lines


def _stance_counts(part: GroupFigures) -> tuple[int, ...]:
    return tuple(part.stances[p] for p in STANCE_COLUMNS)


def _row(part: GroupFigures) -> FigureRow:
    if isinstance(part, SuppressedGroup):
        return FigureRow(0, 0, _stance_counts(part), withheld=part.below)
    return FigureRow(part.organisations, part.comments, _stance_counts(part))


def _group_cells(figures: ProvisionFigures) -> tuple[GroupCell, ...]:
    empty = GroupFigures()
    return tuple(
        GroupCell(0, 0, withheld=part.below)
        if isinstance(part, SuppressedGroup)
        else GroupCell(part.organisations, part.opposing)
        for part in (figures.by_regional_group.get(g, empty) for g in RegionalGroup)
    )


def _quote(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def _who(category: OrgCategory, group: RegionalGroup | None, name: str | None) -> str:
    if name:
        return name
    if group is not None:
        return _("A %(category)s (%(group)s)", category=category.label, group=group.label)
    return _("A participant: %(category)s", category=category.label)


def _reservations(
    figures: ProvisionFigures, audience: Audience, shown: PublicFigures | None = None
) -> list[ReservationNote]:
    listed = figures.reservations[:REPORT_MAX_RESERVATIONS]
    quotable = [r.comment_id for r in listed if audience.internal or r.is_public]
    texts: dict[int, str | None] = {}
    names: dict[int, str] = {}
    if quotable:
        body = Comment.body if audience.internal else Comment.public_body
        for comment_id, text in db.session.execute(
            select(Comment.id, body).where(Comment.id.in_(quotable))
        ):
            texts[comment_id] = text
    if audience.internal:
        names = dict(
            db.session.execute(
                select(Comment.id, Organisation.name)
                .join(Submission, Submission.id == Comment.submission_id)
                .join(Organisation, Organisation.id == Submission.organisation_id)
                .where(Comment.id.in_([r.comment_id for r in listed]))
            ).all()
        )
    notes = []
    for reservation in listed:
        name = reservation.organisation_name if audience.attribution else None
        if audience.internal:
            name = name or names.get(reservation.comment_id)
        hidden = shown is not None and (
            reservation.category in shown.withheld_categories
            or reservation.regional_group in shown.withheld_groups
        )
        notes.append(
            ReservationNote(
                _("A participant") if hidden and not name
                else _who(reservation.category, reservation.regional_group, name),
                _quote(texts.get(reservation.comment_id)),
            )
        )
    return notes


def _amendments(
    provision: Provision, figures: ProvisionFigures, audience: Audience
) -> list[Amendment]:
    clusters = figures.amendments[:REPORT_MAX_AMENDMENTS]
    if not clusters:
        return []
    wordings = [c.representative.wording for c in clusters]
    first_ids = [c.representative.first_comment_id for c in clusters]
    paragraph_of = dict(
        db.session.execute(
            select(Comment.id, Comment.paragraph_id).where(Comment.id.in_(first_ids))
        ).all()
    )
    public: set[str] = set(wordings)
    if not audience.internal:
        # A wording is quoted only if some public comment proposed it, as the public
        # reads it (the figures give a redacted wording as redacted).
        public = set(
            db.session.scalars(
                select(Comment.public_proposed_wording)
                .where(
                    Comment.provision_id == provision.id,
                    Comment.is_public.is_(True),
                    Comment.public_proposed_wording.in_(wordings),
                )
                .distinct()
            )
        )
    paragraphs = {p.id: p for p in provision.paragraphs}
    result = []
    for cluster in clusters:
        variant = cluster.representative
        if variant.wording not in public:
            continue
        paragraph_id = paragraph_of.get(variant.first_comment_id)
        base = amendment_base(provision, paragraphs.get(paragraph_id) if paragraph_id else None)
        result.append(
            Amendment(
                base=base,
                wording=variant.wording,
                changes=tuple(diff(base, variant.wording)),
                comments=cluster.comments,
                organisations=cluster.organisations,
                states=cluster.state_organisations,
                variants=len(cluster.variants),
            )
        )
    return result


def cap_names(figures: ProvisionFigures, limit: int = NAMES_AT_MOST) -> ProvisionFigures:
    """``figures`` with at most ``limit`` nameable organisations per list a summary draws
    (States or others, by stance). A summary names nobody in a list longer than
    ``NAMES_AT_MOST`` (it counts them), so the names beyond it are never read: dropping
    them keeps the report's memory bounded without changing a word."""
    kept = []
    seen: dict[tuple[bool, Position, bool], int] = defaultdict(int)
    for named in figures.named:
        state = named.category.is_state
        key = (state, named.stance, named.on_behalf and state)
        if seen[key] < limit:
            seen[key] += 1
            kept.append(named)
    return dataclasses.replace(figures, named=kept)


def _lean(figures: ProvisionFigures) -> ProvisionFigures:
    """The figures the overview needs, without the per-organisation lists."""
    return dataclasses.replace(figures, named=[], reservations=[], amendments=[])


def _sections(
    consultation: Consultation,
    audience: Audience,
    edited: dict[int, str],
    progress: Callable[[int, int], None] | None,
) -> tuple[list[ProvisionSection], list[ProvisionFigures]]:
    """Each provision in turn: loaded, counted, summarised, then released."""
    ids = list(
        db.session.scalars(
            select(Provision.id)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    sections: list[ProvisionSection] = []
    lean: list[ProvisionFigures] = []
    for start in range(0, len(ids), PROVISION_BATCH):
        batch = ids[start : start + PROVISION_BATCH]
        provisions = {
            p.id: p
            for p in db.session.scalars(
                select(Provision)
                .options(selectinload(Provision.paragraphs))
                .where(Provision.id.in_(batch))
            )
        }
        counted = provision_figures(consultation, batch, public_only=not audience.internal)
        # The provisions in the report's language where translated (one query per batch).
        readings = {
            r.provision.id: r
            for r in read(list(provisions.values()), consultation.version, str(get_locale()))
        }
        for figures in counted:
            provision = provisions[figures.provision_id]
            reading = readings[provision.id]
            figures = cap_names(figures)
            consensus = classify(figures)
            # The public report withholds slices of too few organisations (F9).
            shown = None if audience.internal else public_figures(figures)
            # The public reads only published summaries; the secretariat's own report
            # drafts the missing ones.
            summary = edited.get(provision.id) or (
                draft_provision_summary(consultation, figures, consensus)
                if audience.internal
                else _("No summary of views on this provision has been published yet.")
            )
            sections.append(
                ProvisionSection(
                    provision_id=provision.id,
                    kind=provision.kind,
                    label=provision.label,
                    heading=reading.full_label,
                    part_heading=reading.part_heading,
                    text=_provision_text(reading),
                    language=reading.language,
                    fallback_note=reading.fallback_note if reading.fallback else None,
                    summary=summary,
                    consensus=consensus,
                    states=_row((shown or figures).states),
                    others=_row((shown or figures).other_stakeholders),
                    groups=_group_cells(shown or figures),
                    comments=figures.comments,
                    organisations=figures.organisations,
                    amendments=_amendments(provision, figures, audience),
                    amendments_total=len(figures.amendments),
                    reservations=_reservations(figures, audience, shown),
                    reservations_total=figures.reservations_count,
                )
            )
            lean.append(_lean(figures))
        del counted
        # Release what this batch loaded before the next one.
        for provision in provisions.values():
            for paragraph in list(provision.paragraphs):
                if paragraph in db.session:
                    db.session.expunge(paragraph)
            db.session.expunge(provision)
        if progress is not None:
            progress(min(start + PROVISION_BATCH, len(ids)), len(ids))
    return sections, lean


# --- gathering: participants ------------------------------------------------------------------


def _participants(consultation: Consultation, audience: Audience) -> list[ParticipantList]:
    """Every organisation that took part (submitted submissions and their co-signers), under
    the headings of United Nations lists. Names are given where they may be (the
    secretariat's copy: all); the others are counted."""
    conditions = [
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    columns = [
        Organisation.id,
        Organisation.name,
        Organisation.category,
        Organisation.ecosoc_status,
        Submission.publishable,
    ]
    leads = (
        select(*columns, literal(0).label("cosigner"))
        .join(Submission, Submission.organisation_id == Organisation.id)
        .where(*conditions)
    )
    cosigners = (
        select(*columns, literal(1).label("cosigner"))
        .join(Cosigner, Cosigner.organisation_id == Organisation.id)
        .join(Submission, Submission.id == Cosigner.submission_id)
        .where(*conditions)
    )
    union = leads.union_all(cosigners).subquery()
    named: dict[str, dict[int, str]] = defaultdict(dict)
    unnamed: dict[str, set[int]] = defaultdict(set)
    for org_id, name, category, ecosoc, publishable, _cosigner in db.session.execute(
        select(union).execution_options(yield_per=2000)
    ):
        key = participant_key(OrgCategory(category), bool(ecosoc))
        if audience.internal or (audience.attribution and publishable):
            named[key][org_id] = name
        else:
            unnamed[key].add(org_id)
    lists = []
    for key, heading in participant_headings():
        names = sorted(named[key].values(), key=lambda n: (n.casefold(), n))
        others = len(unnamed[key] - set(named[key]))
        if names or others:
            lists.append(ParticipantList(heading, names, others))
    return lists


# --- the masthead and the body ------------------------------------------------------------------


def _default_summary(consultation: Consultation, part: Participation, provisions: int) -> str:
    version = consultation.version
    sentences_ = [
        _(
            "The present report summarizes the views expressed in the consultation held from "
            "%(opens)s to %(closes)s on the following text: %(text)s.",
            opens=long_date(consultation.opens_at),
            closes=long_date(consultation.closes_at),
            text=display_title(version),
        ),
        ngettext(
            "Submissions were received from %(count)s State.",
            "Submissions were received from %(count)s States.",
            part.states,
            count=format_number(part.states),
        )
        + " "
        + ngettext(
            "%(count)s other stakeholder made a submission.",
            "%(count)s other stakeholders made submissions.",
            part.other_stakeholders,
            count=format_number(part.other_stakeholders),
        ),
        ngettext(
            "The report summarizes the views expressed on the %(count)s provision of the "
            "text and the degree of agreement among States on it.",
            "The report summarizes the views expressed on each of the %(count)s provisions "
            "of the text and the degree of agreement among States on each.",
            provisions,
            count=format_number(provisions),
        ),
    ]
    return " ".join(sentences_)


def build_masthead(
    consultation: Consultation,
    settings: ReportSettings,
    part: Participation,
    provisions: int,
    generated_at: datetime,
    internal: bool,
) -> Masthead:
    council = settings.body is ReportBody.HUMAN_RIGHTS_COUNCIL
    summary = settings.summary or _default_summary(consultation, part, provisions)
    return Masthead(
        symbol=settings.symbol,
        organ=ReportBody.GENERAL_ASSEMBLY.label,
        council=ReportBody.HUMAN_RIGHTS_COUNCIL.label if council else None,
        session=settings.session,
        session_dates=settings.session_dates,
        agenda=_("Agenda item %(item)s", item=settings.agenda_item)
        if settings.agenda_item
        else None,
        agenda_title=settings.agenda_title,
        distribution=_("Distr.: General"),
        date=long_date(settings.issued_on or generated_at),
        original=_("Original: %(language)s", language=language_name(settings.original_language)),
        title=settings.title or consultation.title,
        subtitle=settings.subtitle or _("Report of the secretariat"),
        summary=split_paragraphs(summary),
        internal=internal,
    )


def _introduction(consultation: Consultation, attribution: bool) -> list[str]:
    version = consultation.version
    text = [
        _(
            "The consultation on the text %(text)s was open from %(opens)s to %(closes)s. "
            "States and other stakeholders were invited to comment on it provision by "
            "provision: to support a provision, to propose amendments, to express reservations "
            "or to oppose it.",
            text=display_title(version),
            opens=long_date(consultation.opens_at),
            closes=long_date(consultation.closes_at),
        ),
        _(
            "Chapter II gives an overview of participation and of the degree of agreement among "
            "States. Chapter III summarizes the views expressed on each provision."
        ),
        _(
            "Annex I lists the participants. Annex II sets out, for each provision, the figures "
            "by regional group, the consensus indicator and its reasons, the main amendments "
            "proposed (insertions underlined, deletions struck through) and the reservations "
            "expressed. Annex III contains the disposition of comments. The compilation of all "
            "comments, provision by provision, with who said what, is published separately."
        ),
    ]
    if attribution:
        text.append(_("Participants who agreed to be named are listed in annex I."))
    else:
        text.append(_("In line with the rules of the consultation, no participant is named."))
    return text


def _letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def _groups(sections: Sequence[ProvisionSection]) -> list[tuple[str, list[ProvisionSection]]]:
    """Sub-chapters of chapter III: the preamble, then the articles (by part, when the text
    has parts)."""
    groups: list[tuple[str, list[ProvisionSection]]] = []
    for section in sections:
        if section.kind is ProvisionKind.PREAMBLE:
            title = _("Preamble")
            if not groups or groups[-1][0] != title:
                groups.append((title, []))
        elif section.part_heading:
            groups.append((section.part_heading, []))
        elif not groups or groups[-1][0] == _("Preamble"):
            groups.append((_("Articles"), []))
        groups[-1][1].append(section)
    return groups


def fit_body(
    masthead: Masthead,
    introduction: list[str],
    overview: list[str],
    sections: list[ProvisionSection],
    limit: int,
) -> list[Chapter]:
    """The chapters of the main body, within ``limit`` words whatever the number of comments.

    The masthead, chapter I and the headings are fixed; the overview (chapter II) takes at
    most ``OVERVIEW_SHARE`` of the limit; chapter III shares what is left among the
    provisions: each summary is kept whole if all fit, otherwise every summary is cut to
    the same number of words (whole sentences only, the longest cut the most); annex II
    holds each provision's figures, amendments and reservations. Provisions without
    comments are named in one paragraph.
    """
    number = itertools.count(1)
    intro = Chapter("I", _("Introduction"))
    views = Chapter("II", _("Overview of the consultation"))
    detail = Chapter("III", _("Views expressed on the provisions"))
    fixed = sum(count_words(line) for line in masthead.lines())
    fixed += sum(count_words(c.heading) for c in (intro, views, detail))
    fixed += sum(count_words(text) + 1 for text in introduction)
    overview_kept, _cut = fit_paragraphs(
        overview, max(0, min(int(limit * OVERVIEW_SHARE), limit - fixed))
    )
    fixed += sum(count_words(text) + 1 for text in overview_kept)
    intro.blocks = [BodyParagraph(next(number), text) for text in introduction]
    views.blocks = [BodyParagraph(next(number), text) for text in overview_kept]

    commented = [s for s in sections if s.organisations]
    silent = [s for s in sections if not s.organisations]
    silent_text = (
        _("No comments were received on %(list)s.", list=_join([s.label for s in silent]))
        if silent
        else ""
    )
    pointer = _(
        "The figures, amendments and reservations of each provision are set out in annex II."
    )
    groups = _groups(commented)
    headings = sum(count_words(f"{_letters(i)}. {title}") for i, (title, _s) in enumerate(groups))
    headings += sum(count_words(s.heading) for s in commented)
    room = limit - fixed - (count_words(silent_text) + 1 if silent_text else 0)
    note = " " + _("(See annex II.)")
    note_words = count_words(note)

    def cost(cap: int) -> int:
        total = headings
        for section in commented:
            kept, cut = fit_paragraphs(section.summary_paragraphs, cap)
            total += sum(count_words(p) + 1 for p in kept) + (note_words if cut else 0)
        return total

    full = max(
        (sum(count_words(p) + 1 for p in s.summary_paragraphs) for s in commented), default=0
    )
    cap: int | None = full
    if commented and cost(full) > room:
        low, high = 0, full
        while low < high:  # the largest cap that fits
            middle = (low + high + 1) // 2
            if cost(middle) <= room:
                low = middle
            else:
                high = middle - 1
        cap = low if low >= MIN_PROVISION_WORDS else None
    for section in sections:
        section.body_summary, section.summary_cut = [], bool(section.organisations)
    if silent_text:
        detail.blocks.append(BodyParagraph(next(number), silent_text))
    if cap is None:
        # Too many provisions to summarise each in the body: annex II holds them all.
        detail.blocks.append(BodyParagraph(next(number), pointer))
    else:
        for index, (title, members) in enumerate(groups):
            sub = SubChapter(_letters(index), title)
            for section in members:
                kept, cut = fit_paragraphs(section.summary_paragraphs, cap)
                if cut and kept:
                    kept[-1] += note
                elif cut:
                    kept = [note.strip()]
                section.body_summary, section.summary_cut = kept, cut
                sub.blocks.append(MinorHeading(section.heading))
                sub.blocks += [BodyParagraph(next(number), text) for text in kept]
            detail.subchapters.append(sub)
    return [intro, views, detail]


# --- gathering ----------------------------------------------------------------------------


def gather_report(
    consultation: Consultation,
    *,
    internal: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReportData:
    """The content of the consensus report."""
    audience = Audience.for_consultation(consultation, internal)
    settings = report_settings(consultation)
    version = consultation.version
    # The public report carries only what the secretariat published; its own report drafts
    # what is missing from the current figures.
    # The public report quotes the published summaries, in the report's language where the
    # secretariat translated them.
    language = str(get_locale() or "en").split("_")[0]
    edited = (
        _edited_summaries(consultation)
        if internal
        else published_summaries(consultation, language)
    )
    part = participation(consultation, public_only=not internal)
    shown_part = part if internal else public_participation(part)
    sections, lean = _sections(consultation, audience, edited, progress)
    overall = edited.get(CONSULTATION_SCOPE) or (
        draft_consultation_summary(consultation, part, lean)
        if internal
        else _("No summary of the consultation has been published yet.")
    )
    del lean
    generated_at = utcnow()
    masthead = build_masthead(consultation, settings, part, len(sections), generated_at, internal)
    chapters = fit_body(
        masthead,
        _introduction(consultation, audience.attribution),
        split_paragraphs(overall),
        sections,
        settings.word_limit,
    )
    columns = disposition_columns(audience)
    keys = [c.key for c in columns]
    selected = [keys.index(k) for k in REPORT_DISPOSITION_KEYS]
    rows = disposition_rows(consultation, audience)
    dispositions = [
        [row[i] for i in selected] for row in itertools.islice(rows, REPORT_MAX_DISPOSITIONS)
    ]
    rows.close()
    total_dispositions = (
        len(dispositions)
        if len(dispositions) < REPORT_MAX_DISPOSITIONS
        else count_dispositions(consultation, audience)
    )
    return ReportData(
        consultation=consultation,
        overall_summary=overall,
        audience=audience,
        settings=settings,
        masthead=masthead,
        title=masthead.title,
        version_title=version_title(version),
        generated_at=generated_at,
        language=str(get_locale() or "en"),
        chapters=chapters,
        word_limit=settings.word_limit,
        participation=part,
        participation_by_group=[(g.label, n) for g, n in shown_part.states_by_group.items()],
        participation_by_category=[(c.label, n) for c, n in shown_part.by_category.items()],
        provision_count=int(
            db.session.execute(
                select(func.count())
                .select_from(Provision)
                .where(Provision.version_id == consultation.version_id)
            ).scalar_one()
        ),
        sections=sections,
        participants=_participants(consultation, audience),
        participants_named=audience.attribution,
        disposition_columns=[columns[i] for i in selected],
        dispositions=dispositions,
        dispositions_total=total_dispositions,
        stance_headers=[p.label for p in STANCE_COLUMNS],
        group_headers=[g.label for g in RegionalGroup],
    )


def build_report(
    consultation: Consultation,
    fmt: ExportFormat,
    path: Path,
    *,
    internal: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the consensus report of ``consultation`` to ``path`` as .docx, PDF or HTML."""
    data = gather_report(consultation, internal=internal, progress=progress)
    if fmt is ExportFormat.DOCX:
        from consult_app.exports.report_docx import write_docx

        write_docx(data, path)
    elif fmt is ExportFormat.PDF:
        from consult_app.exports.report_pdf import write_pdf

        write_pdf(data, path)
    elif fmt is ExportFormat.HTML:
        from consult_app.exports.report_html import write_html

        write_html(data, path)
    else:
        raise ValueError(f"the report is not built as {fmt.value}")
