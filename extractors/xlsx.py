"""The .xlsx reader (openpyxl): every visible sheet, in workbook order, into rows of cells.

    zip checked (corrupt, encrypted, over office.max_unzipped_bytes -> InputError)
      -> openpyxl in read-only mode (its normal mode styles every merged range's border
         cells: 3/4 of the time on forms), its sheet parser; merges read from the part's
         ``<mergeCell>``s; cached values of formulas (what the sheet shows)
      -> per sheet (``page`` = its 1-based position in the workbook; ``line`` = sheet row):
         each value as displayed by its number format (extractors.numfmt), merged ranges as
         a span on their first cell, the covered cells left out
      -> rows (extractors.office.grid_to_rows): the same IR as every reader

Several forms per sheet and forms over several sheets come out in order; the assembler
splits them at their titles. A sheet over ``office.max_cells`` is skipped with an error item
of that sheet; a workbook with no value at all is an :class:`InputError`.
"""
from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import Row

from pipeline.readers import FunctionReader, ReadContext
from .numfmt import CJK_BUILTIN_FORMATS, display
from .office import GridCell, check_zip, clean_cell_text, grid_to_rows

LONG_NUMBER = 1e15  # a float this big has lost the digits of a long code (15 significant kept)


def long_number_warning(sheet: str, ref: str, text: str) -> str:
    return (f"sheet {sheet!r} cell {ref}: {text} is a number of {len(text)} digits, stored with only 15 "
            "significant ones (a code typed as a number); the digits after the 15th may be wrong")


# a formula cell with no <v> (or an empty one) after its <f>: written by a program, never calculated
_UNSAVED_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
                              rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 1-based, of a sheet part's ``<mergeCell>``s."""
    out = []
    for m in _MERGE.finditer(xml):
        c0, r0 = _col_index(m.group(1)), int(m.group(2))
        c1, r1 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
        out.append((min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)))
    return out


class _Formats:
    """Number format code of a cell's style id (the workbook's style table, looked up once)."""

    def __init__(self, wb):
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

        self.codes: list[str] = []
        for style in wb._cell_styles:
            fid = style.numFmtId
            if fid < BUILTIN_FORMATS_MAX_SIZE:
                code = BUILTIN_FORMATS.get(fid) or CJK_BUILTIN_FORMATS.get(fid, "General")
            else:
                code = wb._number_formats[fid - BUILTIN_FORMATS_MAX_SIZE]
            self.codes.append(code)

    def __getitem__(self, style_id: int) -> str:
        return self.codes[style_id] if 0 <= style_id < len(self.codes) else "General"


def sheet_cells(wb, ws, formats: _Formats, ctx: ReadContext, page: int) -> Optional[list[GridCell]]:
    """A worksheet's cells with text, displayed as the sheet shows them; None (and an error
    item of the sheet) when it holds more than ``office.max_cells`` cells."""
    from openpyxl.worksheet._reader import WorkSheetParser

    limit = ctx.settings.office.max_cells
    xml = wb._archive.read(ws._worksheet_path)
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    for r0, c0, r1, c1 in merged_ranges(xml):
        spans[(r0, c0)] = c1 - c0 + 1
        if (r1 - r0 + 1) * (c1 - c0 + 1) <= limit:
            covered.update((r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1) if (r, c) != (r0, c0))
    if b"<f" in xml or b":f" in xml:
        unsaved = len(_UNSAVED_FORMULA.findall(xml))
        if unsaved:
            ctx.page_error(page, "read", f"sheet {ws.title!r}: {unsaved} formula cells have no saved value (the "
                           "workbook was written by a program and never calculated); they read as empty")
    parser = WorkSheetParser(io.BytesIO(xml), ws._shared_strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
    epoch1904 = wb.epoch.year == 1904
    out: list[GridCell] = []
    seen = 0
    for _, row in parser.parse():
        seen += len(row)
        if seen > limit:
            ctx.page_error(page, "read", f"sheet {ws.title!r} has more than {limit} cells (office.max_cells); skipped")
            return None
        for cell in row:
            value = cell["value"]
            if value is None:
                continue
            r, c = cell["row"], cell["column"]
            if (r, c) in covered:
                continue
            if isinstance(value, str):
                text = clean_cell_text(value)
            else:
                text = display(value, formats[cell.get("style_id", 0) or 0], date1904=epoch1904).strip()
                if isinstance(value, float) and value.is_integer() and abs(value) >= LONG_NUMBER:
                    ctx.page_error(page, "read", long_number_warning(ws.title, f"{_letters(c)}{r}", text))
            if text:
                out.append(GridCell(r - 1, c - 1, text, spans.get((r, c), 1), r))
    return out


def _letters(col: int) -> str:
    name = ""
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def read_xlsx(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import openpyxl

    office = ctx.settings.office
    check_zip(path, "workbook (.xlsx)", "xl/workbook.xml", office)
    try:
        handle = open(path, "rb")  # a file object: openpyxl refuses names that do not end in .xlsx
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unknown extension", "no default style": not our reader's business
            wb = openpyxl.load_workbook(handle, read_only=True, data_only=True, keep_links=False)
        formats = _Formats(wb)
    except Exception as exc:  # openpyxl raises anything from KeyError to lxml errors on a broken part
        handle.close()
        raise InputError(f"corrupt workbook (.xlsx): {type(exc).__name__}: {exc}") from exc
    any_value = False
    try:
        for page, ws in enumerate(wb.worksheets, 1):
            ctx.pages = page
            if ws.sheet_state != "visible" and not office.hidden_sheets:
                continue
            try:
                cells = sheet_cells(wb, ws, formats, ctx, page)
            except Exception as exc:  # noqa: BLE001 - openpyxl and zipfile raise anything on a broken part
                # a broken sheet part (bad XML, a bad CRC, a shared string that is not there): that sheet only
                ctx.page_error(page, "read", f"sheet {ws.title!r} could not be read: {type(exc).__name__}: {exc}")
                any_value = True
                continue
            if cells is None:
                any_value = True
                continue
            any_value = any_value or bool(cells)
            yield from grid_to_rows(cells, page)
    finally:
        wb.close()
        handle.close()
    if not any_value:
        raise InputError("empty workbook: no visible sheet holds a value")


READER = FunctionReader(name="xlsx", kind="xlsx", func=read_xlsx)
