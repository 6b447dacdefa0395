"""Uploaded files checked by parsing them, not by their first bytes or their name.

A file that starts with ``%PDF-`` and goes on as HTML is no PDF; a .docx is a ZIP archive
whose parts must be few, small once expanded, and well-formed XML. Every check here bounds
the work before doing it (the sizes in the archive's directory are read before any part is
expanded), so a 1 GB "zip bomb" costs nothing to refuse.
"""

from __future__ import annotations

import io
import logging
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

logger = logging.getLogger(__name__)

MAX_PARTS = 2_000
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all parts together, once expanded
MAX_PART = 100 * 1024 * 1024
MAX_RATIO = 200  # expanded / compressed size of one part (text compresses ~10x)
MAX_PDF_PAGES = 5_000

_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class FileProblem(ValueError):
    """The file is not what it claims to be, or is unsafe to read; the message says why."""


@dataclass(frozen=True)
class Ooxml:
    """What was checked of an Office Open XML package."""

    parts: frozenset[str]
    uncompressed: int


def check_ooxml(data: bytes, required: str) -> Ooxml:
    """Check a .docx/.xlsx package before anything reads it; raise ``FileProblem``.

    ``required`` is the main part (``word/document.xml``, ``xl/workbook.xml``).
    """
    if not data.startswith(b"PK\x03\x04"):
        raise FileProblem("not a ZIP archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise FileProblem("too many parts")
            names = frozenset(info.filename for info in infos)
            if required not in names or "[Content_Types].xml" not in names:
                raise FileProblem("missing parts")
            total = 0
            for info in infos:
                name = info.filename
                if name.startswith(("/", "\\")) or ".." in name.split("/"):
                    raise FileProblem("unsafe part name")
                if info.flag_bits & 0x1:
                    raise FileProblem("encrypted part")
                total += info.file_size
                if info.file_size > MAX_PART or total > MAX_UNCOMPRESSED:
                    raise FileProblem("too large once expanded")
                if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                    raise FileProblem("suspicious compression")
            # Every part is expanded once (bounded above), so that a damaged one is
            # refused here rather than failing whatever reads the package next.
            for info in infos:
                with archive.open(info) as part:
                    content = part.read(MAX_PART + 1)
                if len(content) != info.file_size:
                    raise FileProblem("part size differs from the directory")
                if info.filename.endswith((".xml", ".rels")):
                    try:
                        etree.fromstring(content, _XML_PARSER)
                    except etree.XMLSyntaxError as error:
                        raise FileProblem(f"part {info.filename} is not XML") from error
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
            NotImplementedError, RuntimeError, zlib.error) as error:
        # zlib.error: a part whose compressed bytes are damaged (found by the property
        # tests: tests/submissions/test_properties.py).
        raise FileProblem("damaged archive") from error
    return Ooxml(parts=names, uncompressed=total)


def _has_javascript(reader: object) -> bool:
    from pypdf import PdfReader

    assert isinstance(reader, PdfReader)
    root = reader.trailer.get("/Root")
    if root is None:
        return False
    root = root.get_object()
    names = root.get("/Names")
    if names is not None and "/JavaScript" in names.get_object():
        return True
    action = root.get("/OpenAction")
    if action is not None:
        action = action.get_object()
        if hasattr(action, "get") and action.get("/S") in ("/JavaScript", "/Launch"):
            return True
    return "/AA" in root


def check_pdf(data: bytes) -> int:
    """Open ``data`` as a PDF and return its page count; raise ``FileProblem`` otherwise.

    Refused: anything pypdf cannot open strictly (e.g. ``%PDF-`` followed by HTML), PDFs
    without pages, encrypted PDFs, and PDFs that run JavaScript when opened.
    """
    if not data.startswith(b"%PDF-"):
        raise FileProblem("not a PDF")
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise FileProblem("encrypted PDF")
        pages = len(reader.pages)
        javascript = _has_javascript(reader)
    except FileProblem:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError) as error:
        raise FileProblem("the PDF cannot be opened") from error
    if pages < 1 or pages > MAX_PDF_PAGES:
        raise FileProblem("no pages" if pages < 1 else "too many pages")
    if javascript:
        raise FileProblem("the PDF runs JavaScript")
    return pages
