"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask, request, url_for
from flask_babel import format_datetime, get_locale
from flask_login import current_user
from markupsafe import Markup, escape

RTL_LANGUAGES = {"ar", "he", "fa", "ur"}


def user_zone() -> ZoneInfo:
    name = "UTC"
    if current_user and current_user.is_authenticated:
        name = current_user.timezone or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_local_and_utc(value: datetime | None, zone: str | None = None) -> str:
    """"3 Feb 2026, 18:00 (Europe/Geneva) · 17:00 UTC" in the reader's (or given) zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        tz = ZoneInfo(zone) if zone else user_zone()
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    local = value.astimezone(tz)
    utc = value.astimezone(UTC)
    local_text = format_datetime(local.replace(tzinfo=None), "medium", rebase=False)
    if str(tz) == "UTC":
        return f"{local_text} UTC"
    utc_text = format_datetime(utc.replace(tzinfo=None), "medium", rebase=False)
    return f"{local_text} ({tz}) · {utc_text} UTC"


def paragraphs(text: str | None) -> Markup:
    """Plain user text as escaped HTML paragraphs; nothing the user typed becomes markup."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    html = "".join(
        "<p>" + "<br>".join(str(escape(line)) for line in block.split("\n")) + "</p>"
        for block in blocks
    )
    return Markup(html)  # noqa: S704 - every piece was escaped above


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for pagination and filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint or "core.index", **values)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local_and_utc"] = format_local_and_utc
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.globals["url_with"] = url_with

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        locale = str(get_locale() or "en")
        return {
            "current_locale": locale,
            "text_direction": "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr",
            "languages": app.config["LANGUAGES"],
        }
