"""ocr.cell_lines: a cell's text lines from its ink projection, on a rendered ruled image."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from helpers import rows_to_forms, settings
from layout import draw_form
from PIL import Image, ImageDraw, ImageFont

from extractors.ocr.cell_lines import cell_line_boxes, grid_lines, outside_strips
from extractors.ocr.engines import create_engine, engine_available
from extractors.ocr.grid import Box
from extractors.ocr.pages import page_to_rows
from extractors.ocr.render import PageImage
from flows.evaluate import score
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


def _cell_with(lines: list[tuple[int, int, str]], dots: tuple = ()):
    """One ruled cell holding ``lines`` (x, y, text) in the font at 11 pt, and round specks
    ``dots`` (x, y); the drawn text's boxes."""
    im = Image.new("L", (700, 300), 255)
    d = ImageDraw.Draw(im)
    font = ImageFont.truetype(font_file("wqy").path, SIZE)
    drawn = []
    for x, y, t in lines:
        d.text((x, y), t, fill=0, font=font)
        one = Image.new("L", im.size, 255)
        ImageDraw.Draw(one).text((x, y), t, fill=0, font=font)
        ys, xs = np.nonzero(np.array(one) < 170)  # the line's ink (a full-width colon's box is mostly blank)
        drawn.append(Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1))
    for x, y in dots:
        d.ellipse((x, y, x + 3, y + 3), fill=0)
    a = np.array(im)
    cell = Box(50, 50, 650, 250)
    cv2.rectangle(a, (cell.x0, cell.y0), (cell.x1, cell.y1), 0, 2)
    return a, cell, drawn


def test_cell_lines_a_colon_wrapped_onto_a_line_of_its_own_is_a_line():
    """A narrow label cell wraps 项目编码： as 项目编码 / ： (the office scans' header cells):
    the colon's two dots are two bands each lower than a speck, one line together."""
    gray, cell, drawn = _cell_with([(80, 80, "项目编码"), (80, 80 + 40, "：")])
    got = cell_line_boxes(gray, cell, DPI, OcrSettings())
    assert got is not None and len(got) == 2
    assert _contains(got[0], drawn[0]) and _contains(got[1], drawn[1])
    assert got[0].y1 <= got[1].y0  # two lines, not one band


def test_cell_lines_specks_apart_in_x_are_not_joined():
    """Two noise specks one above the other's row but far apart in x are no glyph: not joined
    into a line, so the cell (more specks than ``cell_lines_max_specks``) is not clean."""
    gray, cell, _ = _cell_with([(80, 80, "项目编码")], dots=((200, 150), (400, 158)))
    assert cell_line_boxes(gray, cell, DPI, OcrSettings()) is None
    gray, cell, _ = _cell_with([(80, 80, "项目编码")], dots=((200, 150), (200, 158)))
    assert cell_line_boxes(gray, cell, DPI, OcrSettings()) is not None


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
def test_a_cell_a_blot_covers_is_detected_alone_and_the_page_reads_as_without_cell_lines(truth):
    """One cell not clean (a ring beside its text touching the cell's rules, as a seal's in
    gray) no longer sends the whole page to the detector: the detector runs on that cell's
    crop and on the strips outside the table, and the page reads the blotted cell's field and as
    many header fields and indicator rows of its truth as with the detector on the whole page."""
    page, words = draw_form(truth, dpi=DPI, text=True)
    code = next(w for w in words if w.text == truth["header"]["project_code"])  # a wide value cell
    cx, cy = code.box.x1 + 120, (code.box.y0 + code.box.y1) // 2
    cv2.ellipse(page, (cx, cy), (29, 29), 0, 0, 360, 150, 3)  # a ring from rule to rule: ink at the edge
    image = PageImage(gray=page, dpi=DPI, scale=1.0)
    calls: list[tuple[int, int]] = []

    def counting(engine):
        real = engine.detect

        def detect(gray, dpi, limit=True):
            calls.append(gray.shape[:2])
            return real(gray, dpi, limit)
        engine.detect = detect
        return engine

    on = page_to_rows(image, 1, counting(create_engine("rapidocr", OcrSettings(cell_lines=True))))
    full = [c for c in calls if c == page.shape[:2]]
    crops = [c for c in calls if c[0] < 200 and c[1] < page.shape[1] // 2]
    assert not full, calls  # never the whole page
    assert len(crops) == 1, calls  # the blotted cell alone (the rest are full-width strips)
    off = page_to_rows(image, 1, create_engine("rapidocr", OcrSettings(cell_lines=False)))
    s = settings()
    got, whole = score([truth], rows_to_forms(on.rows, s)), score([truth], rows_to_forms(off.rows, s))
    print(got.summary(), whole.summary())
    assert got.forms_found == 1 and got.header_accuracy >= whole.header_accuracy, got.misses
    assert "header.project_code" not in {m.field for m in got.misses}  # the blotted cell's own field
    assert got.indicator_accuracy >= whole.indicator_accuracy, got.misses


def test_cell_lines_a_glyph_a_blank_row_cuts_is_one_line():
    """是 printed faint: its middle stroke lighter than the ink level leaves one blank row
    across the glyph (the synthetic 200-dpi scans' 是否新增项目 value): one line, not two
    (read twice, 是是, the field was lost)."""
    gray, cell, drawn = _cell_with([(80, 80, "是")])
    mid = (drawn[0].y0 + drawn[0].y1) // 2
    gray[mid] = 255
    got = cell_line_boxes(gray, cell, DPI, OcrSettings())
    assert got is not None and len(got) == 1 and _contains(got[0], drawn[0])


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
@pytest.mark.parametrize("rotation", [90, 270])
def test_a_page_fed_sideways_is_turned_with_cell_lines_on(truth, rotation):
    """A sideways page's cells hold text running down the page: each band of their
    projection is one glyph (office rotated_90 scans: every band square, no cell unclean
    enough to send the page to the detector, so the path went on and read the page as
    upright: 0 forms). The page goes to the detector, which turns it upright."""
    page, _ = draw_form(truth, dpi=DPI, text=True)
    fed = np.ascontiguousarray(np.rot90(page, k={90: 1, 270: 3}[rotation]))  # counter-clockwise
    read = page_to_rows(PageImage(gray=fed, dpi=DPI, scale=1.0), 1,
                        create_engine("rapidocr", OcrSettings(cell_lines=True)))
    assert read.turned == rotation
    got = score([truth], rows_to_forms(read.rows, settings()))  # upright, the same page reads 13/15, 11/11
    assert got.forms_found == 1 and got.header_accuracy >= 0.8 and got.indicator_accuracy >= 0.9, got.misses
