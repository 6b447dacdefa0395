"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date
from babel.support import NullTranslations
from flask import Flask, g, has_app_context, request, url_for
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from consult_app.core.invisible import finalize

RTL_LANGUAGES = {"ar", "he", "fa", "ur"}
# The language chosen with the language switcher, kept in the session for the rest of the visit.
LANGUAGE_SESSION_KEY = "lang"

E = TypeVar("E", bound=enum.Enum)


def user_zone() -> ZoneInfo:
    name = "UTC"
    if current_user and current_user.is_authenticated:
        name = current_user.timezone or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_local_and_utc(
    value: datetime | None, zone: str | None = None, *, seconds: bool = False
) -> str:
    """ "3 February 2026, 18:00 (Europe/Zurich) · 3 February 2026, 17:00 UTC" in the
    reader's (or the given) zone and language; ``seconds`` where the second counts (a
    receipt, an audit entry)."""
    if value is None:
        return ""
    try:
        tz = ZoneInfo(zone) if zone else user_zone()
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return _local_and_utc(value, tz, get_locale(), seconds)


#: English dates as United Nations documents write them ("4 November 2026").
_ENGLISH_DATES = Locale.parse("en_GB")


def date_and_time(value: datetime, locale: Locale | None, *, seconds: bool = False) -> str:
    """A date in words and a 24-hour time, in ``locale``'s language: "2 February 2027,
    23:59", "2 février 2027, 23:59", "2027年2月2日 23:59" (an Arabic comma in Arabic)."""
    language = locale.language if locale is not None else "en"
    date_locale = _ENGLISH_DATES if language == "en" else (locale or _ENGLISH_DATES)
    day = format_date(value.date(), "long", locale=date_locale)
    time = value.strftime("%H:%M:%S" if seconds else "%H:%M")
    if language in {"zh", "ja"}:
        return f"{day} {time}"
    return f"{day}\u060c {time}" if language == "ar" else f"{day}, {time}"


