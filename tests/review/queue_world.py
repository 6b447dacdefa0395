"""Builders for the review tests: a consultation with submitted and draft submissions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.record_queries import get_recorded_queries
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import AuditEntry
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.editing import refresh_public_flags
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user

_receipts = iter(range(1, 10**9))


def make_submission(
    consultation: Consultation,
    org: Organisation,
    *,
    submitted: bool = True,
    publishable: bool = True,
    channel: Channel = Channel.ONLINE,
    recorded_by: User | None = None,
) -> Submission:
    submission = Submission(
        consultation=consultation,
        organisation=org,
        status=SubmissionStatus.SUBMITTED if submitted else SubmissionStatus.DRAFT,
        publishable=publishable,
        channel=channel,
        channel_detail="Geneva meeting" if channel is Channel.ORAL else None,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
    )
    if submitted:
        submission.receipt_number = f"TST-{next(_receipts):06d}"
        submission.submitted_at = utcnow()
        submission.revision_count = 1
    db.session.add(submission)
    db.session.flush()
    return submission


def make_comment(
    submission: Submission,
    provision: Provision,
    body: str = "We support this provision.",
    *,
    position: Position = Position.SUPPORT,
    kind: CommentKind = CommentKind.SUBSTANTIVE,
    status: ModerationStatus = ModerationStatus.PENDING,
    proposed_wording: str | None = None,
    rationale: str | None = None,
    assigned_to: User | None = None,
) -> Comment:
    comment = Comment(
        submission=submission,
        consultation_id=submission.consultation_id,
        provision=provision,
        body=body,
        position=position,
        kind=kind,
        moderation_status=status,
        withheld_reason="spam" if status is ModerationStatus.WITHHELD else None,
        proposed_wording=proposed_wording,
        rationale=rationale,
        assigned_to_id=assigned_to.id if assigned_to is not None else None,
    )
    db.session.add(comment)
    db.session.flush()
    refresh_public_flags(submission)
    return comment


@dataclass
class ReviewWorld:
    consultation: Consultation
    provisions: list[Provision]
    state: Organisation
    ngo: Organisation
    business: Organisation
    secretariat: User
    colleague: User
    contributor: User
    submissions: dict[str, Submission] = field(default_factory=dict)

    def comment_ids(self) -> list[int]:
        return list(
            db.session.scalars(
                select(Comment.id)
                .where(Comment.consultation_id == self.consultation.id)
                .order_by(Comment.id)
            )
        )


def build_world(publication_mode: PublicationMode = PublicationMode.AFTER_REVIEW) -> ReviewWorld:
    consultation = make_consultation(publication_mode=publication_mode)
    provisions = list(
        db.session.scalars(
            select(Provision)
            .where(Provision.version_id == consultation.version_id)
            .order_by(Provision.position)
        )
    )
    state = make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE,
                     group=RegionalGroup.GRULAC)
    ngo = make_org("Zeta Rights Watch", category=OrgCategory.NGO, verified=False)
    business = make_org("Acme Holdings", category=OrgCategory.BUSINESS)
    secretariat = make_user(role=Role.SECRETARIAT)
    secretariat.name = "Alice Reviewer"
    colleague = make_user(role=Role.SECRETARIAT)
    colleague.name = "Bob Reviewer"
    contributor = make_user(organisation=state)
    world = ReviewWorld(
        consultation=consultation,
        provisions=provisions,
        state=state,
        ngo=ngo,
        business=business,
        secretariat=secretariat,
        colleague=colleague,
        contributor=contributor,
    )
    world.submissions["state"] = make_submission(consultation, state)
    world.submissions["ngo"] = make_submission(consultation, ngo)
    world.submissions["business"] = make_submission(
        consultation, business, channel=Channel.LETTER, recorded_by=secretariat
    )
    return world


ROW = re.compile(r'<tr id="comment-(\d+)"')


def row_ids(html: str) -> list[int]:
    """The ids of the queue rows, in page order."""
    return [int(m) for m in ROW.findall(html)]


def count_queries(fn: Any) -> tuple[Any, int]:
    start = len(get_recorded_queries())
    result = fn()
    return result, len(get_recorded_queries()) - start


def audit_entries(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )
