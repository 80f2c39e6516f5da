"""One table-structure engine for PDFs and page images: rules -> cells -> rows, as small pure
steps over typed geometry (after pdfplumber's ``table.py``, without its per-call overhead).

Fed by vector rules from a PDF (``pdf_text``: page lines and rectangles) or by rules found in
an image (``ocr/grid.py``: rule masks -> pixel runs). Every tolerance comes from one settings
section (:class:`~pipeline.settings.GridSettings`, ``--set grid.snap_pt=2``), written in PDF
points and turned into the caller's units by one scale factor (:class:`Tolerances`: 1 for
PDF points, ``dpi / 72`` for image pixels).

Segments
``objects_to_segments``   page lines and rectangles -> horizontal and vertical segments
``mask_runs``             (image side) a rule mask's pixel runs as segments, one per row/column
``merge_segments``        collinear segments snapped and joined
``close_open_ends``       vertical rules running past the last horizontal rule (a table cut by
                          the page edge) get a virtual rule there; rows it bounds are *open*

Cells
``segments_to_cells``     intersections: the smallest rectangles bounded by rules (vector rules,
                          exact; merged cells stay whole)
``mark_open_edges``       which cells end at such a virtual rule with no real rule under them
``lattice_table``         the lattice of every rule position, neighbouring atomic cells merged
                          wherever the rule between them is missing (image rules: broken, faint,
                          a few pixels off) -> a :class:`Table` with row/column spans

Rows and lines
``cells_to_rows``         cells grouped into rows by their top; a vertically merged cell belongs
                          to its top row; grid columns per band of rows sharing column rules
``CellLocator``           which cell a point falls in
``group_lines``           words or glyphs -> text lines (the one line grouping of the readers)

One :class:`GridCell` type for both feeds. Coordinates: ``top`` measured down from the top of
the page (pdfplumber's and OpenCV's convention).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, Optional, Sequence, TypeVar

from pipeline.settings import GridSettings

T = TypeVar("T")


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Box:
    """An integer box in page pixels (the image side)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def intersect(self, other: "Box") -> "Box | None":
        x0, y0 = max(self.x0, other.x0), max(self.y0, other.y0)
        x1, y1 = min(self.x1, other.x1), min(self.y1, other.y1)
        return Box(x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None

    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)


@dataclass(frozen=True)
class Seg:
    """A rule: ``pos`` is y (horizontal) or x (vertical); it runs from ``a`` to ``b``."""

    pos: float
    a: float
    b: float


@dataclass
class GridCell:
    """A (possibly merged) table cell, from either feed.

    ``x0, top, x1, bottom``: its box. ``r0..r1-1`` / ``c0..c1-1``: the atomic rows and
    columns it covers in its table's lattice (:func:`lattice_table`). ``col, colspan``: its
    grid column in its band (:func:`cells_to_rows`). ``open_top`` / ``open_bottom``: it ends
    at a page break with no rule there. ``chars``: what the reader put in it."""

    x0: float
    top: float
    x1: float
    bottom: float
    open_top: bool = False
    open_bottom: bool = False
    col: int = 0
    colspan: int = 1
    chars: list = field(default_factory=list)
    r0: int = 0
    c0: int = 0
    r1: int = 1
    c1: int = 1

    @cached_property
    def box(self) -> Box:
        return Box(int(self.x0), int(self.top), int(self.x1), int(self.bottom))


@dataclass
class GridRow:
    top: float
    cells: list[GridCell]
    band: int = 0

    @property
    def open_top(self) -> bool:
        return any(c.open_top for c in self.cells)

    @property
    def open_bottom(self) -> bool:
        return any(c.open_bottom for c in self.cells)


@dataclass(frozen=True)
class Table:
    """One table of a lattice: its box, rule positions, cells with spans."""

    box: Box
    xs: tuple[int, ...]  # vertical rule positions, left to right
    ys: tuple[int, ...]  # horizontal rule positions, top to bottom
    cells: tuple[GridCell, ...]
    open_top: bool = False  # the vertical rules run on above the first horizontal one:
    open_bottom: bool = False  # a row split by a page break (drawn open at the break)


