"""Guards against hostile input, applied to every request and every form.

* Ids in URLs: the ``int`` converter of every route accepts only what an id column can
  hold (``INTEGER``: 32-bit signed on PostgreSQL, where a larger bound value is an
  "integer out of range" error); a larger number is no route (404), not a 500.
  :func:`parse_id` reads an id from a query string or a form field the same way.
* NUL bytes: PostgreSQL cannot store or compare a text holding U+0000, so a NUL in the
  query string or a posted form field is refused with a 400 before any view runs (nothing
  is read or written).
* Other C0 control characters (except tab, line feed and carriage return) are taken out of
  every text a form receives (:func:`strip_control_characters`, a filter added to each
  field of :class:`~consult_app.core.forms.AppForm`): nobody types them, they are invisible
  on pages and they break exports.
"""

from __future__ import annotations

import builtins
import re
from typing import Any

from flask import Flask, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map

from consult_app.core.errors import UserError

#: The largest id there can be: ids are ``INTEGER`` columns (PostgreSQL: 32-bit signed).
MAX_ID = 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` bounded to :data:`MAX_ID` (a larger number matches no route)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        bounded = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bounded, signed=signed)


def parse_id(raw: str | None) -> int | None:
    """``raw`` as an id (ASCII digits, 1 to :data:`MAX_ID`), or None if it cannot be one."""
    if not raw or len(raw) > 10 or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


def strip_control_characters(value: Any) -> Any:
    """``value`` without C0 control characters other than tab and line breaks (texts only)."""
    if isinstance(value, str) and _CONTROL.search(value):
        return _CONTROL.sub("", value)
    return value


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or any("\x00" in v for v in items) for key, items in values.lists())


#: Endpoints that receive larger bodies than ``MAX_CONTENT_LENGTH``: endpoint -> the setting
#: (bytes) of the largest file they take. Filled by the capabilities (:func:`allow_larger_body`).
_LARGER_BODIES: dict[str, str] = {}
#: What a multipart body holds besides its file (boundaries, headers, the CSRF token...).
_FORM_SLACK = 64 * 1024


def allow_larger_body(endpoint: str, setting: str) -> None:
    """Let ``endpoint`` receive a file of up to ``config[setting]`` bytes, above the
    application's ``MAX_CONTENT_LENGTH`` (e.g. a file of 20,000 rows of offline submissions)."""
    _LARGER_BODIES[endpoint] = setting


def apply_body_limit() -> None:
    """Raise this request's body limit where its endpoint takes a larger file (before any
    form is read: the guard below and CSRF read it)."""
    setting = _LARGER_BODIES.get(request.endpoint or "")
    if setting:
        request.max_content_length = int(current_app.config[setting]) + _FORM_SLACK


def refuse_nul_bytes() -> None:
    """Refuse (400) a request with a NUL byte in its query string or form fields.

    (A path cannot bring one to the database: int arguments are digits, and the two token
    arguments are checked by signature before anything is looked up.)"""
    if _has_nul(request.args):
        raise UserError(_("The address contains a character that is not allowed."))
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and _has_nul(request.form):
        raise UserError(
            _(
                "What you sent contains a character that is not allowed (a NUL character). "
                "Nothing was saved."
            )
        )


def register_input_guards(app: Flask) -> None:
    """Install the bounded ``int`` converter (before any route is added) and the NUL check."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(apply_body_limit)
    app.before_request(refuse_nul_bytes)
