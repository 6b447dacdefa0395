"""The SQL behind the API: public rows only, named columns only, a constant number of queries.

Comments are read as plain rows (no ORM objects): the comment list is the hot path of the
API. Only columns that may be published are ever selected, so nothing confidential (an
internal note, a withheld reason, an e-mail address) can reach a response by accident.
The statements of the comment lists are built once per shape (which filters are present,
``@cache``) with the values as bound parameters, rather than on every request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeAlias

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, exists, func, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup
from consult_app.api.cache import cached_count
from consult_app.api.params import PageRequest
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.review.models import Disposition, Outcome
from consult_app.submissions.models import Comment, Cosigner, Position, Submission
from consult_app.texts.models import Instrument, Paragraph, Provision, TextVersion

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


def count_of(query: Select[*tuple[Any, ...]]) -> int:
    """Rows of ``query``, counted in SQL."""
    subquery = query.order_by(None).subquery()
    return int(db.session.execute(select(func.count()).select_from(subquery)).scalar_one())


# --- texts -----------------------------------------------------------------------------


def count_instruments() -> int:
    return int(db.session.execute(select(func.count(Instrument.id))).scalar_one())


def instruments_page(paging: PageRequest) -> list[Instrument]:
    """Instruments by title with their versions (two queries: the page, its versions)."""
    return list(
        db.session.scalars(
            select(Instrument)
            .options(selectinload(Instrument.versions))
            .order_by(Instrument.title, Instrument.id)
            .offset(paging.offset)
            .limit(paging.per_page)
        )
    )


def instrument(instrument_id: int) -> Instrument | None:
    return db.session.get(Instrument, instrument_id, options=[selectinload(Instrument.versions)])


def version(version_id: int) -> TextVersion | None:
    """A version with its instrument, provisions, paragraphs and footnotes (four queries)."""
    return db.session.get(
        TextVersion,
        version_id,
        options=[
            joinedload(TextVersion.instrument),
            selectinload(TextVersion.provisions).selectinload(Provision.paragraphs),
            selectinload(TextVersion.footnotes),
        ],
    )


# --- consultations ---------------------------------------------------------------------


def page_of(query: Select[Any], paging: PageRequest) -> list[Any]:
    """One page of an ORM query."""
    return list(db.session.scalars(query.offset(paging.offset).limit(paging.per_page)))


def consultation(consultation_id: int) -> Consultation | None:
    return db.session.get(
        Consultation,
        consultation_id,
        options=[joinedload(Consultation.version).joinedload(TextVersion.instrument)],
    )


class ConsultationRef(Protocol):
    """What the comment lists need of a consultation: a Consultation or a Scope."""

    @property
    def id(self) -> int: ...

    @property
    def allow_attribution(self) -> bool: ...


@dataclass(frozen=True)
class Scope:
    """A consultation's id and settings, and whether a provision is part of its text."""

    id: int
    version_id: int
    allow_attribution: bool
    provision_found: bool
    # Another consultation runs on the same version, so a provision's comments may belong
    # to either: a provision's list must then also filter on the consultation.
    version_shared: bool = True


@cache
def _scope_statement(with_provision: bool) -> Select[*tuple[Any, ...]]:
    """The statement of :func:`scope`, built once per shape (values are bound parameters)."""
    found: ColumnElement[bool] = (
        exists()
        .where(
            Provision.id == bindparam("provision_id"),
            Provision.version_id == Consultation.version_id,
        )
        .correlate(Consultation)
        if with_provision
        else true()
    )
    other = aliased(Consultation)
    shared = (
        exists()
        .where(other.version_id == Consultation.version_id, other.id != Consultation.id)
        .correlate(Consultation)
    )
    return select(
        Consultation.id,
        Consultation.version_id,
        Consultation.allow_attribution,
        found.label("provision_found"),
        shared.label("version_shared"),
    ).where(Consultation.id == bindparam("consultation_id"))


def scope(consultation_id: int, provision_id: int | None = None) -> Scope | None:
    """The consultation (and the provision check) in one light query, without ORM objects."""
    params: dict[str, Any] = {"consultation_id": consultation_id}
    if provision_id is not None:
        params["provision_id"] = provision_id
    row = db.session.execute(_scope_statement(provision_id is not None), params).first()
    if row is None:
        return None
    return Scope(
        row.id,
        row.version_id,
        bool(row.allow_attribution),
        bool(row.provision_found),
        bool(row.version_shared),
    )


