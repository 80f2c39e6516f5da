"""RapidOCR 3.x (PP-OCR det + rec on onnxruntime; the models ship inside the wheel, so it
works offline). One onnxruntime thread: pages are parallelised by process instead.

Detection runs once on the page (downscaled to ``DET_DPI``: the detector needs no more);
each detected line is cut at the table's cell borders and every piece is recognised at the
page's full resolution in one batch — neighbouring cells never run together, and the
engine's reading order is never used.
"""
from __future__ import annotations

import re
from typing import Sequence

import cv2
import numpy as np

from ..grid import Box
from .base import EngineSpec, Word, clean_word_text, module_available, register_engine

DET_DPI = 120.0  # measured: same boxes as at 150 dpi, 2.5x faster detection
PAD_HEIGHTS = 0.8        # horizontal margin added to each line box, in line heights
MIN_PIECE_HEIGHTS = 0.6   # a piece narrower than this many line heights is a box overhang
CONFUSABLE_DIGITS = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "丨": "1", "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8",
                                   "g": "9", "q": "9", "，": ",", "。": ".", "．": "."})
_NOT_AMOUNT = re.compile(r"[^0-9.,]")


class RapidOcrEngine:
    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr import RapidOCR

        self._ocr = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        })
        self._det = self._ocr._load_det_model()
        self._rec = self._ocr._load_rec_model()

    # ------------------------------------------------------------------ detection

    def detect(self, gray: np.ndarray, dpi: float) -> list[Box]:
        """Axis-aligned text-line boxes in page pixels."""
        scale = min(1.0, DET_DPI / dpi)
        small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
        res = self._det(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
        if res.boxes is None:
            return []
        h, w = gray.shape
        out = []
        for poly in np.asarray(res.boxes, dtype=np.float32):
            xs, ys = poly[:, 0] / scale, poly[:, 1] / scale
            box = Box(max(0, int(xs.min())), max(0, int(ys.min())), min(w, int(np.ceil(xs.max()))), min(h, int(np.ceil(ys.max()))))
            if box.width > 2 and box.height > 2:
                out.append(box)
        return out

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        from rapidocr.ch_ppocr_rec import TextRecInput

        if not crops:
            return []
        res = self._rec(TextRecInput(img=[cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops]))
        return [(t, float(s)) for t, s in zip(res.txts, res.scores)]

    # ------------------------------------------------------------------ interface

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        pieces = split_at_regions(self.detect(gray, dpi), regions)
        pieces += inked_regions_without_text(gray, regions, pieces)
        crops = [gray[b.y0:b.y1, b.x0:b.x1] for b in pieces]
        words = []
        for box, (text, score) in zip(pieces, self.recognize(crops)):
            text = clean_word_text(text)
            if text:
                words.append(Word(text=text, box=box, confidence=max(0.0, min(1.0, score))))
        return words

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        (text, score), = self.recognize([crop])
        text = clean_word_text(text) or ""
        if digits:
            text = _NOT_AMOUNT.sub("", text.translate(CONFUSABLE_DIGITS))
        return text, score


def inked_regions_without_text(gray: np.ndarray, regions: Sequence[Box], pieces: Sequence[Box]) -> list[Box]:
    """Cells the detector found nothing in although they hold ink (a lone 是/否 or digit
    is sometimes missed): recognised whole, trimmed to their ink."""
    out = []
    for r in regions:
        if any(p.intersect(r) for p in pieces):
            continue
        inner = gray[r.y0 + 4:r.y1 - 4, r.x0 + 4:r.x1 - 4]
        if inner.size == 0:
            continue
        ys, xs = np.nonzero(inner < 128)
        if ys.size < 15:
            continue
        pad = 6
        out.append(Box(r.x0 + 4 + max(0, int(xs.min()) - pad), r.y0 + 4 + max(0, int(ys.min()) - pad),
                       r.x0 + 4 + min(inner.shape[1], int(xs.max()) + pad), r.y0 + 4 + min(inner.shape[0], int(ys.max()) + pad)))
    return out


def split_at_regions(boxes: Sequence[Box], regions: Sequence[Box]) -> list[Box]:
    """Each text-line box cut at the cell borders it crosses. Pieces thinner than about half a
    character are overhangs of the detector's box, not text, and are dropped; a box in no
    region (a title above the table) is kept whole."""
    out = []
    for box in boxes:
        min_w = max(3, int(box.height * MIN_PIECE_HEIGHTS))
        pieces = []
        # widened by most of a character each side: the detector leaves out small marks
        # such as the * of a core 二级指标 (the recogniser ignores the blank margin)
        pad = int(box.height * PAD_HEIGHTS)
        wide = Box(box.x0 - pad, box.y0, box.x1 + pad, box.y1)
        for region in regions:
            piece = box.intersect(region)
            if piece is None:
                continue
            if piece.width >= min_w and piece.height >= box.height * 0.5:
                inner = Box(region.x0 + 3, region.y0, region.x1 - 3, region.y1)
                pieces.append(wide.intersect(inner) or piece)
        if pieces:
            out.extend(pieces)
        elif not any(box.intersect(r) and box.intersect(r).area() > box.area() * 0.5 for r in regions):
            out.append(box)
    return out


register_engine(EngineSpec(name="rapidocr", factory="extractors.ocr.engines.rapidocr:RapidOcrEngine",
                           available=module_available("rapidocr", "onnxruntime")))