@dataclass(frozen=True)
class Tolerances:
    """The ``grid`` settings' lengths, written in PDF points, in the caller's units: the one
    scale factor is ``dpi / 72`` (72 for PDF points: lengths as written; a page image's dpi
    for pixels)."""

    settings: GridSettings
    dpi: float = 72.0

    @property
    def scale(self) -> float:
        return self.dpi / 72

    def __call__(self, points: float) -> float:
        return points if self.dpi == 72 else points * self.dpi / 72

    def px(self, points: float, least: int = 0) -> int:
        """A length in whole pixels, at least ``least``."""
        return max(least, int(self(points)))

    @classmethod
    def for_dpi(cls, settings: GridSettings, dpi: float) -> "Tolerances":
        return cls(settings, float(dpi))

    # the vector steps' tolerances
    @property
    def thin(self) -> float:
        return self(self.settings.rule_thin_pt)

    @property
    def snap(self) -> float:
        return self(self.settings.snap_pt)

    @property
    def join(self) -> float:
        return self(self.settings.join_pt)

    @property
    def edge(self) -> float:
        return self(self.settings.edge_pt)

    @property
    def row(self) -> float:
        return self(self.settings.row_pt)

    @property
    def open_min_width(self) -> float:
        return self(self.settings.open_min_width_pt)


PDF_TOLERANCES = Tolerances(GridSettings())


# --------------------------------------------------------------------------- segments


def objects_to_segments(lines: Iterable[dict], rects: Iterable[dict],
                        tol: Tolerances = PDF_TOLERANCES) -> tuple[list[Seg], list[Seg]]:
    """Horizontal and vertical segments from pdfplumber ``page.lines`` and ``page.rects``
    (a rectangle thinner than ``rule_thin_pt`` is a rule; a larger one gives its four sides)."""
    thin = tol.thin
    hs: list[Seg] = []
    vs: list[Seg] = []
    for o in lines:
        x0, x1, top, bottom = o["x0"], o["x1"], o["top"], o["bottom"]
        if bottom - top <= thin and x1 - x0 > thin:
            hs.append(Seg((top + bottom) / 2, x0, x1))
        elif x1 - x0 <= thin and bottom - top > thin:
            vs.append(Seg((x0 + x1) / 2, top, bottom))
    for o in rects:
        x0, x1, top, bottom = o["x0"], o["x1"], o["top"], o["bottom"]
        w, h = x1 - x0, bottom - top
        if h <= thin and w > thin:
            hs.append(Seg((top + bottom) / 2, x0, x1))
        elif w <= thin and h > thin:
            vs.append(Seg((x0 + x1) / 2, top, bottom))
        elif w > thin and h > thin:
            hs += [Seg(top, x0, x1), Seg(bottom, x0, x1)]
            vs += [Seg(x0, top, bottom), Seg(x1, top, bottom)]
    return hs, vs


def mask_runs(mask, axis: int) -> list[Seg]:
    """The runs of a 0/255 rule mask as segments: for horizontal rules (``axis`` 1) one per
    pixel row and run, ``pos`` the row, ``a..b`` the run's columns (``b`` exclusive); for
    vertical rules (``axis`` 0) the same per pixel column. Lossless for what
    :func:`lattice_table` measures (rule pixels per position, coverage along a rule)."""
    import numpy as np

    m = mask if axis == 1 else mask.T
    rows = np.flatnonzero(m.max(axis=1))
    if rows.size == 0:
        return []
    sub = np.zeros((rows.size, m.shape[1] + 2), dtype=np.int8)
    sub[:, 1:-1] = m[rows] > 0
    d = np.diff(sub, axis=1).ravel()
    at = np.flatnonzero(d)
    width = m.shape[1] + 1
    r, c, sign = at // width, at % width, d[at]
    starts, ends = c[sign == 1], c[sign == -1]
    rs = rows[r[sign == 1]]
    return [Seg(int(p), int(a), int(b)) for p, a, b in zip(rs.tolist(), starts.tolist(), ends.tolist())]


def merge_segments(segs: list[Seg], tol: Tolerances = PDF_TOLERANCES) -> list[Seg]:
    """Segments within ``snap`` of each other's position share it; overlapping or touching
    (within ``join``) segments on one position become one."""
    snap, join = tol.snap, tol.join
    out: list[Seg] = []
    segs = sorted(segs, key=lambda s: s.pos)
    i = 0
    while i < len(segs):
        j = i
        while j + 1 < len(segs) and segs[j + 1].pos - segs[i].pos <= snap:
            j += 1
        group = segs[i:j + 1]
        pos = sum(s.pos for s in group) / len(group)
        group.sort(key=lambda s: s.a)
        a, b = group[0].a, group[0].b
        for s in group[1:]:
            if s.a <= b + join:
                b = max(b, s.b)
            else:
                out.append(Seg(pos, a, b))
                a, b = s.a, s.b
        out.append(Seg(pos, a, b))
        i = j + 1
    return out


