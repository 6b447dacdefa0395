"""Small helpers for the account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_login import current_user

from consult_app.accounts.models import User


def safe_next_url(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    # Browsers drop control characters and read "\" as "/": "/\evil.org" leaves the site.
    if any(ord(ch) < 33 or ord(ch) == 127 or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def signed_in_user() -> User:
    """The signed-in user as a model instance (views behind ``login_required``)."""
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user


def per_page() -> int:
    return int(current_app.config["PER_PAGE"])


def escape_like(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern (with ``escape="\\\\"``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
