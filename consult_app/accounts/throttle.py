"""Failed sign-ins counted per account and per address, with a way out for the right person.

Delegations share addresses (a mission's network, the Palais des Nations Wi-Fi), so counting
every sign-in per address locks out whole delegations. Here only *failed* attempts count:

- per account (``LOGIN_ACCOUNT_FAILURES``, default 10 per 15 minutes): past it the account
  takes no password until the window passes or the owner resets the password by e-mail;
- per address (``LOGIN_ADDRESS_FAILURES``, default 100 per hour): past it, sign-in from that
  address is refused, so that one address cannot try passwords against many accounts.

A browser where a person signed in before carries a signed "known device" cookie naming
them; for that person both locks are lifted (failures still count), so an attacker can
neither lock a delegate out of their own browser nor stop a mission's network from working.
A password reset also marks the browser as known, and clears the account's failures.

Counters live in the rate limiter's storage (memory, or Redis when ``REDIS_URL`` is set, so
that every process and host sees the same counts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import RateLimitItem, parse
from werkzeug.wrappers import Response

from consult_app.extensions import limiter

logger = logging.getLogger(__name__)

DEVICE_COOKIE = "known_device"
DEVICE_SALT = "known-device"  # a namespace for the signer, not a secret
DEVICE_MAX_AGE = 180 * 24 * 3600
DEVICE_MAX_USERS = 5


@dataclass(frozen=True)
class Verdict:
    """Whether a sign-in attempt may be checked at all, and if not, why."""

    allowed: bool
    account_locked: bool = False
    address_blocked: bool = False


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _item(key: str) -> RateLimitItem:
    return parse(str(current_app.config[key]))


def _address() -> str:
    return request.remote_addr or "unknown"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def known_users() -> list[int]:
    """The accounts that signed in before on this browser (from its signed cookie)."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw or len(raw) > 500:
        return []
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    return [u for u in data if isinstance(u, int) and not isinstance(u, bool)][:DEVICE_MAX_USERS]


def remember_device(response: Response, user_id: int) -> None:
    """Mark this browser as one where ``user_id`` signed in (or reset the password)."""
    users = [user_id, *(u for u in known_users() if u != user_id)][:DEVICE_MAX_USERS]
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(users),
        max_age=DEVICE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )


def check(email: str, user_id: int | None) -> Verdict:
    """May a password be checked for ``email`` from this address and browser?"""
    if not _enabled():
        return Verdict(True)
    if user_id is not None and user_id in known_users():
        return Verdict(True)
    strategy = limiter.limiter
    if not strategy.test(_item("LOGIN_ACCOUNT_FAILURES"), "login-account", email):
        return Verdict(False, account_locked=True)
    if not strategy.test(_item("LOGIN_ADDRESS_FAILURES"), "login-address", _address()):
        return Verdict(False, address_blocked=True)
    return Verdict(True)


def record_failure(email: str) -> None:
    """Count a failed attempt against the account and the address."""
    if not _enabled():
        return
    strategy = limiter.limiter
    strategy.hit(_item("LOGIN_ACCOUNT_FAILURES"), "login-account", email)
    strategy.hit(_item("LOGIN_ADDRESS_FAILURES"), "login-address", _address())
    logger.info("failed sign-in from %s", _address())


def clear_account(email: str) -> None:
    """Forget the account's failures (after a successful sign-in or a password reset)."""
    if not _enabled():
        return
    limiter.limiter.clear(_item("LOGIN_ACCOUNT_FAILURES"), "login-account", email)


# --- second-factor codes -------------------------------------------------------------------
# Counted per account only: whoever reaches this step knows the password, and the code is
# what stands between them and the account, so no browser is exempt.


def codes_allowed(user_id: int) -> bool:
    """May another second-factor code be checked for this account now?"""
    if not _enabled():
        return True
    return limiter.limiter.test(_item("TWO_FACTOR_FAILURES"), "2fa-account", str(user_id))


def record_code_failure(user_id: int) -> None:
    """Count a wrong second-factor code against the account."""
    if not _enabled():
        return
    limiter.limiter.hit(_item("TWO_FACTOR_FAILURES"), "2fa-account", str(user_id))
    logger.info("wrong second-factor code for user %s from %s", user_id, _address())


def clear_codes(user_id: int) -> None:
    if not _enabled():
        return
    limiter.limiter.clear(_item("TWO_FACTOR_FAILURES"), "2fa-account", str(user_id))
