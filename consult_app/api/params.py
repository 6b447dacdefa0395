"""Query parameters of the API: validation (a bad value is a 400, never a 500) and paging."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request, url_for
from flask_babel import gettext as _

from consult_app.core.errors import NotFound, UserError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
# Ids are 32-bit integers in every database we run on; a larger one cannot exist.
MAX_ID = 2**31 - 1
# Parameters every endpoint accepts besides its own (the interface language of errors).
GLOBAL_PARAMS = frozenset({"lang"})
PAGE_PARAMS = frozenset({"page", "per_page"})

E = TypeVar("E", bound=enum.Enum)


def check_known(allowed: Iterable[str]) -> None:
    """Refuse parameters the endpoint does not know: a misspelt filter must not pass unseen."""
    known = set(allowed) | GLOBAL_PARAMS
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise UserError(
            _(
                "Unknown query parameter(s): %(names)s. Accepted: %(accepted)s.",
                names=", ".join(unknown),
                accepted=", ".join(sorted(known - GLOBAL_PARAMS)) or "-",
            )
        )


def int_arg(name: str, default: int | None, minimum: int, maximum: int) -> int | None:
    """The integer parameter ``name`` within [minimum, maximum], or ``default`` when absent."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if (
        not raw.isascii()
        or not raw.isdigit()
        or len(raw) > 12
        or not (minimum <= int(raw) <= maximum)
    ):
        raise UserError(
            _(
                "The parameter %(name)s must be a whole number from %(min)d to %(max)d.",
                name=name,
                min=minimum,
                max=maximum,
            )
        )
    return int(raw)


def id_arg(name: str) -> int | None:
    """An optional id filter."""
    return int_arg(name, None, 1, MAX_ID)


def enum_arg(name: str, enum_cls: type[E]) -> E | None:
    """An optional filter whose value is one of ``enum_cls``'s values."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return enum_cls(raw)
    except ValueError:
        raise UserError(
            _(
                "The parameter %(name)s must be one of: %(values)s.",
                name=name,
                values=", ".join(str(m.value) for m in enum_cls),
            )
        ) from None


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


@dataclass(frozen=True)
class PageRequest:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_request() -> PageRequest:
    """The page asked for: ``page`` (from 1) and ``per_page`` (1 to 100, default 20)."""
    page = int_arg("page", 1, 1, MAX_PAGE)
    per_page = int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    assert page is not None and per_page is not None
    return PageRequest(page, per_page)


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def ensure_page_exists(paging: PageRequest, total: int) -> None:
    """A page past the last one is a 404 (the first page always exists, even when empty)."""
    if paging.page > page_count(total, paging.per_page):
        raise NotFound(
            _(
                "There is no page %(page)d: the last page is %(pages)d.",
                page=paging.page,
                pages=page_count(total, paging.per_page),
            )
        )


def _page_url(page: int, per_page: int) -> str:
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k not in PAGE_PARAMS}
    args["page"] = page
    args["per_page"] = per_page
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def envelope(data: list[dict[str, Any]], paging: PageRequest, total: int) -> dict[str, Any]:
    """The list envelope: ``data``, ``meta`` (page, per_page, total, pages) and ``links``."""
    pages = page_count(total, paging.per_page)
    page, per_page = paging.page, paging.per_page
    return {
        "data": data,
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": pages},
        "links": {
            "self": _page_url(page, per_page),
            "next": _page_url(page + 1, per_page) if page < pages else None,
            "prev": _page_url(page - 1, per_page) if page > 1 else None,
        },
    }
