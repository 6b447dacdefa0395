"""The consensus report as PDF, with ReportLab (pure Python, no system program).

Fonts: DejaVu Sans when the system has it (wide Unicode coverage), else the Bitstream
Vera fonts that ship inside ReportLab; ``EXPORTS_PDF_FONT_DIR`` may point to a folder
with ``DejaVuSans.ttf`` and its bold, italic and bold italic files. Reservations are
numbered notes at the end of each provision (ReportLab has no footnotes).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus.flowables import Flowable

from consult_app.core.invisible import strip_invisible
from consult_app.exports.report import ProvisionSection, ReportData

logger = logging.getLogger(__name__)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FONT = "ReportSans"
_SYSTEM_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
_FILES = {
    "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
               "DejaVuSans-BoldOblique.ttf"),
    "vera": ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf"),
}


def _font_files() -> tuple[Path, ...]:
    configured = current_app.config.get("EXPORTS_PDF_FONT_DIR")
    for folder in ([configured] if configured else []) + list(_SYSTEM_DIRS):
        paths = tuple(Path(folder) / name for name in _FILES["dejavu"])
        if all(p.is_file() for p in paths):
            return paths
    bundled = Path(os.path.dirname(reportlab.__file__)) / "fonts"
    return tuple(bundled / name for name in _FILES["vera"])


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold, italic, bold_italic = _font_files()
    pdfmetrics.registerFont(TTFont(FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(FONT + "-Bold", str(bold)))
    pdfmetrics.registerFont(TTFont(FONT + "-Italic", str(italic)))
    pdfmetrics.registerFont(TTFont(FONT + "-BoldItalic", str(bold_italic)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT + "-Bold",
                                  italic=FONT + "-Italic", boldItalic=FONT + "-BoldItalic")


def esc(text: Any) -> str:
    """Text for a ReportLab paragraph: markup characters escaped, line breaks kept."""
    value = strip_invisible(_NOT_XML.sub("", str(text if text is not None else "")))
    return escape(value).replace("\n", "<br/>")


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        common = {"fontName": FONT}
        self.title = ParagraphStyle("RTitle", parent=base["Title"], fontName=FONT + "-Bold",
                                    fontSize=20, leading=26, alignment=TA_CENTER)
        self.centre = ParagraphStyle("RCentre", parent=base["Normal"], alignment=TA_CENTER,
                                     spaceAfter=6, **common)
        self.body = ParagraphStyle("RBody", parent=base["Normal"], fontSize=10, leading=14,
                                   spaceAfter=6, **common)
        self.quote = ParagraphStyle("RQuote", parent=self.body, fontName=FONT + "-Italic",
                                    leftIndent=1 * cm)
        self.warning = ParagraphStyle("RWarn", parent=self.body, textColor=colors.darkred,
                                      fontName=FONT + "-Bold")
        self.h1 = ParagraphStyle("RH1", parent=base["Heading1"], fontName=FONT + "-Bold",
                                 textColor=colors.HexColor("#1f3864"))
        self.h2 = ParagraphStyle("RH2", parent=base["Heading2"], fontName=FONT + "-Bold",
                                 textColor=colors.HexColor("#1f3864"))
        self.h3 = ParagraphStyle("RH3", parent=base["Heading3"], fontName=FONT + "-Bold",
                                 textColor=colors.HexColor("#2e5597"))
        self.cell = ParagraphStyle("RCell", parent=base["Normal"], fontSize=7.5, leading=9,
                                   **common)
        self.note = ParagraphStyle("RNote", parent=self.body, fontSize=8, leading=10)


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    styles: _Styles,
    widths: Sequence[float] | None = None,
    bold_rows: Sequence[bool] | None = None,
) -> Flowable:
    def cell(value: Any, bold: bool = False) -> Paragraph:
        text = esc(value)
        return Paragraph(f"<b>{text}</b>" if bold else text, styles.cell)

    data = [[cell(h, True) for h in headers]]
    for index, row in enumerate(rows):
        bold = bool(bold_rows and bold_rows[index])
        data.append([cell(v, bold) for v in row])
    table = LongTable(data, colWidths=list(widths) if widths else None, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf5")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _redline(changes: Sequence[Any]) -> str:
    parts = []
    for change in changes:
        text = esc(change.text)
        if change.op == "delete":
            parts.append(f'<strike><font color="#b00020">{text}</font></strike>')
        elif change.op == "insert":
            parts.append(f'<u><font color="#004e9a">{text}</font></u>')
        else:
            parts.append(text)
    return "".join(parts)


def _paragraphs(text: str, style: ParagraphStyle) -> list[Flowable]:
    return [Paragraph(esc(block.strip()), style)
            for block in text.replace("\r\n", "\n").split("\n\n") if block.strip()]


def _section(data: ReportData, section: ProvisionSection, styles: _Styles,
             width: float) -> list[Flowable]:
    story: list[Flowable] = []
    if section.part_heading:
        story.append(Paragraph(esc(section.part_heading), styles.h2))
    story.append(Paragraph(esc(section.heading), styles.h2))
    story.append(Paragraph(esc(_("Text under consultation")), styles.h3))
    for line in section.text:
        label = f"<b>{esc(line.label)}</b> " if line.label else ""
        story.append(Paragraph(label + esc(line.text), styles.quote))
    story.append(Paragraph(esc(_("Summary of views")), styles.h3))
    story += _paragraphs(section.summary, styles.body)
    story.append(Paragraph(esc(_("Figures")), styles.h3))
    story.append(Paragraph(esc(_(
        "Comments: %(comments)d; organisations: %(orgs)d. Consensus indicator: %(level)s.",
        comments=section.comments, orgs=section.organisations, level=section.consensus.label,
    )), styles.body))
    headers = [_("Participants"), _("Organisations"), _("Comments"), *data.stance_headers]
    first = 4 * cm
    rest = (width - first) / (len(headers) - 1)
    story.append(_table(
        headers,
        [[r.label, r.organisations, r.comments, *r.stances] for r in section.figure_rows],
        styles,
        widths=[first] + [rest] * (len(headers) - 1),
        bold_rows=[r.emphasis for r in section.figure_rows],
    ))
    story.append(Paragraph(
        f"<b>{esc(_('Reasons: '))}</b>" + esc(" ".join(section.consensus.reasons)), styles.body
    ))
    if section.amendments:
        story.append(Paragraph(esc(_("Proposed amendments")), styles.h3))
        for amendment in section.amendments:
            story.append(Paragraph(esc(_(
                "Proposed by organisations: %(orgs)d (States: %(states)d); comments: %(comments)d; "
                  "similar wordings: %(variants)d.",
                orgs=amendment.organisations, states=amendment.states,
                comments=amendment.comments, variants=amendment.variants,
            )), styles.body))
            story.append(Paragraph(_redline(amendment.changes), styles.quote))
        if section.amendments_total > len(section.amendments):
            story.append(Paragraph(esc(_(
                "%(n)d further groups of amendments are listed in the compilation.",
                n=section.amendments_total - len(section.amendments),
            )), styles.body))
    if section.reservations_total:
        story.append(Paragraph(esc(_("Reservations")), styles.h3))
        story.append(Paragraph(esc(ngettext(
            "A reservation was expressed in %(num)d comment.",
            "Reservations were expressed in %(num)d comments.",
            section.reservations_total,
        )), styles.body))
        for number, note in enumerate(section.reservations, start=1):
            text = f"{note.who}: {note.text}" if note.text else note.who
            story.append(Paragraph(f"<super>{number}</super> {esc(text)}", styles.note))
    return story


def write_pdf(data: ReportData, path: Path) -> None:
    """Write the report as PDF to ``path`` (the same sections as the .docx)."""
    _register_fonts()
    styles = _Styles()
    document = SimpleDocTemplate(
        str(path), pagesize=A4, title=data.title, author="consult_app",
        leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm,
    )
    width = A4[0] - 4 * cm
    story: list[Flowable] = [Spacer(1, 4 * cm), Paragraph(esc(data.title), styles.title)]
    if data.internal:
        story.append(Paragraph(
            esc(_("INTERNAL: for the secretariat only. Not for publication.")), styles.warning
        ))
    for line in (
        data.version_title,
        _("Document symbol: %(symbol)s", symbol=data.symbol) if data.symbol else None,
        _("Text dated %(date)s", date=data.issued_on) if data.issued_on else None,
        _("Consultation open from %(opens)s to %(closes)s (UTC)",
          opens=data.opens_at.strftime("%d %B %Y %H:%M"),
          closes=data.closes_at.strftime("%d %B %Y %H:%M")),
        _("Report generated on %(date)s (UTC)",
          date=data.generated_at.strftime("%d %B %Y %H:%M")),
    ):
        if line:
            story.append(Paragraph(esc(line), styles.centre))
    story.append(PageBreak())

    story.append(Paragraph(esc(_("Introduction")), styles.h1))
    story += [Paragraph(esc(text), styles.body) for text in data.introduction]
    story.append(Paragraph(esc(_("Summary of the consultation")), styles.h2))
    story += _paragraphs(data.overall_summary, styles.body)

    part = data.participation
    story.append(Paragraph(esc(_("Participation")), styles.h1))
    story.append(Paragraph(esc(_(
        "%(subs)d submissions were received, with %(comments)d comments: %(states)d from "
        "States and %(others)d from other stakeholders.",
        subs=part.submissions, comments=part.comments, states=part.states,
        others=part.other_stakeholders,
    )), styles.body))
    story.append(Paragraph(esc(_("States by regional group")), styles.h2))
    group_rows: list[list[Any]] = [[label, n] for label, n in data.participation_by_group]
    if part.states_without_group:
        group_rows.append([_("States outside the regional groups"), part.states_without_group])
    story.append(_table([_("Regional group"), _("States")], group_rows, styles,
                        widths=[10 * cm, 3 * cm]))
    story.append(Paragraph(esc(_("Participants by category")), styles.h2))
    story.append(_table([_("Category"), _("Organisations")],
                        [[label, n] for label, n in data.participation_by_category], styles,
                        widths=[10 * cm, 3 * cm]))

    story.append(Paragraph(esc(_("Views expressed on each provision")), styles.h1))
    for section in data.sections:
        story += _section(data, section, styles, width)

    annex = _("Annex I")
    if data.participants is not None:
        story.append(PageBreak())
        story.append(Paragraph(esc(_("Annex I. Participants who agreed to be named")),
                               styles.h1))
        rows = [[p.name + (" (" + _("co-signer") + ")" if p.cosigner else ""), p.category,
                 p.regional_group] for p in data.participants]
        if rows:
            story.append(_table([_("Participant"), _("Category"), _("Regional group")], rows,
                                styles, widths=[8 * cm, 5 * cm, 4 * cm]))
        else:
            story.append(Paragraph(esc(_("No participant agreed to be named.")), styles.body))
        annex = _("Annex II")

    story.append(PageBreak())
    story.append(Paragraph(esc(_("%(annex)s. Disposition of comments", annex=annex)),
                           styles.h1))
    if data.dispositions:
        count = len(data.disposition_columns)
        story.append(_table([str(c.header) for c in data.disposition_columns],
                            data.dispositions, styles, widths=[width / count] * count))
    else:
        story.append(Paragraph(esc(_("No disposition has been published yet.")), styles.body))
    if data.dispositions_total > len(data.dispositions):
        story.append(Paragraph(esc(_(
            "The first %(shown)d of %(total)d dispositions are shown; the full table is "
            "published separately.", shown=len(data.dispositions),
            total=data.dispositions_total,
        )), styles.body))
    document.build(story)
