"""The small interface every OCR engine implements, and the registry by name.

An engine reads a prepared page (grayscale, deskewed, rules removed) and returns
:class:`Word` objects with boxes in page pixels. It is told where the table cells are, so
an engine that detects text lines first (RapidOCR) can cut each line at cell borders before
recognising it — its reading order is never used. ``read_line`` re-reads one crop, with
``digits=True`` restricted to digits and amount punctuation (domain correction).

Engines are created once per worker process (``create``); ``is_available`` says whether
the engine's libraries and models are installed, without loading them.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Sequence

import numpy as np

from ..grid import Box


@dataclass(frozen=True)
class Word:
    """Recognised text in a box (page pixels), with the engine's confidence (0..1)."""

    text: str
    box: Box
    confidence: float


class OcrEngine(Protocol):
    name: str

    def read_page(self, gray: np.ndarray, regions: Sequence[Box], dpi: float) -> list[Word]:
        """Words on the page. ``regions`` are the table cells: text must not cross them."""
        ...

    def read_line(self, crop: np.ndarray, digits: bool = False) -> tuple[str, float]:
        """One line of text in a crop, and its confidence."""
        ...


@dataclass(frozen=True)
class EngineSpec:
    name: str
    factory: str  # "module:callable" so that spawned worker processes can import it
    available: Callable[[], bool]


ENGINES: dict[str, EngineSpec] = {}


def register_engine(spec: EngineSpec) -> None:
    ENGINES[spec.name] = spec


def engine_available(name: str) -> bool:
    if ":" in name:
        return True
    spec = ENGINES.get(name)
    return bool(spec and spec.available())


def create_engine(name: str) -> OcrEngine:
    """The engine registered as ``name``, or ``"module:callable"`` imported directly (so a
    spawned worker process can build an engine registered only in its parent, e.g. a test's)."""
    spec = ENGINES.get(name)
    if spec is None and ":" not in name:
        raise KeyError(f"unknown OCR engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    module, _, attr = (spec.factory if spec else name).partition(":")
    return getattr(importlib.import_module(module), attr)()


def module_available(*modules: str) -> Callable[[], bool]:
    """An availability probe that finds modules without importing them."""
    def probe() -> bool:
        import importlib.util

        return all(importlib.util.find_spec(m) is not None for m in modules)
    return probe


def clean_word_text(text: object) -> Optional[str]:
    """Engine output as safe text: bytes decoded with replacement, lone surrogates and
    control characters dropped; None when nothing printable is left."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return None
    text = text.encode("utf-8", errors="ignore").decode("utf-8").replace("\ufffd", "")
    text = "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()
    return text or None
