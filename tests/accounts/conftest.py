"""Fixtures for the account tests: a clean mail outbox and switchable rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask

from consult_app.core.mail import outbox
from consult_app.extensions import limiter


@pytest.fixture
def mail(app: Flask) -> Iterator[list[EmailMessage]]:
    box = outbox(app)
    box.clear()
    yield box
    box.clear()


@pytest.fixture
def rate_limited(app: Flask) -> Iterator[Flask]:
    """Rate limits on, with small limits and empty counters; restored afterwards."""
    saved = {
        key: app.config[key]
        for key in (
            "RATELIMIT_ENABLED",
            "LOGIN_RATE_LIMIT",
            "REGISTER_RATE_LIMIT",
            "LOGIN_ACCOUNT_FAILURES",
            "LOGIN_ADDRESS_FAILURES",
            "TWO_FACTOR_FAILURES",
        )
    }
    app.config.update(
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="3 per minute",
        REGISTER_RATE_LIMIT="2 per minute",
        LOGIN_ACCOUNT_FAILURES="3 per minute",
        LOGIN_ADDRESS_FAILURES="5 per minute",
        TWO_FACTOR_FAILURES="3 per minute",
    )
    limiter.reset()
    try:
        yield app
    finally:
        app.config.update(saved)
        limiter.reset()
