"""The consensus report as a tagged PDF (WeasyPrint), from the same HTML as the HTML file.

WeasyPrint lays the HTML out on A4 pages (CSS ``@page``: the symbol in the header, the
page number in the footer, on the outer side; nothing on the first page, which holds the
masthead) and writes a *tagged* PDF (``pdf_tags``): headings, paragraphs, lists and
tables are in the structure tree with the document's language, so that a screen reader
reads the report in order, table headers included. Reservations are real footnotes
(``float: footnote``). Table cells wrap between words only, never inside one.

Fonts come from the system (fontconfig): Times New Roman, else Liberation Serif, else
DejaVu Serif.
"""

from __future__ import annotations

import logging
from pathlib import Path

from consult_app.exports.report_data import ReportData
from consult_app.exports.report_html import html_chunks

logger = logging.getLogger(__name__)


def write_pdf(data: ReportData, path: Path) -> None:
    """Write the report as a tagged PDF to ``path``."""
    from weasyprint import HTML

    html = "".join(html_chunks(data, pdf=True))
    document = HTML(string=html).render(pdf_tags=True)
    document.write_pdf(str(path), pdf_tags=True, pdf_identifier=None)
    logger.info("report PDF: %d pages", len(document.pages))
