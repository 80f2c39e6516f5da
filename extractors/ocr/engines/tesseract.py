"""Tesseract 5 through pytesseract, ``chi_sim``: the design card's engine, kept selectable
(``--ocr-engine tesseract``). One OpenMP thread (``OMP_THREAD_LIMIT=1``: its default
threading is five times slower on two cores); pages are parallelised by process.

The page is read once (``--psm 6``) and its words are placed into cells by their boxes.
"""
from __future__ import annotations

import os
import shutil
from typing import Sequence

import numpy as np

from ..grid import Box
from .base import EngineSpec, Word, clean_word_text, register_engine

LANG = "chi_sim"


def tesseract_available() -> bool:
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        import pytesseract

        return LANG in pytesseract.get_languages(config="")
    except Exception:
        return False


class TesseractEngine:
    name = "tesseract"

    def __init__(self) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        import pytesseract

        self._tess = pytesseract

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        """One Tesseract call per page on a strip of the cells stacked one above the other
        (blank bands between them), plus the page outside the cells: a line of text can
        then never run across a cell border. Word boxes are mapped back to the page."""
        strip, placements = stack_regions(gray, regions)
        data = self._tess.image_to_data(strip, lang=LANG, config=f"--psm 6 --dpi {int(dpi)}",
                                        output_type=self._tess.Output.DICT)
        words = []
        for text, conf, x, y, w, h in zip(data["text"], data["conf"], data["left"], data["top"],
                                          data["width"], data["height"]):
            text = clean_word_text(text)
            if not text or float(conf) < 0:
                continue
            box = unstack_box(Box(int(x), int(y), int(x + w), int(y + h)), placements)
            if box is not None:
                words.append(Word(text=text, box=box, confidence=max(0.0, min(1.0, float(conf) / 100))))
        return words

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        config = "--psm 7" + (" -c tessedit_char_whitelist=0123456789.," if digits else "")
        data = self._tess.image_to_data(crop, lang="eng" if digits else LANG, config=config,
                                        output_type=self._tess.Output.DICT)
        parts = [(t, float(c)) for t, c in zip(data["text"], data["conf"]) if str(t).strip() and float(c) >= 0]
        if not parts:
            return "", 0.0
        text = clean_word_text("".join(t for t, _ in parts)) or ""
        return text, min(c for _, c in parts) / 100


GAP = 24  # blank pixels between stacked cells
INSET = 3  # pixels trimmed off each cell edge (rule remnants)


def stack_regions(gray: np.ndarray, regions: Sequence[Box]) -> tuple[np.ndarray, list[tuple[int, Box]]]:
    """(strip image, [(strip y of the piece, page box of the piece)]). The last piece is the
    whole page with the regions blanked (titles and notes outside the table)."""
    h, w = gray.shape
    outside = gray.copy()
    pieces: list[Box] = []
    for r in regions:
        b = Box(max(0, r.x0 + INSET), max(0, r.y0 + INSET), min(w, r.x1 - INSET), min(h, r.y1 - INSET))
        outside[max(0, r.y0):r.y1, max(0, r.x0):r.x1] = 255
        if b.width > 4 and b.height > 4 and int(gray[b.y0:b.y1, b.x0:b.x1].min()) < 128:
            pieces.append(b)
    total_h = sum(b.height + GAP for b in pieces) + GAP + h
    strip = np.full((total_h, w + 2 * GAP), 255, dtype=np.uint8)
    placements: list[tuple[int, Box]] = []
    y = GAP
    for b in pieces:
        strip[y:y + b.height, GAP:GAP + b.width] = gray[b.y0:b.y1, b.x0:b.x1]
        placements.append((y, b))
        y += b.height + GAP
    strip[y:y + h, GAP:GAP + w] = outside
    placements.append((y, Box(0, 0, w, h)))
    return strip, placements


def unstack_box(box: Box, placements: Sequence[tuple[int, Box]]) -> "Box | None":
    cy = (box.y0 + box.y1) / 2
    for y, b in placements:
        if y <= cy < y + b.height:
            dx, dy = b.x0 - GAP, b.y0 - y
            return Box(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)
    return None


register_engine(EngineSpec(name="tesseract", factory="extractors.ocr.engines.tesseract:TesseractEngine",
                           available=tesseract_available))
