"""RapidOCR 3.x (PP-OCR det + rec on onnxruntime; the models ship inside the wheel, so it
works offline). One onnxruntime thread: pages are parallelised by process instead.

Detection runs once on the page (downscaled to ``settings.ocr.det_dpi``: the detector needs
no more); each detected line is cut at the table's cell borders and every piece is
recognised at the page's full resolution — neighbouring cells never run together, and the
engine's reading order is never used. Recognition batches pieces of similar width and pads
short ones only to ``ocr.rec_min_width`` (see :meth:`RapidOcrEngine.recognize`): the model's
time is proportional to the padded width, about 4 ms per 48 px on one thread. Every
tolerance is a field of :class:`~pipeline.settings.OcrSettings` (``--set ocr.det_dpi=150``).
"""
from __future__ import annotations

import logging
import re
from typing import Optional, Sequence

import cv2
import numpy as np

from pipeline.settings import OcrSettings

from ..grid import Box
from .base import EngineSpec, Word, clean_word_text, module_available, register_engine
from .rec_head import ctc_decode, logits_model

log = logging.getLogger(__name__)

REC_HEIGHT = 48  # the recognition model's input height (a property of the model, not a setting)
CONFUSABLE_DIGITS = str.maketrans({"O": "0", "o": "0", "〇": "0", "D": "0", "l": "1", "I": "1", "|": "1",
                                   "丨": "1", "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8",
                                   "g": "9", "q": "9", "，": ",", "。": ".", "．": "."})
_NOT_AMOUNT = re.compile(r"[^0-9.,]")


