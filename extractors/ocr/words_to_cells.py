"""Recognised words -> rows of cells (the reader IR), by box geometry alone.

``assign_words``     each word to the table cell holding its centre (or overlapping it most);
                     words outside every table (the title above it) stay free;
``words_to_lines``   a cell's words grouped into text lines by vertical overlap, each line
                     read left to right — the engine's own reading order is never used (on
                     these tables it interleaves neighbouring cells);
``tables_to_rows``   one :class:`Row` per atomic table row holding the cells whose top edge is
                     on it (a vertically merged cell appears only in its top row, as the
                     assembler expects), free lines as one-cell rows, all in page order.

Columns are numbered on a fixed scale of ``COL_UNITS`` per table width, starting one unit
inside the cell's left edge, so that the same ruled column gets the same ``col`` on every
page even when the rules are a few pixels apart after deskew (see :func:`column_span`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Sequence

from pipeline.lexicon import join_texts, space_between_letters
from pipeline.models import BBox, Cell, Row

from .engines.base import Word
from .grid import Box, GridCell, Table

COL_UNITS = 100


@dataclass
class CellWords:
    table: int
    cell: GridCell
    words: list[Word] = field(default_factory=list)


def assign_words(words: Sequence[Word], tables: Sequence[Table]) -> tuple[list[CellWords], list[Word]]:
    """(cells with their words, in table then grid order; words in no table)."""
    cells = [CellWords(ti, c) for ti, t in enumerate(tables) for c in t.cells]
    free: list[Word] = []
    for w in words:
        cx, cy = w.box.center
        target: Optional[CellWords] = None
        for cw in cells:
            b = cw.cell.box
            if b.x0 <= cx < b.x1 and b.y0 <= cy < b.y1:
                target = cw
                break
        if target is None:
            best = max(cells, key=lambda cw: (w.box.intersect(cw.cell.box) or Box(0, 0, 0, 0)).area(), default=None)
            if best is not None and (w.box.intersect(best.cell.box) or Box(0, 0, 0, 0)).area() > 0.3 * w.box.area():
                target = best
        if target is None:
            free.append(w)
        else:
            target.words.append(w)
    return cells, free


def words_to_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Text lines top to bottom, each left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.box.y0 + w.box.y1) / 2):
        if lines:
            last = lines[-1]
            top = min(x.box.y0 for x in last)
            bottom = max(x.box.y1 for x in last)
            overlap = min(bottom, w.box.y1) - max(top, w.box.y0)
            if overlap > 0.5 * min(w.box.height, bottom - top):
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w.box.x0) for line in lines]


def join_pieces(pieces: Sequence[str]) -> str:
    """Texts run together: nothing between pieces where either side is a CJK (wide)
    character — wrapped lines and per-character words are one text — else one space."""
    return join_texts((p.strip() for p in pieces), space_between_letters)


def lines_text(lines: Sequence[Sequence[Word]]) -> str:
    return join_pieces([join_pieces([w.text for w in line]) for line in lines])


def column_span(x0: float, x1: float, table: Box) -> tuple[int, int]:
    """(col, colspan) on the fixed scale: col = first whole unit strictly inside the cell."""
    width = max(1, table.width)
    a = (x0 - table.x0) / width * COL_UNITS
    b = (x1 - table.x0) / width * COL_UNITS
    col = max(0, math.floor(a) + 1)
    return col, max(1, math.floor(b) - col)


@dataclass(frozen=True)
class PageGeometry:
    page: int
    scale: float  # page pixels -> output units (PDF points: 72/dpi; images: 1.0)

    def bbox(self, box: Box) -> BBox:
        s = self.scale
        return BBox(x0=round(box.x0 * s, 2), top=round(box.y0 * s, 2), x1=round(box.x1 * s, 2), bottom=round(box.y1 * s, 2))


def _cell(text: str, col: int, colspan: int, box: Box, words: Sequence[Word], geo: PageGeometry) -> Cell:
    conf = min((w.confidence for w in words), default=0.0)
    return Cell(text=text, col=col, colspan=colspan, page=geo.page, bbox=geo.bbox(box),
                confidence=round(conf, 4), origin="ocr")


def tables_to_rows(tables: Sequence[Table], cells: Sequence[CellWords], free: Sequence[Word],
                   geo: PageGeometry, texts: Optional[dict[int, str]] = None,
                   free_rows: Optional[Sequence[tuple[float, Row]]] = None) -> list[Row]:
    """Rows of the page in top-to-bottom order. ``texts`` overrides a cell's text by its
    index in ``cells`` (domain correction re-reads); ``free_rows`` are the rows of the words
    in no table, (top, row), when already built (``geometry.lines_to_rows``), else each
    line of them is a one-cell row."""
    texts = texts or {}
    keyed: list[tuple[float, int, Row]] = []
    for ti, table in enumerate(tables):
        by_row: dict[int, list[Cell]] = {}
        for i, cw in enumerate(cells):
            if cw.table != ti or not cw.words:
                continue
            text = texts[i] if i in texts else lines_text(words_to_lines(cw.words))
            if not text:
                continue
            col, span = column_span(cw.cell.box.x0, cw.cell.box.x1, table.box)
            by_row.setdefault(cw.cell.r0, []).append(_cell(text, col, span, cw.cell.box, cw.words, geo))
        for r, row_cells in by_row.items():
            row_cells.sort(key=lambda c: c.col)
            # the first row of a table drawn open at the top is the rest of a row split by the
            # page break (only when nothing but the table's own rule ends are above it)
            continuation = table.open_top and r == 0 and ti == 0 and not any(
                w.box.y1 <= table.ys[0] for w in free)
            if continuation:  # the tail of a wrapped label ("需填）：") is not part of the value
                row_cells = [c for c in row_cells if not c.text.rstrip().endswith(("：", ":"))] or row_cells
            keyed.append((table.ys[r], len(keyed), Row(cells=row_cells, page=geo.page, continuation=continuation)))
    for top, row in free_rows or ():
        keyed.append((top, len(keyed), row))
    for line in words_to_lines(free) if free_rows is None else ():
        box = line[0].box
        for w in line[1:]:
            box = Box(min(box.x0, w.box.x0), min(box.y0, w.box.y0), max(box.x1, w.box.x1), max(box.y1, w.box.y1))
        text = join_pieces([w.text for w in line])
        keyed.append((box.y0, len(keyed), Row(cells=[_cell(text, 0, 1, box, line, geo)], page=geo.page)))
    keyed.sort(key=lambda k: (k[0], k[1]))
    return [row for _, _, row in keyed]
