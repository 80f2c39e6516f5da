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
        data = self._tess.image_to_data(gray, lang=LANG, config=f"--psm 6 --dpi {int(dpi)}",
                                        output_type=self._tess.Output.DICT)
        words = []
        for text, conf, x, y, w, h in zip(data["text"], data["conf"], data["left"], data["top"],
                                          data["width"], data["height"]):
            text = clean_word_text(text)
            if not text or float(conf) < 0:
                continue
            words.append(Word(text=text, box=Box(int(x), int(y), int(x + w), int(y + h)),
                              confidence=max(0.0, min(1.0, float(conf) / 100))))
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


register_engine(EngineSpec(name="tesseract", factory="extractors.ocr.engines.tesseract:TesseractEngine",
                           available=tesseract_available))
