"""Text lines of a grid cell without the detector (``ocr.cell_lines``).

Inside a cell whose rules were found (and painted out), a horizontal ink projection of the
interior gives its text lines as bands of inked rows; each band's inked columns give its x
extent. A cell whose projection is not clean — a band taller than
``cell_lines_max_band_lines`` line heights (lines touching, a seal, a picture), ink at the
interior's edge (text touching the rules), more than ``cell_lines_max_specks`` tiny bands —
gives ``None``: that cell goes to the detector (``extractors.ocr.pages._cell_lines``; the whole
page when such cells cover too much of it). Every tolerance is a field of
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
    x0, y0 = max(0, int(cell.x0) + inset), max(0, int(cell.y0) + inset)
    x1, y1 = min(gray.shape[1], int(cell.x1) - inset), min(gray.shape[0], int(cell.y1) - inset)
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
    bands = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist()):
        cols = np.flatnonzero(ink[a:b].any(axis=0))
        bands.append((a, b, int(cols[0]), int(cols[-1]) + 1))
    lines, specks = [], 0
    for a, b, c0, c1 in join_specks(bands, line, s):
        h = b - a
        if h > s.cell_lines_max_band_lines * line:
            return None
        if h < s.cell_lines_min_band_lines * line:
            specks += 1
            if specks > s.cell_lines_max_specks:
                return None
            continue  # a speck: the leftover-ink search still reads it if it is text
        lines.append((a, b, c0, c1))
    out = []
    for k, (a, b, c0, c1) in enumerate(lines):
        # grown up and down, but never past the middle of the gap to the next line: the
        # recogniser misreads small marks (the * of 39批次*1000元) beside another line's ink
        top = a - pad if k == 0 else max(a - pad, (lines[k - 1][1] + a + 1) // 2)
        bottom = b + pad if k == len(lines) - 1 else min(b + pad, (b + lines[k + 1][0]) // 2)
        out.append(Box(x0 + c0, max(int(cell.y0), y0 + top), x0 + c1, min(int(cell.y1), y0 + bottom)))
    return out


Band = tuple[int, int, int, int]  # y0, y1, x0, x1 inside the cell's interior


def join_specks(bands: list[Band], line: float, s: OcrSettings) -> list[Band]:
    """Bands with runs of specks (bands lower than ``cell_lines_min_band_lines`` line
    heights) joined into one band where they are no farther apart than
    ``cell_lines_speck_join_lines`` line heights and overlap in x: a colon wrapped onto a
    line of its own (two dots), a faint glyph the ink level broke into pieces. A speck is
    never joined to a band of text; specks side by side in x (noise) stay apart. Two bands no
    farther apart than ``cell_lines_glyph_gap_lines`` (a row or two) are one band when one of
    them is lower than ``cell_lines_glyph_piece_lines`` and together they are no taller than
    ``cell_lines_glyph_max_lines`` (是 whose faint middle stroke left a blank row was read as
    two lines, each recognised as 是; two lines of text set tight stay apart)."""
    low, gap = s.cell_lines_min_band_lines * line, s.cell_lines_speck_join_lines * line
    glyph_gap = s.cell_lines_glyph_gap_lines * line
    piece, glyph_max = s.cell_lines_glyph_piece_lines * line, s.cell_lines_glyph_max_lines * line
    out: list[Band] = []
    prev_speck = False
    for a, b, c0, c1 in bands:
        speck = b - a < low
        glyph = (out and a - out[-1][1] <= glyph_gap and min(b - a, out[-1][1] - out[-1][0]) < piece
                 and b - out[-1][0] <= glyph_max)  # a faint stroke left a row or two blank inside a glyph
        if glyph or (speck and prev_speck and a - out[-1][1] <= gap and c0 < out[-1][3] and out[-1][2] < c1):
            pa, _, p0, p1 = out[-1]
            out[-1] = (pa, b, min(p0, c0), max(p1, c1))
            prev_speck = out[-1][1] - out[-1][0] < low if glyph else speck
        else:
            out.append((a, b, c0, c1))
            prev_speck = speck
    return out


def grid_line_boxes(gray: np.ndarray, cells: Sequence[Box], dpi: float,
                    s: OcrSettings) -> tuple[list[Box], list[Box]]:
    """The clean cells' text lines (:func:`cell_line_boxes`) and the cells that are not clean."""
    out: list[Box] = []
    unclean: list[Box] = []
    for c in cells:
        got = cell_line_boxes(gray, c, dpi, s)
        if got is None:
            unclean.append(c)
        else:
            out += got
    return out, unclean


def grid_lines(gray: np.ndarray, cells: Sequence[Box], dpi: float, s: OcrSettings) -> Optional[list[Box]]:
    """Every cell's text lines (:func:`cell_line_boxes`), None when one cell is not clean."""
    out, unclean = grid_line_boxes(gray, cells, dpi, s)
    return None if unclean else out


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