class RapidOcrEngine:
    """RapidOCR's detector and recogniser driven by the reader (every tolerance from
    ``settings``, :class:`~pipeline.settings.OcrSettings`). A fake for tests subclasses it and
    replaces only what it fakes (:meth:`load_models`, :meth:`detect`, :meth:`recognize`)."""

    name = "rapidocr"

    def __init__(self, settings: Optional[OcrSettings] = None) -> None:
        self.settings = settings or OcrSettings()
        self._cls = None  # the angle classifier, loaded when a page is checked for orientation
        self.load_models()

    def load_models(self) -> None:
        from rapidocr import RapidOCR

        s = self.settings
        self._ocr = RapidOCR(params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "EngineConfig.onnxruntime.intra_op_num_threads": s.engine_threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": s.onnx_mem_arena,
            "Det.thresh": s.det_thresh,
            "Det.box_thresh": s.det_box_thresh,
            "Det.unclip_ratio": s.det_unclip_ratio,
        })
        self._det = self._ocr._load_det_model()
        self._rec = self._ocr._load_rec_model()
        self._rec_logits = None
        if s.rec_logits:
            self._rec_logits = _logits_session(self._rec.session.session, s.rec_int8_head)

    def _recognize_batch(self, arr: np.ndarray, wh_ratios: list[float], max_wh_ratio: float) -> list[tuple[str, float]]:
        """Text and confidence of each crop of a normalised batch (n, 3, 48, width)."""
        if self._rec_logits is not None:
            logits = self._rec_logits.run(None, {self._rec_logits.get_inputs()[0].name: arr})[0]
            return ctc_decode(logits.reshape(arr.shape[0], -1, logits.shape[-1]), self._rec.postprocess_op.character)
        preds = self._rec.session(arr)
        lines, _ = self._rec.postprocess_op(preds, False, wh_ratio_list=wh_ratios, max_wh_ratio=max_wh_ratio)
        return lines

    # ------------------------------------------------------------------ detection

    def detect(self, gray: np.ndarray, dpi: float, limit: bool = True) -> list[Box]:
        """Axis-aligned text-line boxes in page pixels.

        The page is scaled straight to the detector's input (``det_dpi``, sides multiples of
        32, the shorter at least ``det_limit_side_len``) and normalised on its one gray
        channel; the detector's boxes come back in page pixels (its post-processing maps
        them to the shape it is given). ``limit=False`` (a strip of the page, ``ocr.cell_lines``):
        no upscaling to ``det_limit_side_len``."""
        s = self.settings
        h, w = gray.shape
        scale = min(1.0, s.det_dpi / dpi)
        if limit and min(h, w) * scale < s.det_limit_side_len:
            scale = s.det_limit_side_len / min(h, w)
        th, tw = max(32, int(round(h * scale / 32)) * 32), max(32, int(round(w * scale / 32)) * 32)
        small = cv2.resize(gray, (tw, th), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        # ocr.det_crop_ink_level > 0 (off by default): only the printed part of the page is run
        # through the model (blank margins cost as much as text), a window on the 32-px grid of
        # the full input (the model's stride); the probability map outside it stays 0 and the
        # post-processing maps boxes from the full input's shape as before. Boxes move by a few
        # pixels (the model's squeeze-and-excitation blocks average over the whole input)
        y0, y1, x0, x1 = content_window(small, s.det_crop_ink_level, int(round(s.det_crop_margin_in * dpi * scale)))
        x = np.empty((1, 3, y1 - y0, x1 - x0), dtype=np.float32)
        np.multiply(small[y0:y1, x0:x1], np.float32(2.0 / 255.0), out=x[0, 0], casting="unsafe")
        x[0, 0] -= 1.0
        x[0, 1] = x[0, 0]
        x[0, 2] = x[0, 0]
        pred = self._det.session(x)
        if (y1 - y0, x1 - x0) != (th, tw):
            full = np.zeros((1, 1, th, tw), dtype=pred.dtype)
            full[:, :, y0:y1, x0:x1] = pred[:, :1]
            pred = full
        polys, _scores = self._det.postprocess_op(pred, (h, w))
        out = []
        for poly in np.asarray(polys, dtype=np.int32).reshape(-1, 4, 2):
            xs, ys = poly[:, 0], poly[:, 1]
            box = Box(max(0, int(xs.min())), max(0, int(ys.min())), min(w, int(xs.max())), min(h, int(ys.max())))
            if box.width > 2 and box.height > 2:
                out.append(box)
        out.sort(key=lambda b: (b.y0, b.x0))
        return out

    def recognize(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Text and confidence of each grayscale crop (any size), in order.

        Each crop is scaled to the model's height (and narrowed by ``rec_x_scale``) and
        batched only with crops of nearly the same width, padded to the widest of its
        batch: the model's time is proportional to the padded width (measured: 4.2 ms per
        48 px on one thread, whatever the batch size). (RapidOCR's own batching pads every
        crop to at least 320 px — 6.7 line heights — and groups six at a time, so short cell
        texts cost several times their width.)"""
        if not crops:
            return []
        s = self.settings
        height = REC_HEIGHT
        widths = [max(1, int(np.ceil(s.rec_x_scale * height * c.shape[1] / max(1, c.shape[0])))) for c in crops]
        order = sorted(range(len(crops)), key=lambda i: widths[i])
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        start = 0
        while start < len(order):
            end = start + 1
            limit = widths[order[start]] * s.rec_batch_slack + 8
            while end < len(order) and end - start < s.rec_batch_max and widths[order[end]] <= limit:
                end += 1
            batch = order[start:end]
            wmax = max(s.rec_min_width, max(widths[i] for i in batch))
            arr = np.zeros((len(batch), 3, height, wmax), dtype=np.float32)
            for k, i in enumerate(batch):
                img = cv2.resize(crops[i], (widths[i], height))
                np.multiply(img, np.float32(2.0 / 255.0), out=arr[k, 0, :, :widths[i]], casting="unsafe")
                arr[k, 0, :, :widths[i]] -= 1.0
            arr[:, 1] = arr[:, 0]
            arr[:, 2] = arr[:, 0]
            lines = self._recognize_batch(arr, [widths[i] / height for i in batch], wmax / height)
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
        s = self.settings
        pieces = split_at_regions(self.detect(gray, dpi) if boxes is None else boxes, regions,
                                  s.line_pad_heights, s.min_piece_heights)
        found = len(pieces)
        pieces += inked_regions_without_text(gray, regions, pieces, s.leftover_ink_level,
                                             s.leftover_min_pixels, s.leftover_min_height)
        crops = [gray[b.y0:b.y1, b.x0:b.x1] for b in pieces]
        if s.rec_trim_heights >= 0:
            crops = [trim_blank(c, s.rec_trim_heights, s.rec_ink_level) for c in crops]
        words = []
        for k, (box, (text, score)) in enumerate(zip(pieces, self.recognize(crops))):
            text = clean_word_text(text)
            if text and (k < found or score >= s.leftover_min_score):  # leftover ink: keep only a clear reading
                words.append(Word(text=text, box=box, confidence=max(0.0, min(1.0, score))))
        return words

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        (text, score), = self.recognize([crop])
        text = clean_word_text(text) or ""
        if digits:
            text = _NOT_AMOUNT.sub("", text.translate(CONFUSABLE_DIGITS))
        return text, score


def _logits_session(session, int8: bool = False):
    """The recogniser ending in its logits (:mod:`.rec_head`), with the session options of
    ``session``; None when its graph cannot be cut (or ``onnx`` is missing)."""
    import onnxruntime as ort

    try:
        model = logits_model(session._model_path, int8)
    except ImportError:
        log.warning("onnx is not installed: the recogniser runs with its softmax (ocr.rec_logits)")
        return None
    if model is None:
        return None
    return ort.InferenceSession(model, sess_options=session.get_session_options(), providers=session.get_providers())


def content_window(small: np.ndarray, ink_level: int, margin: int, step: int = 32) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1) of the detector's input holding every pixel darker than
    ``ink_level``, grown by ``margin`` and out to the ``step``-pixel grid (the model's
    stride), within the image; the whole image when it holds no ink or ``ink_level`` is 0."""
    th, tw = small.shape
    if ink_level <= 0:
        return 0, th, 0, tw
    ink = small < ink_level
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not rows.size:
        return 0, th, 0, tw
    y0, x0 = max(0, int(rows[0]) - margin) // step * step, max(0, int(cols[0]) - margin) // step * step
    y1 = min(th, -(-(int(rows[-1]) + 1 + margin) // step) * step)
    x1 = min(tw, -(-(int(cols[-1]) + 1 + margin) // step) * step)
    return y0, y1, x0, x1


def trim_blank(crop: np.ndarray, margin_heights: float, ink_level: int) -> np.ndarray:
    """The crop without its blank columns beyond ``margin_heights`` line heights of the first
    and last column holding a pixel darker than ``ink_level`` (the whole crop when blank)."""
    if crop.size == 0:
        return crop
    cols = np.flatnonzero(crop.min(axis=0) < ink_level)
    if cols.size == 0:
        return crop
    m = int(round(margin_heights * crop.shape[0]))
    a, b = max(0, int(cols[0]) - m), min(crop.shape[1], int(cols[-1]) + 1 + m)
    return crop[:, a:b] if b - a < crop.shape[1] else crop


def _boxes_array(boxes: Sequence[Box]) -> np.ndarray:
    return np.array([(b.x0, b.y0, b.x1, b.y1) for b in boxes], dtype=np.int64).reshape(-1, 4)


def inked_regions_without_text(gray: np.ndarray, regions: Sequence[Box], pieces: Sequence[Box],
                               ink_level: int = 170, min_pixels: int = 15, min_height: int = 12) -> list[Box]:
    """Ink inside a cell that no detected line covers — a lone 是/否 or digit, or a closing
    ）or 。 wrapped onto a line of its own, which the detector misses — as extra pieces."""
    out = []
    if not regions:
        return out
    page_ink = cv2.compare(gray, ink_level, cv2.CMP_LT)  # faint lone digits stay above 128
    P = _boxes_array(pieces)
    for r in regions:
        x0, y0, x1, y1 = r.x0 + 4, r.y0 + 4, r.x1 - 4, r.y1 - 4
        if x1 - x0 < 4 or y1 - y0 < 4:
            continue
        ink = page_ink[max(0, y0):max(0, y1), max(0, x0):max(0, x1)]
        if cv2.countNonZero(ink) < min_pixels:
            continue
        ink = ink.copy()
        if len(P):  # generous margins: glyph edges outside a line box are not text
            qx0, qy0 = np.maximum(P[:, 0], r.x0), np.maximum(P[:, 1], r.y0)
            qx1, qy1 = np.minimum(P[:, 2], r.x1), np.minimum(P[:, 3], r.y1)
            for k in np.flatnonzero((qx1 > qx0) & (qy1 > qy0)):
                m = max(3, int(qy1[k] - qy0[k]) // 4)
                ink[max(0, qy0[k] - y0 - m):max(0, qy1[k] - y0 + m), max(0, qx0[k] - x0 - m):max(0, qx1[k] - x0 + m)] = 0
        if cv2.countNonZero(ink) < min_pixels:
            continue
        grown = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 9)))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
        for i in range(1, n):
            x, y, w, h, _a = stats[i]
            if h < min_height or cv2.countNonZero(ink[y:y + h, x:x + w]) < min_pixels:
                continue
            out.append(Box(x0 + x, y0 + y, x0 + x + w, y0 + y + h))
    return out


def split_at_regions(boxes: Sequence[Box], regions: Sequence[Box], pad_heights: float = 0.8,
                     min_piece_heights: float = 0.6) -> list[Box]:
    """Each text-line box cut at the cell borders it crosses. Pieces thinner than about half a
    character are overhangs of the detector's box, not text, and are dropped; a box in no
    region (a title above the table) is kept whole."""
    out: list[Box] = []
    R = _boxes_array(regions)
    for box in boxes:
        if not len(R):
            out.append(box)
            continue
        min_w = max(3, int(box.height * min_piece_heights))
        ix0, iy0 = np.maximum(R[:, 0], box.x0), np.maximum(R[:, 1], box.y0)
        ix1, iy1 = np.minimum(R[:, 2], box.x1), np.minimum(R[:, 3], box.y1)
        iw, ih = ix1 - ix0, iy1 - iy0
        hit = (iw > 0) & (ih > 0)
        keep = np.flatnonzero(hit & (iw >= min_w) & (ih >= box.height * 0.5))
        if keep.size:
            # widened by most of a character each side: the detector leaves out small marks
            # such as the * of a core 二级指标 (the recogniser ignores the blank margin)
            pad = int(box.height * pad_heights)
            for k in keep:
                wx0, wx1 = max(box.x0 - pad, int(R[k, 0]) + 3), min(box.x1 + pad, int(R[k, 2]) - 3)
                wy0, wy1 = max(box.y0, int(R[k, 1])), min(box.y1, int(R[k, 3]))
                if wx1 > wx0 and wy1 > wy0:
                    out.append(Box(wx0, wy0, wx1, wy1))
                else:
                    out.append(Box(int(ix0[k]), int(iy0[k]), int(ix1[k]), int(iy1[k])))
        elif not np.any(hit & (iw * ih > box.area() * 0.5)):
            out.append(box)
    return out


register_engine(EngineSpec(name="rapidocr", factory=RapidOcrEngine, available=module_available("rapidocr", "onnxruntime")))
