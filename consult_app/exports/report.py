"""The consensus report: its content gathered once, then written as .docx, PDF or HTML.

The content comes from the summaries capability (figures, consensus level, narrative
summaries); nothing is counted here. Memory stays bounded whatever the number of
comments: provisions are gathered one at a time (a generator), amendments are grouped
wordings (at most ``REPORT_MAX_AMENDMENTS`` groups per provision), reservations are
listed up to ``REPORT_MAX_RESERVATIONS`` per provision, and the disposition table is cut
at ``REPORT_MAX_DISPOSITIONS`` rows (the full table is its own export).

Confidentiality (public report): figures count every published comment, but text is
quoted only from public comments (``is_public``), and organisations are named only when
the consultation allows attribution and the submission is publishable.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, literal, select
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.core.models import utcnow
from consult_app.exports.models import ExportFormat
from consult_app.exports.rows import Audience, Column, disposition_columns, disposition_rows
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    Cosigner,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.submissions.operations import amendment_base
from consult_app.summaries.aggregation import (
    GroupFigures,
    Participation,
    ProvisionFigures,
    participation,
    provision_figures,
)
from consult_app.summaries.consensus import ConsensusResult, classify, rule_from_config
from consult_app.summaries.models import CONSULTATION_SCOPE, SummaryDraft
from consult_app.summaries.narrative import draft_consultation_summary, draft_provision_summary
from consult_app.summaries.operations import published_summaries
from consult_app.texts.models import Provision
from consult_app.texts.redline import Change, diff

logger = logging.getLogger(__name__)

REPORT_MAX_AMENDMENTS = 10
REPORT_MAX_RESERVATIONS = 20
REPORT_MAX_DISPOSITIONS = 500
QUOTE_LIMIT = 1200

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
    "number", "provision", "organisation", "position", "outcome", "explanation",
    "change_reference",
)


@dataclass(frozen=True)
class TextLine:
    label: str
    text: str
    level: int


@dataclass(frozen=True)
class FigureRow:
    label: str
    organisations: int
    comments: int
    stances: tuple[int, ...]
    emphasis: bool = False


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
    provision_id: int
    heading: str
    part_heading: str | None
    text: list[TextLine]
    summary: str
    consensus: ConsensusResult
    figure_rows: list[FigureRow]
    comments: int
    organisations: int
    amendments: list[Amendment]
    amendments_total: int
    reservations: list[ReservationNote]
    reservations_total: int


@dataclass(frozen=True)
class Participant:
    name: str
    category: str
    regional_group: str
    cosigner: bool


@dataclass
class ReportData:
    consultation: Consultation
    audience: Audience
    title: str
    version_title: str
    symbol: str | None
    issued_on: str | None
    opens_at: datetime
    closes_at: datetime
    generated_at: datetime
    introduction: list[str]
    overall_summary: str
    participation: Participation
    participation_by_group: list[tuple[str, int]]
    participation_by_category: list[tuple[str, int]]
    provision_count: int
    sections: Iterator[ProvisionSection]
    participants: Iterator[Participant] | None
    disposition_columns: list[Column]
    dispositions: list[list[Any]]
    dispositions_total: int
    stance_headers: list[str] = field(default_factory=list)

    @property
    def internal(self) -> bool:
        return self.audience.internal


# --- gathering ---------------------------------------------------------------------------


def _summaries(consultation: Consultation) -> dict[int, str]:
    """Stored (possibly edited) summaries by scope key, as current_summary would show them."""
    drafts = db.session.scalars(
        select(SummaryDraft).where(SummaryDraft.consultation_id == consultation.id)
    )
    return {draft.scope_key: draft.current_text for draft in drafts}


def _provision_text(provision: Provision) -> list[TextLine]:
    lines = [TextLine("", provision.intro, 0)] if provision.intro else []
    lines += [TextLine(p.display_label, p.text, p.level) for p in provision.paragraphs]
    return lines


def _stance_counts(part: GroupFigures) -> tuple[int, ...]:
    return tuple(part.stances[p] for p in STANCE_COLUMNS)


def _figure_rows(figures: ProvisionFigures) -> list[FigureRow]:
    rows = []
    for group, part in figures.by_regional_group.items():
        rows.append(FigureRow(group.label, part.organisations, part.comments,
                              _stance_counts(part)))
    states = figures.states
    rows.append(FigureRow(_("All States"), states.organisations, states.comments,
                          _stance_counts(states), emphasis=True))
    for category, part in figures.by_category.items():
        if not category.is_state:
            rows.append(FigureRow(category.label, part.organisations, part.comments,
                                  _stance_counts(part)))
    others = figures.other_stakeholders
    rows.append(FigureRow(_("All other stakeholders"), others.organisations, others.comments,
                          _stance_counts(others), emphasis=True))
    return rows


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
    figures: ProvisionFigures, audience: Audience
) -> list[ReservationNote]:
    listed = figures.reservations[:REPORT_MAX_RESERVATIONS]
    quotable = [r.comment_id for r in listed if audience.internal or r.is_public]
    texts: dict[int, str | None] = {}
    if quotable:
        for comment_id, body, redacted in db.session.execute(
            select(Comment.id, Comment.body, Comment.redacted_body).where(
                Comment.id.in_(quotable)
            )
        ):
            texts[comment_id] = body if audience.internal else (redacted or body)
    notes = []
    for reservation in listed:
        name = reservation.organisation_name if audience.attribution else None
        if audience.internal:
            name = name or _internal_name(reservation.comment_id)
        notes.append(ReservationNote(
            _who(reservation.category, reservation.regional_group, name),
            _quote(texts.get(reservation.comment_id)),
        ))
    return notes


def _internal_name(comment_id: int) -> str | None:
    return db.session.execute(
        select(Organisation.name)
        .join(Submission, Submission.organisation_id == Organisation.id)
        .join(Comment, Comment.submission_id == Submission.id)
        .where(Comment.id == comment_id)
    ).scalar_one_or_none()


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
        # A wording is quoted only if some public comment proposed it.
        public = set(
            db.session.scalars(
                select(Comment.proposed_wording)
                .where(
                    Comment.provision_id == provision.id,
                    Comment.is_public.is_(True),
                    Comment.proposed_wording.in_(wordings),
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


def _sections(
    consultation: Consultation,
    audience: Audience,
    stored: dict[int, str],
    progress: Callable[[int, int], None] | None,
) -> Iterator[ProvisionSection]:
    rule = rule_from_config(current_app.config)
    ids = list(
        db.session.scalars(
            select(Provision.id)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    for index, provision_id in enumerate(ids, start=1):
        provision = db.session.execute(
            select(Provision)
            .options(selectinload(Provision.paragraphs))
            .where(Provision.id == provision_id)
        ).scalar_one()
        figures = provision_figures(
            consultation, [provision_id], public_only=not audience.internal
        )[0]
        consensus = classify(figures, rule)
        # The public reads only published summaries; the secretariat's own report drafts
        # the missing ones.
        summary = stored.get(provision_id) or (
            draft_provision_summary(consultation, figures, consensus)
            if audience.internal
            else _("No summary of views on this provision has been published yet.")
        )
        yield ProvisionSection(
            provision_id=provision_id,
            heading=provision.full_label,
            part_heading=provision.part_heading,
            text=_provision_text(provision),
            summary=summary,
            consensus=consensus,
            figure_rows=_figure_rows(figures),
            comments=figures.comments,
            organisations=figures.organisations,
            amendments=_amendments(provision, figures, audience),
            amendments_total=len(figures.amendments),
            reservations=_reservations(figures, audience),
            reservations_total=figures.reservations_count,
        )
        # Release what this provision loaded before the next one.
        db.session.expunge(provision)
        for paragraph in list(provision.paragraphs):
            if paragraph in db.session:
                db.session.expunge(paragraph)
        if progress is not None:
            progress(index, len(ids))


def _participants(consultation: Consultation, audience: Audience) -> Iterator[Participant]:
    """Organisations that agreed to be named: publishable submitted submissions and their
    co-signers, by category and name (secretariat: everyone)."""
    conditions = [
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    if not audience.internal:
        conditions.append(Submission.publishable.is_(True))
    leads = (
        select(Organisation.name, Organisation.category, Organisation.regional_group,
               literal(0).label("cosigner"))
        .join(Submission, Submission.organisation_id == Organisation.id)
        .where(*conditions)
    )
    cosigners = (
        select(Organisation.name, Organisation.category, Organisation.regional_group,
               literal(1).label("cosigner"))
        .join(Cosigner, Cosigner.organisation_id == Organisation.id)
        .join(Submission, Submission.id == Cosigner.submission_id)
        .where(*conditions)
    )
    union = leads.union_all(cosigners).subquery()
    rows = db.session.execute(
        select(union).order_by(union.c.category, union.c.name).execution_options(yield_per=500)
    )
    seen: set[str] = set()
    for name, category, group, cosigner in rows:
        if name in seen:
            continue
        seen.add(name)
        yield Participant(
            name=name,
            category=OrgCategory(category).label,
            regional_group=RegionalGroup(group).label if group else "",
            cosigner=bool(cosigner),
        )


def _introduction(consultation: Consultation, part: Participation) -> list[str]:
    version = consultation.version
    text = [
        _(
            "This report presents the outcome of the consultation on the %(text)s, held from "
            "%(opens)s to %(closes)s (UTC).",
            text=version.display_title,
            opens=consultation.opens_at.strftime("%d %B %Y"),
            closes=consultation.closes_at.strftime("%d %B %Y"),
        ),
        _(
            "For each provision it gives the text under consultation, a summary of the views "
            "expressed, the figures by regional group and stakeholder category, the consensus "
            "indicator with its reasons, and the amendments proposed, shown as changes to the "
            "text (insertions underlined, deletions struck through). Reservations are listed "
            "in the notes.",
        ),
    ]
    if consultation.allow_attribution:
        text.append(_("Participants who agreed to be named are listed in the annex."))
    else:
        text.append(_("In line with the rules of the consultation, no participant is named."))
    return text


def gather_report(
    consultation: Consultation,
    *,
    internal: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ReportData:
    """The content of the consensus report (provisions are produced lazily, in order)."""
    audience = Audience.for_consultation(consultation, internal)
    version = consultation.version
    stored = _summaries(consultation) if internal else published_summaries(consultation)
    part = participation(consultation, public_only=not internal)
    overall = stored.get(CONSULTATION_SCOPE)
    if overall is None and not internal:
        overall = _("No summary of the consultation has been published yet.")
    elif overall is None:
        overall = draft_consultation_summary(
            consultation, part,
            provision_figures(consultation, public_only=not internal, details=False),
        )
    columns = disposition_columns(audience)
    keys = [c.key for c in columns]
    selected = [keys.index(k) for k in REPORT_DISPOSITION_KEYS]
    rows = disposition_rows(consultation, audience)
    dispositions = [[row[i] for i in selected] for row in itertools.islice(
        rows, REPORT_MAX_DISPOSITIONS)]
    rows.close()
    from consult_app.exports.rows import count_dispositions

    total_dispositions = count_dispositions(consultation, audience)
    provision_count = int(db.session.execute(
        select(func.count()).select_from(Provision)
        .where(Provision.version_id == consultation.version_id)
    ).scalar_one())
    return ReportData(
        consultation=consultation,
        audience=audience,
        title=_("Consensus report: %(title)s", title=consultation.title),
        version_title=version.title,
        symbol=version.symbol,
        issued_on=version.issued_on.isoformat() if version.issued_on else None,
        opens_at=consultation.opens_at,
        closes_at=consultation.closes_at,
        generated_at=utcnow(),
        introduction=_introduction(consultation, part),
        overall_summary=overall,
        participation=part,
        participation_by_group=[(g.label, n) for g, n in part.states_by_group.items()],
        participation_by_category=[(c.label, n) for c, n in part.by_category.items()],
        provision_count=provision_count,
        sections=_sections(consultation, audience, stored, progress),
        participants=(
            _participants(consultation, audience) if audience.attribution else None
        ),
        disposition_columns=[columns[i] for i in selected],
        dispositions=dispositions,
        dispositions_total=total_dispositions,
        stance_headers=[p.label for p in STANCE_COLUMNS],
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
