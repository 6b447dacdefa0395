"""Rows of the compilation and of the disposition table, streamed from the database.

Each batch of comments costs a constant number of queries: the main query is read with
``yield_per`` (a server-side cursor on PostgreSQL), and each partition adds one query
for the themes and one for the co-signers of the comments in it.

Confidentiality: a *public* audience sees only comments with ``is_public`` (submitted,
publishable, published, not withdrawn), only published dispositions, never an internal
note, and no organisation name when the consultation does not allow attribution. The
*internal* audience (secretariat) sees every submitted comment, marked by status.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.models import (
    Disposition,
    DuplicateGroup,
    GroupKind,
    GroupStatus,
    Outcome,
    Theme,
    comment_themes,
)
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Paragraph, Provision, ProvisionKind

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000

Progress = Callable[[int, int], None]
"""Called with (rows done, rows in all) after each batch."""


@dataclass(frozen=True)
class Audience:
    """Who an export is for: the public (attribution as the consultation allows) or staff."""

    internal: bool
    attribution: bool

    @classmethod
    def for_consultation(cls, consultation: Consultation, internal: bool) -> Audience:
        return cls(internal=internal, attribution=internal or consultation.allow_attribution)


@dataclass(frozen=True)
class Column:
    key: str
    header: Any  # a lazy string; str() at write time, in the active locale
    width: int = 14
    wrap: bool = False


class Labels:
    """Translated labels memoised for one export (gettext per cell would dominate the time)."""

    def __init__(self) -> None:
        self._cache: dict[Any, str] = {}

    def __call__(self, member: Any) -> str:
        try:
            return self._cache[member]
        except KeyError:
            value = self._cache[member] = str(member.label)
            return value

    def provision(self, kind: ProvisionKind, number: str, title: str | None = None) -> str:
        key = ("provision", kind, number, title)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = provision_label(kind, number, title)
            return value

    def text(self, message: str) -> str:
        key = ("text", message)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = _(message)
            return value


def provision_label(kind: ProvisionKind, number: str, title: str | None = None) -> str:
    label = f"PP{number}" if kind is ProvisionKind.PREAMBLE else _("Article %(n)s", n=number)
    return f"{label}. {title}" if title else label


def _yes(labels: Labels, value: bool) -> str:
    return labels.text("yes") if value else ""


# --- compilation ------------------------------------------------------------------------

_COMPILATION_COLUMNS = [
    Column("provision", _l("Provision"), 18),
    Column("paragraph", _l("Paragraph"), 10),
    Column("organisation", _l("Organisation"), 30, True),
    Column("category", _l("Category"), 22),
    Column("regional_group", _l("Regional group"), 22),
    Column("on_behalf", _l("On behalf of"), 24, True),
    Column("cosigners", _l("Co-signers"), 28, True),
    Column("channel", _l("Channel"), 12),
    Column("position", _l("Position"), 18),
    Column("kind", _l("Kind"), 14),
    Column("comment", _l("Comment"), 60, True),
    Column("proposed_wording", _l("Proposed wording"), 50, True),
    Column("rationale", _l("Rationale"), 40, True),
    Column("themes", _l("Themes"), 24, True),
    Column("unverified", _l("Unverified organisation"), 12),
    Column("group", _l("Campaign or duplicate group"), 18),
    Column("outcome", _l("Disposition"), 16),
    Column("explanation", _l("Explanation"), 50, True),
]

_INTERNAL_COLUMNS = [
    Column("comment_id", _l("Comment number"), 10),
    Column("receipt", _l("Receipt number"), 18),
    Column("status", _l("Moderation status"), 22),
    Column("not_for_publication", _l("Not for publication"), 12),
    Column("withdrawn", _l("Withdrawn"), 10),
    Column("original", _l("Original text (before redaction)"), 50, True),
    Column("disposition_published", _l("Disposition published"), 12),
    Column("internal_note", _l("Internal note"), 40, True),
]


def compilation_columns(audience: Audience) -> list[Column]:
    return _COMPILATION_COLUMNS + (_INTERNAL_COLUMNS if audience.internal else [])


_DISPOSITION_COLUMNS = [
    Column("number", _l("No."), 8),
    Column("provision", _l("Provision"), 18),
    Column("paragraph", _l("Paragraph"), 10),
    Column("organisation", _l("Organisation"), 30, True),
    Column("category", _l("Category"), 22),
    Column("position", _l("Position"), 18),
    Column("comment", _l("Comment"), 60, True),
    Column("proposed_wording", _l("Proposed wording"), 50, True),
    Column("outcome", _l("Disposition"), 16),
    Column("explanation", _l("Explanation"), 50, True),
    Column("change_reference", _l("Change made"), 30, True),
    Column("resulting_provision", _l("Resulting provision"), 18),
]

_DISPOSITION_INTERNAL_COLUMNS = [
    Column("comment_id", _l("Comment number"), 10),
    Column("status", _l("Moderation status"), 22),
    Column("disposition_published", _l("Disposition published"), 12),
    Column("internal_note", _l("Internal note"), 40, True),
    Column("decided_at", _l("Decided at (UTC)"), 20),
]


def disposition_columns(audience: Audience) -> list[Column]:
    return _DISPOSITION_COLUMNS + (_DISPOSITION_INTERNAL_COLUMNS if audience.internal else [])


# --- the query ---------------------------------------------------------------------------

ResultProvision = aliased(Provision)


def _visible_comments(consultation: Consultation, audience: Audience) -> list[Any]:
    """WHERE clauses: which comments of the consultation this audience may see."""
    clauses: list[Any] = [
        Comment.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    if not audience.internal:
        # is_public already requires a publishable, submitted submission, a published and
        # not withdrawn comment, and a consultation that publishes submissions; the extra
        # conditions keep a stale flag from ever leaking a confidential submission.
        clauses += [
            Comment.is_public.is_(True),
            Submission.publishable.is_(True),
            Comment.moderation_status == ModerationStatus.PUBLISHED,
            Comment.withdrawn_at.is_(None),
        ]
        if not consultation.publish_submissions:
            clauses.append(Comment.id.is_(None))
    return clauses


def _rows_statement(
    consultation: Consultation, audience: Audience, *, with_disposition_only: bool
) -> Select[Any]:
    columns: list[Any] = [
        Comment.id,
        Comment.submission_id,
        Comment.position,
        Comment.kind,
        Comment.body,
        Comment.redacted_body,
        Comment.proposed_wording,
        Comment.rationale,
        Comment.moderation_status,
        Comment.withheld_reason,
        Comment.withdrawn_at,
        Provision.kind.label("provision_kind"),
        Provision.number.label("provision_number"),
        Provision.title.label("provision_title"),
        Paragraph.label.label("paragraph_label"),
        Organisation.name.label("org_name"),
        Organisation.category.label("org_category"),
        Organisation.regional_group.label("org_group"),
        Organisation.verification_status.label("org_verification"),
        Submission.channel,
        Submission.on_behalf_kind,
        Submission.on_behalf_group,
        Submission.on_behalf_name,
        Submission.publishable,
        Submission.receipt_number,
        DuplicateGroup.id.label("group_id"),
        DuplicateGroup.kind.label("group_kind"),
        DuplicateGroup.status.label("group_status"),
        Disposition.outcome,
        Disposition.public_explanation,
        Disposition.published_at,
        Disposition.change_reference,
        Disposition.decided_at,
        ResultProvision.kind.label("result_kind"),
        ResultProvision.number.label("result_number"),
    ]
    if audience.internal:
        columns.append(Disposition.internal_note)
    stmt = (
        select(*columns)
        .join(Submission, Submission.id == Comment.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .join(Provision, Provision.id == Comment.provision_id)
        .outerjoin(Paragraph, Paragraph.id == Comment.paragraph_id)
        .outerjoin(DuplicateGroup, DuplicateGroup.id == Comment.duplicate_group_id)
        .outerjoin(Disposition, Disposition.comment_id == Comment.id)
        .outerjoin(ResultProvision, ResultProvision.id == Disposition.resulting_provision_id)
        .where(*_visible_comments(consultation, audience))
    )
    if with_disposition_only:
        stmt = stmt.where(Disposition.id.is_not(None))
        if not audience.internal:
            stmt = stmt.where(Disposition.published_at.is_not(None))
    order: list[Any] = [Provision.position, Paragraph.position.nulls_first()]
    # Without attribution, rows are not ordered by a name the reader must not learn.
    order += [Organisation.name] if audience.attribution else [Organisation.category]
    order.append(Comment.id)
    return stmt.order_by(*order)


def _count(consultation: Consultation, audience: Audience, *, with_disposition_only: bool) -> int:
    stmt = _rows_statement(consultation, audience, with_disposition_only=with_disposition_only)
    return int(
        db.session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        ).scalar_one()
    )


def count_compilation(consultation: Consultation, audience: Audience) -> int:
    return _count(consultation, audience, with_disposition_only=False)


def count_dispositions(consultation: Consultation, audience: Audience) -> int:
    return _count(consultation, audience, with_disposition_only=True)


def _themes_for(comment_ids: Sequence[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    if not comment_ids:
        return result
    rows = db.session.execute(
        select(comment_themes.c.comment_id, Theme.name)
        .join(Theme, Theme.id == comment_themes.c.theme_id)
        .where(comment_themes.c.comment_id.in_(comment_ids))
        .order_by(comment_themes.c.comment_id, Theme.name)
    )
    for comment_id, name in rows:
        result[comment_id].append(name)
    return result


def _cosigners_for(submission_ids: Sequence[int]) -> dict[int, list[tuple[str, OrgCategory]]]:
    result: dict[int, list[tuple[str, OrgCategory]]] = defaultdict(list)
    if not submission_ids:
        return result
    rows = db.session.execute(
        select(Cosigner.submission_id, Organisation.name, Organisation.category)
        .join(Organisation, Organisation.id == Cosigner.organisation_id)
        .where(Cosigner.submission_id.in_(submission_ids))
        .order_by(Cosigner.submission_id, Organisation.name)
    )
    for submission_id, name, category in rows:
        result[submission_id].append((name, category))
    return result


def _stream(
    consultation: Consultation,
    audience: Audience,
    *,
    with_disposition_only: bool,
    batch_size: int,
    progress: Progress | None,
) -> Iterator[tuple[Any, dict[int, list[str]], dict[int, list[tuple[str, OrgCategory]]]]]:
    total = _count(consultation, audience, with_disposition_only=with_disposition_only)
    stmt = _rows_statement(consultation, audience, with_disposition_only=with_disposition_only)
    result = db.session.execute(stmt.execution_options(yield_per=batch_size))
    done = 0
    try:
        for batch in result.partitions():
            themes = _themes_for([row.id for row in batch])
            cosigners = _cosigners_for(sorted({row.submission_id for row in batch}))
            for row in batch:
                yield row, themes, cosigners
            done += len(batch)
            if progress is not None:
                progress(done, total)
    finally:
        result.close()  # a reader that stops early releases the server-side cursor
    if progress is not None and done == 0:
        progress(0, 0)


# --- presenting one row -----------------------------------------------------------------


def _organisation(row: Any, audience: Audience, labels: Labels) -> str:
    if audience.attribution:
        return str(row.org_name)
    return labels(OrgCategory(row.org_category))


def _on_behalf(row: Any, audience: Audience, labels: Labels) -> str:
    if row.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP and row.on_behalf_group:
        return labels(RegionalGroup(row.on_behalf_group))
    if row.on_behalf_kind is OnBehalfKind.COALITION:
        if audience.attribution:
            return str(row.on_behalf_name)
        return labels.text("a group or coalition")
    return ""


def _cosigner_text(
    items: list[tuple[str, OrgCategory]], audience: Audience, labels: Labels
) -> str:
    if audience.attribution:
        return "; ".join(name for name, _category in items)
    return "; ".join(labels(category) for _name, category in items)


def _group(row: Any, audience: Audience, labels: Labels) -> str:
    if row.group_id is None or row.group_status is GroupStatus.DISMISSED:
        return ""
    if not audience.internal and row.group_status is not GroupStatus.CONFIRMED:
        return ""
    kind = labels.text("Campaign" if row.group_kind is GroupKind.CAMPAIGN else "Duplicates")
    text = f"{kind} {row.group_id}"
    if audience.internal and row.group_status is GroupStatus.SUGGESTED:
        text += " (" + labels.text("suggested") + ")"
    return text


def _disposition_visible(row: Any, audience: Audience) -> bool:
    return row.outcome is not None and (audience.internal or row.published_at is not None)


def _status(row: Any, labels: Labels) -> str:
    status = labels(ModerationStatus(row.moderation_status))
    if row.moderation_status is ModerationStatus.WITHHELD and row.withheld_reason:
        status += f" ({row.withheld_reason})"
    return status


def _public_text(row: Any, audience: Audience) -> str:
    return str(row.redacted_body or row.body) if not audience.internal else str(row.body)


def _compilation_row(
    row: Any,
    themes: dict[int, list[str]],
    cosigners: dict[int, list[tuple[str, OrgCategory]]],
    audience: Audience,
    labels: Labels,
) -> list[Any]:
    disposition = _disposition_visible(row, audience)
    values: list[Any] = [
        labels.provision(row.provision_kind, row.provision_number, row.provision_title),
        row.paragraph_label or "",
        _organisation(row, audience, labels),
        labels(OrgCategory(row.org_category)),
        labels(RegionalGroup(row.org_group)) if row.org_group else "",
        _on_behalf(row, audience, labels),
        _cosigner_text(cosigners.get(row.submission_id, []), audience, labels),
        labels(Channel(row.channel)),
        labels(Position(row.position)),
        labels(CommentKind(row.kind)),
        _public_text(row, audience),
        row.proposed_wording or "",
        row.rationale or "",
        "; ".join(themes.get(row.id, [])),
        _yes(labels, row.org_verification is not VerificationStatus.VERIFIED),
        _group(row, audience, labels),
        labels(Outcome(row.outcome)) if disposition else "",
        (row.public_explanation or "") if disposition else "",
    ]
    if audience.internal:
        values += [
            row.id,
            row.receipt_number or "",
            _status(row, labels),
            _yes(labels, not row.publishable),
            _yes(labels, row.withdrawn_at is not None),
            row.body if row.redacted_body else "",
            _yes(labels, row.published_at is not None) if row.outcome is not None else "",
            row.internal_note or "",
        ]
    return values


def compilation_rows(
    consultation: Consultation,
    audience: Audience,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Iterator[list[Any]]:
    """The compilation by provision, one list of cell values per comment, in order."""
    labels = Labels()
    for row, themes, cosigners in _stream(
        consultation,
        audience,
        with_disposition_only=False,
        batch_size=batch_size,
        progress=progress,
    ):
        yield _compilation_row(row, themes, cosigners, audience, labels)


def disposition_rows(
    consultation: Consultation,
    audience: Audience,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Generator[list[Any], None, None]:
    """The disposition of comments table, one list of cell values per decided comment."""
    stream = _stream(
        consultation,
        audience,
        with_disposition_only=True,
        batch_size=batch_size,
        progress=progress,
    )
    labels = Labels()
    for number, (row, _themes, _cosigners) in enumerate(stream, start=1):
        result = (
            labels.provision(row.result_kind, row.result_number)
            if row.result_kind is not None
            else ""
        )
        values: list[Any] = [
            number,
            labels.provision(row.provision_kind, row.provision_number, row.provision_title),
            row.paragraph_label or "",
            _organisation(row, audience, labels),
            labels(OrgCategory(row.org_category)),
            labels(Position(row.position)),
            _public_text(row, audience),
            row.proposed_wording or "",
            labels(Outcome(row.outcome)),
            row.public_explanation or "",
            row.change_reference or "",
            result,
        ]
        if audience.internal:
            values += [
                row.id,
                _status(row, labels),
                _yes(labels, row.published_at is not None),
                row.internal_note or "",
                row.decided_at.strftime("%Y-%m-%d %H:%M") if row.decided_at else "",
            ]
        yield values
