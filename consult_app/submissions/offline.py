"""Submissions received outside the platform: letters, e-mails, notes verbales, statements.

The secretariat records them on behalf of an organisation, one at a time or in bulk from a
.csv or .xlsx file. They go through the same checks as online submissions (the rules of
:mod:`consult_app.submissions.editing` and :mod:`consult_app.submissions.commenting`), get
a receipt number and a kept revision, and leave audit entries. Operations flush and never
commit.

This module records one submission (:func:`record_offline_submission`); the values typed
or read from a file are read by :mod:`~consult_app.submissions.offline_values`, and files
are imported in bulk by :mod:`~consult_app.submissions.offline_import`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from consult_app.accounts.models import (
    Organisation,
    RegionalGroup,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.core.audit import insert_rows, log_actions
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.submissions.commenting import (
    CommentFields,
    apply_unsubmitted_edits,
    validated_comment,
)
from consult_app.submissions.editing import (
    clean_text,
    comment_state,
    lock_submission,
    refresh_public_flags,
    submission_state,
)
from consult_app.submissions.models import (
    Channel,
    Comment,
    Cosigner,
    ModerationStatus,
    OnBehalfKind,
    Submission,
    SubmissionRevision,
    SubmissionStatus,
)
from consult_app.submissions.operations import SubmissionDetails, find_submission, validated_details
from consult_app.submissions.submitting import build_snapshot, receipt_number_for
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)

OFFLINE_CHANNELS = (Channel.EMAIL, Channel.LETTER, Channel.NOTE_VERBALE, Channel.ORAL)
MAX_DETAIL = 300
# A clock a few minutes ahead of the server's is not "the future".
CLOCK_SKEW = timedelta(minutes=5)
#: An audit entry to append: ``(action, object, before, after)``, as :func:`log_actions` takes.
AuditItem = tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]


# --- recording one submission ----------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    submission: Submission
    revision: SubmissionRevision | None  # None: everything was already recorded
    created: bool  # False: added to the organisation's existing submission
    comments: list[Comment]


def check_offline_channel(channel: Channel, channel_detail: str | None) -> str | None:
    """The cleaned reference or meeting name; an oral statement must name its meeting."""
    if channel not in OFFLINE_CHANNELS:
        raise UserError(
            _("Choose how the submission was received: e-mail, letter, note verbale or oral "
              "statement.")
        )
    detail = clean_text(channel_detail, MAX_DETAIL)
    if detail:
        detail = " ".join(detail.split())
    if channel is Channel.ORAL and not detail:
        raise UserError(
            _("For an oral statement, name the meeting where it was made (for example "
              "“Global consultation, Geneva, January 2023”).")
        )
    return detail


def check_received_at(received_at: datetime, now: datetime) -> datetime:
    if received_at.tzinfo is None:
        raise UserError(_("The date of receipt needs a time zone."))
    if received_at > now + CLOCK_SKEW:
        raise UserError(_("The date of receipt is in the future."))
    return received_at


def organisation_refusal(consultation: Consultation, organisation: Organisation) -> str | None:
    """Why a submission of ``organisation`` cannot be recorded, or None."""
    if organisation.verification_status is VerificationStatus.REJECTED:
        return _("The registration of %(name)s was rejected, so it cannot take part.",
                 name=organisation.name)
    if not consultation.is_eligible(organisation):
        return _(
            "Organisations of the category “%(category)s” are not invited to this consultation.",
            category=organisation.category.label,
        )
    return None


def probe_submission(consultation: Consultation) -> Submission:
    # validated_comment() reads only the consultation of the submission; a transient
    # object (never added to the session) lets comments be checked before anything exists.
    return Submission(consultation=consultation, consultation_id=consultation.id)


def _merge_remarks(current: str | None, new: str | None) -> str | None:
    if not new:
        return current
    if not current:
        return new
    if new in current:
        return current
    return f"{current}\n\n{new}"


def _insert_comments(
    submission: Submission, rows: list[dict[str, Any]], *, created: bool
) -> list[Comment]:
    """Insert the comments of ``submission`` in one statement; the new Comment objects."""
    if not rows:
        return []
    # The submission is new or locked (lock_submission): its comments with an id above
    # those it had are the ones inserted here. No RETURNING (SQLite would then insert one
    # row per statement); multi-row statements, not executemany: PostgreSQL
    # (psycopg) would run one INSERT, and fire the counts triggers, per row.
    known = max((c.id for c in submission.comments), default=0)
    for row in rows:
        row["submission_id"] = submission.id
    insert_rows(Comment.__table__, rows)
    added = db.session.scalars(
        select(Comment)
        .where(Comment.submission_id == submission.id, Comment.id > known)
        .order_by(Comment.id)
    ).all()
    assert len(added) == len(rows)
    # The submission's comments (the revision's snapshot reads them) now include them: a
    # new submission's are exactly those (no SELECT to know it), others are read again.
    if created:
        set_committed_value(submission, "comments", list(added))
    else:
        db.session.expire(submission, ["comments"])
    return list(added)


def record_offline_submission(
    actor: User,
    consultation: Consultation,
    organisation: Organisation,
    *,
    channel: Channel,
    channel_detail: str | None,
    received_at: datetime,
    general_remarks: str | None = None,
    comments: Sequence[tuple[Provision, CommentFields]] = (),
    values: Sequence[dict[str, Any]] | None = None,
    publishable: bool = True,
    on_behalf_kind: OnBehalfKind = OnBehalfKind.NONE,
    on_behalf_group: RegionalGroup | None = None,
    on_behalf_name: str | None = None,
    cosigner_ids: Sequence[int] = (),
    now: datetime | None = None,
    audit: list[AuditItem] | None = None,
) -> RecordResult:
    """Record a submission received by e-mail, letter, note verbale or orally, submitted.

    ``audit``: a list to append the audit entries to instead of logging them here (a bulk
    import logs those of all its submissions with one :func:`log_actions` at its end).
    ``values``: instead of ``comments``, comments already checked by
    :func:`validated_comment` (a file's rows, checked when the file was).
    """
    if not consultation.can_manage(actor):
        raise NotAllowed(_("Only the secretariat records submissions received outside."))
    moment = now or utcnow()
    detail = check_offline_channel(channel, channel_detail)
    check_received_at(received_at, moment)
    if not consultation.has_opened(moment):
        raise UserError(_("This consultation is not open yet."))
    reason = organisation_refusal(consultation, organisation)
    if reason:
        raise UserError(reason)
    valid = validated_details(
        organisation,
        SubmissionDetails(
            general_remarks=general_remarks,
            on_behalf_kind=on_behalf_kind,
            on_behalf_group=on_behalf_group,
            on_behalf_name=on_behalf_name,
            publishable=publishable,
            cosigner_ids=cosigner_ids,
        ),
    )
    if values is None:
        probe = probe_submission(consultation)
        values = [validated_comment(probe, provision, fields) for provision, fields in comments]
    if not values and not valid.general_remarks:
        raise UserError(_("Nothing to record: add at least one comment or general remarks."))

    submission = find_submission(consultation, organisation)
    created = submission is None
    before: dict[str, Any] | None = None
    if submission is None:
        submission = Submission(
            consultation=consultation,
            organisation=organisation,
            created_by_id=actor.id,
            recorded_by_id=actor.id,
            status=SubmissionStatus.DRAFT,
            channel=channel,
            channel_detail=detail,
            received_at=received_at,
            general_remarks=valid.general_remarks,
            on_behalf_kind=on_behalf_kind,
            on_behalf_group=valid.on_behalf_group,
            on_behalf_name=valid.on_behalf_name,
            publishable=bool(publishable),
        )
        try:
            with db.session.begin_nested():
                db.session.add(submission)
                db.session.flush()
        except IntegrityError:
            raise Conflict(
                _("A submission of %(name)s was recorded at the same moment. Reload the page.",
                  name=organisation.name)
            ) from None
        # A row just inserted has no comments, co-signers or attachments yet: known as
        # loaded and empty, nothing is read back for them.
        for collection in ("comments", "cosigners", "attachments"):
            set_committed_value(submission, collection, [])
    else:
        lock_submission(submission)
        if submission.channel is Channel.ONLINE and (
            not submission.is_submitted or submission.has_unsubmitted_changes
        ):
            raise Conflict(
                _(
                    "%(name)s has changes on the platform that it has not submitted. Recording "
                    "now would submit them on its behalf: ask it to submit first.",
                    name=organisation.name,
                )
            )
        before = submission_state(submission)
        submission.general_remarks = _merge_remarks(
            submission.general_remarks, valid.general_remarks
        )
        # Never publish what anyone asked to keep unpublished.
        submission.publishable = submission.publishable and bool(publishable)
        if submission.on_behalf_kind is OnBehalfKind.NONE and on_behalf_kind is not (
            OnBehalfKind.NONE
        ):
            submission.on_behalf_kind = on_behalf_kind
            submission.on_behalf_group = valid.on_behalf_group
            submission.on_behalf_name = valid.on_behalf_name

    current_cosigners = {c.organisation_id for c in submission.cosigners}
    for org_id, cosigner in valid.cosigners.items():
        if org_id not in current_cosigners:
            submission.cosigners.append(Cosigner(organisation=cosigner))

    # What each comment says, to leave out those already recorded (the same form or file
    # sent twice): a set, so that a file of 20,000 rows costs 20,000 look-ups, not 20,000².
    fields = list(values[0]) if values else []
    recorded = {
        tuple(getattr(c, k) for k in fields) for c in submission.active_comments
    }
    # The new comments as rows, inserted below with one multi-row INSERT (not 20,000 ORM
    # objects flushed one by one); published at once in the IMMEDIATE publication mode.
    moderation = (
        ModerationStatus.PUBLISHED
        if consultation.publication_mode is PublicationMode.IMMEDIATE
        else ModerationStatus.PENDING
    )
    new_rows: list[dict[str, Any]] = []
    for item in values:
        key = tuple(item[k] for k in fields)
        if key in recorded:
            continue
        recorded.add(key)
        new_rows.append({
            "consultation_id": consultation.id,
            "created_by_id": actor.id,
            "moderation_status": moderation,
            "is_public": False,
            **item,
        })

    if before is not None and not new_rows and submission_state(submission) == before:
        return RecordResult(submission, None, False, [])
    # The revision recorded here includes what the authors edited since they submitted.
    apply_unsubmitted_edits(submission)

    if not submission.is_submitted:
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = received_at
        submission.receipt_number = receipt_number_for(submission)
    submission.revision_count += 1
    submission.last_submitted_at = moment
    submission.has_unsubmitted_changes = False
    try:
        db.session.flush()
        added = _insert_comments(submission, new_rows, created=created)
        received = {
            "channel": channel.value,
            "channel_detail": detail,
            "received_at": received_at.isoformat(),
            "recorded_by_id": actor.id,
        }
        revision = SubmissionRevision(
            submission=submission,
            number=submission.revision_count,
            submitted_at=moment,
            submitted_by_id=actor.id,
            snapshot={**build_snapshot(submission), "received": received},
        )
        db.session.add(revision)
        db.session.flush()
    except IntegrityError:
        raise Conflict(
            _("This submission was being changed at the same moment elsewhere. Reload the page.")
        ) from None
    refresh_public_flags(submission)
    # One INSERT for the entries of every comment and of the submission (a file of 20,000
    # rows would otherwise append them one statement at a time).
    items: list[AuditItem] = [
        *(("add_comment", comment, None, comment_state(comment)) for comment in added),
        (
            "record_offline_submission",
            submission,
            before,
            {
                **submission_state(submission),
                **received,
                "revision": revision.number,
                "comments_added": len(added),
            },
        ),
    ]
    if audit is None:
        log_actions(actor, items)
    else:
        audit.extend(items)
    logger.info(
        "offline submission %s (%s) recorded by user %s: revision %s, %d comments",
        submission.id,
        channel.value,
        actor.id,
        revision.number,
        len(added),
    )
    return RecordResult(submission, revision, created, added)