def close_open_ends(hs: list[Seg], vs: list[Seg], tol: Tolerances = PDF_TOLERANCES
                    ) -> tuple[list[Seg], Optional[float], Optional[float]]:
    """Virtual horizontal rules where vertical rules start or end with no horizontal rule:
    returns the rules and the y of the open top and open bottom (None when closed)."""
    if not vs:
        return hs, None, None
    e = tol.edge
    out = list(hs)
    ends: list[Optional[float]] = []
    top, bottom = min(v.a for v in vs), max(v.b for v in vs)
    for y, end in ((top, "a"), (bottom, "b")):
        xs = [v.pos for v in vs if abs(getattr(v, end) - y) <= e]
        x0, x1 = min(xs), max(xs)
        closed = any(abs(h.pos - y) <= e and h.a <= x0 + e and h.b >= x1 - e for h in hs)
        if closed or x1 - x0 < tol.open_min_width:
            ends.append(None)
        else:
            # a rule under part of the row (the cells closed at the break) sets the height
            y = next((h.pos for h in hs if abs(h.pos - y) <= e), y)
            out.append(Seg(y, x0, x1))
            ends.append(y)
    return out, ends[0], ends[1]


def _covers(segs: list[Seg], a: float, b: float, tol: float) -> bool:
    return any(s.a <= a + tol and s.b >= b - tol for s in segs)


# --------------------------------------------------------------------------- cells (vector)


def segments_to_cells(hs: list[Seg], vs: list[Seg], tol: Tolerances = PDF_TOLERANCES) -> list[GridCell]:
    """The smallest rectangles whose four sides are rules (pdfplumber's
    ``intersections_to_cells``, over snapped coordinates)."""
    if not hs or not vs:
        return []
    e = tol.edge
    ys = sorted({h.pos for h in hs})
    xs = sorted({v.pos for v in vs})
    h_at = {y: [h for h in hs if h.pos == y] for y in ys}
    v_at = {x: [v for v in vs if v.pos == x] for x in xs}
    points: set[tuple[int, int]] = set()
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            if _covers(h_at[y], x, x, e) and _covers(v_at[x], y, y, e):
                points.add((i, j))
    cells: list[GridCell] = []
    for (i, j) in sorted(points, key=lambda p: (p[1], p[0])):
        x, y = xs[i], ys[j]
        found = False
        for j2 in range(j + 1, len(ys)):
            if (i, j2) not in points:
                continue
            if not _covers(v_at[x], y, ys[j2], e):
                break
            for i2 in range(i + 1, len(xs)):
                if (i2, j) not in points:
                    continue
                if not _covers(h_at[y], x, xs[i2], e):
                    break
                if ((i2, j2) in points and _covers(h_at[ys[j2]], x, xs[i2], e)
                        and _covers(v_at[xs[i2]], y, ys[j2], e)):
                    cells.append(GridCell(x, y, xs[i2], ys[j2]))
                    found = True
                    break
            if found:
                break
    return cells


def mark_open_edges(cells: list[GridCell], real_hs: list[Seg], open_top: Optional[float],
                    open_bottom: Optional[float], tol: Tolerances = PDF_TOLERANCES) -> None:
    """A cell is open at the top (bottom) when its edge lies on the virtual rule of
    :func:`close_open_ends` and no real rule runs under that edge: office suites close the
    cells of a row at a page break but leave a merged cell that continues open."""
    e = tol.edge
    for gc in cells:
        for y, attr, edge in ((open_top, "open_top", gc.top), (open_bottom, "open_bottom", gc.bottom)):
            if y is None or abs(edge - y) > e:
                continue
            ruled = [h for h in real_hs if abs(h.pos - edge) <= e]
            setattr(gc, attr, not _covers(ruled, gc.x0 + 2 * e, gc.x1 - 2 * e, e))


# --------------------------------------------------------------------------- cells (lattice)


class SegmentIndex:
    """Segments by position, for coverage queries along a rule."""

    def __init__(self, segs: Sequence[Seg]):
        self.at: dict[float, list[tuple[float, float]]] = {}
        for s in segs:
            self.at.setdefault(s.pos, []).append((s.a, s.b))
        self.positions = sorted(self.at)

    def total(self, pos: float, lo: float, hi: float) -> float:
        """Length of the runs at ``pos`` inside [lo, hi)."""
        return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in self.at.get(pos, ()))

    def coverage(self, p0: float, p1: float, lo: float, hi: float) -> float:
        """Share of [lo, hi) covered by runs at positions p0..p1 (inclusive)."""
        if hi <= lo:
            return 0.0
        spans = [(max(a, lo), min(b, hi))
                 for pos in self.positions[bisect_left(self.positions, p0):bisect_right(self.positions, p1)]
                 for a, b in self.at[pos] if b > lo and a < hi]
        if not spans:
            return 0.0
        spans.sort()
        covered, end = 0.0, lo
        for a, b in spans:
            if b > end:
                covered += b - max(a, end)
                end = b
        return covered / (hi - lo)


