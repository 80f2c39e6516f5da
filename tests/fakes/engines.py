"""Fake OCR engines for tests, in the manner of OCRmyPDF's test plugins: each subclasses the
real engine (:class:`~extractors.ocr.engines.rapidocr.RapidOcrEngine`) and replaces only
the call it fakes, so everything else a page goes through — detection, cutting lines at
cell borders, batching, text clean-up, the worker pool — is the production code.

Importing this module registers them in the engines registry under the names below (the
production code has no test path: a page job carries its engine's spec, whose class is
pickled by reference, so a spawned worker process builds the same fake):

* ``fake-crashing``  :class:`CrashingEngine`  the recogniser raises (an engine bug): that page
                     fails, the others go on;
* ``fake-killer``    :class:`KillerEngine`    detection kills the worker process on a page
                     marked by a checkerboard in its top-left corner (a segfaulting engine);
* ``fake-bad-utf8``  :class:`BadUtf8Engine`   the recogniser returns undecodable bytes and lone
                     surrogates for the real detector's lines;
* ``fake-replay``    :class:`ReplayEngine`    no models: detection and recognition replay the
                     words a test put in ``ReplayEngine.words``, in a shuffled order (the
                     reader must not rely on the engine's order).
"""
from __future__ import annotations

import os
import random
from typing import Optional, Sequence

import numpy as np

from extractors.ocr.engines import EngineSpec, register_engine
from extractors.ocr.engines.base import Word
from extractors.ocr.engines.rapidocr import RapidOcrEngine
from extractors.ocr.grid import Box

CRASH_MESSAGE = "simulated engine failure"
BAD_TEXTS = ("项目\udcff名称\x00", b"\xff\xfe\xe9\xa1\xb9")  # cleaned: 项目名称, 项


class CrashingEngine(RapidOcrEngine):
    name = "fake-crashing"

    def recognize(self, crops):
        raise RuntimeError(CRASH_MESSAGE)


def mark(gray: np.ndarray) -> np.ndarray:
    """The page with KillerEngine's marker: a checkerboard no rule detector removes."""
    out = gray.copy()
    yy, xx = np.mgrid[0:60, 0:60]
    out[4:64, 4:64] = np.where(((yy // 6) + (xx // 6)) % 2 == 0, 0, 255).astype(np.uint8)
    return out


def marked(gray: np.ndarray) -> bool:
    patch = gray[8:60, 8:60].astype(float)
    return bool(60 < patch.mean() < 200 and patch.std() > 80)


class KillerEngine(RapidOcrEngine):
    name = "fake-killer"

    def detect(self, gray: np.ndarray, dpi: float, limit: bool = True) -> list[Box]:
        if marked(gray):
            os._exit(3)  # no exception, no cleanup: the process is gone
        return super().detect(gray, dpi, limit)


class BadUtf8Engine(RapidOcrEngine):
    name = "fake-bad-utf8"

    def recognize(self, crops):
        return [(BAD_TEXTS[i % 2], 0.5) for i in range(len(crops))]


class ReplayEngine(RapidOcrEngine):
    name = "fake-replay"
    words: list[Word] = []
    seed = 0

    def load_models(self) -> None:  # replays: no model is loaded
        pass

    def _words(self) -> list[Word]:
        words = list(type(self).words)
        random.Random(type(self).seed).shuffle(words)
        return words

    def detect(self, gray: np.ndarray, dpi: float, limit: bool = True) -> list[Box]:
        return [w.box for w in self._words()]

    def upside_down(self, crops) -> float:
        return 0.0

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float,
                  boxes: Optional[Sequence[Box]] = None) -> list[Word]:
        return self._words()

    def recognize(self, crops):
        return [("", 0.0) for _ in crops]


for _cls in (CrashingEngine, KillerEngine, BadUtf8Engine, ReplayEngine):
    register_engine(EngineSpec(name=_cls.name, factory=_cls))


class SettingsEchoEngine(ReplayEngine):
    """Reads every page as one word naming two of the OCR settings it was built with."""

    name = "fake-settings-echo"

    def _words(self) -> list[Word]:
        s = self.settings
        return [Word(text=f"det_dpi={s.det_dpi} rec_min_width={s.rec_min_width}", box=Box(10, 10, 400, 40),
                     confidence=0.9)]


register_engine(EngineSpec(name=SettingsEchoEngine.name, factory=SettingsEchoEngine))
