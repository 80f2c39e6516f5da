"""ocr.cell_lines: a cell's text lines from its ink projection, on a rendered ruled image."""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.cell_lines import cell_line_boxes, grid_lines, outside_strips
from extractors.ocr.grid import Box
from pipeline.settings import OcrSettings
from synth.fonts import font_file

DPI = 200
SIZE = 30  # 11 pt at 200 dpi


def _page():
    """A 2x2 ruled table: one line, two lines, blank, a seal blob; the drawn text's boxes."""
    im = Image.new("L", (1200, 500), 255)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(font_file("wqy").path, SIZE)
    cells = [Box(100, 100, 600, 300), Box(600, 100, 1100, 300), Box(100, 300, 600, 450), Box(600, 300, 1100, 450)]
    texts = {0: [(130, 180, "项目名称：英才荟经费")], 1: [(640, 130, "产出指标"), (700, 200, "数量指标123")]}
    drawn = {}
    for k, lines in texts.items():
        drawn[k] = []
        for x, y, t in lines:
            d.text((x, y), t, fill=0, font=font)
            x0, y0, x1, y1 = font.getbbox(t)
            drawn[k].append(Box(x + x0, y + y0, x + x1, y + y1))
    d.ellipse((700, 320, 900, 440), fill=60)  # a seal: one band far taller than a line
    a = cv2.GaussianBlur(np.array(im), (3, 3), 0)
    for c in cells:  # the rules (what the reader paints out lies on the cell's border)
        cv2.rectangle(a, (c.x0, c.y0), (c.x1, c.y1), 0, 2)
    return a, cells, drawn


def _contains(outer: Box, inner: Box, tol: int = 2) -> bool:
    return (outer.x0 <= inner.x0 + tol and outer.y0 <= inner.y0 + tol
            and outer.x1 >= inner.x1 - tol and outer.y1 >= inner.y1 - tol)


def test_cell_lines_bands_hold_each_drawn_line():
    gray, cells, drawn = _page()
    s = OcrSettings()
    for k in (0, 1):
        got = cell_line_boxes(gray, cells[k], DPI, s)
        assert got is not None and len(got) == len(drawn[k])
        for band, text in zip(got, drawn[k]):
            assert _contains(band, text)
            assert band.height < 2 * text.height and band.width < text.width + 10  # tight
            assert _contains(cells[k], band, 0)
    assert cell_line_boxes(gray, cells[2], DPI, s) == []


def test_cell_lines_seal_is_not_clean_and_falls_back():
    gray, cells, _ = _page()
    s = OcrSettings()
    assert cell_line_boxes(gray, cells[3], DPI, s) is None
    assert grid_lines(gray, cells, DPI, s) is None
    assert grid_lines(gray, cells[:3], DPI, s) is not None


def test_outside_strips_leave_out_the_tables():
    assert outside_strips((1000, 800), [Box(0, 200, 800, 500), Box(0, 600, 800, 900)], 10) == [
        (0, 210), (490, 610), (890, 1000)]
