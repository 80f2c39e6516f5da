"""Tesseract 5 through pytesseract, ``chi_sim``: the design card's engine, kept selectable
(``--ocr-engine tesseract``). One OpenMP thread (``OMP_THREAD_LIMIT=1``: its default
threading is five times slower on two cores); pages are parallelised by process.

The page is read once (``--psm 6``, ``settings.ocr.tesseract_psm``) and its words are placed
into cells by their boxes. Every constant is a field of :class:`~pipeline.settings.OcrSettings`.
"""
from __future__ import annotations

import os
import shutil
from typing import Sequence

import numpy as np

from pipeline.settings import OcrSettings

from ..grid import Box
from .base import EngineSpec, Word, clean_word_text, register_engine

LANG = OcrSettings().tesseract_lang


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

    def __init__(self, settings: "OcrSettings | None" = None) -> None:
        self.settings = settings or OcrSettings()
        os.environ["OMP_THREAD_LIMIT"] = str(self.settings.engine_threads)
        import pytesseract

        self._tess = pytesseract

    def image_to_data(self, image: np.ndarray, lang: str, config: str) -> dict:
        """Tesseract's words of ``image`` (pytesseract's DICT output): the one call a fake replaces."""
        return self._tess.image_to_data(image, lang=lang, config=config, output_type=self._tess.Output.DICT)

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        """One Tesseract call per page on a strip of the cells stacked one above the other
        (blank bands between them), plus the page outside the cells: a line of text can
        then never run across a cell border. Word boxes are mapped back to the page."""
        s = self.settings
        strip, placements = stack_regions(gray, regions, s.tesseract_gap, s.tesseract_inset)
        data = self.image_to_data(strip, s.tesseract_lang, f"--psm {s.tesseract_psm} --dpi {int(dpi)}")
        words = []
        for text, conf, x, y, w, h in zip(data["text"], data["conf"], data["left"], data["top"],
                                          data["width"], data["height"]):
            text = clean_word_text(text)
            if not text or float(conf) < 0:
                continue
            box = unstack_box(Box(int(x), int(y), int(x + w), int(y + h)), placements, s.tesseract_gap)
            if box is not None:
                words.append(Word(text=text, box=box, confidence=max(0.0, min(1.0, float(conf) / 100))))
        return words

    def page_turn(self, gray: np.ndarray, dpi: float) -> int:
        """Degrees (clockwise) that turn the page upright, from Tesseract's orientation and
        script detection (``--psm 0``, ``osd.traineddata``); 0 when it is unsure (confidence
        under ``ocr.tesseract_osd_min_confidence``) or cannot tell (too little text)."""
        s = self.settings
        try:
            osd = self._tess.image_to_osd(gray, config=f"--psm 0 --dpi {int(dpi)}",
                                          output_type=self._tess.Output.DICT)
        except self._tess.TesseractError:
            return 0
        if float(osd.get("orientation_conf", 0.0)) < s.tesseract_osd_min_confidence:
            return 0
        return int(osd.get("rotate", 0)) % 360

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        config = "--psm 7" + (" -c tessedit_char_whitelist=0123456789.," if digits else "")
        data = self.image_to_data(crop, "eng" if digits else self.settings.tesseract_lang, config)
        parts = [(t, float(c)) for t, c in zip(data["text"], data["conf"]) if str(t).strip() and float(c) >= 0]
        if not parts:
            return "", 0.0
        text = clean_word_text("".join(t for t, _ in parts)) or ""
        return text, min(c for _, c in parts) / 100


GAP = OcrSettings().tesseract_gap  # blank pixels between stacked cells
INSET = OcrSettings().tesseract_inset  # pixels trimmed off each cell edge (rule remnants)


def stack_regions(gray: np.ndarray, regions: Sequence[Box], gap: int = GAP,
                  inset: int = INSET) -> tuple[np.ndarray, list[tuple[int, Box]]]:
    """(strip image, [(strip y of the piece, page box of the piece)]). The last piece is the
    whole page with the regions blanked (titles and notes outside the table)."""
    h, w = gray.shape
    outside = gray.copy()
    pieces: list[Box] = []
    for r in regions:
        b = Box(max(0, r.x0 + inset), max(0, r.y0 + inset), min(w, r.x1 - inset), min(h, r.y1 - inset))
        outside[max(0, r.y0):r.y1, max(0, r.x0):r.x1] = 255
        if b.width > 4 and b.height > 4 and int(gray[b.y0:b.y1, b.x0:b.x1].min()) < 128:
            pieces.append(b)
    total_h = sum(b.height + gap for b in pieces) + gap + h
    strip = np.full((total_h, w + 2 * gap), 255, dtype=np.uint8)
    placements: list[tuple[int, Box]] = []
    y = gap
    for b in pieces:
        strip[y:y + b.height, gap:gap + b.width] = gray[b.y0:b.y1, b.x0:b.x1]
        placements.append((y, b))
        y += b.height + gap
    strip[y:y + h, gap:gap + w] = outside
    placements.append((y, Box(0, 0, w, h)))
    return strip, placements


def unstack_box(box: Box, placements: Sequence[tuple[int, Box]], gap: int = GAP) -> "Box | None":
    cy = (box.y0 + box.y1) / 2
    for y, b in placements:
        if y <= cy < y + b.height:
            dx, dy = b.x0 - gap, b.y0 - y
            return Box(box.x0 + dx, box.y0 + dy, box.x1 + dx, box.y1 + dy)
    return None


register_engine(EngineSpec(name="tesseract", factory=TesseractEngine, available=tesseract_available))
