"""Moderation by the secretariat: publish, withhold, return to pending, redact.

Bulk changes are one UPDATE over the selected ids, then one set-based recomputation of
``Comment.is_public``, then one audit entry per changed comment written in a single batch
(one chain lock, one read of the last hash, one multi-row INSERT). Nothing is deleted: a
withheld comment stays in the record, a redacted comment keeps its original texts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, false, select, true, update
from sqlalchemy.orm.exc import StaleDataError

from consult_app.accounts.models import User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import GENESIS_HASH, AuditEntry, _jsonable, _lock_chain, log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db
from consult_app.review.models import WithheldReason
from consult_app.submissions.editing import MAX_BODY
from consult_app.submissions.models import (
    REDACTABLE_PARTS,
    Attachment,
    Comment,
    ModerationStatus,
    Submission,
    SubmissionStatus,
)

logger = logging.getLogger(__name__)

MAX_NOTE = 2_000
MAX_REASON = 300
MODERATION_FIELDS = ["moderation_status", "withheld_reason", "moderated_by_id", "moderated_at"]


# --- helpers shared by the review operations -------------------------------------------


def ensure_reviewer(actor: User) -> None:
    """Only the secretariat reviews comments."""
    if actor is None or not actor.is_authenticated or not actor.is_secretariat:
        raise NotAllowed(_("Only the secretariat can review comments."))


def ensure_in_queue(comments: Sequence[Comment]) -> None:
    """Comments of drafts are not the secretariat's to review."""
    if any(c.submission.status is not SubmissionStatus.SUBMITTED for c in comments):
        raise UserError(_("Comments of a submission that was not submitted cannot be reviewed."))


def log_comment_actions(
    actor: User | None,
    action: str,
    changes: Iterable[tuple[str, int, dict[str, Any] | None, dict[str, Any] | None]],
) -> int:
    """Append one audit entry per (object type, id, before, after) to the chain, in one batch.

    Ids are passed, not objects, so that objects expired by a set-based UPDATE are not
    reloaded one by one.
    """
    items = list(changes)
    if not items:
        return 0
    db.session.flush()
    _lock_chain()
    previous = (
        db.session.execute(
            select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).scalar_one_or_none()
        or GENESIS_HASH
    )
    at = datetime.now(UTC).replace(microsecond=0)
    entries = []
    for object_type, object_id, before, after in items:
        entry = AuditEntry(
            at=at,
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=previous,
        )
        entry.hash = entry.compute_hash()
        previous = entry.hash
        entries.append(entry)
    # Added in chain order, flushed in that order: ids follow the chain.
    db.session.add_all(entries)
    db.session.flush()
    logger.info(
        "audit %s by %s on %d objects", action, actor.id if actor else None, len(entries)
    )
    return len(entries)


def expire_comments(ids: Iterable[int], attributes: list[str] | None = None) -> None:
    """Forget what the session holds for these comments after a set-based UPDATE."""
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Comment) and obj.id in wanted:
            db.session.expire(obj, attributes)


def refresh_public_flags_for(comment_ids: Sequence[int]) -> None:
    """Recompute ``Comment.is_public`` for these comments in one UPDATE.

    The same rule as ``submissions.editing.refresh_public_flags``: submitted AND
    publishable AND the consultation publishes submissions AND published AND not withdrawn.
    """
    if not comment_ids:
        return
    db.session.flush()
    comments = Comment.__table__
    submissions = Submission.__table__
    consultations = Consultation.__table__
    visible_submission = exists().where(
        submissions.c.id == comments.c.submission_id,
        submissions.c.status == SubmissionStatus.SUBMITTED,
        submissions.c.publishable == true(),
        consultations.c.id == submissions.c.consultation_id,
        consultations.c.publish_submissions == true(),
    )
    value = case(
        (
            and_(
                comments.c.moderation_status == ModerationStatus.PUBLISHED,
                comments.c.withdrawn_at.is_(None),
                visible_submission,
            ),
            true(),
        ),
        else_=false(),
    )
    db.session.execute(
        update(comments).where(comments.c.id.in_(list(comment_ids))).values(is_public=value)
    )
    expire_comments(comment_ids, ["is_public"])


