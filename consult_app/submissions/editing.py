"""The rules and locks every change to a submission goes through, shared by the online
operations, attachments, offline files and papers: who may change a submission now (and
why not), the submission's row lock, recording that it changed, cleaning typed text, the
states written to the audit log, and the comments' public flags.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, event, false, inspect, select, true, update
from sqlalchemy.orm import Session, SessionTransaction, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from consult_app.accounts.models import Role, User, VerificationStatus
from consult_app.consultations.models import Consultation, Phase
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.guards import strip_control_characters
from consult_app.extensions import db
from consult_app.submissions.models import Channel, Comment, ModerationStatus, Submission

MAX_BODY = 20_000
MAX_QUOTE = 2_000

# --- permissions -----------------------------------------------------------------------


def participation_refusal(
    user: User | None, consultation: Consultation, now: datetime | None = None
) -> str | None:
    """Why ``user`` may not take part in ``consultation`` now, or None when they may."""
    if consultation.can_participate(user, now):
        return None
    phase = consultation.phase(now)
    if phase is Phase.CLOSED:
        return _(
            "The deadline has passed: submissions to this consultation can no longer be "
            "started or changed."
        )
    if phase is Phase.UPCOMING:
        return _("This consultation is not open yet.")
    if (
        user is None
        or not user.is_authenticated
        or user.role is not Role.CONTRIBUTOR
        or user.organisation is None
    ):
        return _("Only contributors who speak for a stakeholder organisation can take part.")
    if user.organisation.verification_status is VerificationStatus.REJECTED:
        return _("The registration of your organisation was not accepted, so it cannot take part.")
    if not consultation.is_eligible(user.organisation):
        return _(
            "Organisations of the category “%(category)s” are not invited to this consultation.",
            category=user.organisation.category.label,
        )
    return _("You cannot take part in this consultation.")


def edit_refusal(
    user: User | None, submission: Submission, now: datetime | None = None
) -> str | None:
    """Why ``user`` may not change ``submission`` now, or None when they may."""
    if submission.can_edit(user, now):
        return None
    if user is None or not user.is_authenticated or not user.can_act_for(submission.organisation):
        return _("Only contributors of the organisation that made this submission can change it.")
    if submission.channel is not Channel.ONLINE:
        return _("This submission was received outside the platform and is kept as received.")
    return participation_refusal(user, submission.consultation, now) or _(
        "You cannot change this submission."
    )


def ensure_can_edit(user: User, submission: Submission, now: datetime | None) -> None:
    reason = edit_refusal(user, submission, now)
    if reason:
        raise NotAllowed(reason)


# --- helpers ---------------------------------------------------------------------------


def changed_meanwhile() -> Conflict:
    return Conflict(
        _(
            "This submission was changed in another window or by a colleague while you "
            "were editing. Nothing was saved: reload the page and try again."
        )
    )


def flush() -> None:
    """Flush; a row changed by someone else meanwhile becomes a 409, not a 500."""
    try:
        db.session.flush()
    except StaleDataError:
        # The caller (the request's error handler, or a script) rolls back.
        raise changed_meanwhile() from None


_LOCKED = "consult_app.locked_submissions"


def _locked_ids() -> set[int]:
    """Submissions this session's transaction holds FOR UPDATE (forgotten when it ends)."""
    locked: set[int] = db.session.info.setdefault(_LOCKED, set())
    return locked


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    # Row locks end with the transaction (a rolled back SAVEPOINT releases those taken
    # since it began): forget them all, the next operation locks again. The internal
    # subtransaction of each flush ends too, and changes nothing.
    if transaction.parent is None or transaction.nested:
        session.info.pop(_LOCKED, None)


@cache
def _for_update() -> Select[Any]:
    """:func:`load_submission_for_update`'s query, built once (the models all mapped), the
    id bound per call."""
    return (
        select(Submission)
        .where(Submission.id == bindparam("submission_id"))
        .options(
            joinedload(Submission.consultation, innerjoin=True),
            joinedload(Submission.organisation, innerjoin=True),
        )
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    )


def load_submission_for_update(submission_id: int) -> Submission | None:
    """Load a submission FOR UPDATE, with its consultation and organisation, in one query.

    A view that is about to change the submission loads it this way, so that the
    operation's :func:`lock_submission` does not read the row a second time.
    """
    flush()
    submission = (
        db.session.execute(_for_update(), {"submission_id": submission_id})
        .unique()
        .scalar_one_or_none()
    )
    if submission is not None:
        _locked_ids().add(submission.id)
    return submission


