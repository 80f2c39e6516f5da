"""Ruled table lines -> cell grid with merged cells, and line removal before recognition.

``ink_to_line_masks``  horizontal and vertical rules by morphological opening with long
                       kernels (a quarter inch: longer than any stroke of 10-16 pt text);
``gray_to_line_masks`` the same rules found on their own image, not on the text's
                       binarisation: thin office rules after a scanner and JPEG are 1-2 px of
                       gray 120-190 on a 240 page, below any global threshold. Each pixel's
                       darkness against the local background, smoothed along the rule's
                       direction, minus the darkness a few pixels either side (a ridge: thin
                       and long, which text strokes are not), then gaps bridged and opened
                       with the long kernel; united with ``ink_to_line_masks``;
``runs_clear_beside``   vertical runs with ink beside them on many of their rows dropped
                       (the strokes of characters stacked in tight rows, not a rule);
``masks_to_tables``    one table per connected group of rules (several per page are fine): the
                       masks' pixel runs as segments (``table.mask_runs``), then the shared
                       table engine's lattice (``table.lattice_table``: the atomic grid of
                       every rule position, neighbouring atomic cells merged wherever the rule
                       between them is missing — a vertically merged 一级指标 cell or a value
                       cell spanning three columns is one cell with its row and column spans);
``remove_lines``       rules painted white, so the recogniser never reads them as 一 or 丨.

Pure functions over numpy arrays; nothing here knows about OCR engines. Cells, tables and
their tolerances are the engine's (``extractors/table.py``, settings ``grid.*_pt``).
"""
from __future__ import annotations

from typing import Optional

import cv2
import numpy as np

from pipeline.settings import GridSettings

from ..table import Box, GridCell, SegmentIndex, Table, Tolerances, lattice_table, mask_runs  # noqa: F401 (Box, GridCell re-exported)


