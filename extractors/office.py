"""What the workbook, Word and HTML readers share: a grid of cell texts -> rows of cells,
and the checks an Office (OOXML zip / OLE2) container gets before a library parses it.

A grid is what every table format describes: texts at (row, column), horizontal spans, and
vertical merges whose text sits in their first row. ``grid_to_rows`` turns it into the
reader IR the way the other readers do: empty cells left out (their column places the
others), a vertical merge's later rows without a cell in its columns (the assembler fills
一级/二级指标 down), one :class:`~pipeline.models.Row` per grid row that holds any text.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import Cell, Row
from pipeline.settings import OfficeSettings

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(slots=True)
class GridCell:
    """One cell of a table as its format describes it (0-based row and column)."""

    row: int
    col: int
    text: str
    colspan: int = 1
    line: Optional[int] = None  # where it was read: sheet row, source line, body block


def clean_cell_text(text: str) -> str:
    """Line ends folded to ``\\n``, outer white space stripped (inner line breaks are kept:
    the assembler reads a paragraph break inside a value as one space)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def grid_to_rows(cells: Iterable[GridCell], page: Optional[int]) -> Iterator[Row]:
    """Grid cells (any order) -> rows in row order, cells in column order."""
    by_row: dict[int, list[GridCell]] = {}
    for c in cells:
        if c.text:
            by_row.setdefault(c.row, []).append(c)
    for r in sorted(by_row):
        row = sorted(by_row[r], key=lambda c: c.col)
        line = row[0].line
        yield Row([Cell(c.text, c.col, c.colspan, page, None, 1.0, "text", c.line) for c in row], page, line)


# --------------------------------------------------------------------------- containers


def ooxml_kind(path: Path) -> Optional[str]:
    """``xlsx`` or ``docx`` from a zip's part names (None when it is neither, or unreadable)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "word/document.xml" in names or any(n.startswith("word/") for n in names):
        return "docx"
    return None


def check_zip(path: Path, what: str, main_part: str, settings: OfficeSettings) -> None:
    """An .xlsx/.docx container is a readable zip holding ``main_part`` that unpacks to less
    than ``settings.max_unzipped_bytes``; else :class:`InputError` saying which."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(OLE2_MAGIC):
        raise InputError(f"encrypted (password-protected) {what}: save it without a password and try again")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile as exc:
        raise InputError(f"corrupt {what}: not a readable zip archive ({exc})") from exc
    except (OSError, ValueError, EOFError) as exc:
        raise InputError(f"corrupt {what}: {exc}") from exc
    if "xl/workbook.bin" in names:
        raise InputError("an Excel binary workbook (.xlsb): not supported; save it as .xlsx")
    if main_part not in names:
        raise InputError(f"corrupt {what}: the zip has no {main_part}")
    total = sum(i.file_size for i in infos)
    if total > settings.max_unzipped_bytes:
        raise InputError(f"{what} unpacks to {total} bytes, over the limit of {settings.max_unzipped_bytes} "
                         "(office.max_unzipped_bytes)")


def ole2_streams(data: bytes) -> list[str]:
    """The stream names of an OLE2 compound file (xlrd's reader of the directory)."""
    import io

    from xlrd.compdoc import CompDoc, CompDocError

    try:
        doc = CompDoc(data, logfile=io.StringIO())
    except (CompDocError, IndexError, ValueError, AssertionError) as exc:
        raise InputError(f"corrupt OLE2 (Office 97-2003) file: {exc}") from exc
    return [d.name for d in doc.dirlist if d.name]


__all__ = ["GridCell", "OLE2_MAGIC", "ZIP_MAGIC", "check_zip", "clean_cell_text", "grid_to_rows",
           "ole2_streams", "ooxml_kind"]
