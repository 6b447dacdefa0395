"""What can be done to organisations and accounts. Operations flush and audit; never commit."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from flask import current_app
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from consult_app.accounts.models import (
    MembershipStatus,
    Organisation,
    OrgCategory,
    PendingRegistration,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
    normalise_email,
)
from consult_app.accounts.sessions import revoke_sessions
from consult_app.core.audit import log_action
from consult_app.core.errors import Conflict, NotAllowed, UserError
from consult_app.core.mail import MailError, send_mail
from consult_app.core.models import utcnow
from consult_app.core.urls import external_url
from consult_app.extensions import db

logger = logging.getLogger(__name__)

RESET_SALT = "password-reset"  # a namespace for the signer, not a secret


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checked when an unknown address signs in, so that the answer takes as long as for a
    # known one and timing does not reveal which addresses have accounts.
    return generate_password_hash("no account has this password")


@dataclass(frozen=True)
class OrganisationData:
    name: str
    category: OrgCategory
    regional_group: RegionalGroup | None = None
    acronym: str | None = None
    country: str | None = None
    website: str | None = None
    ecosoc_status: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category.value
        data["regional_group"] = self.regional_group.value if self.regional_group else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OrganisationData:
        group = data.get("regional_group")
        return cls(
            name=str(data["name"]),
            category=OrgCategory(data["category"]),
            regional_group=RegionalGroup(group) if group else None,
            acronym=data.get("acronym"),
            country=data.get("country"),
            website=data.get("website"),
            ecosoc_status=bool(data.get("ecosoc_status")),
        )


def _organisation_state(org: Organisation) -> dict[str, Any]:
    return {
        "name": org.name,
        "acronym": org.acronym,
        "category": org.category.value,
        "regional_group": org.regional_group.value if org.regional_group else None,
        "country": org.country,
        "website": org.website,
        "ecosoc_status": org.ecosoc_status,
        "verification_status": org.verification_status.value,
    }


def _user_state(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "organisation_id": user.organisation_id,
        "job_title": user.job_title,
        "active": user.active,
        "membership_status": user.membership_status.value,
    }


def _flush_unique(message: str) -> None:
    """Flush; a unique constraint lost to a concurrent request becomes a 409."""
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(message) from error


def _check_organisation_rules(data: OrganisationData) -> None:
    if data.category is OrgCategory.MEMBER_STATE and data.regional_group is None:
        raise UserError(_("A Member State belongs to one of the five regional groups."))
    if data.regional_group is not None and not data.category.is_state:
        raise UserError(_("Only States belong to a regional group."))


def find_user_by_email(email: str) -> User | None:
    """The account with this address, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_organisation_by_name(name: str) -> Organisation | None:
    """The organisation with this name, whatever its case."""
    return db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )


