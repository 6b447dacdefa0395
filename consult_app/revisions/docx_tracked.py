"""A comparison as a Word document with real tracked changes (``w:ins`` / ``w:del``).

Each line of the comparison is a Word paragraph; unchanged words are plain runs, inserted
words are runs inside ``w:ins`` and deleted words runs of ``w:delText`` inside ``w:del``,
each revision with its author and date, so that Word and LibreOffice list them and accept
or reject them one by one. A paragraph that is wholly new (or wholly gone) has its
paragraph mark marked inserted (or deleted) too, so that rejecting (or accepting) it
leaves no empty paragraph behind.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from consult_app.core.models import utcnow
from consult_app.revisions.compare import Comparison, LineDiff

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


class _Revisions:
    def __init__(self, author: str, when: datetime) -> None:
        self.author = author
        self.date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.next_id = 1

    def mark(self, tag: str) -> Any:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def _run(text: str, deleted: bool, bold: bool) -> Any:
    run = OxmlElement("w:r")
    if bold:
        properties = OxmlElement("w:rPr")
        properties.append(OxmlElement("w:b"))
        run.append(properties)
    node = OxmlElement("w:delText" if deleted else "w:t")
    node.set(qn("xml:space"), "preserve")
    node.text = text
    run.append(node)
    return run


def _paragraph_mark(paragraph: Any, revision: Any) -> None:
    properties = paragraph.get_or_add_pPr()
    marks = OxmlElement("w:rPr")
    marks.append(revision)
    properties.append(marks)


def _write_line(document: docx.document.Document, line: LineDiff, revisions: _Revisions) -> None:
    style = "Comparison Heading" if line.heading else "Normal"
    paragraph = document.add_paragraph(style=style)
    if line.level:
        paragraph.paragraph_format.left_indent = Cm(1.0 * line.level)
    element: Any = paragraph._p
    if line.op == "inserted":
        _paragraph_mark(element, revisions.mark("w:ins"))
    elif line.op == "deleted":
        _paragraph_mark(element, revisions.mark("w:del"))
    for change in line.changes:
        if not change.text:
            continue
        if change.op == "insert":
            wrapper = revisions.mark("w:ins")
            wrapper.append(_run(change.text, False, line.heading))
            element.append(wrapper)
        elif change.op == "delete":
            wrapper = revisions.mark("w:del")
            wrapper.append(_run(change.text, True, line.heading))
            element.append(wrapper)
        else:
            element.append(_run(change.text, False, line.heading))


def comparison_docx(
    comparison: Comparison, author: str | None = None, when: datetime | None = None
) -> bytes:
    """The .docx of a comparison: a title, an explanation, then the text with its changes."""
    document = docx.Document()
    styles = document.styles
    heading = styles.add_style("Comparison Heading", WD_STYLE_TYPE.PARAGRAPH)
    heading.base_style = styles["Normal"]
    heading.font.bold = True
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.keep_with_next = True
    old, new = comparison.old, comparison.new
    document.core_properties.title = _(
        "Comparison of %(old)s and %(new)s", old=old.display_title, new=new.display_title
    )
    document.core_properties.author = author or "consult_app"
    document.add_heading(new.display_title, level=1)
    document.add_paragraph(
        _(
            "Changes from %(old)s to %(new)s, as tracked changes: accept them to read the new "
            "version, reject them to read the previous one.",
            old=old.display_title,
            new=new.display_title,
        )
    )
    revisions = _Revisions(author or "consult_app", when or utcnow())
    for item in comparison.items:
        for line in item.lines:
            _write_line(document, line, revisions)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
