"""The published comments of a consultation, as the public reads them: counts per provision,
a provision's page of comments with their authors' names as far as publication allows, and
their co-signers (read by the public consultation and provision pages, public_views.py).

The statements of the provision page are built once (``@cache``, one per shape) with their
values as bound parameters: building a SQLAlchemy statement and its cache key costs more
than running it on an index, and the page is the busiest of the public site.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, bindparam, func, select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.consultations.queries import shares_version
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    Cosigner,
    OnBehalfKind,
    Position,
    Submission,
)
from consult_app.texts.models import Provision


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


def _published_on(shared: bool, position: bool) -> list[ColumnElement[bool]]:
    """The WHERE of a provision's published comments (values are bound parameters)."""
    clauses = [Comment.provision_id == bindparam("provision_id"), Comment.is_public.is_(True)]
    if shared:
        clauses.append(Comment.consultation_id == bindparam("consultation_id"))
    if position:
        clauses.append(Comment.position == bindparam("position"))
    return clauses


def _published_params(
    consultation: Consultation, provision: Provision, position: Position | None
) -> dict[str, Any]:
    return {"provision_id": provision.id, "consultation_id": consultation.id, "position": position}


@cache
def _total_statement(shared: bool, position: bool) -> Select[Any]:
    return select(func.count()).select_from(Comment).where(*_published_on(shared, position))


def published_comment_total(
    consultation: Consultation,
    provision: Provision,
    position: Position | None = None,
    *,
    shared: bool,
) -> int:
    """How many published comments ``provision`` has (optionally with one position).

    Counted on every request, never cached: the page shows it above the list it counts,
    so the two must agree. The count reads the index ``comments(provision_id, is_public,
    id)`` alone.
    """
    return int(
        db.session.execute(
            _total_statement(shared, position is not None),
            _published_params(consultation, provision, position),
        ).scalar_one()
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
    # What the public reads: the redacted text of each part the secretariat redacted.
    body: str
    redacted: bool
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
    language: str | None = None  # the language the comment was written in


@dataclass(frozen=True)
class CosignerRow:
    submission_id: int
    name: str
    acronym: str | None
    category: OrgCategory

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


@cache
def _page_statement(shared: bool, position: bool) -> Select[*tuple[Any, ...]]:
    """The statement of :func:`published_comments_page` (offset and limit are parameters)."""
    ids = (
        select(Comment.id)
        .where(*_published_on(shared, position))
        .order_by(Comment.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return (
        select(
            Comment.id,
            Comment.submission_id,
            Comment.paragraph_id,
            Comment.position,
            Comment.kind,
            Comment.quoted_text,
            Comment.public_body.label("body"),
            Comment.is_redacted.label("redacted"),
            Comment.public_proposed_wording.label("proposed_wording"),
            Comment.public_rationale.label("rationale"),
            Submission.submitted_at,
            Submission.publishable,
            Submission.on_behalf_kind,
            Submission.on_behalf_group,
            Submission.on_behalf_name,
            Organisation.name,
            Organisation.acronym,
            Organisation.category,
            Comment.language,
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .where(Comment.id.in_(ids.scalar_subquery()))
        .order_by(Comment.id)
    )


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
    params = _published_params(consultation, provision, position)
    params.update(limit=per_page, offset=(page - 1) * per_page)
    rows = db.session.execute(_page_statement(shared, position is not None), params).all()
    return [PublicComment(*row) for row in rows]


@cache
def _cosigners_statement() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Cosigner.submission_id, Organisation.name, Organisation.acronym, Organisation.category
        )
        .join(Organisation, Cosigner.organisation_id == Organisation.id)
        .where(Cosigner.submission_id.in_(bindparam("submission_ids", expanding=True)))
        .order_by(Cosigner.id)
    )


def cosigners_of(submission_ids: set[int]) -> dict[int, list[CosignerRow]]:
    """The co-signers of each of these submissions, in the order they were added."""
    result: dict[int, list[CosignerRow]] = {}
    if not submission_ids:
        return result
    rows = db.session.execute(
        _cosigners_statement(), {"submission_ids": sorted(submission_ids)}
    ).all()
    for submission_id, name, acronym, category in rows:
        result.setdefault(submission_id, []).append(
            CosignerRow(submission_id, name, acronym, category)
        )
    return result
