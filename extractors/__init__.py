"""Readers by input kind. Each reader turns one file into a stream of
:class:`~pipeline.models.Row`; the assembler does the rest.

The contract of a reader (see :class:`Reader`): ``read(path, ctx)`` yields rows in document
order, records per-page problems on ``ctx.errors`` instead of raising, and raises
:class:`~pipeline.errors.InputError` only when the file as a whole cannot be read. Optional
readers say whether their engines are installed through ``is_available()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional, Protocol

from pipeline.errors import InputError
from pipeline.models import ErrorItem, Row, SourceKind
from pipeline.settings import Settings


@dataclass
class ReadContext:
    """What a reader gets besides the path, and what it reports back."""

    settings: Settings
    kind: SourceKind = "text"
    errors: list[ErrorItem] = field(default_factory=list)
    pages: int = 0  # pages seen (0 for text)
    stamps: list[dict] = field(default_factory=list)  # seals found on OCR'd pages: {"page", "bbox", "color"}
    layouts: dict[int, str] = field(default_factory=dict)  # OCR'd page -> "grid" | "geometry" | "mixed"

    def page_error(self, page: Optional[int], stage: str, message: str) -> None:
        self.errors.append(ErrorItem(stage=stage, page=page, message=message))


class Reader(Protocol):
    name: str

    def is_available(self) -> bool: ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Row]: ...


@dataclass(frozen=True)
class FunctionReader:
    """A reader made of a function, with an optional availability probe."""

    name: str
    kind: SourceKind
    func: Callable[[Path, ReadContext], Iterator[Row]]
    available: Callable[[], bool] = lambda: True

    def is_available(self) -> bool:
        return self.available()

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Row]:
        ctx.kind = self.kind
        return self.func(path, ctx)


REGISTRY: dict[str, Reader] = {}


def register(file_type: str, reader: Reader) -> None:
    REGISTRY[file_type] = reader


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


def reader_for(path: Path, head: bytes) -> Reader:
    file_type = detect_type(path, head)
    reader = REGISTRY.get(file_type)
    if reader is None:
        raise InputError(f"no reader for {file_type} files in this installation")
    if not reader.is_available():
        raise InputError(f"the {reader.name} reader is not available (missing engine)")
    return reader


def _read_text(path: Path, ctx: ReadContext) -> Iterator[Row]:
    from .text_dump import read_text_dump

    return read_text_dump(path, ctx.settings)


register("text", FunctionReader(name="text-dump", kind="text", func=_read_text))


def _register_optional() -> None:
    """Readers of other kinds register themselves on import when their modules exist."""
    import importlib

    for module in ("extractors.pdf_text", "extractors.image", "extractors.xlsx", "extractors.xls",
                   "extractors.xml_spreadsheet", "extractors.docx", "extractors.html"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


_register_optional()
