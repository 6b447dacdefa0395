"""Small helpers shared by the account tests."""

from __future__ import annotations

import re
import time
from email.message import EmailMessage

import pyotp
from werkzeug.test import TestResponse


def csrf_token_from(response: TestResponse, name: str = "csrf_token") -> str:
    """The CSRF token of the first form on the page with a field named ``name``."""
    match = re.search(
        rf'name="{re.escape(name)}" type="hidden" value="([^"]+)"', response.get_data(as_text=True)
    ) or re.search(rf'name="{re.escape(name)}" value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def reset_link(message: EmailMessage) -> str:
    """The path of the password reset link in ``message``."""
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(/account/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def confirmation_link(message: EmailMessage) -> str:
    """The path of the link that confirms a registration in ``message``."""
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(/account/register/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def confirm_registration(browser, message: EmailMessage):
    """Follow the confirmation link of ``message`` and press its button, as a person would."""
    browser.get(confirmation_link(message))
    assert browser.status == 200, browser.html
    return browser.submit(browser.form("/account/register/confirm/"))


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding ``secret`` shows (or will show in 30 s steps)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)
