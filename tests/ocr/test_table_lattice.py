"""The table engine's image feed alone (extractors/table.py): rule masks -> pixel runs ->
lattice cells, on hand-drawn masks whose cells are known."""
from __future__ import annotations

import numpy as np

from extractors.ocr.grid import masks_to_tables
from extractors.table import Tolerances, mask_runs
from pipeline.settings import GridSettings


def _masks(broken: bool = False, merged: bool = False):
    """A 3 x 3 table at 200 dpi: rules every 100 px (rows) and 200 px (columns); optionally
    the rule between the first two rows broken by gaps, or the first column's rule between
    rows 2 and 3 left out (a vertically merged cell)."""
    h = np.zeros((400, 700), np.uint8)
    v = np.zeros_like(h)
    for y in (50, 150, 250, 350):
        h[y:y + 2, 50:651] = 255
    for x in (50, 250, 450, 650):
        v[50:352, x:x + 2] = 255
    if broken:
        for x0 in range(60, 650, 40):
            h[150:152, x0:x0 + 12] = 0  # 30 % of the rule gone, in many gaps
    if merged:
        h[250:252, 52:250] = 0
    return h, v


def test_mask_runs_keep_every_rule_pixel():
    h, _ = _masks(broken=True)
    runs = mask_runs(h, 1)
    assert sum(s.b - s.a for s in runs) == int(np.count_nonzero(h))
    assert {s.pos for s in runs} == {50, 51, 150, 151, 250, 251, 350, 351}


def test_full_grid_gives_nine_cells():
    h, v = _masks()
    [t] = masks_to_tables(h, v, 200)
    assert len(t.xs) == 4 and len(t.ys) == 4
    assert sorted((c.r0, c.c0, c.r1, c.c1) for c in t.cells) == [(r, c, r + 1, c + 1) for r in range(3) for c in range(3)]


def test_rule_broken_by_gaps_still_separates_rows():
    """A faint scanned rule comes out in pieces: covered over half its length it is a rule."""
    h, v = _masks(broken=True)
    [t] = masks_to_tables(h, v, 200)
    assert len(t.cells) == 9


def test_missing_rule_merges_the_cells_above_and_below():
    """No rule between two cells of the first column: one cell spanning two rows (一级指标)."""
    h, v = _masks(merged=True)
    [t] = masks_to_tables(h, v, 200)
    first = sorted((c.r0, c.r1) for c in t.cells if c.c0 == 0)
    assert first == [(0, 1), (1, 3)]
    assert len(t.cells) == 8


def test_tolerances_are_points_scaled_to_pixels():
    tol = Tolerances.for_dpi(GridSettings(), 200)
    assert tol(72) == 200 and tol.px(GridSettings().lattice_merge_gap_pt) == 6
    assert Tolerances(GridSettings())(1.5) == 1.5  # PDF points as written