def rule_positions(index: SegmentIndex, lo: float, hi: float, p0: float, p1: float, min_length: float,
                   merge_gap: int) -> list[int]:
    """Positions in [p0, p1) whose rule runs inside [lo, hi) add up to ``min_length``;
    positions closer than ``merge_gap`` are one rule, at the middle of the run."""
    hits = [int(p) for p in index.positions[bisect_left(index.positions, p0):bisect_left(index.positions, p1)]
            if index.total(p, lo, hi) >= min_length]
    runs: list[list[int]] = []
    for p in hits:
        if runs and p - runs[-1][1] <= merge_gap:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return [(a + b) // 2 for a, b in runs]


def lattice_table(hs: Sequence[Seg], vs: Sequence[Seg], box: Box, tol: Tolerances,
                  h_index: Optional[SegmentIndex] = None, v_index: Optional[SegmentIndex] = None) -> Optional[Table]:
    """The cells of one table from pixel-run segments (:func:`mask_runs`) inside ``box``: the
    lattice of every rule position (rule pixels ≥ ``lattice_min_rule_pt`` at that position,
    positions within ``lattice_merge_gap_pt`` one rule), then neighbouring atomic cells merged
    wherever the rule between them covers less than ``lattice_min_coverage`` of the side
    (a band of ``lattice_band_pt`` either side of the rule, the side's ends padded by a sixth)
    — so a vertically merged 一级指标 cell or a value cell spanning three columns comes out as
    one cell with its row and column spans. Vertical rules running on more than
    ``lattice_open_end_pt`` past the last horizontal rule (or above the first) close the row
    there and mark the table open (a row split by a page break)."""
    s = tol.settings
    hi = h_index or SegmentIndex(hs)
    vi = v_index or SegmentIndex(vs)
    merge_gap = tol.px(s.lattice_merge_gap_pt, 2)
    min_len = tol(s.lattice_min_rule_pt)
    ys = rule_positions(hi, box.x0, box.x1, box.y0, box.y1, min_len, merge_gap)
    xs = rule_positions(vi, box.y0, box.y1, box.x0, box.x1, min_len, merge_gap)
    if len(xs) < 2 or len(ys) < 2:
        return None
    ys, xs = [int(y) for y in ys], [int(x) for x in xs]
    # a row split by a page break is drawn without its closing rule: the vertical rules
    # run on past the last horizontal one; close the row there
    inside = [(a, b) for p in vi.positions[bisect_left(vi.positions, box.x0):bisect_left(vi.positions, box.x1)]
              for a, b in vi.at[p] if b > box.y0 and a < box.y1]
    open_top = open_bottom = False
    if inside:
        top = int(max(box.y0, min(a for a, _ in inside)))
        bottom = int(min(box.y1, max(b for _, b in inside)) - 1)
        if ys[0] - top > tol(s.lattice_open_end_pt):
            ys.insert(0, top)
            open_top = True
        if bottom - ys[-1] > tol(s.lattice_open_end_pt):
            ys.append(bottom)
            open_bottom = True
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    band = tol.px(s.lattice_band_pt, 2)
    need = s.lattice_min_coverage
    for r in range(nr):
        ya, yb = ys[r], ys[r + 1]
        pad_y = max(1, (yb - ya) // 6)
        for c in range(nc):
            xa, xb = xs[c], xs[c + 1]
            pad_x = max(1, (xb - xa) // 6)
            if c + 1 < nc and vi.coverage(max(0, xb - band), xb + band, ya + pad_y, yb - pad_y) < need:
                union(r * nc + c, r * nc + c + 1)  # no rule on the right
            if r + 1 < nr and hi.coverage(max(0, yb - band), yb + band, xa + pad_x, xb - pad_x) < need:
                union(r * nc + c, (r + 1) * nc + c)  # no rule below
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0 = min(r for r, _ in members)
        r1 = max(r for r, _ in members) + 1
        c0 = min(c for _, c in members)
        c1 = max(c for _, c in members) + 1
        cells.append(GridCell(xs[c0], ys[r0], xs[c1], ys[r1], r0=r0, c0=c0, r1=r1, c1=c1))
    cells.sort(key=lambda g: (g.r0, g.c0))
    return Table(box=Box(xs[0], ys[0], xs[-1], ys[-1]), xs=tuple(xs), ys=tuple(ys), cells=tuple(cells),
                 open_top=open_top, open_bottom=open_bottom)


# --------------------------------------------------------------------------- rows


def cells_to_rows(cells: list[GridCell], tol: Tolerances = PDF_TOLERANCES) -> list[GridRow]:
    """Rows by top; columns per band: a band's grid is the column rules of its first row,
    and a row with a rule outside that grid starts a new band (the header block and the
    indicator table get their own column numbers, stable across pages)."""
    t = tol.row
    rows: list[GridRow] = []
    for c in sorted(cells, key=lambda c: (c.top, c.x0)):
        if rows and abs(rows[-1].top - c.top) <= t:
            rows[-1].cells.append(c)
        else:
            rows.append(GridRow(c.top, [c]))
    grid: list[float] = []
    band = -1
    for row in rows:
        bounds = sorted({round(c.x0, 1) for c in row.cells} | {round(c.x1, 1) for c in row.cells})
        if not grid or not all(_near(grid, b, t) for b in bounds):
            grid, band = bounds, band + 1
        row.band = band
        for c in row.cells:
            a, b = _index(grid, c.x0, t), _index(grid, c.x1, t)
            c.col, c.colspan = a, max(1, b - a)
    return rows


def _near(grid: list[float], x: float, tol: float) -> bool:
    return any(abs(g - x) <= tol for g in grid)


def _index(grid: list[float], x: float, tol: float) -> int:
    return bisect_right(grid, x + tol) - 1


class CellLocator:
    """Which cell a point falls in, by bisection over the page's rule coordinates."""

    def __init__(self, cells: list[GridCell]):
        self.xs = sorted({c.x0 for c in cells} | {c.x1 for c in cells})
        self.ys = sorted({c.top for c in cells} | {c.bottom for c in cells})
        self.map: dict[tuple[int, int], GridCell] = {}
        for c in cells:
            i0, i1 = bisect_right(self.xs, c.x0 + 0.01) - 1, bisect_right(self.xs, c.x1 - 0.01)
            j0, j1 = bisect_right(self.ys, c.top + 0.01) - 1, bisect_right(self.ys, c.bottom - 0.01)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    self.map[(i, j)] = c

    def find(self, x: float, y: float) -> Optional[GridCell]:
        i = bisect_right(self.xs, x) - 1
        j = bisect_right(self.ys, y) - 1
        return self.map.get((i, j))


# --------------------------------------------------------------------------- lines


def group_lines(items: Iterable[T], top: Callable[[T], float], bottom: Callable[[T], float],
                x: Callable[[T], float], by: str = "first", share: float = 0.5) -> list[list[T]]:
    """Words or glyphs -> text lines, top to bottom, each sorted left to right.

    ``by="first"`` (glyphs of a text layer, in order of their top): an item starts a new line
    when its top is more than ``share`` of the line's first item's height below that item's
    top. ``by="overlap"`` (recognised word boxes, in order of their vertical centre): an item
    joins the line when it overlaps the line's vertical extent by more than ``share`` of the
    smaller of the two heights."""
    lines: list[list[T]] = []
    if by == "first":
        for it in sorted(items, key=lambda i: (top(i), x(i))):
            if lines and top(it) - top(lines[-1][0]) <= (bottom(lines[-1][0]) - top(lines[-1][0])) * share:
                lines[-1].append(it)
            else:
                lines.append([it])
    else:
        extent: list[tuple[float, float]] = []
        for it in sorted(items, key=lambda i: (top(i) + bottom(i)) / 2):
            if lines:
                lo, hi_ = extent[-1]
                overlap = min(hi_, bottom(it)) - max(lo, top(it))
                if overlap > share * min(bottom(it) - top(it), hi_ - lo):
                    lines[-1].append(it)
                    extent[-1] = (min(lo, top(it)), max(hi_, bottom(it)))
                    continue
            lines.append([it])
            extent.append((top(it), bottom(it)))
    return [sorted(line, key=x) for line in lines]


__all__ = ["Box", "CellLocator", "GridCell", "GridRow", "PDF_TOLERANCES", "Seg", "Table", "Tolerances",
           "cells_to_rows", "close_open_ends", "group_lines", "lattice_table", "mark_open_edges", "mask_runs",
           "merge_segments", "objects_to_segments", "rule_positions", "segments_to_cells", "SegmentIndex"]
