"""Pagination that counts in SQL and loads one page."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from consult_app.extensions import db


def page_arg() -> int:
    raw = request.args.get("page", "1")
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1 or int(raw) > 1_000_000:
        abort(404)
    return int(raw)


def paginate(query: Select[Any], per_page: int, count: bool = True) -> Pagination:
    """One page of ``query``; a page number past the end is a 404, not an empty page."""
    page = page_arg()
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False, count=count)
    if page > 1 and not pagination.items:
        abort(404)
    return pagination
