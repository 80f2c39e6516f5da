"""The geometry steps of the PDF reader, each alone, on hand-built rules."""
from __future__ import annotations

from extractors.table import (
    CellLocator,
    Seg,
    cells_to_rows,
    close_open_ends,
    merge_segments,
    segments_to_cells,
)
from extractors.pdf_text import chars_to_lines, join_lines


def test_merge_segments_snaps_and_joins():
    segs = [Seg(100.0, 0, 50), Seg(100.8, 50.5, 120), Seg(100.2, 200, 300), Seg(140, 0, 300)]
    out = merge_segments(segs)
    assert [(round(s.pos), s.a, s.b) for s in out] == [(100, 0, 120), (100, 200, 300), (140, 0, 300)]


def _table(open_bottom: bool = False):
    """Three columns, three rows; the first column merged over rows 2-3 (like 一级指标)."""
    xs, ys = [0, 40, 100, 200], [0, 20, 40, 60]
    hs = [Seg(0, 0, 200), Seg(20, 0, 200), Seg(40, 40, 200)]
    if not open_bottom:
        hs.append(Seg(60, 0, 200))
    vs = [Seg(x, 0, 60) for x in xs]
    return hs, vs, xs, ys


def test_vertically_merged_cell_is_one_cell_in_its_top_row():
    hs, vs, _, _ = _table()
    cells = segments_to_cells(hs, vs)
    assert len(cells) == 3 + 1 + 2 + 2
    rows = cells_to_rows(cells)
    assert [len(r.cells) for r in rows] == [3, 3, 2]
    merged = rows[1].cells[0]
    assert (merged.top, merged.bottom, merged.col) == (20, 60, 0)
    assert [c.col for c in rows[2].cells] == [1, 2]


def test_open_bottom_gets_a_virtual_rule():
    hs, vs, _, _ = _table(open_bottom=True)
    hs2, top, bottom = close_open_ends(hs, vs)
    assert top is None and bottom == 60
    cells = segments_to_cells(hs2, vs)
    assert max(c.bottom for c in cells) == 60
    assert segments_to_cells(hs, vs) != cells  # without it the last row has no cells


def test_column_span_and_bands():
    # a header band (label | value spanning) and a table band with its own columns below
    hs = [Seg(0, 0, 200), Seg(20, 0, 200), Seg(40, 0, 200), Seg(60, 0, 200)]
    vs = [Seg(0, 0, 60), Seg(200, 0, 60), Seg(50, 0, 40), Seg(120, 0, 20), Seg(30, 40, 60), Seg(90, 40, 60)]
    rows = cells_to_rows(segments_to_cells(hs, vs))
    assert [(c.col, c.colspan) for c in rows[0].cells] == [(0, 1), (1, 1), (2, 1)]
    assert [(c.col, c.colspan) for c in rows[1].cells] == [(0, 1), (1, 2)]
    assert rows[2].band != rows[0].band
    assert [(c.col, c.colspan) for c in rows[2].cells] == [(0, 1), (1, 1), (2, 1)]


def test_locator_finds_the_cell_of_a_point():
    hs, vs, _, _ = _table()
    cells = segments_to_cells(hs, vs)
    loc = CellLocator(cells)
    assert loc.find(10, 50) is loc.find(10, 25)  # inside the merged cell
    assert loc.find(150, 50).top == 40
    assert loc.find(250, 10) is None


def _ch(text, x0, top, size=9.0):
    return {"text": text, "x0": x0, "x1": x0 + size * (0.5 if text.isascii() else 1), "top": top,
            "bottom": top + size}


def test_lines_in_reading_order_and_joined():
    chars = [_ch("额", 0, 12), _ch("（", 9, 12.3), _ch("项", 0, 0), _ch("目", 9, 0.2)]
    assert chars_to_lines(chars) == ["项目", "额（"]
    assert join_lines(["项目总金", "额（中期", "规划，万", "元）："]) == "项目总金额（中期规划，万元）："
    assert join_lines(["see the", "manual"]) == "see the manual"
    assert join_lines(["共计400", "万元"]) == "共计400万元"


def test_gap_between_latin_words_without_a_space_glyph():
    chars = [_ch("a", 0, 0), _ch("b", 4.5, 0), _ch("c", 20, 0)]
    assert chars_to_lines(chars) == ["ab c"]
