"""Read a .docx with tracked changes as Word would after "accept all" or "reject all"."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def document_xml(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def resolved_paragraphs(data: bytes, accept: bool) -> list[str]:
    """Paragraph texts once every revision is accepted (or rejected)."""
    root = document_xml(data)
    keep, drop = ("ins", "del") if accept else ("del", "ins")
    out: list[str] = []
    for paragraph in root.iter(f"{{{W}}}p"):
        mark = paragraph.find("w:pPr/w:rPr", NS)
        if mark is not None and mark.find(f"w:{drop}", NS) is not None:
            continue  # the paragraph itself is a revision that goes away
        text = []
        for node in paragraph.iter(f"{{{W}}}t", f"{{{W}}}delText"):
            wrappers = {
                a.tag.split("}")[1]
                for a in node.iterancestors()
                if a.tag in (f"{{{W}}}ins", f"{{{W}}}del")
            }
            if drop in wrappers:
                continue
            if (keep == "del" and node.tag == f"{{{W}}}delText") or node.tag == f"{{{W}}}t":
                text.append(node.text or "")
        out.append("".join(text))
    return out


def revisions(data: bytes) -> list[etree._Element]:
    root = document_xml(data)
    return [e for e in root.iter(f"{{{W}}}ins", f"{{{W}}}del")]
