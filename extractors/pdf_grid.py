"""Table cells from ruling lines, as small pure steps over typed geometry (after pdfplumber's
``table.py``, without its per-call overhead):

``objects_to_segments``   page lines and rectangles -> horizontal and vertical segments
``merge_segments``        collinear segments snapped and joined
``close_open_ends``       vertical rules running past the last horizontal rule (a table cut by
                          the page edge) get a virtual rule there; rows it bounds are *open*
``segments_to_cells``     the smallest rectangles bounded by rules (merged cells stay whole)
``mark_open_edges``       which cells end at such a virtual rule with no real rule under them
``cells_to_rows``         cells grouped into rows by their top; a vertically merged cell belongs
                          to its top row; grid columns per band of rows sharing column rules

Coordinates are PDF points, ``top`` measured down from the top of the page (pdfplumber's).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable, Optional


@dataclass(frozen=True)
class Seg:
    """A rule: ``pos`` is y (horizontal) or x (vertical); it runs from ``a`` to ``b``."""

    pos: float
    a: float
    b: float


@dataclass
class GridCell:
    x0: float
    top: float
    x1: float
    bottom: float
    open_top: bool = False
    open_bottom: bool = False
    col: int = 0
    colspan: int = 1
    chars: list = field(default_factory=list)


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


def objects_to_segments(lines: Iterable[dict], rects: Iterable[dict], thin: float = 2.0) -> tuple[list[Seg], list[Seg]]:
    """Horizontal and vertical segments from pdfplumber ``page.lines`` and ``page.rects``."""
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


def merge_segments(segs: list[Seg], snap: float = 1.5, join: float = 1.5) -> list[Seg]:
    """Segments within ``snap`` of each other's position share it; overlapping or touching
    segments on one position become one."""
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


def close_open_ends(hs: list[Seg], vs: list[Seg], tol: float = 1.5) -> tuple[list[Seg], Optional[float], Optional[float]]:
    """Virtual horizontal rules where vertical rules start or end with no horizontal rule:
    returns the rules and the y of the open top and open bottom (None when closed)."""
    if not vs:
        return hs, None, None
    out = list(hs)
    ends: list[Optional[float]] = []
    top, bottom = min(v.a for v in vs), max(v.b for v in vs)
    for y, end in ((top, "a"), (bottom, "b")):
        xs = [v.pos for v in vs if abs(getattr(v, end) - y) <= tol]
        x0, x1 = min(xs), max(xs)
        closed = any(abs(h.pos - y) <= tol and h.a <= x0 + tol and h.b >= x1 - tol for h in hs)
        if closed or x1 - x0 < 20:
            ends.append(None)
        else:
            # a rule under part of the row (the cells closed at the break) sets the height
            y = next((h.pos for h in hs if abs(h.pos - y) <= tol), y)
            out.append(Seg(y, x0, x1))
            ends.append(y)
    return out, ends[0], ends[1]


def mark_open_edges(cells: list["GridCell"], real_hs: list[Seg], open_top: Optional[float],
                    open_bottom: Optional[float], tol: float = 1.5) -> None:
    """A cell is open at the top (bottom) when its edge lies on the virtual rule of
    :func:`close_open_ends` and no real rule runs under that edge: office suites close the
    cells of a row at a page break but leave a merged cell that continues open."""
    for gc in cells:
        for y, attr, edge in ((open_top, "open_top", gc.top), (open_bottom, "open_bottom", gc.bottom)):
            if y is None or abs(edge - y) > tol:
                continue
            ruled = [h for h in real_hs if abs(h.pos - edge) <= tol]
            setattr(gc, attr, not _covers(ruled, gc.x0 + 2 * tol, gc.x1 - 2 * tol, tol))


def _covers(segs: list[Seg], a: float, b: float, tol: float) -> bool:
    return any(s.a <= a + tol and s.b >= b - tol for s in segs)


def segments_to_cells(hs: list[Seg], vs: list[Seg], tol: float = 1.5) -> list[GridCell]:
    """The smallest rectangles whose four sides are rules (pdfplumber's
    ``intersections_to_cells``, over snapped coordinates)."""
    if not hs or not vs:
        return []
    ys = sorted({h.pos for h in hs})
    xs = sorted({v.pos for v in vs})
    h_at = {y: [h for h in hs if h.pos == y] for y in ys}
    v_at = {x: [v for v in vs if v.pos == x] for x in xs}
    points: set[tuple[int, int]] = set()
    for j, y in enumerate(ys):
        for i, x in enumerate(xs):
            if _covers(h_at[y], x, x, tol) and _covers(v_at[x], y, y, tol):
                points.add((i, j))
    cells: list[GridCell] = []
    for (i, j) in sorted(points, key=lambda p: (p[1], p[0])):
        x, y = xs[i], ys[j]
        found = False
        for j2 in range(j + 1, len(ys)):
            if (i, j2) not in points:
                continue
            if not _covers(v_at[x], y, ys[j2], tol):
                break
            for i2 in range(i + 1, len(xs)):
                if (i2, j) not in points:
                    continue
                if not _covers(h_at[y], x, xs[i2], tol):
                    break
                if ((i2, j2) in points and _covers(h_at[ys[j2]], x, xs[i2], tol)
                        and _covers(v_at[xs[i2]], y, ys[j2], tol)):
                    cells.append(GridCell(x, y, xs[i2], ys[j2]))
                    found = True
                    break
            if found:
                break
    return cells


def cells_to_rows(cells: list[GridCell], tol: float = 1.5) -> list[GridRow]:
    """Rows by top; columns per band: a band's grid is the column rules of its first row,
    and a row with a rule outside that grid starts a new band (the header block and the
    indicator table get their own column numbers, stable across pages)."""
    rows: list[GridRow] = []
    for c in sorted(cells, key=lambda c: (c.top, c.x0)):
        if rows and abs(rows[-1].top - c.top) <= tol:
            rows[-1].cells.append(c)
        else:
            rows.append(GridRow(c.top, [c]))
    grid: list[float] = []
    band = -1
    for row in rows:
        bounds = sorted({round(c.x0, 1) for c in row.cells} | {round(c.x1, 1) for c in row.cells})
        if not grid or not all(_near(grid, b, tol) for b in bounds):
            grid, band = bounds, band + 1
        row.band = band
        for c in row.cells:
            a, b = _index(grid, c.x0, tol), _index(grid, c.x1, tol)
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
