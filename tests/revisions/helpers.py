"""Helpers for the revisions tests: a consulted version with comments and a draft."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from consult_app.accounts.models import Role
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_consultation, make_org, make_user, make_version

_receipts = itertools.count(1)


def secretariat() -> Any:
    return make_user(Role.SECRETARIAT)


def comment_on(
    consultation: Any,
    provision: Provision,
    org: Any = None,
    paragraph: Any = None,
    wording: str | None = None,
    is_public: bool = True,
) -> Comment:
    org = org or make_org()
    submission = db.session.scalars(
        select(Submission).where(
            Submission.consultation_id == consultation.id, Submission.organisation_id == org.id
        )
    ).first()
    if submission is None:
        submission = Submission(
            consultation_id=consultation.id,
            organisation_id=org.id,
            status=SubmissionStatus.SUBMITTED,
            receipt_number=f"R-{next(_receipts)}",
            submitted_at=utcnow(),
            last_submitted_at=utcnow(),
            revision_count=1,
        )
        db.session.add(submission)
        db.session.flush()
    comment = Comment(
        submission_id=submission.id,
        consultation_id=consultation.id,
        provision_id=provision.id,
        paragraph_id=paragraph.id if paragraph else None,
        position=Position.SUPPORT_WITH_AMENDMENTS if wording else Position.SUPPORT,
        kind=CommentKind.SUBSTANTIVE,
        body="We have a view on this provision.",
        proposed_wording=wording,
        is_public=is_public,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def consulted_version(articles: int = 4, preamble: int = 3) -> tuple[Any, Any]:
    version = make_version(articles=articles, preamble=preamble)
    consultation = make_consultation(version)
    return version, consultation
