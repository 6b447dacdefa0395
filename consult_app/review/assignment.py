"""Assignment of provisions and comments to reviewers of the secretariat."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select, update
from sqlalchemy.orm import joinedload

from consult_app.accounts.models import Role, User
from consult_app.consultations.models import Consultation
from consult_app.core.audit import log_action
from consult_app.core.errors import UserError
from consult_app.extensions import db
from consult_app.review.models import ProvisionAssignment
from consult_app.review.moderation import (
    ensure_in_queue,
    ensure_reviewer,
    expire_comments,
    log_comment_actions,
)
from consult_app.submissions.models import Comment, Submission, SubmissionStatus
from consult_app.texts.models import Provision

logger = logging.getLogger(__name__)


def reviewers() -> list[User]:
    """Active members of the secretariat (and administrators), by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.SECRETARIAT, Role.ADMIN]), User.active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def get_reviewer(user_id: int | None) -> User | None:
    """The reviewer with this id (None for "nobody"); anyone else is a UserError."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_secretariat or not user.active:
        raise UserError(_("Comments can only be assigned to members of the secretariat."))
    return user


def _check_reviewer(reviewer: User | None) -> None:
    if reviewer is not None and (not reviewer.is_secretariat or not reviewer.active):
        raise UserError(_("Comments can only be assigned to members of the secretariat."))


def assign_comments(actor: User, comments: Sequence[Comment], reviewer: User | None) -> int:
    """Assign the comments to a reviewer (None: unassign); return how many changed."""
    ensure_reviewer(actor)
    _check_reviewer(reviewer)
    ensure_in_queue(comments)
    target = reviewer.id if reviewer is not None else None
    changed = {c.id: c.assigned_to_id for c in comments if c.assigned_to_id != target}
    if not changed:
        return 0
    ids = list(changed)
    db.session.flush()
    table = Comment.__table__
    db.session.execute(update(table).where(table.c.id.in_(ids)).values(assigned_to_id=target))
    expire_comments(ids, ["assigned_to_id"])
    log_comment_actions(
        actor,
        "assign_comment",
        (("Comment", i, {"assigned_to_id": changed[i]}, {"assigned_to_id": target}) for i in ids),
    )
    return len(ids)


def provision_assignments(consultation: Consultation) -> dict[int, ProvisionAssignment]:
    """The consultation's provision assignments by provision id, reviewers loaded."""
    rows = db.session.scalars(
        select(ProvisionAssignment)
        .where(ProvisionAssignment.consultation_id == consultation.id)
        .options(joinedload(ProvisionAssignment.reviewer))
    )
    return {a.provision_id: a for a in rows}


def provision_comment_counts(consultation: Consultation) -> dict[int, tuple[int, int]]:
    """Per provision: comments in the queue and those not assigned (one GROUP BY)."""
    rows = db.session.execute(
        select(
            Comment.provision_id,
            func.count(Comment.id),
            func.sum(case((Comment.assigned_to_id.is_(None), 1), else_=0)),
        )
        .where(
            Comment.consultation_id == consultation.id,
            Comment.submission_id.in_(_submitted(consultation)),
        )
        .group_by(Comment.provision_id)
    ).all()
    return {pid: (int(total), int(unassigned or 0)) for pid, total, unassigned in rows}


def _submitted(consultation: Consultation) -> Select[Any]:
    return select(Submission.id).where(
        Submission.consultation_id == consultation.id,
        Submission.status == SubmissionStatus.SUBMITTED,
    )


def assign_provision(
    actor: User,
    consultation: Consultation,
    provision: Provision,
    reviewer: User | None,
    *,
    include_unassigned_comments: bool = False,
) -> int:
    """Make ``reviewer`` responsible for a provision (None: nobody).

    With ``include_unassigned_comments``, the provision's comments that nobody reviews yet
    go to the same reviewer; returns how many comments were assigned that way.
    """
    ensure_reviewer(actor)
    _check_reviewer(reviewer)
    if provision.version_id != consultation.version_id:
        raise UserError(_("This provision is not part of the text under consultation."))
    current = db.session.scalars(
        select(ProvisionAssignment).where(
            ProvisionAssignment.consultation_id == consultation.id,
            ProvisionAssignment.provision_id == provision.id,
        )
    ).one_or_none()
    before = {"reviewer_id": current.reviewer_id if current else None}
    target = reviewer.id if reviewer is not None else None
    if before["reviewer_id"] != target:
        if current is None:
            current = ProvisionAssignment(
                consultation_id=consultation.id, provision_id=provision.id, reviewer_id=target
            )
            db.session.add(current)
            db.session.flush()
            log_action(actor, "assign_provision", current, before=before,
                       after={"reviewer_id": target, "provision_id": provision.id})
        elif reviewer is None:
            log_action(actor, "unassign_provision", current, before=before,
                       after={"reviewer_id": None, "provision_id": provision.id})
            db.session.delete(current)
            db.session.flush()
        else:
            current.reviewer_id = reviewer.id
            db.session.flush()
            log_action(actor, "assign_provision", current, before=before,
                       after={"reviewer_id": target, "provision_id": provision.id})
    if reviewer is None or not include_unassigned_comments:
        return 0
    ids = list(
        db.session.scalars(
            select(Comment.id).where(
                Comment.consultation_id == consultation.id,
                Comment.provision_id == provision.id,
                Comment.assigned_to_id.is_(None),
                Comment.submission_id.in_(_submitted(consultation)),
            )
        )
    )
    if not ids:
        return 0
    table = Comment.__table__
    db.session.execute(
        update(table)
        .where(table.c.id.in_(ids), table.c.assigned_to_id.is_(None))
        .values(assigned_to_id=reviewer.id)
    )
    expire_comments(ids, ["assigned_to_id"])
    log_comment_actions(
        actor,
        "assign_comment",
        (("Comment", i, {"assigned_to_id": None}, {"assigned_to_id": reviewer.id}) for i in ids),
    )
    logger.info(
        "provision %s of consultation %s: %d comments assigned to user %s",
        provision.id, consultation.id, len(ids), reviewer.id,
    )
    return len(ids)
