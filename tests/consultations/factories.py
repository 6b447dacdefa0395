"""Rows of submitted, published comments, built directly through the models."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

from consult_app.accounts.models import Organisation
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import (
    Comment,
    CommentKind,
    ModerationStatus,
    Position,
    Submission,
    SubmissionStatus,
)
from consult_app.texts.models import Provision
from tests.conftest import make_org

_receipts = count(1)


def make_submission(
    consultation: Consultation, organisation: Organisation | None = None, **kwargs: Any
) -> Submission:
    submission = Submission(
        consultation=consultation,
        organisation=organisation or make_org(),
        status=SubmissionStatus.SUBMITTED,
        receipt_number=f"R-TEST-{next(_receipts):06d}",
        submitted_at=datetime.now(UTC),
        last_submitted_at=datetime.now(UTC),
        revision_count=1,
        **kwargs,
    )
    db.session.add(submission)
    db.session.flush()
    return submission


def make_comment(
    submission: Submission,
    provision: Provision,
    public: bool = True,
    body: str = "We welcome this provision.",
    **kwargs: Any,
) -> Comment:
    comment = Comment(
        submission=submission,
        provision=provision,
        position=kwargs.pop("position", Position.SUPPORT),
        kind=kwargs.pop("kind", CommentKind.SUBSTANTIVE),
        body=body,
        is_public=public,
        moderation_status=kwargs.pop(
            "moderation_status",
            ModerationStatus.PUBLISHED if public else ModerationStatus.PENDING,
        ),
        **kwargs,
    )
    db.session.add(comment)
    db.session.flush()
    return comment
