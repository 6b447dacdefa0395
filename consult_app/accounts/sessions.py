"""Signed-in devices kept on the server, so that signing out really ends a session.

Flask's session cookie is signed, not stored: a copy taken before sign-out would still open
the account. Each sign-in therefore creates a ``UserSession`` row whose random token travels
in the cookie (and in the remember-me cookie) as "<user id>:<token>"; the user loader accepts
a cookie only while its row exists and has not expired. Signing out deletes the row of that
device; a password change or reset, a deactivation and "sign out everywhere" delete them all.
Operations flush; they never commit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, delete, func, select

from consult_app.accounts.models import User, UserSession
from consult_app.core.audit import log_action
from consult_app.core.models import utcnow
from consult_app.extensions import db

logger = logging.getLogger(__name__)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_lifetime(remember: bool) -> timedelta:
    """How long a sign-in lasts: the remember-me duration, or a working day."""
    config = current_app.config
    if remember:
        return timedelta(days=int(config["REMEMBER_DAYS"]))
    return timedelta(hours=int(config["SESSION_HOURS"]))


def start_session(user: User, *, remember: bool = False) -> str:
    """Record a new signed-in device for ``user`` and return its token."""
    token = secrets.token_urlsafe(32)
    agent = request.user_agent.string[:200] if has_request_context() else None
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            expires_at=utcnow() + session_lifetime(remember),
            remember=remember,
            user_agent=agent or None,
        )
    )
    db.session.flush()
    user.session_token = token
    return token


#: The user of an unexpired session (every request of a signed-in user runs it: built
#: once, its values bound per call).
_SESSION_USER = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        UserSession.token_hash == bindparam("token_hash"),
        UserSession.expires_at > bindparam("now", type_=UserSession.expires_at.type),
    )
)


def load_session_user(cookie_value: str) -> User | None:
    """The active user whose unexpired session this cookie value names, or None."""
    user_id, sep, token = cookie_value.partition(":")
    if not sep or not user_id.isdigit() or len(user_id) > 18 or not 20 <= len(token) <= 100:
        return None
    user = db.session.scalar(
        _SESSION_USER, {"user_id": int(user_id), "token_hash": _hash(token), "now": utcnow()}
    )
    if user is None or not user.active:
        return None
    if user.is_secretariat and not user.two_factor_enabled:
        # A session of a secretariat or admin account without a second factor (older than
        # the rule, or from before an administrator reset it) opens nothing.
        return None
    user.session_token = token
    return user


def end_session(user: User) -> None:
    """Sign out the device whose session ``user`` was loaded through."""
    if user.session_token:
        db.session.execute(
            delete(UserSession).where(UserSession.token_hash == _hash(user.session_token))
        )
        user.session_token = None
        db.session.flush()


def revoke_sessions(actor: User | None, user: User, *, keep_current: bool = False) -> int:
    """Sign ``user`` out on every device (but the current one when ``keep_current``)."""
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_current and user.session_token:
        statement = statement.where(UserSession.token_hash != _hash(user.session_token))
    count = int(getattr(db.session.execute(statement), "rowcount", 0) or 0)
    if not keep_current:
        user.session_token = None
    db.session.flush()
    log_action(actor, "revoke_sessions", user, after={"sessions_ended": count})
    logger.info("%d session(s) of user %s ended", count, user.id)
    return count


def delete_expired_sessions() -> int:
    """Remove sessions past their expiry (a housekeeping command)."""
    result = db.session.execute(delete(UserSession).where(UserSession.expires_at <= utcnow()))
    db.session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def active_session_count(user: User) -> int:
    """How many devices are signed in to this account."""
    return int(
        db.session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == user.id, UserSession.expires_at > utcnow()
            )
        )
        or 0
    )
