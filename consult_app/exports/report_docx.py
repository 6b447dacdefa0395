"""The consensus report as a Word document (python-docx), laid out as a UN report.

A4, Times New Roman 10 pt; the masthead on the first page (no header or footer there);
from the second page the report's symbol in the header and the page number in the footer,
on the outer side (left on even pages, right on odd ones). Paragraphs of the main body
are numbered by Word itself (one list, "1.", "2.", ...: a paragraph inserted later is
numbered too); chapters are "I.", "II.", sub-chapters "A.", "B.".

python-docx has no footnote API: :class:`Footnotes` adds the ``word/footnotes.xml`` part
(with the separator notes Word expects) and writes ``w:footnoteReference`` runs, which
Word and LibreOffice show as ordinary footnotes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from consult_app.core.invisible import strip_invisible
from consult_app.core.templating import RTL_LANGUAGES
from consult_app.exports.report_data import (
    BodyParagraph,
    Chapter,
    MinorHeading,
    ParticipantList,
    ProvisionSection,
    ReportData,
    SubChapter,
    annex_two_intro,
    iter_body,
    table_headers,
    table_rows,
    table_titles,
)

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


FONT = "Times New Roman"
NUMBERED = "UN Numbered Paragraph"
NUM_ID = "90"
# Paragraph numbers hang 1 cm from the margin, the text starts at 2 cm (twips).
TEXT_INDENT = 1134
HANGING = 567
# Word's language tags for the report's locale.
WORD_LANGUAGES = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "ru": "ru-RU", "zh": "zh-CN",
                  "ar": "ar-SA"}

_NUMBERING_XML = (
    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{NUM_ID}">'
    '<w:multiLevelType w:val="singleLevel"/>'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%1."/><w:lvlJc w:val="left"/>'
    f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{TEXT_INDENT}"/></w:tabs>'
    f'<w:ind w:left="{TEXT_INDENT}" w:hanging="{HANGING}"/></w:pPr></w:lvl>'
    "</w:abstractNum>"
)


def _hanging(paragraph: Paragraph, left: int = TEXT_INDENT, hanging: int = HANGING) -> None:
    fmt = paragraph.paragraph_format
    fmt.left_indent = Cm(left / 567)
    fmt.first_line_indent = Cm(-hanging / 567)
    fmt.tab_stops.add_tab_stop(Cm(left / 567))


def _setup_styles(document: Document, language: str) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = Pt(12)
    r_pr = normal.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.append(fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    lang = OxmlElement("w:lang")
    tag = WORD_LANGUAGES.get(language[:2], language.replace("_", "-"))
    lang.set(qn("w:val"), tag)
    lang.set(qn("w:eastAsia"), tag)
    lang.set(qn("w:bidi"), tag)
    r_pr.append(lang)
    for name, size, italic in (("Heading 1", 14, False), ("Heading 2", 12, False),
                               ("Heading 3", 10, False), ("Heading 4", 10, False),
                               ("Heading 5", 10, True), ("Title", 14, False)):
        style = styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = italic
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12 if size > 10 else 6)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
        heading_fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
        if heading_fonts is not None:
            for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
                heading_fonts.attrib.pop(qn(attribute), None)
            for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
                heading_fonts.set(qn(attribute), FONT)
    if language[:2] == "zh":
        fonts.set(qn("w:eastAsia"), "SimSun")  # Word's Chinese serif (Noto Serif CJK elsewhere)
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Heading 5",
                 "Title", "Quote"):
        _complex_script(styles[name])
    title = styles["Title"]
    title_pr = title.element.get_or_add_pPr()
    border = title_pr.find(qn("w:pBdr"))
    if border is not None:
        title_pr.remove(border)
    # The numbered paragraphs of the main body: one Word list.
    numbering = document.part.numbering_part.element
    first_num = numbering.find(qn("w:num"))
    abstract = parse_xml(_NUMBERING_XML)
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{NUM_ID}"><w:abstractNumId w:val="{NUM_ID}"/></w:num>'
    ))
    numbered = styles.add_style(NUMBERED, WD_STYLE_TYPE.PARAGRAPH)
    numbered.base_style = normal
    numbered.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    num_pr = parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{NUM_ID}"/></w:numPr>'
    )
    numbered.element.get_or_add_pPr().insert(0, num_pr)


def _complex_script(style: Any) -> None:
    """Give Arabic text (a complex script: Word reads ``szCs``, ``bCs``, ``iCs``) the size,
    weight and slant the style gives Latin text."""
    r_pr = style.element.get_or_add_rPr()
    for latin, complex_ in (("w:b", "w:bCs"), ("w:i", "w:iCs"), ("w:sz", "w:szCs")):
        source = r_pr.find(qn(latin))
        if source is None or r_pr.find(qn(complex_)) is not None:
            continue
        element = OxmlElement(complex_)
        for key, value in source.attrib.items():
            element.set(key, value)
        source.addnext(element)


def _page_setup(section: Any) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.2)
    section.header_distance = section.footer_distance = Cm(1.2)


def _page_field(paragraph: Paragraph) -> None:
    """A PAGE field: Word and LibreOffice print the page number there."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    number = OxmlElement("w:t")
    number.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, number, end):
        run._r.append(element)


