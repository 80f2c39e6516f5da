"""Scans as real scanners and phones make them (issue 13), one regression test per failure
class, each on one page or a crop (fast; the office-suite accuracy runs are in
test_ocr_office_accuracy.py, slow):

* thin gray office rules (1 px, ~190 on a 240 page, JPEG) that Otsu and an opening of the
  text's binarisation lose — every printed line came out as one cell;
* the bottom strokes of a line of characters are not rules;
* a red seal over 申请单位 and blue ink over a cell: separated by colour, the seal kept;
* pages fed sideways or upside down; phone photos (outline, perspective, light);
* no grid at all: cells from the words' geometry and the label vocabulary.
"""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from helpers import read_image_rows, rows_to_forms, settings
from layout import draw_form
from PIL import Image
from test_ocr_geometry import _expected_grid

from extractors.ocr.colour import masks_to_stamps, separate_ink
from extractors.ocr.engines import engine_available
from extractors.ocr.geometry import line_to_pieces, split_at_labels
from extractors.ocr.grid import gray_to_line_masks, ink_to_line_masks, masks_to_tables
from extractors.ocr.preprocess import find_page_quad, prepare, turn, unwarp
from flows.evaluate import score
from pipeline.labels import load_vocabulary
from pipeline.settings import GridSettings
from synth.scanner import CASES, _photo, draw_seal, ink_over, rule_mask
from tests.fakes.engines import ReplayEngine

REPLAY = ReplayEngine.name


