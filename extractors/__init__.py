"""Readers by input kind. Each reader turns one file into a stream of
:class:`~pipeline.models.Row`; the assembler does the rest.

The contract of a reader (see :class:`Reader`): ``read(path, ctx)`` yields rows in document
order, records per-page problems on ``ctx.errors`` instead of raising, and raises
:class:`~pipeline.errors.InputError` only when the file as a whole cannot be read. Optional
readers say whether their engines are installed through ``is_available()``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from pipeline import convert as _convert
from pipeline.models import DocumentResult
from pipeline.readers import FunctionReader, ReadContext, Reader, Readers
from pipeline.settings import Settings


PDF_MAGIC = b"%PDF-"
IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}


def detect_type(path: Path, head: bytes) -> str:
    """``text``, ``pdf``, ``image``, ``xlsx``, ``docx``, ``xls`` or ``html`` from the content
    (the name is only a tie-breaker)."""
    office = detect_office(path, head)
    if office:
        return office
    if head.lstrip()[:5] == PDF_MAGIC or PDF_MAGIC in head[:1024]:
        return "pdf"
    for magic, _name in IMAGE_MAGIC:
        if head.startswith(magic) and (magic != b"BM" or path.suffix.lower() == ".bmp"):
            return "image"
    if path.suffix.lower() == ".pdf":
        return "pdf"  # the PDF reader will say what is wrong with it
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return "image"
    return "text"


OFFICE_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".docx": "docx", ".docm": "docx", ".xls": "xls"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
_HTML_MARKS = (b"<html", b"<table", b"<!doctype html")


def detect_office(path: Path, head: bytes) -> Optional[str]:
    """Workbooks, Word documents and web pages by content: a zip with ``xl/`` or ``word/``
    parts, the OLE2 magic (.xls; an encrypted .xlsx/.docx is OLE2 too, and the xls reader says
    so), markup that opens with ``<html``, ``<table`` or a doctype. None for anything else."""
    from .office import OLE2_MAGIC, ZIP_MAGIC, ooxml_kind

    suffix = path.suffix.lower()
    if head.startswith(ZIP_MAGIC):
        return ooxml_kind(path) or (OFFICE_SUFFIXES.get(suffix) if suffix in (".xlsx", ".docx", ".xlsm", ".docm") else None)
    if head.startswith(OLE2_MAGIC):
        return "xls"  # the xls reader tells a workbook from a .doc or an encrypted OOXML file
    from .xml_spreadsheet import is_xml_spreadsheet

    if is_xml_spreadsheet(head.lstrip(b"\xef\xbb\xbf")):
        return "xml-spreadsheet"  # Excel 2003 XML ("导出Excel" of many systems), before the HTML test
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"\xff\xfe") or text.startswith(b"\xfe\xff"):
        text = text[2:].replace(b"\x00", b"").lstrip()
    if text.startswith(b"<") and (any(m in text for m in _HTML_MARKS) or suffix in HTML_SUFFIXES):
        return "html"
    return None


# The readers of this installation, one per file type (each module defines its ``READER``).
from . import docx, html, image, pdf_text, text_dump, xls, xlsx, xml_spreadsheet  # noqa: E402

READERS = Readers(detect=detect_type, by_type={
    "text": text_dump.READER,
    "pdf": pdf_text.READER,
    "image": image.READER,
    "xlsx": xlsx.READER,
    "xls": xls.READER,
    "xml-spreadsheet": xml_spreadsheet.READER,
    "docx": docx.READER,
    "html": html.READER,
})


def reader_for(path: Path, head: bytes) -> Reader:
    return READERS.reader_for(path, head)


def iter_document(path: Path | str, settings: Optional[Settings] = None) -> _convert.Document:
    """:func:`pipeline.convert.iter_document` with this installation's readers."""
    return _convert.iter_document(path, settings, readers=READERS)


def convert(path: Path | str, settings: Optional[Settings] = None) -> DocumentResult:
    """:func:`pipeline.convert.convert` with this installation's readers: all forms of one
    file, with its status and errors. Never raises for bad input."""
    return _convert.convert(path, settings, readers=READERS)


__all__ = ["READERS", "FunctionReader", "ReadContext", "Reader", "Readers", "convert", "detect_type",
           "iter_document", "reader_for"]