def _headers(document: Document, data: ReportData) -> None:
    """Symbol in the header and page number in the footer, on the outer side; nothing on
    the first page (the masthead)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    section.different_first_page_header_footer = True
    symbol = data.masthead.symbol or ""
    if data.internal:
        symbol = (_("INTERNAL: secretariat only") + "   " + symbol).strip()
    for header, footer, align in (
        (section.header, section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_header, section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = header.paragraphs[0]
        paragraph.alignment = align
        run = paragraph.add_run(clean(symbol))
        run.bold = True
        footer_paragraph = footer.paragraphs[0]
        footer_paragraph.alignment = align
        _page_field(footer_paragraph)
    if data.internal:
        first = section.first_page_header.paragraphs[0]
        first.add_run(_("INTERNAL: secretariat only")).bold = True


def _cell_text(cell: Any, lines: Sequence[tuple[str, float, bool]],
               align: Any = None) -> None:
    """Lines of (text, size in points, bold) in a table cell."""
    first = True
    for text, size, bold in lines:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        first = False
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run(clean(text))
        run.font.size = Pt(size)
        run.bold = bold


def _borders(table: Any, *, bottom_rows: Sequence[int] = (), box: bool = False) -> None:
    """No borders but a rule under ``bottom_rows`` (the masthead), or a box (the summary)."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        drawn = box and edge in ("top", "left", "bottom", "right")
        element.set(qn("w:val"), "single" if drawn else "nil")
        if drawn:
            element.set(qn("w:sz"), "8")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    tbl_pr.append(borders)
    for index in bottom_rows:
        for cell in table.rows[index].cells:
            tc_borders = OxmlElement("w:tcBorders")
            bottom = OxmlElement("w:bottom")
            bottom.set(qn("w:val"), "single")
            bottom.set(qn("w:sz"), "12")
            bottom.set(qn("w:color"), "000000")
            tc_borders.append(bottom)
            cell._tc.get_or_add_tcPr().append(tc_borders)


def _masthead(document: Document, data: ReportData) -> None:
    m = data.masthead
    top = document.add_table(rows=2, cols=2)
    top.autofit = False
    widths = (Cm(10), Cm(6.6))
    for row in top.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    _cell_text(top.rows[0].cells[0], [(_("United Nations"), 10, False)])
    _cell_text(top.rows[0].cells[1], [(m.symbol or "", 16, True)], WD_ALIGN_PARAGRAPH.RIGHT)
    _cell_text(top.rows[1].cells[0], [(m.organ, 20, True)])
    _cell_text(top.rows[1].cells[1], [(m.distribution, 10, False), (m.date, 10, False),
                                      ("", 10, False), (m.original, 10, False)])
    _borders(top, bottom_rows=(0, 1))
    if data.internal:
        warning = document.add_paragraph()
        run = warning.add_run(_("INTERNAL: for the secretariat only. Not for publication."))
        run.bold = True
        run.font.color.rgb = DELETED
    lines = [(m.council, True), (m.session, True), (m.session_dates, False),
             (m.agenda, False), (m.agenda_title, True)]
    spacer = document.add_paragraph()
    spacer.paragraph_format.space_after = Pt(6)
    for text, bold in lines:
        if text:
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.paragraph_format.right_indent = Cm(6)
            paragraph.add_run(clean(text)).bold = bold
    title = document.add_paragraph(clean(m.title), style="Title")
    title.paragraph_format.space_before = Pt(24)
    title.paragraph_format.right_indent = Cm(2)
    if m.subtitle:
        subtitle = document.add_paragraph()
        subtitle.paragraph_format.space_after = Pt(12)
        subtitle.add_run(clean(m.subtitle)).bold = True
    box = document.add_table(rows=1, cols=1)
    _borders(box, box=True)
    cell = box.rows[0].cells[0]
    heading = cell.paragraphs[0]
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.paragraph_format.space_before = Pt(6)
    run = heading.add_run(_("Summary"))
    run.bold = True
    run.font.size = Pt(12)
    for text in m.summary:
        paragraph = cell.add_paragraph(clean(text))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.left_indent = Cm(1)
        paragraph.paragraph_format.right_indent = Cm(0.5)
    document.add_page_break()


