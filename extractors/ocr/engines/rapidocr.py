"""RapidOCR 3.x (PP-OCR det + rec on onnxruntime; the models ship inside the wheel, so it
works offline). One onnxruntime thread: pages are parallelised by process instead.

Detection runs once on the page (downscaled to ``DET_DPI``: the detector needs no more);
each detected line is cut at the table's cell borders and every piece is recognised at the
page's full resolution — neighbouring cells never run together, and the engine's reading
order is never used. Recognition batches pieces of similar width and pads short ones only
to ``REC_MIN_WIDTH`` (see :meth:`RapidOcrEngine.recognize`): the model's time is
proportional to the padded width, about 4 ms per 48 px on one thread.
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

import cv2
import numpy as np

from ..grid import Box
from .base import EngineSpec, Word, clean_word_text, module_available, register_engine

DET_DPI = 120.0  # measured: same boxes as at 150 dpi, 2.5x faster detection
PAD_HEIGHTS = 0.8        # horizontal margin added to each line box, in line heights
MIN_PIECE_HEIGHTS = 0.6   # a piece narrower than this many line heights is a box overhang
REC_HEIGHT = 48            # the recognition model's input height
REC_MIN_WIDTH = 160        # shorter crops padded to this width (RapidOCR: 320; same accuracy measured)
REC_BATCH_SLACK = 1.1      # crops batched together when within this factor (+8 px) of the narrowest
REC_BATCH_MAX = 32
# crops narrowed to this share of their width: measured on 70 scanned pages, 0.75 reads as
# well as 1.0 (a few more * and （ right) at 20 % less model time; 0.55 loses characters
REC_X_SCALE = 0.75
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
        self._cls = None  # the angle classifier, loaded when a page is checked for orientation

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
        """Text and confidence of each grayscale crop (any size), in order.

        Each crop is scaled to the model's height (and narrowed by ``REC_X_SCALE``) and
        batched only with crops of nearly the same width, padded to the widest of its
        batch: the model's time is proportional to the padded width. (RapidOCR's own
        batching pads every crop to at least 320 px — 6.7 line heights — and groups six at
        a time, so short cell texts cost several times their width.)"""
        if not crops:
            return []
        height = REC_HEIGHT
        widths = [max(1, int(np.ceil(REC_X_SCALE * height * c.shape[1] / max(1, c.shape[0])))) for c in crops]
        order = sorted(range(len(crops)), key=lambda i: widths[i])
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        start = 0
        while start < len(order):
            end = start + 1
            limit = widths[order[start]] * REC_BATCH_SLACK + 8
            while end < len(order) and end - start < REC_BATCH_MAX and widths[order[end]] <= limit:
                end += 1
            batch = order[start:end]
            wmax = max(REC_MIN_WIDTH, max(widths[i] for i in batch))
            arr = np.zeros((len(batch), 3, height, wmax), dtype=np.float32)
            for k, i in enumerate(batch):
                img = cv2.resize(crops[i], (widths[i], height)).astype(np.float32)
                arr[k, :, :, :widths[i]] = img * (2.0 / 255.0) - 1.0
            preds = self._rec.session(arr)
            lines, _ = self._rec.postprocess_op(preds, False, wh_ratio_list=[widths[i] / height for i in batch],
                                                max_wh_ratio=wmax / height)
            for i, (text, score) in zip(batch, lines):
                out[i] = (text, float(score))
            start = end
        return out

    # ------------------------------------------------------------------ interface

    def upside_down(self, crops: Sequence[np.ndarray]) -> float:
        """Share of the crops (text lines) that the angle classifier reads as turned 180°,
        each weighted by its score."""
        if not crops:
            return 0.0
        if self._cls is None:
            self._cls = self._ocr._load_cls_model()
        res = self._cls([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops if c.size])
        votes = [(s if "180" in label else -s) for label, s in res.cls_res]
        return sum(1 for v in votes if v > 0) / len(votes) if votes else 0.0

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float,
                  boxes: Optional[Sequence[Box]] = None) -> list[Word]:
        """Words of the page; ``boxes`` are its text lines when already detected."""
        pieces = split_at_regions(self.detect(gray, dpi) if boxes is None else boxes, regions)
        found = len(pieces)
        pieces += inked_regions_without_text(gray, regions, pieces)
        crops = [gray[b.y0:b.y1, b.x0:b.x1] for b in pieces]
        words = []
        for k, (box, (text, score)) in enumerate(zip(pieces, self.recognize(crops))):
            text = clean_word_text(text)
            if text and (k < found or score >= 0.6):  # leftover ink: keep only a clear reading
                words.append(Word(text=text, box=box, confidence=max(0.0, min(1.0, score))))
        return words

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        (text, score), = self.recognize([crop])
        text = clean_word_text(text) or ""
        if digits:
            text = _NOT_AMOUNT.sub("", text.translate(CONFUSABLE_DIGITS))
        return text, score


def inked_regions_without_text(gray: np.ndarray, regions: Sequence[Box], pieces: Sequence[Box]) -> list[Box]:
    """Ink inside a cell that no detected line covers — a lone 是/否 or digit, or a closing
    ）or 。 wrapped onto a line of its own, which the detector misses — as extra pieces."""
    out = []
    for r in regions:
        x0, y0, x1, y1 = r.x0 + 4, r.y0 + 4, r.x1 - 4, r.y1 - 4
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        ink = (gray[y0:y1, x0:x1] < 170).astype(np.uint8)  # faint lone digits stay above 128
        for p in pieces:
            q = p.intersect(r)
            if q is not None:  # generous margins: glyph edges outside a line box are not text
                m = max(3, q.height // 4)
                ink[max(0, q.y0 - y0 - m):max(0, q.y1 - y0 + m), max(0, q.x0 - x0 - m):max(0, q.x1 - x0 + m)] = 0
        if int(ink.sum()) < 15:
            continue
        grown = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 9)))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
        for i in range(1, n):
            x, y, w, h, _a = stats[i]
            if int(ink[y:y + h, x:x + w].sum()) < 15 or h < 12:
                continue
            out.append(Box(x0 + x, y0 + y, x0 + x + w, y0 + y + h))
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