def _state(comment: Comment) -> dict[str, Any]:
    return {
        "moderation_status": comment.moderation_status.value,
        "withheld_reason": comment.withheld_reason,
    }


def _set_status(
    actor: User,
    comments: Sequence[Comment],
    status: ModerationStatus,
    action: str,
    reason: WithheldReason | None = None,
    note: str | None = None,
) -> int:
    ensure_reviewer(actor)
    ensure_in_queue(comments)
    reason_value = reason.value if reason is not None else None
    changed = [
        c
        for c in comments
        if c.moderation_status is not status or c.withheld_reason != reason_value
    ]
    if not changed:
        return 0
    ids = [c.id for c in changed]
    befores = {c.id: _state(c) for c in changed}
    db.session.flush()
    table = Comment.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(ids))
        .values(
            moderation_status=status,
            withheld_reason=reason_value,
            moderated_by_id=actor.id,
            moderated_at=utcnow(),
        )
    )
    expire_comments(ids, MODERATION_FIELDS)
    refresh_public_flags_for(ids)
    after: dict[str, Any] = {"moderation_status": status.value, "withheld_reason": reason_value}
    if note:
        after["note"] = note
    log_comment_actions(actor, action, (("Comment", i, befores[i], after) for i in ids))
    logger.info("%s: %d comments by user %s", action, len(changed), actor.id)
    return len(changed)


# --- operations ------------------------------------------------------------------------


def publish_comments(actor: User, comments: Sequence[Comment]) -> int:
    """Publish the comments (public only if their submission may be); return how many changed."""
    return _set_status(actor, comments, ModerationStatus.PUBLISHED, "publish_comment")


def withhold_comments(
    actor: User, comments: Sequence[Comment], reason: WithheldReason, note: str | None = None
) -> int:
    """Withhold the comments with a reason (they stay in the record); return how many changed."""
    if not isinstance(reason, WithheldReason):
        raise UserError(_("Choose why the comments are withheld."))
    clean_note = (note or "").strip() or None
    if clean_note and len(clean_note) > MAX_NOTE:
        raise UserError(_("The note is too long: at most %(n)d characters.", n=MAX_NOTE))
    return _set_status(
        actor, comments, ModerationStatus.WITHHELD, "withhold_comment", reason, clean_note
    )


def return_to_pending(actor: User, comments: Sequence[Comment]) -> int:
    """Put the comments back in the pending state (not public); return how many changed."""
    return _set_status(actor, comments, ModerationStatus.PENDING, "return_comment_to_pending")


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(
            _("This comment was changed by someone else meanwhile. Reload the page and try again.")
        ) from None


#: A redaction: for each redacted part (see ``REDACTABLE_PARTS``), what the public reads.
Redaction = Mapping[str, str]


class RedactionError(UserError):
    """A redaction that cannot be made; ``part`` names the part at fault, if one is."""

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part


def _redaction_state(comment: Comment) -> dict[str, Any]:
    state: dict[str, Any] = {
        f"redacted_{part}": getattr(comment, f"redacted_{part}") for part in REDACTABLE_PARTS
    }
    state["redaction_reason"] = comment.redaction_reason
    return state


def _clean_redaction(comment: Comment, parts: Redaction) -> dict[str, str | None]:
    """The ``redacted_*`` values of ``parts`` (unnamed parts: NULL, shown as written)."""
    unknown = set(parts) - set(REDACTABLE_PARTS)
    if unknown:
        raise RedactionError(_("Unknown part of a comment: %(part)s.", part=sorted(unknown)[0]))
    if not parts:
        raise RedactionError(_("Choose at least one part of the comment to redact."))
    values: dict[str, str | None] = {f"redacted_{part}": None for part in REDACTABLE_PARTS}
    for part, raw in parts.items():
        original = getattr(comment, part)
        if not original:
            raise RedactionError(_("This comment has no such part to redact."), part)
        text = (raw or "").replace("\r\n", "\n").strip()
        if part == "body" and not text:
            raise RedactionError(_("Write the redacted text that the public will read."), part)
        if len(text) > MAX_BODY:
            raise RedactionError(
                _("The redacted text is too long: at most %(n)d characters.", n=MAX_BODY), part
            )
        if text == original.strip():
            raise RedactionError(
                _("The redacted text is the same as the comment: nothing to redact.")
                if part == "body"
                else _(
                    "This text is the same as the original: edit it, empty it so that the "
                    "public reads none of it, or do not mark it for redaction."
                ),
                part,
            )
        values[f"redacted_{part}"] = text
    return values