def _chapter_heading(document: Document, label: str, title: str, level: int) -> None:
    heading = document.add_heading(f"{label}.\t{clean(title)}", level=level)
    _hanging(heading)


def _body(document: Document, data: ReportData) -> None:
    for kind, item in iter_body(data):
        if kind == "chapter":
            assert isinstance(item, Chapter)
            _chapter_heading(document, item.number, item.title, 1)
        elif kind == "subchapter":
            assert isinstance(item, SubChapter)
            _chapter_heading(document, item.letter, item.title, 2)
        elif kind == "heading":
            assert isinstance(item, MinorHeading)
            heading = document.add_heading(clean(item.text), level=3)
            heading.paragraph_format.left_indent = Cm(TEXT_INDENT / 567)
        else:
            assert isinstance(item, BodyParagraph)
            document.add_paragraph(clean(item.text), style=NUMBERED)


def _annex_heading(document: Document, annex: str, title: str) -> None:
    document.add_heading(annex, level=1)
    document.add_heading(clean(title), level=2)


def _participants(document: Document, data: ReportData) -> None:
    document.add_page_break()
    _annex_heading(document, _("Annex I"), _("List of participants"))
    if not data.participants:
        document.add_paragraph(_("No submission was received."))
        return
    for group in data.participants:
        document.add_heading(clean(group.heading), level=3)
        if group.names:
            paragraph = document.add_paragraph(clean(group.joined))
            paragraph.paragraph_format.left_indent = Cm(TEXT_INDENT / 567)
        if group.unnamed:
            paragraph = document.add_paragraph(_unnamed_text(group))
            paragraph.paragraph_format.left_indent = Cm(TEXT_INDENT / 567)


def _unnamed_text(group: ParticipantList) -> str:
    if group.names:
        return ngettext("In addition, %(count)s participant took part without being named.",
                        "In addition, %(count)s participants took part without being named.",
                        group.unnamed, count=format_number(group.unnamed))
    return ngettext("%(count)s participant, not named in line with the rules of the "
                    "consultation.",
                    "%(count)s participants, not named in line with the rules of the "
                    "consultation.", group.unnamed, count=format_number(group.unnamed))


def _section(document: Document, data: ReportData, section: ProvisionSection,
             notes: Footnotes) -> None:
    heading = document.add_heading(clean(section.heading), level=4)
    _set_language(heading, section.language)
    if section.fallback_note:
        document.add_paragraph().add_run(clean(section.fallback_note)).italic = True
    for line in section.text:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(1 + 0.75 * line.level)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        text = f"{line.label} {line.text}" if line.label else line.text
        _set_language(paragraph, line.language, paragraph.add_run(clean(text)))
        if line.original:
            mark = paragraph.add_run(" " + _("(original text)"))
            mark.italic = True
            _set_language(None, data.language, mark)
    document.add_paragraph(
        _("Comments: %(comments)s; organisations: %(orgs)s. Consensus indicator: %(level)s.",
          comments=format_number(section.comments), orgs=format_number(section.organisations),
          level=section.consensus.label)
    )
    reasons = document.add_paragraph()
    reasons.paragraph_format.space_before = Pt(6)
    reasons.add_run(_("Reasons: ")).bold = True
    reasons.add_run(clean(" ".join(section.consensus.reasons)))
    if section.amendments:
        document.add_heading(_("Proposed amendments"), level=5)
        for amendment in section.amendments:
            document.add_paragraph(
                _("Proposed by organisations: %(orgs)s (States: %(states)s); "
                  "comments: %(comments)s; similar wordings: %(variants)s.",
                  orgs=format_number(amendment.organisations),
                  states=format_number(amendment.states),
                  comments=format_number(amendment.comments),
                  variants=format_number(amendment.variants))
            )
            _redline(document, amendment)
        if section.amendments_total > len(section.amendments):
            document.add_paragraph(
                _("%(n)d further groups of amendments are listed in the compilation.",
                  n=section.amendments_total - len(section.amendments))
            )
    if section.reservations_total:
        document.add_heading(_("Reservations"), level=5)
        paragraph = document.add_paragraph(
            ngettext("A reservation was expressed in %(count)s comment.",
                     "Reservations were expressed in %(count)s comments.",
                     section.reservations_total,
                     count=format_number(section.reservations_total))
        )
        for note in section.reservations:
            notes.add(paragraph, f"{note.who}: {note.text}" if note.text else note.who)
        if section.reservations_total > len(section.reservations):
            document.add_paragraph(
                _("Only the first %(n)d are noted; all are in the compilation.",
                  n=len(section.reservations))
            )


