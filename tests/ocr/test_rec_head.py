"""The recogniser's decoder on logits (extractors/ocr/engines/rec_head.py) and the window
the detector runs on (extractors/ocr/engines/rapidocr.content_window): pure functions on
hand-made arrays."""
from __future__ import annotations

import math

import numpy as np

from extractors.ocr.engines.rapidocr import content_window
from extractors.ocr.engines.rec_head import ctc_decode


def _logits(path: list[int], classes: int = 5, top: float = 4.0) -> np.ndarray:
    x = np.zeros((len(path), classes), dtype=np.float32)
    for t, c in enumerate(path):
        x[t, c] = top
    return x


def test_ctc_decode_collapses_repeats_drops_blanks_and_averages_the_kept_characters():
    chars = ["blank", "项", "目", "1", " "]
    # blank, 项, 项 (a repeat), blank, 目, 目, blank, 目 (a new 目 after a blank), 1
    a = _logits([0, 1, 1, 0, 2, 2, 0, 2, 3])
    a[8, 3] = 2.0  # a less sure last character
    b = _logits([0, 0, 0, 0, 0, 0, 0, 0, 0])  # nothing but blanks
    got = ctc_decode(np.stack([a, b]), chars)
    sure = math.exp(4) / (math.exp(4) + 4)       # softmax of 4 against four zeros
    less = math.exp(2) / (math.exp(2) + 4)
    assert got[0][0] == "项目目1"
    assert abs(got[0][1] - round((3 * round(sure, 5) + round(less, 5)) / 4, 5)) < 1e-9
    assert got[1] == ("", 0.0)


def test_content_window_holds_the_ink_and_a_margin_on_the_32px_grid():
    img = np.full((640, 480), 250, np.uint8)
    img[200:260, 100:300] = 30
    img[500, 50] = 190  # a faint speck, darker than the level: inside the window too
    y0, y1, x0, x1 = content_window(img, 200, 10)
    assert (y0, y1, x0, x1) == (160, 512, 32, 320)  # 200-10 -> 160; 500+1+10 -> 512; 50-10 -> 32; 300+10 -> 320
    assert content_window(img, 180, 10) == (160, 288, 64, 320)  # the speck is lighter than 180
    assert content_window(np.full((64, 96), 250, np.uint8), 200, 10) == (0, 64, 0, 96)  # blank: the whole image
    assert content_window(img, 0, 10) == (0, 640, 0, 480)  # level 0: off
