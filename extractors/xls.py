"""The .xls reader (Excel 97-2003, BIFF8) with xlrd, ``formatting_info=True`` for merged
ranges and number formats; the same rows as the .xlsx reader.

Why xlrd and not a LibreOffice conversion to .xlsx: it reads in-process in milliseconds
(a conversion starts an office suite: ~5-10 s a file here, and a runtime dependency of
hundreds of MB), and BIFF8 keeps what the reader needs (merged ranges, each cell's XF with
its number format, the 1904 date flag).

Every OLE2 file comes here (the magic is shared): an encrypted .xlsx/.docx (an OLE2 box
with an ``EncryptedPackage`` stream) and a Word 97 ``.doc`` get their own error line.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.models import Row

from pipeline.readers import FunctionReader, ReadContext
from .numfmt import CJK_BUILTIN_FORMATS, display, serial_to_datetime
from .office import GridCell, clean_cell_text, grid_to_rows, ole2_streams
from .xlsx import LONG_NUMBER, long_number_warning


def _col_name(c: int) -> str:
    name = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        name = chr(65 + r) + name
    return name


def classify_ole2(data: bytes) -> None:
    """Raise the right :class:`InputError` for an OLE2 file that is not an .xls workbook."""
    names = set(ole2_streams(data))
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        raise InputError("encrypted (password-protected) Office document: save it without a password and try again")
    if "WordDocument" in names:
        raise InputError("a Word 97-2003 .doc file: not supported; save it as .docx")
    if "PowerPoint Document" in names:
        raise InputError("a PowerPoint file, not a workbook")
    if not names & {"Workbook", "Book", "WORKBOOK", "BOOK"}:
        raise InputError("an OLE2 (Office 97-2003) file without a workbook stream")


def sheet_cells(book, sh, ctx: ReadContext, page: int) -> list[GridCell]:
    import xlrd

    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for rlo, rhi, clo, chi in sh.merged_cells:
        spans[(rlo, clo)] = chi - clo
        for r in range(rlo, rhi):
            for c in range(clo, chi):
                if (r, c) != (rlo, clo):
                    covered.add((r, c))
    out: list[GridCell] = []
    for r in range(sh.nrows):
        types = sh.row_types(r)
        values = sh.row_values(r)
        for c, (t, v) in enumerate(zip(types, values)):
            if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or (r, c) in covered:
                continue
            if t == xlrd.XL_CELL_TEXT:
                text = clean_cell_text(v)
            elif t == xlrd.XL_CELL_BOOLEAN:
                text = "TRUE" if v else "FALSE"
            elif t == xlrd.XL_CELL_ERROR:
                text = xlrd.error_text_from_code.get(v, "#ERR")
            else:
                xf = book.xf_list[sh.cell_xf_index(r, c)]
                fmt_obj = book.format_map.get(xf.format_key)
                fmt = fmt_obj.format_str if fmt_obj is not None else "General"
                if fmt == "General" and xf.format_key in CJK_BUILTIN_FORMATS:
                    fmt = CJK_BUILTIN_FORMATS[xf.format_key]
                if t == xlrd.XL_CELL_DATE:
                    try:
                        value = serial_to_datetime(v, book.datemode == 1)
                    except (OverflowError, ValueError):
                        value = v
                    text = display(value, fmt).strip()
                else:
                    text = display(v, fmt).strip()
                    if isinstance(v, float) and v.is_integer() and abs(v) >= LONG_NUMBER:
                        ctx.page_error(page, "read", long_number_warning(sh.name, f"{_col_name(c)}{r + 1}", text))
            if text:
                out.append(GridCell(r, c, text, spans.get((r, c), 1), r + 1))
    return out


def read_xls(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import xlrd

    office = ctx.settings.office
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc
    classify_ole2(data)
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                  logfile=open("/dev/null", "w"))
    except xlrd.biffh.XLRDError as exc:
        raise InputError(f"corrupt workbook (.xls): {exc}") from exc
    except Exception as exc:  # xlrd asserts and indexes its way through a broken BIFF stream
        raise InputError(f"corrupt workbook (.xls): {type(exc).__name__}: {exc}") from exc
    any_value = False
    try:
        for page in range(1, book.nsheets + 1):
            ctx.pages = page
            try:
                sh = book.sheet_by_index(page - 1)
            except Exception as exc:
                ctx.page_error(page, "read", f"sheet {page} could not be read: {type(exc).__name__}: {exc}")
                continue
            if sh.visibility != 0 and not office.hidden_sheets:
                continue
            if sh.nrows * sh.ncols > office.max_cells:
                ctx.page_error(page, "read", f"sheet {sh.name!r} has {sh.nrows} rows x {sh.ncols} columns, over "
                               f"the limit of {office.max_cells} cells (office.max_cells); skipped")
                any_value = True
                continue
            cells = sheet_cells(book, sh, ctx, page)
            any_value = any_value or bool(cells)
            yield from grid_to_rows(cells, page)
            book.unload_sheet(page - 1)
    finally:
        book.release_resources()
    if not any_value:
        raise InputError("empty workbook: no visible sheet holds a value")


READER = FunctionReader(name="xls", kind="xls", func=read_xls)
