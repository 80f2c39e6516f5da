"""Text lines of a grid cell without the detector (``ocr.cell_lines``).

Inside a cell whose rules were found (and painted out), a horizontal ink projection of the
interior gives its text lines as bands of inked rows; each band's inked columns give its x
extent. A cell whose projection is not clean — a band taller than
``cell_lines_max_band_lines`` line heights (lines touching, a seal, a picture), ink at the
interior's edge (text touching the rules), more than ``cell_lines_max_specks`` tiny bands —
gives ``None``: the page falls back to the detector. Every tolerance is a field of
:class:`~pipeline.settings.OcrSettings`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from pipeline.settings import OcrSettings

from .grid import Box


def cell_line_boxes(gray: np.ndarray, cell: Box, dpi: float, s: OcrSettings) -> Optional[list[Box]]:
    """The text-line boxes of one cell (page pixels), [] for a blank cell, None when the
    cell's projection is not clean."""
    inset = int(round(s.cell_lines_inset_in * dpi))
    x0, y0 = max(0, cell.x0 + inset), max(0, cell.y0 + inset)
    x1, y1 = min(gray.shape[1], cell.x1 - inset), min(gray.shape[0], cell.y1 - inset)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    ink = gray[y0:y1, x0:x1] < s.cell_lines_ink_level
    rows = ink.sum(axis=1) >= s.cell_lines_min_row_pixels
    if not rows.any():
        return []
    e = s.cell_lines_edge_px
    if e and (ink[:e].any() or ink[-e:].any() or ink[:, :e].any() or ink[:, -e:].any()):
        return None
    line = s.cell_lines_line_in * dpi
    edges = np.flatnonzero(np.diff(np.concatenate(([0], rows.view(np.int8), [0]))))
    pad = int(round(s.cell_lines_pad_lines * line))
    out, specks = [], 0
    for a, b in zip(edges[::2], edges[1::2]):
        h = b - a
        if h > s.cell_lines_max_band_lines * line:
            return None
        if h < s.cell_lines_min_band_lines * line:
            specks += 1
            if specks > s.cell_lines_max_specks:
                return None
            continue  # a speck: the leftover-ink search still reads it if it is text
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        out.append(Box(x0 + int(cols[0]), max(cell.y0, y0 + int(a) - pad),
                       x0 + int(cols[-1]) + 1, min(cell.y1, y0 + int(b) + pad)))
    return out


def grid_lines(gray: np.ndarray, cells: Sequence[Box], dpi: float, s: OcrSettings) -> Optional[list[Box]]:
    """Every cell's text lines (:func:`cell_line_boxes`), None when one cell is not clean."""
    out: list[Box] = []
    for c in cells:
        got = cell_line_boxes(gray, c, dpi, s)
        if got is None:
            return None
        out += got
    return out


def outside_strips(shape: tuple[int, int], tables_boxes: Sequence[Box], margin: int) -> list[tuple[int, int]]:
    """(y0, y1) bands of the page, full width, outside every table's vertical extent (each
    table's edge overlapped by ``margin`` pixels)."""
    h = shape[0]
    spans = sorted((max(0, t.y0 + margin), min(h, t.y1 - margin)) for t in tables_boxes)
    out, y = [], 0
    for a, b in spans:
        if a > y:
            out.append((y, a))
        y = max(y, b)
    if y < h:
        out.append((y, h))
    return [(a, b) for a, b in out if b - a >= 16]