def office_scan(page: np.ndarray, dpi: int, seed: int = 1, rule_gray: int = 212, quality: int = 70) -> np.ndarray:
    """A clean drawn page as an office scan: rules thinned to one pixel and faded to
    ``rule_gray`` (paper at 240 after the tone: a contrast of ~25, as measured on thin office
    rules read at 200 dpi), noise, blur and JPEG."""
    rng = np.random.default_rng(seed)
    mask = rule_mask(page, dpi)
    m = mask > 0
    above, left = np.zeros_like(m), np.zeros_like(m)
    above[1:], left[:, 1:] = m[:-1], m[:, :-1]
    thin = (m & (~above | ~left)).astype(np.uint8) * 255  # the top row / left column of each rule
    img = page.copy()
    img[(mask > 0) & (thin == 0)] = 255
    img[thin > 0] = rule_gray
    img = cv2.GaussianBlur(img.astype(np.float32) * (240 / 255), (0, 0), 0.5)
    img = np.clip(img + rng.normal(0, 5, img.shape), 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


@pytest.fixture(scope="module")
def faint_page(truth):
    page, _ = draw_form(truth, dpi=150, text=True)
    return office_scan(page, 150, rule_gray=170)


def test_faint_one_pixel_rules_at_150dpi_give_the_whole_grid(truth, faint_page):
    prepared = prepare(faint_page)
    rows, groups1 = _expected_grid(truth)
    # the failure: rules found on the text's binarisation only -> no table (or a broken one)
    old = masks_to_tables(*ink_to_line_masks(prepared.ink, 150), 150)
    assert not old or len(old[0].ys) - 1 < 10 + len(rows)
    tables = masks_to_tables(*gray_to_line_masks(prepared.raw, prepared.ink, 150), 150)
    assert len(tables) == 1
    t = tables[0]
    assert len(t.ys) - 1 == 10 + len(rows)  # and no rule invented under a line of text
    assert len(t.xs) == 6
    first_col = [c for c in t.cells if c.c0 == 0 and c.r0 >= 10]
    assert len(first_col) == groups1  # 一级指标 still merged down its group


def test_bottom_strokes_of_a_text_line_are_not_a_rule():
    # a long line of characters with flat bottoms (目, 且, 旦 …) on a page without rules
    from synth.fonts import font_file

    from PIL import ImageDraw, ImageFont

    im = Image.new("L", (1200, 200), 255)
    ImageDraw.Draw(im).text((20, 60), "目且旦亘血五工业里坐垦曲皿盟盖益监" * 2, fill=0,
                            font=ImageFont.truetype(font_file("wqy").path, 30))
    gray = office_scan(np.array(im), 200)
    horiz, vert = gray_to_line_masks(gray, prepare(gray, deskew=False).ink, 200)
    assert masks_to_tables(horiz, vert, 200) == []
    assert np.count_nonzero(horiz.max(axis=1)) <= 2  # no horizontal rule across the line


def test_strokes_of_characters_stacked_in_tight_rows_are_not_a_rule():
    """A Writer form set in a Ming face (AR PL UMing) with rows as tall as its text: the
    vertical strokes of characters in successive rows touch the rules between them, and a
    run of them from rule to rule was taken for a column rule — every cell of the 批复表,
    Shanghai and 项目绩效目标表 scans of seed 2 cut at its characters (0 of 290 rows). The
    other strokes of the characters lie beside such a run; paper lies beside a rule."""
    from extractors.ocr.grid import runs_clear_beside

    dpi = 200
    ink = np.zeros((300, 400), np.uint8)
    vert = np.zeros_like(ink)
    for y in range(30, 271, 30):  # tight rows, rules crossing every 30 px
        ink[y:y + 2, 50:352] = 255
    for x in (50, 350):
        ink[30:272, x:x + 2] = 255
        vert[30:272, x:x + 2] = 255
    ink[30:152, 150:152] = 255  # a stroke run through four rows, rule to rule
    vert[30:152, 150:152] = 255
    for y in range(30, 152, 5):  # the characters' other strokes beside it, on 3 rows in 5
        ink[y:y + 3, 140:162] = 255
    kept = runs_clear_beside(vert, ink, dpi, side_in=0.03, max_share=GridSettings().rule_side_ink_max)
    assert not kept[:, 140:162].any()  # the stroke run is gone
    assert np.array_equal(kept[:, :140], vert[:, :140]) and np.array_equal(kept[:, 162:], vert[:, 162:])
    assert np.array_equal(runs_clear_beside(vert, ink, dpi, side_in=0.03, max_share=1.0), vert)  # the check off


def test_a_rule_with_text_set_tight_against_it_is_kept():
    """A phone photo of a Writer form: the 三级指标 and 指标解释 texts start a few pixels right
    of their column rules, so ink lies beside each rule on a third of its rows (0.32) — taken
    for characters' strokes, the two rules were dropped, the table's header row and first
    rows read into 长期目标 (82 % of rows on the office phone case). That ink is on one side,
    apart from the rule: the rule stays. Strokes crossing a run still remove it."""
    from extractors.ocr.grid import runs_clear_beside

    dpi, g = 200, GridSettings()
    ink = np.zeros((300, 400), np.uint8)
    vert = np.zeros_like(ink)
    for y in range(30, 271, 48):  # five rows
        ink[y:y + 2, 50:352] = 255
    for x in (50, 200, 350):
        ink[30:272, x:x + 2] = 255
        vert[30:272, x:x + 2] = 255
    for y in range(30, 271, 48):  # each row's text, 4 px right of the middle rule, on 20 of 48 rows
        ink[y + 14:y + 34, 206:300] = 255
    kept = runs_clear_beside(vert, ink, dpi, g.rule_side_in, g.rule_side_ink_max, touch_max=g.rule_side_touch_max)
    assert np.array_equal(kept, vert)
    assert not runs_clear_beside(vert, ink, dpi, g.rule_side_in, g.rule_side_ink_max)[:, 200:202].any()  # before
    ink[30:152, 150:152] = 255  # a stroke run through rows, its characters' strokes across it
    vert[30:152, 150:152] = 255
    for y in range(30, 152, 5):
        ink[y:y + 3, 140:162] = 255
    kept = runs_clear_beside(vert, ink, dpi, g.rule_side_in, g.rule_side_ink_max, touch_max=g.rule_side_touch_max)
    assert not kept[:, 140:162].any() and kept[:, 200:202].any()


def test_red_seal_over_the_applicant_does_not_wipe_the_field_and_is_kept(tmp_path, truth):
    page, words = draw_form(truth, dpi=200, text=True)
    bgr = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    applicant = next(w for w in words if w.text.startswith(truth["header"]["applicant_unit"][:6]))
    size = 300
    sx, sy = applicant.box.x0 + 40, (applicant.box.y0 + applicant.box.y1) // 2 - size // 2
    ink_over(bgr, draw_seal(size, "深圳市福田区人民政府", random.Random(2)), sx, sy, (60, 50, 215))
    ink_over(bgr, np.ones((40, 260), np.float32) * 0.9, words[3].box.x0, words[3].box.y0, (170, 60, 30))  # blue ink
    gray, red, blue = separate_ink(bgr)
    text = page[applicant.box.y0:applicant.box.y1, applicant.box.x0:applicant.box.x1] < 100
    under = gray[applicant.box.y0:applicant.box.y1, applicant.box.x0:applicant.box.x1]
    assert (under[text] < 100).mean() > 0.95  # the print under the seal is still black
    paper = page[applicant.box.y0:applicant.box.y1, applicant.box.x0:applicant.box.x1]
    assert (np.abs(under.astype(int) - paper)[~text] < 40).mean() > 0.97  # and the seal around it is gone
    stamps = masks_to_stamps(red, blue, 200)
    assert [s.color for s in stamps].count("red") == 1
    seal = next(s for s in stamps if s.color == "red").box
    assert abs(seal.x0 - sx) < 12 and abs(seal.y0 - sy) < 12 and abs(seal.width - size) < 20
    # through the reader: the words are read, the stamp reaches the context in page units
    path = tmp_path / "signed.png"
    Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).save(path, dpi=(200, 200))
    ReplayEngine.words, ReplayEngine.seed = words, 4
    s = settings()
    rows, ctx = read_image_rows(path, s, engine=REPLAY)
    assert score([truth], rows_to_forms(rows, s)).header_accuracy == 1.0
    reds = [st for st in ctx.stamps if st["color"] == "red"]
    assert len(reds) == 1 and reds[0]["page"] == 1
    assert abs(reds[0]["bbox"][0] - sx) < 12 and abs(reds[0]["bbox"][1] - sy) < 12