# Column widths (cm) of the tables of annex II, within the 16.6 cm of an A4 page.
_TABLE_WIDTHS = {
    "states": [2.4, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 4.0],
    "others": [2.4, 1.6, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2],
    "groups": [2.4, 2.8, 2.8, 2.8, 2.8, 2.8],
}


def _annex_tables(document: Document, data: ReportData) -> None:
    rows, headers, titles = table_rows(data), table_headers(data), table_titles()
    for key in ("states", "others", "groups"):
        caption = document.add_paragraph()
        caption.paragraph_format.keep_with_next = True
        caption.paragraph_format.space_before = Pt(12)
        caption.add_run(titles[key]).bold = True
        _table(document, headers[key], rows[key], size=8, widths=_TABLE_WIDTHS[key],
               vertical_headers=4.2 if key != "groups" else None)


def _paragraphs(document: Document, text: str) -> None:
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if block.strip():
            document.add_paragraph(clean(block.strip()))


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
    # A proposed wording runs in its own direction (the language it was written in), as
    # the HTML's dir="auto": an English amendment stays left to right in an Arabic report.
    _set_direction(paragraph, _starts_right_to_left(section_amendment.wording))
    return paragraph


def _starts_right_to_left(text: str) -> bool:
    """The direction of ``text`` by its first strong character (Unicode's rule P2)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _set_direction(paragraph: Paragraph, rtl: bool) -> None:
    """``w:bidi`` on the paragraph and ``w:rtl`` on its runs, on or explicitly off (so
    that :func:`_right_to_left` leaves them be)."""
    p_pr = paragraph._p.get_or_add_pPr()
    bidi = p_pr.find(qn("w:bidi"))
    if bidi is None:
        bidi = OxmlElement("w:bidi")
        p_pr.insert_element_before(bidi, *_PPR_AFTER_BIDI)
    bidi.set(qn("w:val"), "1" if rtl else "0")
    for run in paragraph.runs:
        r_pr = run._r.get_or_add_rPr()
        direction = r_pr.find(qn("w:rtl"))
        if direction is None:
            direction = OxmlElement("w:rtl")
            r_pr.insert_element_before(direction, *_RPR_AFTER_RTL)
        direction.set(qn("w:val"), "1" if rtl else "0")


def _word_language(language: str) -> str:
    return WORD_LANGUAGES.get(language[:2], language.replace("_", "-"))


def _set_language(paragraph: Paragraph | None, language: str, *runs: Any) -> None:
    """Mark a paragraph and runs as written in ``language``: its direction (``w:bidi`` on
    the paragraph, ``w:rtl`` on the runs, explicitly off for a left-to-right language, so
    that :func:`_right_to_left` leaves them be) and ``w:lang``."""
    rtl = language[:2] in RTL_LANGUAGES
    if paragraph is not None:
        p_pr = paragraph._p.get_or_add_pPr()
        bidi = p_pr.find(qn("w:bidi"))
        if bidi is None:
            bidi = OxmlElement("w:bidi")
            p_pr.insert_element_before(bidi, *_PPR_AFTER_BIDI)
        bidi.set(qn("w:val"), "1" if rtl else "0")
        runs = runs or tuple(paragraph.runs)
    tag = _word_language(language)
    for run in runs:
        r_pr = run._r.get_or_add_rPr()
        for name in ("w:rtl", "w:lang"):
            old = r_pr.find(qn(name))
            if old is not None:
                r_pr.remove(old)
        direction = OxmlElement("w:rtl")
        direction.set(qn("w:val"), "1" if rtl else "0")
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), tag)
        lang.set(qn("w:eastAsia"), tag)
        lang.set(qn("w:bidi"), tag)
        r_pr.insert_element_before(direction, *_RPR_AFTER_RTL)
        r_pr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")


# Elements that come after w:bidi in w:pPr, after w:rtl in w:rPr (the schema's order).
_PPR_AFTER_BIDI = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
    "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
    "w:pPrChange",
)
_RPR_AFTER_RTL = (
    "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)


def _right_to_left(document: Document) -> None:
    """A report in Arabic: every paragraph right to left (``w:bidi``) and every run too
    (``w:rtl``), tables mirrored (``w:bidiVisual``), sections too (``w:bidi``: the gutter
    and columns); a paragraph or run already marked (the original's English text) keeps
    its direction."""
    parts = [document.element.body]
    for section in document.sections:
        for item in (section.header, section.footer, section.even_page_header,
                     section.even_page_footer, section.first_page_header,
                     section.first_page_footer):
            parts.append(item._element)
    footnotes = [
        rel.target_part.element
        for rel in document.part.rels.values()
        if rel.reltype == RT.FOOTNOTES
    ]
    for root in parts + footnotes:
        for p in root.iter(qn("w:p")):
            p_pr = p.find(qn("w:pPr"))
            if p_pr is None:
                p_pr = OxmlElement("w:pPr")
                p.insert(0, p_pr)
            if p_pr.find(qn("w:bidi")) is None:
                p_pr.insert_element_before(OxmlElement("w:bidi"), *_PPR_AFTER_BIDI)
            for r in p.iter(qn("w:r")):
                r_pr = r.find(qn("w:rPr"))
                if r_pr is None:
                    r_pr = OxmlElement("w:rPr")
                    r.insert(0, r_pr)
                if r_pr.find(qn("w:rtl")) is None:
                    r_pr.insert_element_before(OxmlElement("w:rtl"), *_RPR_AFTER_RTL)
        for tbl_pr in root.iter(qn("w:tblPr")):
            if tbl_pr.find(qn("w:bidiVisual")) is None:
                tbl_pr.insert_element_before(
                    OxmlElement("w:bidiVisual"),
                    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders",
                    "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                    "w:tblDescription", "w:tblPrChange",
                )
    for sect_pr in document.element.body.iter(qn("w:sectPr")):
        if sect_pr.find(qn("w:bidi")) is None:
            sect_pr.insert_element_before(
                OxmlElement("w:bidi"), "w:rtlGutter", "w:docGrid", "w:printerSettings",
                "w:sectPrChange",
            )


def write_docx(data: ReportData, path: Path) -> None:
    """Write the report as .docx to ``path``."""
    document = docx.Document()
    document.core_properties.title = clean(data.title)[:250]
    document.core_properties.subject = clean(data.version_title)[:250]
    document.core_properties.language = WORD_LANGUAGES.get(data.language[:2], data.language)
    if data.masthead.symbol:
        document.core_properties.identifier = clean(data.masthead.symbol)[:250]
    _setup_styles(document, data.language)
    _page_setup(document.sections[0])
    _headers(document, data)
    notes = Footnotes(document)

    _masthead(document, data)
    _body(document, data)
    _participants(document, data)

    document.add_page_break()
    _annex_heading(document, _("Annex II"), _("Views and figures by provision"))
    document.add_paragraph(annex_two_intro(data))
    _annex_tables(document, data)
    document.add_heading(_("Notes by provision"), level=3)
    for section in data.commented_sections:
        _section(document, data, section, notes)

    # The disposition table is wide: its annex is a landscape section of its own.
    landscape = document.add_section(WD_SECTION.NEW_PAGE)
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = Mm(297), Mm(210)
    _annex_heading(document, _("Annex III"), _("Disposition of comments"))
    if data.dispositions:
        _table(document, [str(c.header) for c in data.disposition_columns], data.dispositions,
               size=8)
    else:
        document.add_paragraph(_("No disposition has been published yet."))
    if data.dispositions_total > len(data.dispositions):
        document.add_paragraph(
            _("The first %(shown)s of %(total)s dispositions are shown; the full table is "
              "published separately.", shown=format_number(len(data.dispositions)),
              total=format_number(data.dispositions_total))
        )
    if data.language[:2] in RTL_LANGUAGES:
        _right_to_left(document)
    document.save(str(path))
