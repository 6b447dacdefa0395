"""Who took part in a consultation: submitted submissions by category, regional group,
representation and day, and the comments of States and of the others."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, VerificationStatus
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import Cosigner, OnBehalfKind, Submission, SubmissionStatus
from consult_app.summaries.counted import counted_class
from consult_app.summaries.counts import comment_counts, comment_total
from consult_app.summaries.figures import STATES, Participation


def _day_expr(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def participation(consultation: Consultation, *, public_only: bool = False) -> Participation:
    """Who took part: submitted submissions (public view: with a published comment)."""
    conditions: list[ColumnElement[bool]] = [
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    ]
    if public_only:
        published = (
            select(comment_counts.c.submission_id)
            .where(
                comment_counts.c.submission_id == Submission.id,
                comment_total("published") > 0,
            )
            .exists()
        )
        conditions.append(published)
    result = Participation()
    cosigners = (
        select(Cosigner.submission_id.label("submission_id"), func.count().label("n"))
        .group_by(Cosigner.submission_id)
        .subquery("cosigner_counts")
    )
    query = (
        select(
            Organisation.category,
            Organisation.regional_group,
            Organisation.verification_status,
            Submission.on_behalf_kind,
            func.count().label("submissions"),
            func.count(cosigners.c.n).label("joint"),
            func.coalesce(func.sum(cosigners.c.n), 0).label("cosigners"),
        )
        .select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(cosigners, cosigners.c.submission_id == Submission.id)
        .where(*conditions)
        .group_by(
            Organisation.category,
            Organisation.regional_group,
            Organisation.verification_status,
            Submission.on_behalf_kind,
        )
    )
    for row in db.session.execute(query):
        n = int(row.submissions)
        category: OrgCategory = row.category
        result.submissions += n
        result.by_category[category] = result.by_category.get(category, 0) + n
        if category is OrgCategory.OBSERVER_STATE:
            result.states += n
            result.observer_states += n
        elif category.is_state:
            result.states += n
            if row.regional_group is not None:
                group: RegionalGroup = row.regional_group
                result.states_by_group[group] = result.states_by_group.get(group, 0) + n
            else:
                result.states_without_group += n
        else:
            result.other_stakeholders += n
        if row.verification_status is not VerificationStatus.VERIFIED:
            result.unverified_organisations += n
        if row.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP:
            result.on_behalf_of_regional_group += n
        elif row.on_behalf_kind is OnBehalfKind.COALITION:
            result.on_behalf_of_coalition += n
        result.joint_submissions += int(row.joint)
        result.cosigning_organisations += int(row.cosigners)
    result.by_category = {c: result.by_category[c] for c in OrgCategory if c in result.by_category}
    result.states_by_group = {g: result.states_by_group.get(g, 0) for g in RegionalGroup}

    day = _day_expr(Submission.submitted_at)
    days = db.session.execute(
        select(day.label("day"), func.count().label("n"))
        .select_from(Submission)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(*conditions)
        .group_by(day)
        .order_by(day)
    )
    result.by_day = [(_as_date(row.day), int(row.n)) for row in days if row.day is not None]

    is_state = Organisation.category.in_(STATES)
    for row in db.session.execute(
        select(
            is_state.label("is_state"),
            func.coalesce(func.sum(comment_total(counted_class(public_only))), 0).label("n"),
        )
        .select_from(comment_counts)
        .join(Submission, Submission.id == comment_counts.c.submission_id)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(
            comment_counts.c.consultation_id == consultation.id,
            Submission.status == SubmissionStatus.SUBMITTED,
        )
        .group_by(is_state)
    ):
        if row.is_state:
            result.state_comments = int(row.n)
        else:
            result.other_comments = int(row.n)
    result.comments = result.state_comments + result.other_comments
    return result
