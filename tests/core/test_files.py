"""Uploads are parsed, not sniffed (issue 13, finding 8): a PDF must open as a PDF and run
no script; a .docx is a bounded archive of XML parts, checked before anything expands."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from consult_app.core import files
from consult_app.core.files import FileProblem, check_ooxml, check_pdf
from tests.submissions.conftest import PDF_BYTES, docx_bytes


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="x"/>'


def test_a_real_pdf_opens():
    assert check_pdf(PDF_BYTES) == 1


def test_pdf_header_followed_by_html_is_refused():
    hostile = b"%PDF-1.7\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"
    with pytest.raises(FileProblem):
        check_pdf(hostile)


def test_pdf_that_runs_javascript_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    action = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert('hello');"),
    })
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(FileProblem, match="JavaScript"):
        check_pdf(buffer.getvalue())


def test_pdf_without_pages_is_refused():
    writer = PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(FileProblem):
        check_pdf(buffer.getvalue())


def test_a_real_docx_passes():
    result = check_ooxml(docx_bytes(), "word/document.xml")
    assert "word/document.xml" in result.parts


def test_docx_that_expands_enormously_is_refused_before_expanding():
    bomb = _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": b"<w:document/>" + b" " * (30 * 1024 * 1024),
    })
    assert len(bomb) < 200_000  # a small upload...
    with pytest.raises(FileProblem, match="compression"):
        check_ooxml(bomb, "word/document.xml")


def test_total_expanded_size_is_bounded(monkeypatch):
    monkeypatch.setattr(files, "MAX_UNCOMPRESSED", 1000)
    parts = {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<a/>"}
    parts.update({f"word/media/{n}.bin": bytes(range(256)) * 2 for n in range(5)})
    with pytest.raises(FileProblem, match="too large"):
        check_ooxml(_zip(parts), "word/document.xml")


def test_docx_with_parts_that_are_not_xml_is_refused():
    broken = _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": b"this is not <xml at all",
    })
    with pytest.raises(FileProblem, match="not XML"):
        check_ooxml(broken, "word/document.xml")


def test_xml_entities_are_not_expanded():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><document>&b;</document>'
    )
    package = _zip({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": laughs})
    check_ooxml(package, "word/document.xml")  # parsed without expanding: no error, no cost


def test_unsafe_part_names_are_refused():
    package = _zip({
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": b"<a/>",
        "../../evil.xml": b"<a/>",
    })
    with pytest.raises(FileProblem, match="unsafe"):
        check_ooxml(package, "word/document.xml")


def test_python_docx_documents_still_read():
    document = docx.Document(io.BytesIO(docx_bytes("Hello")))
    assert document.paragraphs[0].text == "Hello"


def test_a_package_with_a_damaged_compressed_part_is_refused() -> None:
    """A .docx whose XML part has corrupt deflate data: refused, not a zlib.error (500)."""
    import io
    import zipfile

    from consult_app.core.files import FileProblem, check_ooxml

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" * 50)
        archive.writestr("word/document.xml", "<document>" + "text " * 200 + "</document>")
    data = bytearray(buffer.getvalue())
    # Damage the compressed bytes of the first part (its data starts after the 30-byte
    # local header and the name), leaving the directory intact.
    start = 30 + len("[Content_Types].xml")
    data[start] = 0x00  # "invalid stored block lengths" from zlib
    with pytest.raises(FileProblem):
        check_ooxml(bytes(data), "word/document.xml")
