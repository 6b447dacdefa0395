"""Read-side queries of consultations: lists, published comments, counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation, Phase
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
)
from consult_app.texts.models import Instrument, Provision, TextVersion


def consultations_query(phase: Phase | None = None, now: datetime | None = None) -> Select[Any]:
    """Consultations, latest first, with their version and instrument loaded."""
    now = now or utcnow()
    query = select(Consultation).options(
        joinedload(Consultation.version).joinedload(TextVersion.instrument)
    )
    if phase is Phase.UPCOMING:
        query = query.where(Consultation.opens_at > now)
    elif phase is Phase.OPEN:
        query = query.where(Consultation.opens_at <= now, Consultation.closes_at > now)
    elif phase is Phase.CLOSED:
        query = query.where(Consultation.closes_at <= now)
    return query.order_by(Consultation.opens_at.desc(), Consultation.id.desc())


def version_choices() -> list[tuple[int, str]]:
    """Every text version as (id, "Instrument — Version (symbol)"), for a select."""
    rows = db.session.execute(
        select(TextVersion.id, Instrument.title, TextVersion.title, TextVersion.symbol)
        .join(Instrument, TextVersion.instrument_id == Instrument.id)
        .order_by(Instrument.title, TextVersion.id.desc())
    ).all()
    choices = []
    for version_id, instrument_title, version_title, symbol in rows:
        label = (
            version_title
            if version_title == instrument_title
            else (f"{instrument_title} — {version_title}")
        )
        if symbol:
            label = f"{label} ({symbol})"
        choices.append((version_id, label))
    return choices


def provisions_with_paragraphs(version_id: int) -> list[Provision]:
    """The provisions of a version in order, with their paragraphs (two queries)."""
    return list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == version_id)
            .options(selectinload(Provision.paragraphs))
            .order_by(Provision.position)
        )
    )


def shares_version(consultation: Consultation) -> bool:
    """True when another consultation runs on the same text version as this one.

    Comments on a provision can then belong to either consultation, so public lists must
    filter on the consultation too; otherwise the provision alone decides (and the counts
    are read from the index ``comments(provision_id, is_public, id)`` without the table).
    """
    other = db.session.execute(
        select(Consultation.id)
        .where(
            Consultation.version_id == consultation.version_id,
            Consultation.id != consultation.id,
        )
        .limit(1)
    ).first()
    return other is not None


def published_comment_counts(
    consultation: Consultation, shared: bool | None = None
) -> dict[int, int]:
    """Published comments per provision of the consultation, in one GROUP BY query."""
    if shared is None:
        shared = shares_version(consultation)
    query = (
        select(Comment.provision_id, func.count())
        .where(
            Comment.provision_id.in_(
                select(Provision.id).where(Provision.version_id == consultation.version_id)
            ),
            Comment.is_public.is_(True),
        )
        .group_by(Comment.provision_id)
    )
    if shared:
        query = query.where(Comment.consultation_id == consultation.id)
    return {provision_id: count for provision_id, count in db.session.execute(query).all()}


class CommentPage(Pagination):
    """A page of comments whose items and total were queried beforehand (for the pager)."""

    def __init__(self, page: int, per_page: int, items: list[Any], total: int) -> None:
        self._known_items = items
        self._known_total = total
        super().__init__(page=page, per_page=per_page, max_per_page=None, error_out=False)

    def _query_items(self) -> list[Any]:
        return list(self._known_items)

    def _query_count(self) -> int:
        return self._known_total


def _published_on(
    consultation: Consultation, provision: Provision, position: Position | None, shared: bool
) -> list[ColumnElement[bool]]:
    clauses = [Comment.provision_id == provision.id, Comment.is_public.is_(True)]
    if shared:
        clauses.append(Comment.consultation_id == consultation.id)
    if position is not None:
        clauses.append(Comment.position == position)
    return clauses


def published_comment_total(
    consultation: Consultation,
    provision: Provision,
    position: Position | None = None,
    *,
    shared: bool,
) -> int:
    """How many published comments ``provision`` has (optionally with one position)."""
    clauses = _published_on(consultation, provision, position, shared)
    return int(
        db.session.execute(select(func.count()).select_from(Comment).where(*clauses)).scalar_one()
    )


@dataclass(frozen=True)
class PublicComment:
    """A published comment as the public list shows it (a row, not an ORM object)."""

    id: int
    submission_id: int
    paragraph_id: int | None
    position: Position
    kind: CommentKind
    quoted_text: str | None
    body: str
    redacted_body: str | None
    proposed_wording: str | None
    rationale: str | None
    submitted_at: datetime | None
    publishable: bool
    on_behalf_kind: OnBehalfKind
    on_behalf_group: RegionalGroup | None
    on_behalf_name: str | None
    author_name: str
    author_acronym: str | None
    author_category: OrgCategory


@dataclass(frozen=True)
class CosignerRow:
    submission_id: int
    name: str
    acronym: str | None
    category: OrgCategory

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


def published_comments_page(
    consultation: Consultation,
    provision: Provision,
    position: Position | None,
    *,
    page: int,
    per_page: int,
    shared: bool,
) -> list[PublicComment]:
    """One page of published comments on ``provision``, oldest first, with their authors.

    The page's ids are picked from the index alone (the OFFSET walks index entries, not
    joined rows); only those rows are then read, joined with their submission and
    organisation, and only the columns the page shows.
    """
    ids = (
        select(Comment.id)
        .where(*_published_on(consultation, provision, position, shared))
        .order_by(Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(
        select(
            Comment.id,
            Comment.submission_id,
            Comment.paragraph_id,
            Comment.position,
            Comment.kind,
            Comment.quoted_text,
            Comment.body,
            Comment.redacted_body,
            Comment.proposed_wording,
            Comment.rationale,
            Submission.submitted_at,
            Submission.publishable,
            Submission.on_behalf_kind,
            Submission.on_behalf_group,
            Submission.on_behalf_name,
            Organisation.name,
            Organisation.acronym,
            Organisation.category,
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(Comment.id.in_(ids.scalar_subquery()))
        .order_by(Comment.id)
    ).all()
    return [PublicComment(*tuple(row)) for row in rows]


def cosigners_of(submission_ids: set[int]) -> dict[int, list[CosignerRow]]:
    """The co-signers of each of these submissions, in the order they were added."""
    result: dict[int, list[CosignerRow]] = {}
    if not submission_ids:
        return result
    rows = db.session.execute(
        select(
            Cosigner.submission_id, Organisation.name, Organisation.acronym, Organisation.category
        )
        .join(Organisation, Cosigner.organisation_id == Organisation.id)
        .where(Cosigner.submission_id.in_(submission_ids))
        .order_by(Cosigner.id)
    ).all()
    for submission_id, name, acronym, category in rows:
        result.setdefault(submission_id, []).append(
            CosignerRow(submission_id, name, acronym, category)
        )
    return result


def neighbours(provision: Provision) -> tuple[Provision | None, Provision | None]:
    """The provisions just before and after ``provision`` in its version (one query)."""
    same_version = Provision.version_id == provision.version_id
    before = (
        select(func.max(Provision.position))
        .where(same_version, Provision.position < provision.position)
        .scalar_subquery()
    )
    after = (
        select(func.min(Provision.position))
        .where(same_version, Provision.position > provision.position)
        .scalar_subquery()
    )
    rows = db.session.scalars(
        select(Provision).where(same_version, Provision.position.in_([before, after]))
    ).all()
    previous = next((p for p in rows if p.position < provision.position), None)
    following = next((p for p in rows if p.position > provision.position), None)
    return previous, following
