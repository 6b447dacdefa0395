"""The consensus report as one printable HTML file (a Jinja template, streamed to disk)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask import current_app
from flask_babel import get_locale
from markupsafe import Markup, escape

from consult_app.exports.report import ReportData
from consult_app.texts.redline import Change


def changes_html(changes: Sequence[Change]) -> Markup:
    """A redline from precomputed changes: <del> and <ins>, every piece escaped."""
    parts = []
    for change in changes:
        text = str(escape(change.text))
        if change.op == "insert":
            parts.append(f"<ins>{text}</ins>")
        elif change.op == "delete":
            parts.append(f"<del>{text}</del>")
        else:
            parts.append(text)
    return Markup("".join(parts))  # noqa: S704 - escaped above


def write_html(data: ReportData, path: Path) -> None:
    """Write the report as a self-contained HTML file, chunk by chunk."""
    template = current_app.jinja_env.get_template("exports/report.html")
    with open(path, "w", encoding="utf-8") as handle:
        for chunk in template.generate(
            data=data, changes_html=changes_html, lang=str(get_locale() or "en")
        ):
            handle.write(chunk)
