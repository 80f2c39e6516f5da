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