@lru_cache(maxsize=8192)
def _local_and_utc(value: datetime, tz: ZoneInfo, locale: Locale | None, seconds: bool) -> str:
    """The text of :func:`format_local_and_utc`, remembered: Babel's formatting costs more
    than the rest of a comment's rendering, and a page shows the same few dates often."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(tz)
    utc = value.astimezone(UTC)
    local_text = date_and_time(local, locale, seconds=seconds)
    if str(tz) == "UTC":
        return f"{local_text} UTC"
    utc_text = date_and_time(utc, locale, seconds=seconds)
    return f"{local_text} ({tz}) · {utc_text} UTC"


def enum_labels(enum_cls: type[E]) -> Mapping[E, str]:
    """The translated ``label`` of each member of ``enum_cls``, worked out once per catalogue.

    A page of comments shows the same few labels (positions, kinds, categories) many
    times; each lookup of a lazy label would ask Flask-Babel for the locale again.
    """
    return _enum_labels(enum_cls, _translations())


@lru_cache(maxsize=256)
def _enum_labels(enum_cls: type[E], translations: NullTranslations) -> Mapping[E, str]:
    # ``translations`` (the current locale's, which ``label`` translates with) is part of
    # the key only: a catalogue loaded again (a new object) gets labels of its own.
    return MappingProxyType({member: str(member.label) for member in enum_cls})  # type: ignore[attr-defined]


def _escaped_with_calls(text: str, notes: Any) -> str:
    """``text`` escaped, with a superscript link at the call of each footnote of ``notes``
    (objects with ``call_at``, ``label`` and ``position``)."""
    if not notes:
        return str(escape(text))
    calls = sorted(
        (len(text) if note.call_at is None else max(0, min(note.call_at, len(text))), n, note)
        for n, note in enumerate(notes)
    )
    pieces: list[str] = []
    position = 0
    for at, _n, note in calls:
        pieces.append(str(escape(text[position:at])))
        pieces.append(
            f'<sup class="footnote-call"><a href="#footnote-{int(note.position)}" '
            f'id="footnote-call-{int(note.position)}">{escape(note.label)}</a></sup>'
        )
        position = at
    pieces.append(str(escape(text[position:])))
    return "".join(pieces)


def paragraphs(text: str | None, notes: Any = None) -> Markup:
    """Plain user text as escaped HTML paragraphs; nothing the user typed becomes markup.

    With ``notes``, the calls of those footnotes are shown where they stand in the text.
    """
    if not text:
        return Markup("")
    html_text = _escaped_with_calls(text.replace("\r\n", "\n"), notes)
    blocks = [b.strip() for b in html_text.split("\n\n") if b.strip()]
    # Each paragraph takes the direction of its own text (``dir="auto"``): an Arabic comment
    # reads right to left on an English page, an English one left to right on an Arabic page.
    html = "".join(
        '<p dir="auto">' + "<br>".join(block.split("\n")) + "</p>" for block in blocks
    )
    return Markup(html)  # noqa: S704 - every piece of text was escaped above


def with_calls(text: str | None, notes: Any = None) -> Markup:
    """Plain text escaped, with the calls of its footnotes (one line, no paragraphs)."""
    return Markup(_escaped_with_calls(text or "", notes))  # noqa: S704 - escaped above


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments changed (for pagination and filters)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    values: dict[str, Any] = {**(request.view_args or {}), **args}
    return url_for(request.endpoint or "home.index", **values)


def _translations() -> NullTranslations:
    """Flask-Babel's translations of the current locale, looked up once per request.

    Templates call ``_()`` dozens of times a page and each call would ask Flask-Babel for the
    domain, the locale and its catalogue again. The catalogue is kept on ``g`` with the locale
    it is for, so that ``force_locale`` and ``refresh`` (a new locale object) are honoured.
    """
    locale = get_locale()
    if has_app_context():
        memo = g.get("_consult_translations")
        if memo is None or memo[0] is not locale:
            memo = g._consult_translations = (locale, get_translations())
        return memo[1]
    return get_translations()


# Jinja's i18n extension installs "new style" gettext functions that take the template
# context, and Jinja copies the whole context for every such call made inside a loop or
# after a ``{% set %}`` in a block. These take only the evaluation context (autoescaping),
# which is all they need, and otherwise do exactly what the extension's functions do.


def _formatted(eval_ctx: EvalContext, rv: str, variables: dict[str, Any]) -> str:
    if eval_ctx.autoescape:
        # The catalogue's strings are trusted markup, as in Jinja; the variables are escaped.
        rv = Markup(rv)  # noqa: S704
    # Always a format string, even without variables, as in Jinja.
    return rv % variables


@pass_eval_context
def _gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    return _formatted(eval_ctx, _translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_ctx, _translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_ctx: EvalContext, context: str, string: str, /, **variables: Any) -> str:
    variables.setdefault("context", context)
    return _formatted(eval_ctx, _translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(
    eval_ctx: EvalContext,
    context: str,
    singular: str,
    plural: str,
    num: int,
    /,
    **variables: Any,
) -> str:
    variables.setdefault("context", context)
    variables.setdefault("num", num)
    rv = _translations().unpgettext(context, singular, plural, num)
    return _formatted(eval_ctx, rv, variables)


def register_template_helpers(app: Flask) -> None:
    # Replace the functions Flask-Babel installed through Jinja's i18n extension (same
    # translations, same escaping; see above). ``_`` is the extension's alias of gettext.
    app.jinja_env.globals.update(
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )
    app.jinja_env.globals["_"] = _gettext
    # Every value a template outputs loses the invisible characters that can reorder or
    # hide text (bidirectional controls, stray zero-width characters): see core.invisible.
    app.jinja_env.finalize = finalize
    app.jinja_env.filters["local_and_utc"] = format_local_and_utc
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["with_calls"] = with_calls
    app.jinja_env.globals["url_with"] = url_with

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        locale = str(get_locale() or "en")
        return {
            "current_locale": locale,
            "text_direction": "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr",
            "languages": app.config["LANGUAGES"],
            "host": host_identity(app.config, locale),
        }


@dataclass(frozen=True)
class HostIdentity:
    """Who runs the platform, as the header and footer show it (configuration)."""

    platform_name: str
    organisation: str | None
    logo_url: str | None
    contact_email: str | None


def _in_language(value: str | Mapping[str, str] | None, locale: str) -> str | None:
    """A configured text, or its version in ``locale`` when given per language."""
    if value is None or isinstance(value, str):
        return value or None
    return value.get(locale) or value.get("") or value.get("en") or None


def host_identity(config: Mapping[str, Any], locale: str) -> HostIdentity:
    return HostIdentity(
        platform_name=_in_language(config.get("PLATFORM_NAME"), locale)
        or str(_translations().ugettext("Consultations")),
        organisation=_in_language(config.get("HOST_ORGANISATION"), locale),
        logo_url=config.get("HOST_LOGO_URL") or None,
        contact_email=config.get("CONTACT_EMAIL") or None,
    )
