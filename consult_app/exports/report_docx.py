"""The consensus report as a Word document (python-docx), with real footnotes.

python-docx has no footnote API: :class:`Footnotes` adds the ``word/footnotes.xml`` part
(with the separator notes Word expects) and writes ``w:footnoteReference`` runs, which
Word and LibreOffice show as ordinary footnotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _
from flask_babel import ngettext

from consult_app.core.invisible import strip_invisible
from consult_app.exports.report import ProvisionSection, ReportData

# Characters XML 1.0 cannot hold (python-docx refuses them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

DELETED = RGBColor(0xB0, 0x00, 0x20)
INSERTED = RGBColor(0x00, 0x4E, 0x9A)

_FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" '
    'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing '
    'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote>"
    "</w:footnotes>"
)


def clean(text: Any) -> str:
    """Text for the document: no character XML refuses, no bidirectional control."""
    return strip_invisible(_NOT_XML.sub("", str(text if text is not None else "")))


class Footnotes:
    """The footnotes part of a document, created on the first note."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.element: Any = None
        self.next_id = 1

    def _part(self) -> Any:
        if self.element is None:
            part = XmlPart(
                PackURI("/word/footnotes.xml"),
                CT.WML_FOOTNOTES,
                parse_xml(_FOOTNOTES_XML),
                self.document.part.package,
            )
            self.document.part.relate_to(part, RT.FOOTNOTES)
            self.element = part.element
        return self.element

    def add(self, paragraph: Paragraph, text: str) -> int:
        """Put a footnote reference at the end of ``paragraph``; the note holds ``text``."""
        root = self._part()
        note_id = self.next_id
        self.next_id += 1
        run = paragraph.add_run()
        r_pr = run._r.get_or_add_rPr()
        align = OxmlElement("w:vertAlign")
        align.set(qn("w:val"), "superscript")
        r_pr.append(align)
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(note_id))
        run._r.append(reference)

        note = OxmlElement("w:footnote")
        note.set(qn("w:id"), str(note_id))
        p = OxmlElement("w:p")
        ref_run = OxmlElement("w:r")
        ref_pr = OxmlElement("w:rPr")
        ref_align = OxmlElement("w:vertAlign")
        ref_align.set(qn("w:val"), "superscript")
        ref_pr.append(ref_align)
        ref_run.append(ref_pr)
        ref_run.append(OxmlElement("w:footnoteRef"))
        p.append(ref_run)
        text_run = OxmlElement("w:r")
        text_pr = OxmlElement("w:rPr")
        size = OxmlElement("w:sz")
        size.set(qn("w:val"), "18")
        text_pr.append(size)
        text_run.append(text_pr)
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = " " + clean(text)
        text_run.append(t)
        p.append(text_run)
        note.append(p)
        root.append(note)
        return note_id