def test_a_phone_photo_is_found_on_the_desk_and_unwarped(truth):
    page, _ = draw_form(truth, dpi=200)
    bgr = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR).astype(np.float32) * (235 / 255)
    photo, m = _photo(bgr, CASES["phone_photo_perspective"], random.Random(3), np.random.default_rng(3))
    gray = cv2.cvtColor(np.clip(photo, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
    assert find_page_quad(page) is None  # a scan fills its image: left alone
    quad = find_page_quad(gray)
    assert quad is not None
    flat = unwarp(gray, quad)
    dpi = flat.shape[1] / 8.27
    prepared = prepare(flat)
    tables = masks_to_tables(*gray_to_line_masks(prepared.raw, prepared.ink, dpi), dpi)
    rows, _ = _expected_grid(truth)
    assert len(tables) == 1 and len(tables[0].ys) - 1 == 10 + len(rows)


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_page_fed_sideways_or_upside_down_is_turned_upright(truth, rotation):
    from extractors.ocr.engines import create_engine
    from extractors.ocr.pages import page_turn

    page, _ = draw_form(truth, dpi=150, text=True)
    fed = np.ascontiguousarray(np.rot90(page, k={90: 1, 180: 2, 270: 3}[rotation]))  # counter-clockwise
    engine = create_engine("rapidocr")
    gray = prepare(fed).gray
    assert page_turn(engine, gray, engine.detect(gray, 150), 150) == rotation  # clockwise turn back
    assert np.array_equal(turn(fed, rotation), page)
    upright = prepare(page).gray
    assert page_turn(engine, upright, engine.detect(upright, 150), 150) == 0


def test_the_issues_run_together_line_is_cut_at_its_labels():
    vocab = load_vocabulary()
    assert split_at_labels("项目编码：440304200297727693109项目名称：英才荟经费", vocab) == [
        "项目编码：440304200297727693109", "项目名称：英才荟经费"]
    from extractors.ocr.engines.base import Word
    from extractors.ocr.grid import Box

    pieces = line_to_pieces([Word("项目编码：4403042002项目名称：英才荟经费", Box(0, 0, 600, 30), 0.9)], vocab)
    assert [p.text for p in pieces] == ["项目编码：", "4403042002", "项目名称：", "英才荟经费"]
    assert [p.box.x0 for p in pieces] == sorted(p.box.x0 for p in pieces)
    assert split_at_labels("保障项目顺利实施", vocab) == ["保障项目顺利实施"]


def test_without_any_rules_cells_come_from_the_words_geometry(tmp_path, truth):
    """A form printed without rules: the words alone (by box) give the header fields and the
    indicator rows; the page is recorded as read by geometry, with lower confidence."""
    _, words = draw_form(truth, dpi=200)
    blank = np.full((int(11.69 * 200), int(8.27 * 200)), 255, np.uint8)
    path = tmp_path / "ruleless.png"
    Image.fromarray(blank).save(path, dpi=(200, 200))
    ReplayEngine.words, ReplayEngine.seed = words, 5
    s = settings()
    rows, ctx = read_image_rows(path, s, engine=REPLAY)
    assert ctx.layouts == {1: "geometry"}
    forms = rows_to_forms(rows, s)
    report = score([truth], forms)
    assert report.forms_found == 1
    assert report.header_accuracy >= 0.9, report.misses
    assert report.indicator_accuracy >= 0.9, report.misses
    assert 0 < forms[0].confidence["project_code"] <= 0.97 * s.grid.geometry_confidence + 1e-9
