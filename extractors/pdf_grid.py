"""The PDF feed of the table engine (``extractors/table.py``): a page's vector rules -> cells
-> rows, in the engine's steps and with its tolerances (settings ``grid.*_pt``, in points).

    page lines + rectangles -> objects_to_segments -> merge_segments (snap, join)
      -> close_open_ends (a table cut by the page break) -> segments_to_cells (intersections)
      -> mark_open_edges -> cells_to_rows (bands of columns) -> CellLocator
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from pipeline.settings import GridSettings

from .table import (  # noqa: F401  (re-exported: the engine's names, as this module had them)
    CellLocator,
    GridCell,
    GridRow,
    Seg,
    Tolerances,
    cells_to_rows,
    close_open_ends,
    mark_open_edges,
    merge_segments,
    objects_to_segments,
    segments_to_cells,
)


@dataclass
class PageGrid:
    """A page's ruled cells and rows, and where its tables are open at the page break."""

    cells: list[GridCell]
    rows: list[GridRow]
    open_top: Optional[float]
    open_bottom: Optional[float]
    locate: CellLocator

    @property
    def open(self) -> bool:
        return self.open_top is not None or self.open_bottom is not None


def page_grid(lines: Iterable[dict], rects: Iterable[dict], grid: Optional[GridSettings] = None) -> PageGrid:
    """The cells of a page's ruling (pdfplumber ``page.lines`` and visible ``page.rects``)."""
    tol = Tolerances(grid or GridSettings())
    hs, vs = objects_to_segments(lines, rects, tol)
    hs, vs = merge_segments(hs, tol), merge_segments(vs, tol)
    real_hs = hs
    hs, open_top, open_bottom = close_open_ends(hs, vs, tol)
    cells = segments_to_cells(hs, vs, tol)
    mark_open_edges(cells, real_hs, open_top, open_bottom, tol)
    return PageGrid(cells, cells_to_rows(cells, tol), open_top, open_bottom, CellLocator(cells))