def register_contributor(
    *,
    name: str,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    job_title: str | None,
    organisation: Organisation | None = None,
    new_organisation: OrganisationData | None = None,
    locale: str | None = None,
) -> User:
    """Create a contributor for a new, unverified organisation (its first member), or one who
    asks to join an existing organisation: that request gives nothing until a focal point of
    the organisation or the secretariat approves it (``accounts.membership``).

    Called when a registration's address is confirmed (``confirm_registration``), with the
    password hash kept since the registration form."""
    if (organisation is None) == (new_organisation is None):
        raise UserError(_("Choose an existing organisation or register a new one."))
    if find_user_by_email(email) is not None:
        raise Conflict(_("An account with this e-mail address already exists."))
    if organisation is not None and organisation.verification_status is VerificationStatus.REJECTED:
        raise UserError(_("This organisation cannot be chosen."))
    org = organisation
    if new_organisation is not None:
        _check_organisation_rules(new_organisation)
        if find_organisation_by_name(new_organisation.name) is not None:
            raise Conflict(_("This organisation is already registered: choose it from the list."))
        org = Organisation(
            name=new_organisation.name,
            acronym=new_organisation.acronym or None,
            category=new_organisation.category,
            regional_group=new_organisation.regional_group,
            country=new_organisation.country or None,
            website=new_organisation.website or None,
            ecosoc_status=new_organisation.ecosoc_status,
            verification_status=VerificationStatus.PENDING,
        )
        db.session.add(org)
    user = User(
        email=email,
        name=name,
        job_title=job_title or None,
        role=Role.CONTRIBUTOR,
        organisation=org,
        timezone="UTC",
        locale=locale or None,
        active=True,
        membership_status=(
            MembershipStatus.CONFIRMED
            if new_organisation is not None
            else MembershipStatus.REQUESTED
        ),
    )
    if password_hash is not None:
        user.password_hash = password_hash
    elif password is not None:
        user.set_password(password)
    else:
        raise ValueError("a password or its hash is required")
    db.session.add(user)
    _flush_unique(_("An account or organisation with this name or address already exists."))
    if new_organisation is not None and org is not None:
        log_action(user, "create_organisation", org, after=_organisation_state(org))
    log_action(user, "register_user", user, after=_user_state(user))
    if user.membership_status is MembershipStatus.REQUESTED:
        log_action(
            user, "request_membership", user, after={"organisation_id": org.id if org else None}
        )
    logger.info("user %s registered for organisation %s", user.id, user.organisation_id)
    return user


# --- registration confirmed by e-mail -------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _registration_hours() -> int:
    return max(1, int(current_app.config["REGISTRATION_MAX_AGE"]) // 3600)


def _check_registration_choice(
    organisation: Organisation | None, new_organisation: OrganisationData | None
) -> None:
    if (organisation is None) == (new_organisation is None):
        raise UserError(_("Choose an existing organisation or register a new one."))
    if organisation is not None and organisation.verification_status is VerificationStatus.REJECTED:
        raise UserError(_("This organisation cannot be chosen."))
    if new_organisation is not None:
        _check_organisation_rules(new_organisation)
        if find_organisation_by_name(new_organisation.name) is not None:
            raise Conflict(_("This organisation is already registered: choose it from the list."))


def start_registration(
    *,
    name: str,
    email: str,
    password: str,
    job_title: str | None,
    organisation: Organisation | None = None,
    new_organisation: OrganisationData | None = None,
) -> None:
    """Write to ``email``: a link that creates the account, or, when the address has an
    account already, a note telling its owner how to sign in. The visitor sees the same
    answer either way, so registration does not reveal which addresses have accounts."""
    _check_registration_choice(organisation, new_organisation)
    db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.expires_at <= utcnow())
    )
    # Hashed in both cases, so that the answer takes as long whichever case this is.
    password_hash = generate_password_hash(password)
    existing = find_user_by_email(email)
    if existing is not None:
        _tell_owner_of_registration_attempt(existing)
        return
    token = secrets.token_urlsafe(32)
    locale = get_locale()
    pending = PendingRegistration(
        token_hash=_token_hash(token),
        email=email,
        name=name,
        password_hash=password_hash,
        job_title=job_title or None,
        locale=str(locale) if locale else None,
        organisation_id=organisation.id if organisation is not None else None,
        new_organisation=(new_organisation.to_json() if new_organisation is not None else None),
        expires_at=utcnow() + timedelta(seconds=int(current_app.config["REGISTRATION_MAX_AGE"])),
    )
    db.session.add(pending)
    db.session.flush()
    hours = _registration_hours()
    body = ngettext(
        "Hello %(name)s,\n\n"
        "To finish creating your account on the consultation platform, open this link "
        "within %(hours)d hour and confirm your address:\n\n%(link)s\n\n"
        "If you did not register, ignore this message: no account is created.",
        "Hello %(name)s,\n\n"
        "To finish creating your account on the consultation platform, open this link "
        "within %(hours)d hours and confirm your address:\n\n%(link)s\n\n"
        "If you did not register, ignore this message: no account is created.",
        hours,
        name=name,
        hours=hours,
        link=external_url("accounts.confirm_registration", token=token),
    )
    try:
        send_mail(pending.email, _("Confirm your address to create your account"), body)
    except MailError:
        # The page answers the same either way; the operator sees the failure in the log.
        logger.exception("could not send the confirmation mail of registration %s", pending.id)
        return
    logger.info("registration %s waits for its address to be confirmed", pending.id)


