"""Submitting (or resubmitting) a submission: its unsubmitted edits put in place, a receipt
number, a kept revision with a snapshot of what was submitted, and publication where the
consultation publishes at once. Operations flush and write an audit entry; they never commit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from consult_app.accounts.models import User
from consult_app.consultations.models import PublicationMode
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.commenting import apply_unsubmitted_edits
from consult_app.submissions.editing import (
    ensure_can_edit,
    flush,
    lock_submission,
    refresh_public_flags,
    submission_state,
)
from consult_app.submissions.models import (
    ModerationStatus,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.submissions.signals import submission_received

logger = logging.getLogger(__name__)

RECEIPT_PREFIX = "SUB"


# --- submitting ------------------------------------------------------------------------


def build_snapshot(submission: Submission) -> dict[str, Any]:
    """Everything the authors submitted, as JSON-ready data (kept in each revision)."""
    comments = sorted(submission.active_comments, key=lambda c: c.id)
    return {
        "organisation": {"id": submission.organisation_id, "name": submission.organisation.name},
        "general_remarks": submission.general_remarks,
        "on_behalf_kind": submission.on_behalf_kind.value,
        "on_behalf_group": submission.on_behalf_group.value if submission.on_behalf_group else None,
        "on_behalf_name": submission.on_behalf_name,
        "publishable": submission.publishable,
        "cosigners": sorted(
            ({"id": c.organisation.id, "name": c.organisation.name} for c in submission.cosigners),
            key=lambda item: item["id"],
        ),
        "comments": [
            {
                "id": c.id,
                "provision_id": c.provision_id,
                "provision_kind": c.provision.kind.value,
                "provision_number": c.provision.number,
                "provision_position": c.provision.position,
                "paragraph_id": c.paragraph_id,
                "paragraph_label": c.paragraph.display_label if c.paragraph else None,
                "quoted_text": c.quoted_text,
                "position": c.position.value,
                "kind": c.kind.value,
                "body": c.body,
                "proposed_wording": c.proposed_wording,
                "rationale": c.rationale,
                "language": c.language,
            }
            for c in comments
        ],
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "display_name": a.display_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in sorted(submission.attachments, key=lambda a: a.id)
            if not a.is_withdrawn
        ],
    }


def _same_snapshot(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def receipt_number_for(submission: Submission) -> str:
    return receipt_number(submission.consultation_id, submission.id)


def receipt_number(consultation_id: int, submission_id: int) -> str:
    return f"{RECEIPT_PREFIX}-{consultation_id:03d}-{submission_id:06d}"


@dataclass(frozen=True)
class SubmitResult:
    submission: Submission
    revision: SubmissionRevision | None  # None: nothing had changed since the last revision

    @property
    def created_revision(self) -> bool:
        return self.revision is not None


def submit_submission(
    user: User,
    submission: Submission,
    expected_lock_version: int | None,
    *,
    now: datetime | None = None,
) -> SubmitResult:
    """Submit (or resubmit) the submission: a receipt, a kept revision, publication."""
    lock_submission(submission)
    # One clock reading decides and is recorded: the receipt's time is the time the
    # deadline was checked against, so a submission accepted at the closing second never
    # shows a time after it.
    moment = now = now or utcnow()
    ensure_can_edit(user, submission, now)
    # A refused submission (a conflict below) rolls the request back, edits included.
    apply_unsubmitted_edits(submission)
    snapshot = build_snapshot(submission)
    last = submission.revisions[-1] if submission.revisions else None
    unchanged = (
        submission.is_submitted and last is not None and _same_snapshot(last.snapshot, snapshot)
    )
    if unchanged and not submission.has_unsubmitted_changes:
        # A double click or a resubmitted form: already done, nothing to record.
        return SubmitResult(submission, None)
    if not unchanged and expected_lock_version != submission.lock_version:
        raise Conflict(
            _(
                "This submission was changed in another window or by a colleague since you "
                "opened the page, so it was not submitted. Review it and submit again."
            )
        )
    before = submission_state(submission)
    revision: SubmissionRevision | None = None
    if not unchanged:
        if not submission.is_submitted:
            submission.status = SubmissionStatus.SUBMITTED
            submission.submitted_at = moment
            submission.receipt_number = receipt_number_for(submission)
        submission.revision_count += 1
        submission.last_submitted_at = moment
        revision = SubmissionRevision(
            submission=submission,
            number=submission.revision_count,
            submitted_at=moment,
            submitted_by_id=user.id,
            snapshot=snapshot,
        )
        db.session.add(revision)
    submission.has_unsubmitted_changes = False
    publish = submission.consultation.publication_mode is PublicationMode.IMMEDIATE
    for comment in submission.active_comments:
        if publish and comment.moderation_status is ModerationStatus.PENDING:
            comment.moderation_status = ModerationStatus.PUBLISHED
    for attachment in submission.attachments:
        # Published on submission too, where its authors agreed to its publication.
        if (
            publish
            and attachment.publish_consent
            and not attachment.is_withdrawn
            and attachment.moderation_status is ModerationStatus.PENDING
        ):
            attachment.moderation_status = ModerationStatus.PUBLISHED
    try:
        flush()
    except IntegrityError:
        # Another process recorded this revision number first.
        raise Conflict(
            _("This submission was being submitted at the same moment elsewhere. Reload the page.")
        ) from None
    refresh_public_flags(submission)
    log_action(
        user,
        "submit_submission",
        submission,
        before=before,
        after={**submission_state(submission), "revision": revision.number if revision else None},
    )
    logger.info(
        "submission %s submitted by user %s (revision %s)",
        submission.id,
        user.id,
        submission.revision_count,
    )
    if revision is not None:
        # Review's receipt e-mail: sent once the transaction commits; a mail failure is
        # logged, never raised.
        submission_received.send(submission, user=user, revision=revision)
    return SubmitResult(submission, revision)