def provision_rows(consultation: Consultation) -> Sequence[AnyRow]:
    """The consulted provisions in order, with their number of public comments."""
    counts = (
        select(Comment.provision_id, func.count(Comment.id).label("public_comments"))
        .where(Comment.consultation_id == consultation.id, Comment.is_public == true())
        .group_by(Comment.provision_id)
        .subquery()
    )
    return db.session.execute(
        select(
            Provision.id,
            Provision.kind,
            Provision.number,
            Provision.title,
            func.coalesce(counts.c.public_comments, 0).label("public_comments"),
        )
        .outerjoin(counts, counts.c.provision_id == Provision.id)
        .where(Provision.version_id == consultation.version_id)
        .order_by(Provision.position)
    ).all()


# --- comments --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFilters:
    provision_id: int | None = None
    position: Position | None = None
    category: OrgCategory | None = None
    regional_group: RegionalGroup | None = None

    @property
    def by_author(self) -> bool:
        return self.category is not None or self.regional_group is not None


def _provision_only(consultation: ConsultationRef, filters: CommentFilters, on_index: bool) -> bool:
    """Whether the list may leave out the consultation (see :func:`_comment_conditions`)."""
    return (
        on_index
        and filters.provision_id is not None
        and isinstance(consultation, Scope)
        and not consultation.version_shared
    )


@dataclass(frozen=True)
class _Shape:
    """Which conditions a comment list has; its statements are built once per shape."""

    consultation: bool
    provision: bool
    position: bool
    category: bool
    regional_group: bool

    @property
    def by_author(self) -> bool:
        return self.category or self.regional_group


def _shape(consultation: ConsultationRef, filters: CommentFilters, on_index: bool) -> _Shape:
    return _Shape(
        consultation=not _provision_only(consultation, filters, on_index),
        provision=filters.provision_id is not None,
        position=filters.position is not None,
        category=filters.category is not None,
        regional_group=filters.regional_group is not None,
    )


def _comment_params(consultation: ConsultationRef, filters: CommentFilters) -> dict[str, Any]:
    """The values of the bound parameters of :func:`_comment_conditions`."""
    return {
        "consultation_id": consultation.id,
        "provision_id": filters.provision_id,
        "position": filters.position,
        "category": filters.category,
        "regional_group": filters.regional_group,
    }


def _comment_conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    """The WHERE of a public comment list, with the values as bound parameters.

    A shape without ``consultation`` is a provision's list whose version no other
    consultation uses: it leaves out the consultation (its comments can belong to no
    other), so that the count and the page's ids come from the index
    comments(provision_id, is_public, id) alone.
    """
    # Comment.is_public already means: submitted, publishable, published by the
    # secretariat, not withdrawn, in a consultation that publishes submissions.
    # "= true", not "IS TRUE": only the former lets PostgreSQL use the indexes on it.
    conditions: list[ColumnElement[bool]] = [Comment.is_public == true()]
    if shape.consultation:
        conditions.append(Comment.consultation_id == bindparam("consultation_id"))
    if shape.provision:
        conditions.append(Comment.provision_id == bindparam("provision_id"))
    if shape.position:
        conditions.append(Comment.position == bindparam("position"))
    if shape.category:
        conditions.append(Organisation.category == bindparam("category"))
    if shape.regional_group:
        conditions.append(Organisation.regional_group == bindparam("regional_group"))
    return conditions


