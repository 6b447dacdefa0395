"""A second factor at sign-in: a code from an authenticator app (TOTP), or a recovery code.

Secretariat and administrator accounts must use it; contributors may turn it on in their
profile. After the password, the sign-in is *pending*: the Flask session holds only which
account passed the password, when, and a fingerprint of that password. No server-side
session exists (``accounts.sessions.start_session``) until the second factor is given. A
secretariat or administrator account without a second factor goes, after its password, to
the set-up page: it scans the QR code (or types the secret, kept in that browser's session
until confirmed), confirms one code, and is given
ten single-use recovery codes, of which only SHA-256 hashes are kept (each has 80 random
bits, so the hash cannot be reversed by trying codes).

A TOTP code is accepted once: the time step it belongs to is remembered, so a code seen over
someone's shoulder cannot be used again. Wrong codes are counted per account
(``TWO_FACTOR_FAILURES``, ``accounts.throttle``). Operations flush and audit; never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import pyotp
import segno
from flask import current_app, session
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, func, select

from consult_app.accounts.models import RecoveryCode, User
from consult_app.accounts.sessions import revoke_sessions
from consult_app.core.audit import log_action
from consult_app.core.errors import NotAllowed
from consult_app.core.models import utcnow
from consult_app.extensions import db

logger = logging.getLogger(__name__)

PENDING_KEY = "two_factor_pending"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_LENGTH = 16  # 16 characters of 31: 79 bits


def required_for(user: User) -> bool:
    """Secretariat and administrator accounts must sign in with a second factor."""
    return user.is_secretariat


# --- the sign-in between the password and the second factor -----------------------------


@dataclass(frozen=True)
class Pending:
    user: User
    remember: bool
    next_url: str | None


def _password_fingerprint(user: User) -> str:
    # A pending sign-in dies if the password changes (a reset by the real owner) meanwhile.
    return hashlib.sha256(("2fa:" + user.password_hash).encode()).hexdigest()[:24]


def begin(user: User, *, remember: bool, next_url: str | None) -> None:
    """Remember, in this browser's session, that ``user`` gave the right password."""
    session[PENDING_KEY] = {
        "uid": user.id,
        "remember": bool(remember),
        "next": next_url,
        "at": int(time.time()),
        "fp": _password_fingerprint(user),
    }


def pending() -> Pending | None:
    """The sign-in waiting for its second factor in this browser, if still valid."""
    data: Any = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    uid, at, fingerprint = data.get("uid"), data.get("at"), data.get("fp")
    if not isinstance(uid, int) or not isinstance(at, int) or not isinstance(fingerprint, str):
        return None
    if time.time() - at > int(current_app.config["TWO_FACTOR_PENDING_SECONDS"]):
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(fingerprint, _password_fingerprint(user)):
        return None
    next_url = data.get("next")
    return Pending(
        user, bool(data.get("remember")), next_url if isinstance(next_url, str) else None
    )


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)


# --- setting up --------------------------------------------------------------------------


SETUP_KEY = "two_factor_setup"


def setup_secret(user: User) -> str:
    """The secret being set up for ``user`` in this browser (made on first use).

    It stays in this browser's signed session until a code confirms it: someone else who
    reaches the set-up page of the same account (with its password) gets another secret, so
    a key seen there is worth nothing once the owner sets up their own."""
    if user.two_factor_enabled:
        raise NotAllowed(_("Two-step sign-in is already set up for this account."))
    data: Any = session.get(SETUP_KEY)
    if (
        isinstance(data, dict)
        and data.get("uid") == user.id
        and isinstance(data.get("secret"), str)
    ):
        return str(data["secret"])
    secret = pyotp.random_base32()
    session[SETUP_KEY] = {"uid": user.id, "secret": secret}
    return secret


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address that authenticator apps read from the QR code."""
    issuer = str(current_app.config["TWO_FACTOR_ISSUER"])
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline SVG (no script, no image request)."""
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=5, dark="#000", light="#fff", title=title)
    # segno escapes the title and draws the URI as paths only: nothing of ours as markup.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one either side) whose code is ``code``, or None."""
    digits = "".join(code.split())
    if len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def confirm_setup(user: User, secret: str, code: str) -> list[str] | None:
    """Turn the second factor on if ``code`` matches ``secret`` (the one being set up in this
    browser); return the new recovery codes (shown once), or None when the code is wrong."""
    if user.two_factor_enabled:
        return None
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    db.session.flush()
    session.pop(SETUP_KEY, None)
    log_action(user, "enable_two_factor", user, after={"recovery_codes": len(codes)})
    logger.info("user %s set up two-factor sign-in", user.id)
    return codes


# --- recovery codes ----------------------------------------------------------------------


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _i in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    db.session.flush()
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code of ``user`` with ten new ones (shown once)."""
    if not user.two_factor_enabled:
        raise NotAllowed(_("Two-step sign-in is not set up for this account."))
    codes = _new_recovery_codes(user)
    log_action(user, "regenerate_recovery_codes", user, after={"recovery_codes": len(codes)})
    return codes


def recovery_codes_left(user: User) -> int:
    return int(
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


# --- at sign-in --------------------------------------------------------------------------


def verify(user: User, code: str) -> str | None:
    """Check a sign-in code: ``"totp"`` or ``"recovery"`` when accepted, None otherwise.

    A TOTP code is refused if its time step was already used; a recovery code is used up.
    """
    if not user.two_factor_enabled or not user.totp_secret or len(code) > 100:
        return None
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            logger.info("a used TOTP code was given again for user %s", user.id)
            return None
        user.totp_last_step = step
        db.session.flush()
        return "totp"
    if len(normalise_recovery_code(code)) != _RECOVERY_LENGTH:
        return None
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _code_hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return None
    row.used_at = utcnow()
    db.session.flush()
    log_action(user, "use_recovery_code", user, after={"left": recovery_codes_left(user)})
    logger.info("user %s signed in with a recovery code", user.id)
    return "recovery"


# --- turning it off ----------------------------------------------------------------------


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()


def reset(actor: User | None, user: User) -> None:
    """An administrator (or the command line, ``actor`` None) removes ``user``'s second
    factor (a lost phone and lost codes); the account is signed out everywhere and, if it
    must have one, sets it up again at its next sign-in."""
    if actor is not None and not actor.can_manage_users():
        raise NotAllowed(_("Only administrators manage accounts."))
    was_on = user.two_factor_enabled
    _clear(user)
    log_action(
        actor, "reset_two_factor", user, before={"enabled": was_on}, after={"enabled": False}
    )
    revoke_sessions(actor, user)
    logger.info(
        "two-factor sign-in of user %s reset by %s", user.id, actor.id if actor else "command"
    )


def disable(user: User) -> None:
    """A contributor turns their optional second factor off (the secretariat cannot)."""
    if required_for(user):
        raise NotAllowed(_("Secretariat and administrator accounts must keep two-step sign-in."))
    _clear(user)
    log_action(user, "disable_two_factor", user, before={"enabled": True}, after={"enabled": False})
