"""Requests to join an organisation, and their approval. Operations flush; never commit.

Registering for an organisation that already exists is a request: until a confirmed member
of that organisation (its focal point) or the secretariat approves it, the account sees
nothing of the organisation (``User.can_act_for`` is false). For States and
intergovernmental bodies only the secretariat approves.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from consult_app.accounts.models import (
    SECRETARIAT_APPROVES_MEMBERS,
    MembershipStatus,
    Organisation,
    Role,
    User,
)
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed, UserError
from consult_app.core.mail import MailError, send_mail
from consult_app.core.models import utcnow
from consult_app.core.urls import external_url
from consult_app.extensions import db

logger = logging.getLogger(__name__)

MAX_NOTE = 2_000


def pending_requests(
    viewer: User, organisation: Organisation | None = None
) -> Select[Any]:
    """Requests to join that ``viewer`` may decide, oldest first (optionally for one body)."""
    statement = (
        select(User)
        .where(
            User.membership_status == MembershipStatus.REQUESTED,
            User.role == Role.CONTRIBUTOR,
            User.active.is_(True),
        )
        .options(selectinload(User.organisation))
        .order_by(User.created_at, User.id)
    )
    if organisation is not None:
        statement = statement.where(User.organisation_id == organisation.id)
    if not viewer.is_secretariat:
        org = viewer.organisation
        if org is None or not viewer.can_act_for(org) or org.category in (
            SECRETARIAT_APPROVES_MEMBERS
        ):
            return statement.where(User.id.is_(None))  # nothing to decide
        statement = statement.where(User.organisation_id == org.id)
    return statement


def confirmed_members(organisation: Organisation) -> list[User]:
    """The people who speak for ``organisation``, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.organisation_id == organisation.id,
                User.membership_status == MembershipStatus.CONFIRMED,
                User.role == Role.CONTRIBUTOR,
            )
            .order_by(User.name, User.id)
        )
    )


def _state(user: User) -> dict[str, object]:
    return {
        "organisation_id": user.organisation_id,
        "membership_status": user.membership_status.value,
        "membership_note": user.membership_note,
    }


def _mail(user: User, subject: str, body: str) -> None:
    try:
        send_mail(user.email, subject, body)
    except MailError:
        logger.exception("could not send a membership message to user %s", user.id)


def _decide(actor: User, candidate: User, status: MembershipStatus, note: str | None) -> None:
    if not actor.can_decide_membership(candidate):
        raise NotAllowed(_("You cannot decide this request."))
    cleaned = (note or "").replace("\r\n", "\n").strip() or None
    if cleaned is not None and len(cleaned) > MAX_NOTE:
        raise UserError(_("The note is too long (at most %(n)d characters).", n=MAX_NOTE))
    if status is MembershipStatus.DECLINED and not cleaned:
        raise UserError(_("Say in the note why the request is declined."))
    before = _state(candidate)
    candidate.membership_status = status
    candidate.membership_note = cleaned
    candidate.membership_decided_at = utcnow()
    candidate.membership_decided_by_id = actor.id
    db.session.flush()
    action = "approve_membership" if status is MembershipStatus.CONFIRMED else "decline_membership"
    log_action(actor, action, candidate, before=before, after=_state(candidate))
    logger.info("membership of user %s %s by user %s", candidate.id, status.value, actor.id)


def approve_membership(actor: User, candidate: User, note: str | None = None) -> None:
    """Let ``candidate`` act for the organisation they asked to join, and tell them."""
    _decide(actor, candidate, MembershipStatus.CONFIRMED, note)
    org = candidate.organisation
    assert org is not None
    with force_locale(candidate.locale or "en"):
        _mail(
            candidate,
            _("You can now act for %(organisation)s", organisation=org.name),
            _(
                "Dear %(name)s,\n\nYour request to act for %(organisation)s on the consultation "
                "platform was approved. Sign in to see and prepare its submissions:\n\n%(link)s\n",
                name=candidate.name,
                organisation=org.name,
                link=external_url("accounts.login"),
            ),
        )


def decline_membership(actor: User, candidate: User, note: str | None) -> None:
    """Refuse ``candidate``'s request to join (with the reason), and tell them."""
    _decide(actor, candidate, MembershipStatus.DECLINED, note)
    org = candidate.organisation
    assert org is not None
    with force_locale(candidate.locale or "en"):
        _mail(
            candidate,
            _("Your request to act for %(organisation)s", organisation=org.name),
            _(
                "Dear %(name)s,\n\nYour request to act for %(organisation)s on the consultation "
                "platform was declined. Reason given: %(note)s\n\nIf you think this is a "
                "mistake, write to the secretariat of the consultation.\n",
                name=candidate.name,
                organisation=org.name,
                note=candidate.membership_note or "",
            ),
        )


def announce_request(candidate: User) -> None:
    """Tell the focal points who may approve ``candidate`` that a request is waiting."""
    org = candidate.organisation
    if org is None or org.category in SECRETARIAT_APPROVES_MEMBERS:
        return  # the secretariat sees the request on its verification pages
    link = external_url("accounts.organisation")
    for member in confirmed_members(org):
        if member.id == candidate.id:
            continue
        with force_locale(member.locale or "en"):
            _mail(
                member,
                _("%(name)s asks to act for %(organisation)s", name=candidate.name,
                  organisation=org.name),
                _(
                    "Dear %(member)s,\n\n%(name)s (%(email)s) registered on the consultation "
                    "platform and asks to act for %(organisation)s. Until you or the "
                    "secretariat approve the request, this person sees nothing of your "
                    "organisation's submissions. Approve or decline it at:\n\n%(link)s\n",
                    member=member.name,
                    name=candidate.name,
                    email=candidate.email,
                    organisation=org.name,
                    link=link,
                ),
            )