def _tell_owner_of_registration_attempt(user: User) -> None:
    if not user.active:
        logger.info("registration asked for the address of inactive user %s", user.id)
        return
    with force_locale(user.locale or str(get_locale() or "en")):
        body = _(
            "Hello %(name)s,\n\n"
            "Someone, probably you, tried to register on the consultation platform with this "
            "e-mail address, which already has an account. No other account was created.\n\n"
            "If it was you, sign in:\n%(login)s\n\n"
            "If you forgot your password, choose a new one:\n%(reset)s\n\n"
            "If it was not you, ignore this message: your account is unchanged.",
            name=user.name,
            login=external_url("accounts.login"),
            reset=external_url("accounts.request_reset"),
        )
        subject = _("Someone tried to register with your address")
    try:
        send_mail(user.email, subject, body)
    except MailError:
        logger.exception("could not tell user %s of a registration with their address", user.id)
        return
    logger.info("registration asked for the address of user %s; its owner was told", user.id)


def pending_registration(token: str) -> PendingRegistration | None:
    """The unexpired registration this link's token confirms, or None."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(PendingRegistration).where(
            PendingRegistration.token_hash == _token_hash(token),
            PendingRegistration.expires_at > utcnow(),
        )
    )


def confirm_registration(pending: PendingRegistration) -> User:
    """Create the account (and its new organisation) of a registration whose address was
    just confirmed; the link then stops working. Audited as ``register_user``."""
    if find_user_by_email(pending.email) is not None:
        raise Conflict(_("This address has an account already: sign in with it."))
    new_organisation = None
    if pending.new_organisation is not None:
        new_organisation = OrganisationData.from_json(pending.new_organisation)
    organisation = pending.organisation
    if pending.new_organisation is None and organisation is None:
        raise Conflict(_("The organisation you chose no longer exists: register again."))
    user = register_contributor(
        name=pending.name,
        email=pending.email,
        password_hash=pending.password_hash,
        job_title=pending.job_title,
        organisation=organisation if new_organisation is None else None,
        new_organisation=new_organisation,
        locale=pending.locale,
    )
    # Every link sent to this address dies with the account's creation.
    db.session.execute(
        delete(PendingRegistration).where(PendingRegistration.email == pending.email)
    )
    db.session.flush()
    return user


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: Role,
    password: str,
    organisation: Organisation | None = None,
    job_title: str | None = None,
) -> User:
    """Create an account with any role (command line and administrators)."""
    if role is Role.CONTRIBUTOR and organisation is None:
        raise UserError(_("A contributor must belong to an organisation."))
    if find_user_by_email(email) is not None:
        raise Conflict(_("An account with this e-mail address already exists."))
    user = User(
        email=email,
        name=name,
        role=role,
        organisation=organisation,
        job_title=job_title or None,
        timezone="UTC",
        active=True,
    )
    user.set_password(password)
    db.session.add(user)
    _flush_unique(_("An account with this e-mail address already exists."))
    log_action(actor, "create_user", user, after=_user_state(user))
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account these credentials open, or None (without saying why)."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    """Remember when the user last signed in."""
    user.last_login_at = utcnow()
    db.session.flush()
    logger.info("user %s signed in", user.id)


def update_profile(
    user: User, *, name: str, job_title: str | None, timezone: str, locale: str | None
) -> None:
    """Change the user's own name, job title, time zone and language."""
    before = {
        "name": user.name,
        "job_title": user.job_title,
        "timezone": user.timezone,
        "locale": user.locale,
    }
    user.name = name
    user.job_title = job_title or None
    user.timezone = timezone
    user.locale = locale or None
    after = {
        "name": user.name,
        "job_title": user.job_title,
        "timezone": user.timezone,
        "locale": user.locale,
    }
    db.session.flush()
    if before != after:
        log_action(user, "update_profile", user, before=before, after=after)