def _table(
    document: Document,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    bold_rows: Sequence[bool] | None = None,
    size: float = 9,
    widths: Sequence[float] | None = None,
    vertical_headers: float | None = None,
) -> None:
    """A grid table with a bold header row repeated on every page.

    ``vertical_headers``: the height (cm) of a header row whose labels, but the first, are
    written bottom to top, so that narrow figure columns keep whole words ("Organisations"
    would otherwise break in the middle of the word)."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths:
        table.autofit = False
    for index, (cell, header) in enumerate(zip(table.rows[0].cells, headers, strict=True)):
        run = cell.paragraphs[0].add_run(clean(header))
        run.bold = True
        run.font.size = Pt(size)
        if vertical_headers and index:
            direction = OxmlElement("w:textDirection")
            direction.set(qn("w:val"), "btLr")
            cell._tc.get_or_add_tcPr().append(direction)
    if vertical_headers:
        table.rows[0].height = Cm(vertical_headers)
        table.rows[0].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    # Repeat the header row on every page.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))
    for index, values in enumerate(rows):
        row = table.add_row()
        # A row is never split across two pages.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells = row.cells
        bold = bool(bold_rows and bold_rows[index])
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run(clean(value))
            run.font.size = Pt(size)
            run.bold = bold
    if widths:
        # Word reads the cell widths, LibreOffice the grid: set both.
        for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            grid_col.w = Cm(width)
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                cell.width = Cm(width)


def _redline(document: Document, section_amendment: Any) -> Paragraph:
    paragraph = document.add_paragraph(style="Quote")
    for change in section_amendment.changes:
        run = paragraph.add_run(clean(change.text))
        if change.op == "delete":
            run.font.strike = True
            run.font.color.rgb = DELETED
        elif change.op == "insert":
            run.font.underline = True
            run.font.color.rgb = INSERTED
    return paragraph


def _title_page(document: Document, data: ReportData) -> None:
    title = document.add_paragraph(clean(data.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if data.internal:
        warning = document.add_paragraph()
        run = warning.add_run(_("INTERNAL: for the secretariat only. Not for publication."))
        run.bold = True
        run.font.color.rgb = DELETED
    lines = [
        data.version_title,
        _("Document symbol: %(symbol)s", symbol=data.symbol) if data.symbol else None,
        _("Text dated %(date)s", date=data.issued_on) if data.issued_on else None,
        _("Consultation open from %(opens)s to %(closes)s (UTC)",
          opens=data.opens_at.strftime("%d %B %Y %H:%M"),
          closes=data.closes_at.strftime("%d %B %Y %H:%M")),
        _("Report generated on %(date)s (UTC)",
          date=data.generated_at.strftime("%d %B %Y %H:%M")),
    ]
    for line in lines:
        if line:
            paragraph = document.add_paragraph(clean(line))
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _paragraphs(document: Document, text: str) -> None:
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            document.add_paragraph(clean(block.strip()))


def _participation(document: Document, data: ReportData) -> None:
    document.add_heading(_("Participation"), level=1)
    part = data.participation
    document.add_paragraph(
        _("%(subs)d submissions were received, with %(comments)d comments: %(states)d from "
          "States and %(others)d from other stakeholders.",
          subs=part.submissions, comments=part.comments, states=part.states,
          others=part.other_stakeholders)
    )
    document.add_heading(_("States by regional group"), level=2)
    rows: list[list[Any]] = [[label, n] for label, n in data.participation_by_group]
    if part.states_without_group:
        rows.append([_("States outside the regional groups"), part.states_without_group])
    _table(document, [_("Regional group"), _("States")], rows, widths=[9, 3])
    document.add_heading(_("Participants by category"), level=2)
    _table(document, [_("Category"), _("Organisations")],
           [[label, n] for label, n in data.participation_by_category], widths=[9, 3])


def _section(document: Document, data: ReportData, section: ProvisionSection,
             notes: Footnotes) -> None:
    if section.part_heading:
        document.add_heading(clean(section.part_heading), level=2)
    document.add_heading(clean(section.heading), level=2)
    document.add_heading(_("Text under consultation"), level=3)
    for line in section.text:
        paragraph = document.add_paragraph(style="Quote")
        if line.label:
            paragraph.add_run(clean(line.label) + " ").bold = True
        paragraph.add_run(clean(line.text))
        if line.level:
            paragraph.paragraph_format.left_indent = Pt(18 * line.level + 36)
    document.add_heading(_("Summary of views"), level=3)
    _paragraphs(document, section.summary)
    document.add_heading(_("Figures"), level=3)
    document.add_paragraph(
        _("Comments: %(comments)d; organisations: %(orgs)d. Consensus indicator: %(level)s.",
          comments=section.comments, orgs=section.organisations, level=section.consensus.label)
    )
    headers = [_("Participants"), _("Organisations"), _("Comments"), *data.stance_headers]
    _table(
        document,
        headers,
        [[r.label, r.organisations, r.comments, *r.stances] for r in section.figure_rows],
        bold_rows=[r.emphasis for r in section.figure_rows],
        size=8,
        widths=[4.2] + [1.5] * (len(headers) - 1),
        vertical_headers=3.2,
    )
    reasons = document.add_paragraph(style="List Bullet")
    reasons.add_run(_("Reasons: ")).bold = True
    reasons.add_run(clean(" ".join(section.consensus.reasons)))
    if section.amendments:
        document.add_heading(_("Proposed amendments"), level=3)
        for amendment in section.amendments:
            document.add_paragraph(
                _("Proposed by organisations: %(orgs)d (States: %(states)d); "
                  "comments: %(comments)d; similar wordings: %(variants)d.",
                  orgs=amendment.organisations, states=amendment.states,
                  comments=amendment.comments, variants=amendment.variants)
            )
            _redline(document, amendment)
        if section.amendments_total > len(section.amendments):
            document.add_paragraph(
                _("%(n)d further groups of amendments are listed in the compilation.",
                  n=section.amendments_total - len(section.amendments))
            )
    if section.reservations_total:
        document.add_heading(_("Reservations"), level=3)
        paragraph = document.add_paragraph(
            ngettext("A reservation was expressed in %(num)d comment.",
                     "Reservations were expressed in %(num)d comments.",
                     section.reservations_total)
        )
        for note in section.reservations:
            notes.add(paragraph, f"{note.who}: {note.text}" if note.text else note.who)
        if section.reservations_total > len(section.reservations):
            document.add_paragraph(
                _("Only the first %(n)d are noted; all are in the compilation.",
                  n=len(section.reservations))
            )


def write_docx(data: ReportData, path: Path) -> None:
    """Write the report as .docx to ``path``."""
    document = docx.Document()
    document.core_properties.title = clean(data.title)[:250]
    document.core_properties.subject = clean(data.version_title)[:250]
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)
    notes = Footnotes(document)
    if data.internal:
        header = document.sections[0].header.paragraphs[0]
        header.text = _("INTERNAL: secretariat only")

    _title_page(document, data)
    document.add_heading(_("Introduction"), level=1)
    for text in data.introduction:
        document.add_paragraph(clean(text))
    document.add_heading(_("Summary of the consultation"), level=2)
    _paragraphs(document, data.overall_summary)
    _participation(document, data)

    document.add_heading(_("Views expressed on each provision"), level=1)
    for section in data.sections:
        _section(document, data, section, notes)

    if data.participants is not None:
        document.add_page_break()
        document.add_heading(_("Annex I. Participants who agreed to be named"), level=1)
        rows = [
            [p.name + (" (" + _("co-signer") + ")" if p.cosigner else ""), p.category,
             p.regional_group]
            for p in data.participants
        ]
        if rows:
            _table(document, [_("Participant"), _("Category"), _("Regional group")], rows)
        else:
            document.add_paragraph(_("No participant agreed to be named."))

    # The disposition table is wide: its annex is a landscape section of its own.
    landscape = document.add_section()
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = landscape.page_height, landscape.page_width
    annex = _("Annex II") if data.participants is not None else _("Annex I")
    document.add_heading(_("%(annex)s. Disposition of comments", annex=annex), level=1)
    if data.dispositions:
        _table(document, [str(c.header) for c in data.disposition_columns], data.dispositions,
               size=8)
    else:
        document.add_paragraph(_("No disposition has been published yet."))
    if data.dispositions_total > len(data.dispositions):
        document.add_paragraph(
            _("The first %(shown)d of %(total)d dispositions are shown; the full table is "
              "published separately.", shown=len(data.dispositions),
              total=data.dispositions_total)
        )
    document.save(str(path))