def redact_comment(actor: User, comment: Comment, parts: Redaction, reason: str) -> Comment:
    """Publish a redacted text instead of each part named in ``parts`` (body, proposed
    wording, rationale; an empty wording or rationale is not shown at all), with the
    reason. The originals are kept; the parts not named are shown as written."""
    ensure_reviewer(actor)
    ensure_in_queue([comment])
    why = " ".join((reason or "").split())
    values = _clean_redaction(comment, parts)
    if not why:
        raise RedactionError(_("Say why the comment is redacted."), "reason")
    if len(why) > MAX_REASON:
        raise RedactionError(
            _("The reason is too long: at most %(n)d characters.", n=MAX_REASON), "reason"
        )
    before = _redaction_state(comment)
    for name, value in values.items():
        setattr(comment, name, value)
    comment.redaction_reason = why
    comment.moderated_by_id = actor.id
    comment.moderated_at = utcnow()
    _flush()
    log_action(actor, "redact_comment", comment, before=before, after=_redaction_state(comment))
    return comment


def remove_redaction(actor: User, comment: Comment) -> Comment:
    """Show the original texts again; the redaction stays in the audit log."""
    ensure_reviewer(actor)
    ensure_in_queue([comment])
    if not comment.is_redacted:
        return comment
    before = _redaction_state(comment)
    for part in REDACTABLE_PARTS:
        setattr(comment, f"redacted_{part}", None)
    comment.redaction_reason = None
    comment.moderated_by_id = actor.id
    comment.moderated_at = utcnow()
    _flush()
    log_action(actor, "remove_redaction", comment, before=before, after=_redaction_state(comment))
    return comment


# --- written submissions (attachments) ----------------------------------------------------

ATTACHMENT_ACTIONS = {
    ModerationStatus.PUBLISHED: "publish_attachment",
    ModerationStatus.WITHHELD: "withhold_attachment",
    ModerationStatus.PENDING: "return_attachment_to_pending",
}


def moderate_attachment(
    actor: User,
    attachment: Attachment,
    status: ModerationStatus,
    reason: WithheldReason | None = None,
) -> bool:
    """Publish, withhold (with a reason) or return to pending one written submission of the
    public record; return whether it changed. Publishing needs the authors' consent."""
    if not attachment.can_moderate(actor):
        raise NotAllowed(_("Only the secretariat can publish or withhold written submissions."))
    if attachment.submission.status is not SubmissionStatus.SUBMITTED:
        raise UserError(_("Attachments of a submission that was not submitted cannot be reviewed."))
    if attachment.is_withdrawn:
        raise UserError(_("This attachment was withdrawn by its authors: it cannot be published."))
    if status is ModerationStatus.PUBLISHED and not attachment.publish_consent:
        raise UserError(
            _("The authors did not agree to publish this attachment: it cannot be published.")
        )
    if status is ModerationStatus.WITHHELD and not isinstance(reason, WithheldReason):
        raise UserError(_("Choose why the attachment is withheld."))
    reason_value = reason.value if status is ModerationStatus.WITHHELD and reason else None
    if attachment.moderation_status is status and attachment.withheld_reason == reason_value:
        return False
    before = {
        "moderation_status": attachment.moderation_status.value,
        "withheld_reason": attachment.withheld_reason,
    }
    after: dict[str, Any] = {"moderation_status": status.value, "withheld_reason": reason_value}
    attachment.moderation_status = status
    attachment.withheld_reason = reason_value
    attachment.moderated_by_id = actor.id
    attachment.moderated_at = utcnow()
    db.session.flush()
    verb = ATTACHMENT_ACTIONS[status]
    log_action(actor, verb, attachment, before=before, after=after)
    logger.info("%s: attachment %s by user %s", verb, attachment.id, actor.id)
    return True
