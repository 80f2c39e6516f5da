"""Deskew, ruled grid with merged cells, and word placement — no OCR engine involved."""
from __future__ import annotations

import cv2
import pytest
from layout import draw_form

from extractors.ocr.engines.base import Word, clean_word_text
from extractors.ocr.grid import Box, ink_to_line_masks, masks_to_tables
from extractors.ocr.preprocess import binarize, estimate_skew, prepare
from extractors.ocr.words_to_cells import column_span, join_pieces, words_to_lines


@pytest.mark.parametrize("angle", [-4.0, -2.5, -0.7, 0.0, 1.3, 3.0])
def test_skew_is_measured_from_the_rules(truth, angle):
    img, _ = draw_form(truth, dpi=150, angle=angle)
    assert estimate_skew(binarize(img)) == pytest.approx(angle, abs=0.15)


def _expected_grid(truth):
    rows = truth["indicators"]
    groups1 = 1 + sum(rows[i]["level1"] != rows[i - 1]["level1"] for i in range(1, len(rows)))
    return rows, groups1


@pytest.mark.parametrize("angle", [0.0, 2.5])
def test_grid_finds_every_cell_and_the_merged_ones(truth, angle):
    img, _ = draw_form(truth, dpi=200, angle=angle)
    prepared = prepare(img)
    horiz, vert = ink_to_line_masks(prepared.ink, 200)
    tables = masks_to_tables(horiz, vert, 200)
    assert len(tables) == 1
    t = tables[0]
    rows, groups1 = _expected_grid(truth)
    assert len(t.ys) - 1 == 10 + len(rows)  # 9 header rows, the column header, one per indicator
    first_col = [c for c in t.cells if c.c0 == 0 and c.r0 >= 10]
    assert len(first_col) == groups1  # 一级指标 merged down its group
    assert sum(c.r1 - c.r0 for c in first_col) == len(rows)
    long_text = [c for c in t.cells if 5 <= c.r0 < 9 and c.c0 > 0]
    assert all(c.c1 - c.c0 == len(t.xs) - 2 for c in long_text)  # value cells span every column


def test_column_numbers_survive_small_shifts_between_pages():
    table = Box(100, 0, 1500, 10)
    edges = [100, 324, 632, 940, 1220, 1500]
    header = {}
    for name, (a, b) in zip("abcde", zip(edges, edges[1:])):
        col, span = column_span(a, b, table)
        header.update({c: name for c in range(col, col + span)})
    for shift in (-8, -3, 3, 8):  # about half a percent of the table width
        moved = Box(table.x0 + shift, 0, table.x1 + shift, 10)
        for name, (a, b) in zip("abcde", zip(edges, edges[1:])):
            col, span = column_span(a + shift + (shift // 2), b + shift, moved)
            assert next(header[c] for c in range(col, col + span) if c in header) == name


def test_lines_are_read_by_position_not_engine_order():
    w = [Word("统计", Box(10, 52, 60, 80), 0.9), Word("按年度", Box(130, 12, 200, 40), 0.9),
         Word("资金到位率，", Box(10, 10, 120, 42), 0.9)]
    lines = words_to_lines(w)
    assert [[x.text for x in line] for line in lines] == [["资金到位率，", "按年度"], ["统计"]]
    assert join_pieces(["共计 400", "万元"]) == "共计 400万元"
    assert join_pieces(["Hello", "world"]) == "Hello world"


@pytest.mark.parametrize("raw,clean", [(b"\xff\xfe\xe9\xa1\xb9", "项"), ("项目\udcff名称\x00", "项目名称"),
                                       ("  ", None), (None, None), (3, None)])
def test_engine_text_is_made_safe(raw, clean):
    assert clean_word_text(raw) == clean