def _author_join(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    return query.join(Submission, Comment.submission_id == Submission.id).join(
        Organisation, Submission.organisation_id == Organisation.id
    )


@cache
def _count_statement(shape: _Shape) -> Select[*tuple[Any, ...]]:
    query = select(func.count(Comment.id))
    if shape.by_author:
        query = _author_join(query)
    return query.where(*_comment_conditions(shape))


def count_public_comments(consultation: ConsultationRef, filters: CommentFilters) -> int:
    """How many public comments match (one query, on the index; cached a few seconds)."""

    def count() -> int:
        statement = _count_statement(_shape(consultation, filters, on_index=True))
        params = _comment_params(consultation, filters)
        return int(db.session.execute(statement, params).scalar_one())

    return cached_count(("comments", consultation.id, filters), count)


@cache
def _rows_statement(ids_shape: _Shape, rows_shape: _Shape) -> Select[*tuple[Any, ...]]:
    """The statement of :func:`public_comment_rows` (offset and limit are parameters)."""
    # The page's ids first, from the index alone (cheap however deep the page), then
    # the columns of those rows only.
    page_ids = select(Comment.id)
    if ids_shape.by_author:
        page_ids = _author_join(page_ids)
    page_ids = (
        page_ids.where(*_comment_conditions(ids_shape))
        .order_by(Comment.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return (
        select(
            Comment.id,
            Comment.provision_id,
            Comment.paragraph_id,
            Paragraph.label.label("paragraph_label"),
            Comment.position,
            Comment.kind,
            # What the public reads: the redacted text of each redacted part.
            Comment.public_body.label("body"),
            Comment.is_redacted.label("redacted"),
            Comment.quoted_text,
            Comment.public_proposed_wording.label("proposed_wording"),
            Comment.public_rationale.label("rationale"),
            Comment.submission_id,
            Submission.submitted_at,
            Submission.publishable,
            Submission.on_behalf_kind,
            Submission.on_behalf_group,
            Submission.on_behalf_name,
            Organisation.name.label("org_name"),
            Organisation.acronym.label("org_acronym"),
            Organisation.category.label("org_category"),
            Organisation.regional_group.label("org_group"),
            Disposition.outcome.label("disposition_outcome"),
            Disposition.public_explanation.label("disposition_explanation"),
            Disposition.change_reference.label("disposition_change"),
            Disposition.resulting_provision_id.label("disposition_provision_id"),
            Disposition.published_at.label("disposition_published_at"),
            exists()
            .where(Cosigner.submission_id == Comment.submission_id)
            .correlate(Comment)
            .label("has_cosigners"),
        )
        .join(Submission, Comment.submission_id == Submission.id)
        .join(Organisation, Submission.organisation_id == Organisation.id)
        .outerjoin(Paragraph, Comment.paragraph_id == Paragraph.id)
        .outerjoin(
            Disposition,
            and_(Disposition.comment_id == Comment.id, Disposition.published_at.is_not(None)),
        )
        # Repeated here so that no row can be read that is not public, whatever the ids.
        .where(Comment.id.in_(page_ids.scalar_subquery()), *_comment_conditions(rows_shape))
        .order_by(Comment.id)
    )


def public_comment_rows(
    consultation: ConsultationRef, filters: CommentFilters, paging: PageRequest
) -> Sequence[AnyRow]:
    """One page of public comments, oldest first, with what may be said of their authors."""
    statement = _rows_statement(
        _shape(consultation, filters, on_index=True), _shape(consultation, filters, False)
    )
    params = _comment_params(consultation, filters)
    params.update(offset=paging.offset, limit=paging.per_page)
    return db.session.execute(statement, params).all()


@cache
def _cosigners_statement() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Cosigner.submission_id,
            Organisation.name,
            Organisation.acronym,
            Organisation.category,
            Organisation.regional_group,
        )
        .join(Organisation, Cosigner.organisation_id == Organisation.id)
        .where(Cosigner.submission_id.in_(bindparam("submission_ids", expanding=True)))
        .order_by(Cosigner.id)
    )


def cosigner_rows(submission_ids: set[int]) -> dict[int, list[AnyRow]]:
    """The co-signers of the given submissions, per submission (one query)."""
    result: dict[int, list[AnyRow]] = defaultdict(list)
    if not submission_ids:
        return result
    params = {"submission_ids": sorted(submission_ids)}
    rows = db.session.execute(_cosigners_statement(), params).all()
    for row in rows:
        result[row.submission_id].append(row)
    return result


# --- dispositions ----------------------------------------------------------------------


def _disposition_query(
    consultation: ConsultationRef, provision_id: int | None, outcome: Outcome | None
) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(
            Disposition.comment_id,
            Comment.provision_id,
            Disposition.outcome,
            Disposition.public_explanation,
            Disposition.change_reference,
            Disposition.resulting_provision_id,
            Disposition.published_at,
        )
        .join(Comment, Disposition.comment_id == Comment.id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.is_public == true(),
            Disposition.published_at.is_not(None),
        )
    )
    if provision_id is not None:
        query = query.where(Comment.provision_id == provision_id)
    if outcome is not None:
        query = query.where(Disposition.outcome == outcome)
    return query


def count_dispositions(
    consultation: ConsultationRef, provision_id: int | None, outcome: Outcome | None
) -> int:
    return cached_count(
        ("dispositions", consultation.id, provision_id, outcome),
        lambda: count_of(_disposition_query(consultation, provision_id, outcome)),
    )


def published_dispositions(
    consultation: ConsultationRef,
    provision_id: int | None,
    outcome: Outcome | None,
    paging: PageRequest,
) -> Sequence[AnyRow]:
    """One page of published dispositions of public comments, by comment."""
    query = _disposition_query(consultation, provision_id, outcome)
    return db.session.execute(
        query.order_by(Disposition.comment_id).offset(paging.offset).limit(paging.per_page)
    ).all()


# --- figures ---------------------------------------------------------------------------


def count_provisions(version_id: int) -> int:
    return int(
        db.session.execute(
            select(func.count(Provision.id)).where(Provision.version_id == version_id)
        ).scalar_one()
    )


def provision_ids_page(version_id: int, paging: PageRequest) -> list[int]:
    """The ids of one page of the version's provisions, in text order."""
    return list(
        db.session.scalars(
            select(Provision.id)
            .where(Provision.version_id == version_id)
            .order_by(Provision.position)
            .offset(paging.offset)
            .limit(paging.per_page)
        )
    )