def choose_language(user: User, locale: str) -> None:
    """Keep the language the user chose with the language switcher for their account."""
    before = user.locale
    user.locale = locale
    db.session.flush()
    log_action(user, "choose_language", user, before={"locale": before}, after={"locale": locale})


def change_password(user: User, new_password: str) -> None:
    """Set a new password for the signed-in user (the old one was checked by the form), and
    sign out every other device: a stolen cookie dies with the old password."""
    user.set_password(new_password)
    db.session.flush()
    # Never the hashes in the audit log: only that it happened.
    log_action(user, "change_password", user)
    revoke_sessions(user, user, keep_current=True)


# --- password reset ----------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Changes whenever the password does, so a token works once and dies with the password.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def make_reset_token(user: User) -> str:
    """A signed, expiring token that resets this user's current password once."""
    return _serializer().dumps({"uid": user.id, "fp": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token belongs to, or None."""
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    uid, fingerprint = data.get("uid"), data.get("fp")
    if not isinstance(uid, int) or isinstance(uid, bool) or not isinstance(fingerprint, str):
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(fingerprint, _password_fingerprint(user)):
        return None
    return user


def request_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has this address; say nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        logger.info("password reset asked for an unknown or inactive address")
        return
    link = external_url("accounts.reset_password", token=make_reset_token(user))
    hours = max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600)
    body = ngettext(
        "Hello %(name)s,\n\n"
        "Someone, probably you, asked to reset the password of your account on the "
        "consultation platform. To choose a new password, open this link within "
        "%(hours)d hour:\n\n%(link)s\n\n"
        "If you did not ask for this, ignore this message: your password stays the same.",
        "Hello %(name)s,\n\n"
        "Someone, probably you, asked to reset the password of your account on the "
        "consultation platform. To choose a new password, open this link within "
        "%(hours)d hours:\n\n%(link)s\n\n"
        "If you did not ask for this, ignore this message: your password stays the same.",
        hours,
        name=user.name,
        hours=hours,
        link=link,
    )
    try:
        send_mail(user.email, _("Reset your password"), body)
    except MailError:
        # The page answers the same either way; the operator sees the failure in the log.
        logger.exception("could not send the password reset mail to user %s", user.id)
        return
    logger.info("password reset link sent to user %s", user.id)


def reset_password(user: User, new_password: str) -> None:
    """Set a new password through a reset token (which this invalidates), and sign the
    account out everywhere."""
    user.set_password(new_password)
    db.session.flush()
    log_action(user, "reset_password", user)
    revoke_sessions(user, user)


# --- administration ----------------------------------------------------------------------


def change_role(actor: User, user: User, role: Role) -> None:
    """Give ``user`` another role; an administrator cannot demote themselves."""
    if user.id == actor.id and role is not user.role:
        raise NotAllowed(_("You cannot change your own role."))
    if role is Role.CONTRIBUTOR and user.organisation_id is None:
        raise UserError(
            _("A contributor must belong to an organisation, and this account has none.")
        )
    if role is user.role:
        return
    before = {"role": user.role.value}
    user.role = role
    db.session.flush()
    log_action(actor, "change_role", user, before=before, after={"role": role.value})


def set_active(actor: User, user: User, active: bool) -> None:
    """Activate or deactivate an account; an administrator cannot deactivate themselves."""
    if user.id == actor.id and not active:
        raise NotAllowed(_("You cannot deactivate your own account."))
    if user.active is active:
        return
    user.active = active
    db.session.flush()
    log_action(
        actor,
        "activate_user" if active else "deactivate_user",
        user,
        before={"active": not active},
        after={"active": active},
    )
    if not active:
        revoke_sessions(actor, user)
