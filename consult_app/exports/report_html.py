"""The consensus report as one printable HTML file (a Jinja template, streamed to disk).

The same template is the source of the PDF (:mod:`.report_pdf`), rendered with ``pdf``
true: A4 pages, the symbol in the header, page numbers and footnotes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from flask import current_app
from markupsafe import Markup, escape

from consult_app.core.templating import RTL_LANGUAGES
from consult_app.exports.report_data import (
    ReportData,
    annex_two_intro,
    iter_body,
    table_headers,
    table_rows,
    table_titles,
)
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


def html_chunks(data: ReportData, *, pdf: bool = False) -> Iterator[str]:
    """The report as HTML, chunk by chunk."""
    template = current_app.jinja_env.get_template("exports/report.html")
    lang = data.language.replace("_", "-")
    return template.generate(
        data=data,
        body=iter_body(data),
        changes_html=changes_html,
        lang=lang,
        annex_two_intro=annex_two_intro,
        tables=lambda d: (table_rows(d), table_headers(d), table_titles()),
        rtl=lang.split("-")[0] in RTL_LANGUAGES,
        pdf=pdf,
    )


def write_html(data: ReportData, path: Path) -> None:
    """Write the report as a self-contained HTML file, chunk by chunk."""
    with open(path, "w", encoding="utf-8") as handle:
        for chunk in html_chunks(data):
            handle.write(chunk)
