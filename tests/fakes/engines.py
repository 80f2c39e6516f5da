"""Fake OCR engines for tests, in the manner of OCRmyPDF's test plugins. Each is importable
as ``"tests.fakes.engines:Name"``, the form ``extractors.ocr.engines.create_engine`` accepts,
so spawned worker processes can build them too.

* :class:`CrashingEngine`   raises on every page (an engine bug): that page fails, others go on;
* :class:`KillerEngine`     kills its worker process on a page marked by a checkerboard in
                            its top-left corner (a segfaulting engine);
* :class:`BadUtf8Engine`    returns undecodable bytes and lone surrogates;
* :class:`ReplayEngine`     replays the words a test put in ``ReplayEngine.words`` (in a
                            shuffled order: the reader must not rely on the engine's order).
"""
from __future__ import annotations

import os
import random
from typing import Sequence

import numpy as np

from extractors.ocr.engines.base import Word
from extractors.ocr.grid import Box


class CrashingEngine:
    name = "crashing"

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        raise RuntimeError("simulated engine failure")

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        raise RuntimeError("simulated engine failure")


def mark(gray: np.ndarray) -> np.ndarray:
    """The page with KillerEngine's marker: a checkerboard no rule detector removes."""
    out = gray.copy()
    yy, xx = np.mgrid[0:60, 0:60]
    out[4:64, 4:64] = np.where(((yy // 6) + (xx // 6)) % 2 == 0, 0, 255).astype(np.uint8)
    return out


def marked(gray: np.ndarray) -> bool:
    patch = gray[8:60, 8:60].astype(float)
    return bool(60 < patch.mean() < 200 and patch.std() > 80)


class KillerEngine:
    name = "killer"

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        if marked(gray):
            os._exit(3)  # no exception, no cleanup: the process is gone
        h, w = gray.shape
        return [Word(text="二级项目支出绩效目标申报表", box=Box(w // 4, 10, 3 * w // 4, 40), confidence=0.9)]

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        return "", 0.0


class BadUtf8Engine:
    name = "bad-utf8"

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        out = []
        for i, r in enumerate(regions):
            text = b"\xff\xfe\xe9\xa1\xb9" if i % 2 else "项目\udcff名称\x00"
            out.append(Word(text=text, box=Box(r.x0 + 5, r.y0 + 5, r.x1 - 5, r.y1 - 5), confidence=0.5))  # type: ignore[arg-type]
        return out

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        return "\udcff", 0.1


class ReplayEngine:
    name = "replay"
    words: list[Word] = []
    seed = 0

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        words = list(type(self).words)
        random.Random(type(self).seed).shuffle(words)
        return words

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        return "", 0.0
