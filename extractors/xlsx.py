"""The .xlsx reader (openpyxl): every visible sheet, in workbook order, into rows of cells.

    zip checked (corrupt, encrypted, over office.max_unzipped_bytes -> InputError)
      -> openpyxl, cached values of formulas (what the sheet shows)
      -> per sheet (``page`` = its 1-based position in the workbook; ``line`` = sheet row):
         each value as displayed by its number format (extractors.numfmt), merged ranges as
         a span on their first cell, the covered cells left out
      -> rows (extractors.office.grid_to_rows): the same IR as every reader

Several forms per sheet and forms over several sheets come out in order; the assembler
splits them at their titles. A sheet over ``office.max_cells`` is skipped with an error item
of that sheet; a workbook with no value at all is an :class:`InputError`.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.models import Row

from . import FunctionReader, ReadContext, register
from .numfmt import CJK_BUILTIN_FORMATS, display
from .office import GridCell, check_zip, clean_cell_text, grid_to_rows

LONG_NUMBER = 1e15  # a float this big has lost the digits of a long code (15 significant kept)


def long_number_warning(sheet: str, ref: str, text: str) -> str:
    return (f"sheet {sheet!r} cell {ref}: {text} is a number of {len(text)} digits, stored with only 15 "
            "significant ones (a code typed as a number); the digits after the 15th may be wrong")


def _number_format(cell) -> str:
    fmt = cell.number_format
    if fmt == "General":
        style = getattr(cell, "_style", None)
        fid = getattr(style, "numFmtId", 0) if style is not None else 0
        return CJK_BUILTIN_FORMATS.get(fid, fmt)
    return fmt


def sheet_cells(ws, ctx: ReadContext, page: int) -> list[GridCell]:
    """A worksheet's cells with text, displayed as the sheet shows them."""
    spans: dict[tuple[int, int], int] = {}
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
    out: list[GridCell] = []
    epoch1904 = getattr(ws.parent, "epoch", None) is not None and ws.parent.epoch.year == 1904
    for (r, c), cell in sorted(ws._cells.items()):
        value = cell.value
        if value is None or cell.__class__.__name__ == "MergedCell":
            continue
        if isinstance(value, str):
            text = clean_cell_text(value)
        else:
            text = display(value, _number_format(cell), date1904=epoch1904).strip()
            if isinstance(value, float) and value.is_integer() and abs(value) >= LONG_NUMBER:
                ctx.page_error(page, "read", long_number_warning(ws.title, cell.coordinate, text))
        if text:
            out.append(GridCell(r - 1, c - 1, text, spans.get((r, c), 1), r))
    return out


def read_xlsx(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import openpyxl

    office = ctx.settings.office
    check_zip(path, "workbook (.xlsx)", "xl/workbook.xml", office)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "unknown extension", "no default style": not our reader's business
            wb = openpyxl.load_workbook(path, data_only=True, read_only=False, keep_links=False)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises anything from KeyError to lxml errors on a broken part
        raise InputError(f"corrupt workbook (.xlsx): {type(exc).__name__}: {exc}") from exc
    any_value = False
    try:
        for page, ws in enumerate(wb.worksheets, 1):
            ctx.pages = page
            if ws.sheet_state != "visible" and not office.hidden_sheets:
                continue
            size = ws.max_row * ws.max_column if ws._cells else 0
            if size > office.max_cells:
                ctx.page_error(page, "read", f"sheet {ws.title!r} has {ws.max_row} rows x {ws.max_column} columns, "
                               f"over the limit of {office.max_cells} cells (office.max_cells); skipped")
                any_value = True
                continue
            cells = sheet_cells(ws, ctx, page)
            any_value = any_value or bool(cells)
            yield from grid_to_rows(cells, page)
    finally:
        wb.close()
    if not any_value:
        raise InputError("empty workbook: no visible sheet holds a value")


register("xlsx", FunctionReader(name="xlsx", kind="xlsx", func=read_xlsx))