def lock_submission(submission: Submission) -> None:
    """Re-read the submission row FOR UPDATE: changes to one submission run one at a time.

    Once locked in the current transaction (here or by :func:`load_submission_for_update`)
    the row is not read again: no one else can have changed it since.
    """
    flush()
    # The id without loading an expired object (flushed: the submission has a row).
    submission_id: int = inspect(submission).identity[0]
    if submission_id not in _locked_ids():
        db.session.execute(
            select(Submission)
            .where(Submission.id == submission_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()  # the rows must be fetched for the refresh to happen
        _locked_ids().add(submission_id)
    db.session.expire(submission, ["comments", "cosigners", "attachments", "revisions"])


def touch(submission: Submission, now: datetime) -> None:
    """Record that the authors changed something (bumps the submission's lock_version)."""
    submission.updated_at = now
    if submission.is_submitted:
        submission.has_unsubmitted_changes = True


def touched_values(submission: Submission, now: datetime) -> dict[str, Any]:
    """The columns :func:`touch_now` writes, with their new values (:func:`touch`'s changes
    and the version the unit of work would count up)."""
    values: dict[str, Any] = {"updated_at": now, "lock_version": submission.lock_version + 1}
    if submission.is_submitted:
        values["has_unsubmitted_changes"] = True
    return values


@cache
def _touch_statement(columns: frozenset[str]) -> Any:
    """The version-checked UPDATE of ``columns`` (bound as ``new_<column>``), built once."""
    table = Submission.__table__
    return (
        update(table)
        .where(
            table.c.id == bindparam("submission_id"), table.c.lock_version == bindparam("version")
        )
        .values(
            {name: bindparam(f"new_{name}", type_=table.c[name].type) for name in sorted(columns)}
        )
    )


def touch_now(submission: Submission, now: datetime) -> None:
    """:func:`touch` written at once: one version-checked UPDATE of the submission row.

    What the unit of work would emit for :func:`touch` followed by a flush, without its
    cost; the submission must have no other pending change (it was just locked).
    """
    values = touched_values(submission, now)
    result = db.session.execute(
        _touch_statement(frozenset(values)),
        {
            "submission_id": submission.id,
            "version": submission.lock_version,
            **{f"new_{name}": value for name, value in values.items()},
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise changed_meanwhile()
    for name, value in values.items():
        set_committed_value(submission, name, value)


def clean_text(value: str | None, limit: int | None = None) -> str | None:
    if value is None:
        return None
    # Control characters (NUL included) come from pasted or imported files, never from
    # someone typing: they are dropped whatever the channel (forms, offline files).
    value = strip_control_characters(value.replace("\r\n", "\n")).strip()
    if limit is not None and len(value) > limit:
        raise UserError(_("The text is too long (at most %(limit)d characters).", limit=limit))
    return value or None


def submission_state(submission: Submission) -> dict[str, Any]:
    return {
        "status": submission.status.value,
        "general_remarks": submission.general_remarks,
        "on_behalf_kind": submission.on_behalf_kind.value,
        "on_behalf_group": submission.on_behalf_group.value if submission.on_behalf_group else None,
        "on_behalf_name": submission.on_behalf_name,
        "publishable": submission.publishable,
        "cosigners": sorted(c.organisation.id for c in submission.cosigners),
        "receipt_number": submission.receipt_number,
        "revision_count": submission.revision_count,
        "has_unsubmitted_changes": submission.has_unsubmitted_changes,
    }


def comment_state(comment: Comment) -> dict[str, Any]:
    return {
        "provision_id": comment.provision_id,
        "paragraph_id": comment.paragraph_id,
        "quoted_text": comment.quoted_text,
        "position": comment.position.value,
        "kind": comment.kind.value,
        "body": comment.body,
        "proposed_wording": comment.proposed_wording,
        "rationale": comment.rationale,
        "language": comment.language,
        "moderation_status": comment.moderation_status.value,
        "withdrawn_at": comment.withdrawn_at,
    }


def refresh_public_flags(submission: Submission) -> None:
    """Recompute Comment.is_public for every comment of ``submission`` in one UPDATE."""
    db.session.flush()
    consultation = submission.consultation
    visible = (
        submission.is_submitted and submission.publishable and consultation.publish_submissions
    )
    table = Comment.__table__
    value: Any = (
        case(
            (
                and_(
                    table.c.moderation_status == ModerationStatus.PUBLISHED,
                    table.c.withdrawn_at.is_(None),
                ),
                true(),
            ),
            else_=false(),
        )
        if visible
        else false()
    )
    statement = update(table).where(table.c.submission_id == submission.id).values(is_public=value)
    if db.session.get_bind().dialect.update_returning:
        # Expire the flag of the comments the UPDATE touched, found by their ids: looking
        # through the whole identity map instead costs a bulk import (thousands of
        # submissions in one session, tens of thousands of objects) time that grows with
        # the square of its rows.
        ids = db.session.scalars(statement.returning(table.c.id)).all()
        identities = db.session.identity_map
        for comment_id in ids:
            known = identities.get(identity_key(Comment, comment_id))
            if known is not None:
                db.session.expire(known, ["is_public"])
        return
    db.session.execute(statement)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Comment) and obj.submission_id == submission.id:
            db.session.expire(obj, ["is_public"])
