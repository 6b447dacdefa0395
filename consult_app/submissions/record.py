"""The public record of a consultation: its written submissions and its contributors.

What OHCHR publishes on a consultation's page: the documents (position papers, letters)
that organisations agreed to publish, and the list of contributors under the headings of
United Nations lists, in the order of the report's participants annex
(:func:`consult_app.accounts.un_lists.participant_headings`).

Only what is public is read: a submitted submission, that its authors let be published,
in a consultation that publishes submissions; a written submission also needs its authors'
consent and the secretariat's publication; a contributor needs at least one published
comment or written submission. An organisation that asked not to be published is neither
named nor counted here. Names are given only where the consultation attributes comments
by name; otherwise each heading gives its number of contributors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    true,
    union,
)

from consult_app.accounts.models import Organisation, OrgCategory
from consult_app.accounts.un_lists import participant_headings, participant_key
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import (
    Attachment,
    Comment,
    Cosigner,
    Submission,
    SubmissionStatus,
    public_attachment_filter,
)
from consult_app.submissions.published import CommentPage

#: Names listed under one heading on the consultation's page; the others are counted.
CONTRIBUTORS_PER_HEADING = 100


@dataclass(frozen=True)
class WrittenSubmission:
    """One published document of the record."""

    id: int
    display_name: str
    content_type: str
    size: int
    #: None where the consultation does not attribute contributions by name.
    organisation: str | None
    category: OrgCategory
    submitted_at: datetime | None

    @property
    def kind(self) -> str:
        return "PDF" if self.content_type == "application/pdf" else "Word"


@dataclass(frozen=True)
class ContributorList:
    """The contributors under one heading of United Nations lists."""

    key: str
    heading: str
    names: list[str]
    total: int

    @property
    def others(self) -> int:
        """Contributors counted but not named on the page."""
        return self.total - len(self.names)


def _heading_order() -> ColumnElement[int]:
    """The rank of an organisation's participants heading, in SQL."""
    order = {key: index for index, (key, _heading) in enumerate(participant_headings())}
    whens: list[tuple[ColumnElement[bool], int]] = [
        (
            and_(Organisation.category == OrgCategory.NGO, Organisation.ecosoc_status == true()),
            order["ngo_ecosoc"],
        )
    ]
    whens += [(Organisation.category == c, order[c.value]) for c in OrgCategory]
    return case(*whens, else_=len(order))


def public_written_submissions_query(consultation: Consultation) -> Select[*tuple[Any, ...]]:
    """The published written submissions of ``consultation``, by heading of United Nations
    lists, then organisation, then in the order they were attached."""
    return (
        select(
            Attachment.id,
            Attachment.display_name,
            Attachment.content_type,
            Attachment.size,
            Organisation.name,
            Organisation.category,
            Submission.last_submitted_at,
        )
        .join(Submission, Submission.id == Attachment.submission_id)
        .join(Consultation, Consultation.id == Submission.consultation_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(Submission.consultation_id == consultation.id, *public_attachment_filter())
        .order_by(
            _heading_order(),
            func.lower(Organisation.name),
            Attachment.id,
        )
    )


def written_submissions(consultation: Consultation, rows: Any) -> list[WrittenSubmission]:
    """Rows of :func:`public_written_submissions_query` as records, named as the
    consultation allows."""
    named = consultation.allow_attribution
    return [
        WrittenSubmission(
            id=row[0],
            display_name=row[1],
            content_type=row[2],
            size=row[3],
            organisation=row[4] if named else None,
            category=row[5],
            submitted_at=row[6],
        )
        for row in rows
    ]


def public_attachment(consultation: Consultation, attachment_id: int) -> Attachment | None:
    """The attachment, if it is a published written submission of ``consultation``."""
    if not consultation.publish_submissions:
        return None
    return db.session.scalars(
        select(Attachment)
        .join(Submission, Submission.id == Attachment.submission_id)
        .join(Consultation, Consultation.id == Submission.consultation_id)
        .where(
            Attachment.id == attachment_id,
            Submission.consultation_id == consultation.id,
            *public_attachment_filter(),
        )
    ).one_or_none()


def _contributing_organisations(consultation: Consultation) -> Any:
    """The ids of the organisations of the published record: the authors and co-signers of
    submitted, publishable submissions with something published."""
    published_comment = exists().where(
        Comment.submission_id == Submission.id, Comment.is_public == true()
    )
    published_document = (
        exists()
        .where(Attachment.submission_id == Submission.id, *public_attachment_filter())
        .correlate(Submission, Consultation)
    )
    conditions = [
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
        Submission.publishable == true(),
        Consultation.id == Submission.consultation_id,
        Consultation.publish_submissions == true(),
        or_(published_comment, published_document),
    ]
    authors = select(Submission.organisation_id.label("organisation_id")).where(*conditions)
    cosigners = (
        select(Cosigner.organisation_id.label("organisation_id"))
        .join(Submission, Submission.id == Cosigner.submission_id)
        .where(*conditions)
    )
    return union(authors, cosigners).subquery()


def contributors(
    consultation: Consultation, per_heading: int = CONTRIBUTORS_PER_HEADING
) -> list[ContributorList]:
    """The contributors under the headings of United Nations lists, in their order (one
    query): at most ``per_heading`` names under each, alphabetically, and each total."""
    if not consultation.publish_submissions:
        return []
    organisations = _contributing_organisations(consultation)
    ngo_ecosoc = case(
        (
            and_(Organisation.category == OrgCategory.NGO, Organisation.ecosoc_status == true()),
            1,
        ),
        else_=0,
    )
    partition = (Organisation.category, ngo_ecosoc)
    ranked = (
        select(
            Organisation.name,
            Organisation.category,
            Organisation.ecosoc_status,
            func.row_number()
            .over(partition_by=partition, order_by=(func.lower(Organisation.name), Organisation.id))
            .label("rank"),
            func.count().over(partition_by=partition).label("total"),
        )
        .where(Organisation.id.in_(select(organisations.c.organisation_id)))
        .subquery()
    )
    limit = per_heading if consultation.allow_attribution else 1
    rows = db.session.execute(
        select(ranked.c.name, ranked.c.category, ranked.c.ecosoc_status, ranked.c.total)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.rank)
    ).all()
    names: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    for name, category, ecosoc, total in rows:
        key = participant_key(OrgCategory(category), bool(ecosoc))
        totals[key] = int(total)
        if consultation.allow_attribution:
            names.setdefault(key, []).append(name)
    return [
        ContributorList(key, heading, names.get(key, []), totals[key])
        for key, heading in participant_headings()
        if key in totals
    ]


def written_submissions_page(consultation: Consultation, page: int, per_page: int) -> CommentPage:
    """One page of the published written submissions, with their total (two queries)."""
    query = public_written_submissions_query(consultation)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return CommentPage(page, per_page, written_submissions(consultation, rows), total or 0)
