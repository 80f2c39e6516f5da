"""Real engines on a few pages (kept in the default run): one 200-dpi skewed, noisy,
JPEG-compressed scanned page through RapidOCR and the whole reader, and one cell through
Tesseract with the digit whitelist. The big accuracy runs are in test_ocr_accuracy.py (slow)."""
from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from helpers import read_image_rows, rows_to_forms, settings
from layout import draw_form
from PIL import Image

from extractors.ocr.engines import create_engine, engine_available
from flows.evaluate import score
from synth.fonts import font_file
from synth.scan import SCAN_200_SKEWED, degrade, encode


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
def test_rapidocr_reads_a_skewed_200dpi_scan(tmp_path, truth):
    page, _ = draw_form(truth, dpi=200, text=True)
    img, angle = degrade(page, SCAN_200_SKEWED, random.Random(7))
    assert abs(angle) > 0.5
    path = tmp_path / "scan.jpg"
    path.write_bytes(encode(img, SCAN_200_SKEWED))
    s = settings(engine="rapidocr")
    rows, ctx = read_image_rows(path, s)
    assert not ctx.errors
    forms = rows_to_forms(rows, s)
    report = score([truth], forms)
    assert report.forms_found == 1
    assert report.header_accuracy >= 0.93, report.misses  # 14 of 15 fields at least
    assert report.indicator_accuracy >= 0.9, report.misses
    assert report.long_text_similarity >= 0.97
    form = forms[0]
    assert form.source.kind == "image"
    assert all(form.provenance[k].origin == "ocr" for k in form.provenance)
    assert 0.5 < form.confidence["project_code"] <= 1.0


@pytest.mark.skipif(not engine_available("tesseract"), reason="tesseract chi_sim not installed")
def test_tesseract_reads_a_code_cell_with_the_digit_whitelist():
    code = "440304241230100000005"
    im = Image.new("L", (900, 70), 255)
    from PIL import ImageDraw, ImageFont

    ImageDraw.Draw(im).text((12, 14), code, fill=0, font=ImageFont.truetype(
        font_file("wqy").path, 36))
    crop = cv2.GaussianBlur(np.array(im), (3, 3), 0)
    text, conf = create_engine("tesseract").read_line(crop, digits=True)
    assert text == code
    assert 0 < conf <= 1


def _text_crop(text: str, size: int, pad: int) -> np.ndarray:
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(font_file("wqy").path, size)
    x0, y0, x1, y1 = font.getbbox(text)
    im = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), 255)
    ImageDraw.Draw(im).text((pad - x0, pad - y0), text, fill=0, font=font)
    return cv2.GaussianBlur(np.array(im), (3, 3), 0)


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
def test_rapidocr_batches_crops_of_any_width_and_keeps_their_order():
    # short and long crops, two of nearly the same width (one batch), at different heights:
    # every text comes back for its own crop
    texts = ["440304241230100000005", "是", "项目编码", "申请单位", "深圳市福田区人力资源局", "75.75", "4"]
    crops = [_text_crop(t, size, pad) for t, size, pad in
             zip(texts, [30, 34, 32, 32, 28, 36, 40], [6, 8, 5, 6, 4, 7, 9])]
    engine = create_engine("rapidocr")
    got = engine.recognize(crops)
    assert [t for t, _ in got] == texts
    assert all(0.5 < s <= 1.0 for _, s in got)
    assert engine.recognize([]) == []


def test_trimmed_crop_keeps_a_small_mark_and_drops_blank_margins():
    """Recognition time grows with a crop's width: blank columns beyond the margin go, a
    lone small mark (the * of a core 二级指标, a few pixels) and everything between stays."""
    import numpy as np

    from extractors.ocr.engines.rapidocr import trim_blank

    crop = np.full((40, 300), 240, np.uint8)
    crop[18:22, 61:64] = 90    # a small faint-ish mark far left
    crop[10:30, 120:200] = 0   # the text
    out = trim_blank(crop, 0.5, 200)
    assert out.shape == (40, (200 + 20) - (61 - 20))  # from 20 px (half a height) left of the mark to 20 px right of the text
    assert (out < 200).sum() == (crop < 200).sum()
    assert trim_blank(np.full((40, 90), 240, np.uint8), 0.5, 200).shape == (40, 90)  # blank: left as is


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
def test_recogniser_cut_before_its_softmax_reads_what_the_whole_model_reads():
    """ocr.rec_logits: the graph ends in one Gemm (no bias add, no softmax pass) and the
    softmax is taken only of the characters kept: the same texts, the same confidences to
    the 5 decimals RapidOCR rounds to (±1e-5 where float rounding lands on the other side)."""
    from pipeline.settings import OcrSettings

    texts = ["项目名称：英才荟经费", "440304241230100000005", "≥95%", "本年度项目金额（万元）", "是",
             "200元/人*800人=16万元", "按季度统计完成情况并报送"]
    crops = [_text_crop(t, size, 6) for t, size in zip(texts, [30, 28, 34, 32, 36, 30, 28])]
    cut = create_engine("rapidocr", OcrSettings(rec_logits=True))
    whole = create_engine("rapidocr", OcrSettings(rec_logits=False))
    assert cut._rec_logits is not None and whole._rec_logits is None
    got_cut, got_whole = cut.recognize(crops), whole.recognize(crops)
    assert [t for t, _ in got_cut] == texts
    assert [t for t, _ in got_whole] == texts
    assert all(abs(a - b) <= 1.5e-5 for (_, a), (_, b) in zip(got_cut, got_whole))


@pytest.mark.skipif(not engine_available("rapidocr"), reason="rapidocr not installed")
def test_detection_on_the_printed_part_of_the_page_finds_the_lines_of_the_whole_page(truth):
    """ocr.det_crop_ink_level: the detector runs on the window of the page that holds ink
    (on the model's 32-px grid, blank margins left out) and finds the same text lines as
    on the whole page. Not to the pixel: the model's squeeze-and-excitation blocks average
    over the whole input, so every box moves a little (measured: up to 9 px at 200 dpi,
    a fifth of a line height; most within 4)."""
    from extractors.ocr.engines.rapidocr import content_window
    from pipeline.settings import OcrSettings

    page, _ = draw_form(truth, dpi=200, text=True)
    page[int(8.5 * 200):] = 255  # the form ends two thirds down the page: a blank lower part
    cropped = create_engine("rapidocr", OcrSettings(det_crop_ink_level=200))
    whole = create_engine("rapidocr", OcrSettings(det_crop_ink_level=0))
    small = cv2.resize(page, (992, 1408), interpolation=cv2.INTER_AREA)  # the detector's input at 120 dpi
    y0, y1, x0, x1 = content_window(small, 200, 30)
    assert (y1 - y0) * (x1 - x0) < 0.8 * 992 * 1408  # the window leaves out a fifth of the page at least
    a, b = cropped.detect(page, 200), whole.detect(page, 200)
    assert len(b) > 40
    assert len(a) == len(b)
    for p in a:  # each line of the window is a line of the whole page, within a quarter line height
        assert min(max(abs(p.x0 - q.x0), abs(p.y0 - q.y0), abs(p.x1 - q.x1), abs(p.y1 - q.y1)) for q in b) <= p.height / 4
