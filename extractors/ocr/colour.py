"""Colour scans of signed copies: red seals (公章) and blue ink separated from the black
print before anything else looks at the page.

``is_colour``      whether a BGR page holds colour at all (a gray scan stored as RGB does not);
``separate_ink``   BGR page -> (gray page without the coloured ink, red mask, blue mask). The
                   gray is each pixel's brightest channel: red and blue ink are bright in their
                   own channel, so they fade to paper, while black print, dark in every
                   channel, stays — a seal over 申请单位 no longer wipes the field;
``masks_to_stamps`` large connected red (or blue) marks as :class:`Stamp` boxes.

Pure functions over numpy arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .grid import Box

MIN_CHROMA = 40         # |channel difference| of coloured ink; paper tone and gray stay under ~15
COLOUR_SHARE = 0.0005   # share of (downscaled) pixels that must be coloured for a colour page


@dataclass(frozen=True)
class Stamp:
    box: Box
    color: str  # "red" | "blue"


def is_colour(bgr: np.ndarray) -> bool:
    if bgr.ndim != 3 or bgr.shape[2] < 3:
        return False
    small = cv2.resize(bgr[:, :, :3], None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA).astype(np.int16)
    chroma = small.max(axis=2) - small.min(axis=2)
    return float(np.count_nonzero(chroma > MIN_CHROMA)) >= COLOUR_SHARE * chroma.size


def separate_ink(bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(gray without red/blue ink, red ink mask, blue ink mask), masks 255 = ink."""
    img = bgr[:, :, :3]
    b, g, r = (img[:, :, i].astype(np.int16) for i in range(3))
    hi = np.maximum(np.maximum(b, g), r)
    lo = np.minimum(np.minimum(b, g), r)
    chroma = hi - lo
    red = (r - np.maximum(g, b) > MIN_CHROMA) & (chroma > MIN_CHROMA)
    blue = (b - np.maximum(g, r) > MIN_CHROMA * 0.75) & (chroma > MIN_CHROMA)
    gray = hi.astype(np.uint8)
    # where the ink was, the brightest channel is a little darker than the paper: lift it to
    # the paper's level so no faint ghost of the seal's ring is left for the rule finder
    coloured = red | blue
    if coloured.any():
        paper = np.uint8(np.percentile(gray[::8, ::8], 90))
        gray = gray.copy()
        gray[coloured & (gray > paper * 0.55)] = paper
    return gray, red.astype(np.uint8) * 255, blue.astype(np.uint8) * 255


def masks_to_stamps(red: np.ndarray, blue: np.ndarray, dpi: float) -> list[Stamp]:
    """Coloured marks at least half an inch across (a seal, a signature), top to bottom."""
    out = []
    min_side = dpi * 0.5
    for mask, color in ((red, "red"), (blue, "blue")):
        if not mask.any():
            continue
        k = max(3, int(dpi * 0.06))
        grown = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
        pad = k // 2
        boxes = [Box(int(x) + pad, int(y) + pad, int(x + w) - pad, int(y + h) - pad)
                 for x, y, w, h, area in stats[1:] if area >= k * k]
        # a seal's ring is cut where it crosses black print, its text and star stand apart:
        # pieces whose boxes overlap (or nearly) are one mark
        merged = _merge_boxes(boxes, int(dpi * 0.1))
        out += [Stamp(b, color) for b in merged if max(b.width, b.height) >= min_side]
    return sorted(out, key=lambda s: (s.box.y0, s.box.x0))


def _merge_boxes(boxes: list[Box], slack: int) -> list[Box]:
    boxes = list(boxes)
    changed = True
    while changed:
        changed = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a.x0 - slack <= b.x1 and b.x0 - slack <= a.x1 and a.y0 - slack <= b.y1 and b.y0 - slack <= a.y1:
                    boxes[i] = Box(min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
                    del boxes[j]
                    changed = True
                    break
            if changed:
                break
    return boxes