def ink_to_line_masks(ink: np.ndarray, dpi: float, grid: Optional[GridSettings] = None) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rule masks of a binarised, deskewed page (runs of
    ``grid.rule_open_in`` / ``grid.rule_vlen_in``)."""
    g = grid or GridSettings()
    kh = max(20, int(dpi * g.rule_open_in))  # no run of text strokes is this long; every cell is wider
    kv = max(15, int(dpi * g.rule_vlen_in))  # rows of one line are about this tall
    # close tiny gaps first (JPEG and noise break thin rules)
    closed_h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1)))
    closed_v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 3)))
    horiz = cv2.morphologyEx(closed_h, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    vert = cv2.morphologyEx(closed_v, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    return horiz, vert


def rule_darkness(gray: np.ndarray, dpi: float, cap: float) -> np.ndarray:
    """How much darker each pixel is than the page around it (uint8, capped at ``cap``): the
    background is a gray closing, which removes every thin dark feature. Capped so that
    black text cannot outweigh a faint rule, nor fill the gaps between characters."""
    k = max(5, int(dpi * 0.05)) | 1
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    return cv2.min(cv2.subtract(bg, gray), int(min(255, cap)))


def rule_ridges(dark: np.ndarray, dpi: float, min_contrast: float, smooth_in: float, axis: int) -> np.ndarray:
    """Pixels on a thin dark ridge along ``axis`` (1: horizontal rules, 0: vertical), 255.

    ``dark`` (:func:`rule_darkness`) averaged over ``smooth_in`` inch along the rule: a rule
    keeps its contrast and noise averages out. A thin rule is darker by ``min_contrast``
    than the pixels ``d`` above and below it (left and right for vertical rules), and at
    least twice as dark: the bottom strokes of a line of characters have the glyphs' bodies
    just above them, a rule has paper (a cell's padding) on both sides."""
    n = max(3, int(dpi * smooth_in))
    a = cv2.blur(dark, (n, 1) if axis == 1 else (1, n))
    d = max(2, int(round(dpi * 0.015))) + 1
    side = np.full_like(a, 255)
    if axis == 1:
        cv2.max(a[:-2 * d], a[2 * d:], dst=side[d:-d])
    else:
        side[:, d:-d] = cv2.max(a[:, :-2 * d], a[:, 2 * d:])
    out = cv2.compare(cv2.subtract(a, side), int(min_contrast), cv2.CMP_GE)
    return cv2.bitwise_and(out, cv2.compare(cv2.add(side, side), a, cv2.CMP_LE))


def runs_between_rules(mask: np.ndarray, other: np.ndarray, tol: int, axis: int, reach: int = 0,
                       keep_longer: int = 0) -> np.ndarray:
    """The runs of ``mask`` (rules along ``axis``: 1 horizontal, 0 vertical) whose two ends
    touch a rule of ``other`` (the crossing direction) within ``tol`` pixels, looking up to
    ``reach`` pixels in from each end (smoothing along the rule makes a run overshoot the
    crossing): a table rule runs from rule to rule; a column of characters ends in the open."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = mask.copy()
    H, W = mask.shape
    for i in range(1, n):
        x, y, w, h, _a = (int(v) for v in stats[i])
        if keep_longer and (w if axis == 1 else h) > keep_longer:
            continue
        z = max(1, min(reach + 1, (w if axis == 1 else h) // 2))
        y0, y1, x0, x1 = max(0, y - tol), min(H, y + h + tol), max(0, x - tol), min(W, x + w + tol)
        if axis == 1:
            a, b = other[y0:y1, x0:x + z + tol].any(), other[y0:y1, x + w - z - tol:x1].any()
        else:
            a, b = other[y0:y + z + tol, x0:x1].any(), other[y + h - z - tol:y1, x0:x1].any()
        if not (a and b):
            out[y:y + h, x:x + w] = 0  # a run of thin rows or columns: its box holds nothing else
    return out


def runs_clear_beside(vert: np.ndarray, ink: np.ndarray, dpi: float, side_in: float, max_share: float,
                      keep_longer: int = 0, touch_max: float = 1.0) -> np.ndarray:
    """The vertical runs of ``vert`` with paper beside them: a run is dropped when, on more
    than ``max_share`` of its rows, ``ink`` lies within ``side_in`` inch left or right of it
    (past a 0.01 in margin). A table rule has a cell's padding either side (ink beside it only
    where a rule crosses it or text runs up to it); the vertical strokes of
    characters stacked in tight rows (a Ming face such as AR PL UMing, rows set without
    padding, the rule between them bridged) make runs from rule to rule too, but the other
    strokes of their characters touch them on 0.35-1.0 of their rows. A run is kept all the
    same when the ink beside it is apart from it, on one side only, on all but ``touch_max``
    of its rows: text set tight against a rule (a phone photo's 三级指标 and 指标解释 columns,
    ink beside on 0.32 of the rule's rows, but on both sides or joined to it on 0.06-0.07),
    where the strokes of stacked characters cross the run or lie either side of it (0.22-1.0
    measured on the Ming-face scans)."""
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    out = vert.copy()
    W = ink.shape[1]
    d, w_side = max(1, int(round(dpi * 0.01))), max(2, int(round(dpi * side_in)))
    for i in range(1, n):
        x, y, w, h, _a = (int(v) for v in stats[i])
        if keep_longer and h > keep_longer:
            continue  # longer than any column of stacked characters measured (under 1 in)
        left = ink[y:y + h, max(0, x - d - w_side):max(0, x - d)]
        right = ink[y:y + h, min(W, x + w + d):min(W, x + w + d + w_side)]
        lb = left.any(axis=1) if left.size else np.zeros(h, bool)
        rb = right.any(axis=1) if right.size else np.zeros(h, bool)
        if (lb | rb).mean() <= max_share:
            continue
        if touch_max < 1:
            # ink joined to the run: every pixel from the run out to the window inked on that row
            lj = ink[y:y + h, max(0, x - d - 1):x].all(axis=1) if x > 0 else np.zeros(h, bool)
            rj = ink[y:y + h, x + w:min(W, x + w + d + 1)].all(axis=1) if x + w < W else np.zeros(h, bool)
            if ((lb & rb) | (lb & lj) | (rb & rj)).mean() <= touch_max:
                continue
        out[y:y + h, x:x + w][_labels[y:y + h, x:x + w] == i] = 0
    return out


def gray_to_line_masks(gray: np.ndarray, ink: np.ndarray, dpi: float, min_contrast: float = 10.0,
                       smooth_in: float = 0.08, gap_in: float = 0.03,
                       min_len_in: float = 0.8, grid: Optional[GridSettings] = None) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rule masks of a deskewed grayscale page: thin, faint and broken
    rules from :func:`rule_ridges` united with the rules of the binarised ``ink``.

    Ridges are smoothed along the rule (``smooth_in``; a quarter of it for vertical ones, so
    the strokes of wrapped lines stay apart), gaps up to ``gap_in`` inch bridged, runs
    shorter than ``min_len_in`` inch (a quarter inch for vertical ones: a one-line row)
    dropped, and only runs whose both ends meet a crossing rule are kept — the bottom strokes
    of a line of characters and the strokes of a column of them end in the open."""
    g = grid or GridSettings()
    h0, v0 = ink_to_line_masks(ink, dpi, g)
    gap = max(2, int(dpi * gap_in))
    kh = max(20, int(dpi * min_len_in))
    kv = max(15, int(dpi * g.rule_vlen_in))
    dark = rule_darkness(gray, dpi, 4 * min_contrast)
    rh = rule_ridges(dark, dpi, min_contrast, smooth_in, 1)
    rv = rule_ridges(dark, dpi, min_contrast, max(0.015, smooth_in / 4), 0)
    rh = cv2.morphologyEx(rh, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1)))
    rv = cv2.morphologyEx(rv, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap)))
    rh = cv2.morphologyEx(rh, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (kh, 1)))
    rv = cv2.morphologyEx(rv, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, kv)))
    tol = max(3, int(dpi * g.rule_end_tol_in))  # a ridge stops short of a crossing rule (its ink is on both sides there)
    h, v = cv2.bitwise_or(h0, rh), cv2.bitwise_or(v0, rv)
    rh = runs_between_rules(rh, v, tol, 1, reach=int(dpi * smooth_in) + gap)
    rv = runs_between_rules(rv, h, tol, 0, reach=int(dpi * max(0.015, smooth_in / 4)) + gap)
    # the opening of the binarised page also takes the strokes of bold text for short rules
    # ("指标解释" struck through): short runs of it must meet crossing rules too
    h0 = runs_between_rules(h0, v, tol, 1, reach=gap, keep_longer=int(dpi * g.rule_keep_long_in))
    v = cv2.bitwise_or(v0, rv)
    if g.rule_side_ink_max < 1:
        v = runs_clear_beside(v, ink, dpi, g.rule_side_in, g.rule_side_ink_max,
                              keep_longer=int(dpi * g.rule_keep_long_in), touch_max=g.rule_side_touch_max)
    return cv2.bitwise_or(h0, rh), v


