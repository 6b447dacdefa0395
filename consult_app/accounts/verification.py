"""The secretariat verifies or rejects registered organisations. Operations never commit."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import Organisation, User, VerificationStatus
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.models import utcnow
from consult_app.extensions import db

logger = logging.getLogger(__name__)

MAX_NOTE = 2_000


def verification_state(org: Organisation) -> dict[str, Any]:
    return {
        "verification_status": org.verification_status.value,
        "verification_note": org.verification_note,
        "verified_at": org.verified_at,
        "verified_by_id": org.verified_by_id,
    }


def organisations_by_status(status: VerificationStatus) -> Select[tuple[Organisation]]:
    """Organisations in ``status``, oldest registration first, with their members loaded."""
    return (
        select(Organisation)
        .where(Organisation.verification_status == status)
        .options(selectinload(Organisation.members))
        .order_by(Organisation.created_at, Organisation.id)
    )


def _clean_note(note: str | None) -> str | None:
    note = (note or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if len(note) > MAX_NOTE:
        raise UserError(_("The note is too long (at most %(n)d characters).", n=MAX_NOTE))
    return note or None


def _decide(
    actor: User,
    org: Organisation,
    status: VerificationStatus,
    note: str | None,
    now: datetime | None,
) -> Organisation:
    if not actor.can_verify_organisations():
        raise NotAllowed(_("Only the secretariat verifies organisations."))
    cleaned = _clean_note(note)
    if status is VerificationStatus.REJECTED and not cleaned:
        raise UserError(_("Say in the note why the organisation is rejected."))
    if org.verification_status is status and org.verification_note == cleaned:
        return org  # the same decision sent twice (a double click)
    before = verification_state(org)
    org.verification_status = status
    org.verification_note = cleaned
    org.verified_at = now or utcnow()
    org.verified_by_id = actor.id
    db.session.flush()
    action = "verify_organisation" if status is VerificationStatus.VERIFIED else (
        "reject_organisation"
    )
    log_action(actor, action, org, before=before, after=verification_state(org))
    logger.info("organisation %s %s by user %s", org.id, status.value, actor.id)
    return org


def verify_organisation(
    actor: User, org: Organisation, note: str | None = None, *, now: datetime | None = None
) -> Organisation:
    """Mark ``org`` as verified, with an optional note."""
    return _decide(actor, org, VerificationStatus.VERIFIED, note, now)


def reject_organisation(
    actor: User, org: Organisation, note: str | None, *, now: datetime | None = None
) -> Organisation:
    """Reject ``org`` with a note saying why; its contributors can no longer take part."""
    return _decide(actor, org, VerificationStatus.REJECTED, note, now)