def masks_to_tables(horiz: np.ndarray, vert: np.ndarray, dpi: float,
                    grid: Optional[GridSettings] = None) -> list[Table]:
    """Tables on the page, top to bottom: each connected group of rules at least
    ``grid.table_min_width_pt`` wide and ``grid.table_min_height_pt`` high, through the
    engine's lattice (``table.lattice_table``) over the masks' pixel runs."""
    tol = Tolerances.for_dpi(grid or GridSettings(), dpi)
    both = cv2.bitwise_or(horiz, vert)
    both = cv2.dilate(both, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    min_w, min_h = tol(tol.settings.table_min_width_pt), tol(tol.settings.table_min_height_pt)
    h_index = v_index = None
    tables = []
    for i in range(1, n):
        x, y, w, h, _area = stats[i]
        if w < min_w or h < min_h:
            continue
        if h_index is None:
            hs, vs = mask_runs(horiz, 1), mask_runs(vert, 0)
            h_index, v_index = SegmentIndex(hs), SegmentIndex(vs)
        box = Box(int(x), int(y), int(x + w), int(y + h))
        table = lattice_table((), (), box, tol, h_index, v_index)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: t.box.y0)


def remove_lines(gray: np.ndarray, horiz: np.ndarray, vert: np.ndarray) -> np.ndarray:
    """The page with its rules painted white (the masks grown by a pixel for anti-aliasing)."""
    mask = cv2.dilate(cv2.bitwise_or(horiz, vert), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    out = gray.copy()
    out[mask > 0] = 255
    return out
