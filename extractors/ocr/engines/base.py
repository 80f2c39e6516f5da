"""The small interface every OCR engine implements, and the registry by name.

An engine reads a prepared page (grayscale, deskewed, rules removed) and returns
:class:`Word` objects with boxes in page pixels. It is told where the table cells are, so
an engine that detects text lines first (RapidOCR) can cut each line at cell borders before
recognising it — its reading order is never used. ``read_line`` re-reads one crop, with
``digits=True`` restricted to digits and amount punctuation (domain correction).

Engines are built once per worker process by their :class:`EngineSpec`'s ``factory``
(a class or function taking the run's :class:`~pipeline.settings.OcrSettings`); the spec
travels to the worker inside each page job (pickled by reference, so any importable
factory works — a test registers a fake engine class here and names it in its jobs).
``available`` says whether the engine's libraries and models are installed, without
loading them.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional, Protocol, Sequence

import numpy as np

from pipeline.settings import OcrSettings

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
    """An engine by name: ``factory(settings)`` builds it (importable, so that spawned worker
    processes can unpickle it); ``available()`` (None: always) probes without loading it."""

    name: str
    factory: Callable[[OcrSettings], OcrEngine]
    available: Optional[Callable[[], bool]] = None


ENGINES: dict[str, EngineSpec] = {}


def register_engine(spec: EngineSpec) -> None:
    ENGINES[spec.name] = spec


def unregister_engine(name: str) -> None:
    ENGINES.pop(name, None)


def engine_spec(name: str) -> EngineSpec:
    spec = ENGINES.get(name)
    if spec is None:
        raise KeyError(f"unknown OCR engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    return spec


def engine_available(name: str) -> bool:
    spec = ENGINES.get(name)
    return bool(spec and (spec.available is None or spec.available()))


def create_engine(name: "str | EngineSpec", settings: Optional[OcrSettings] = None) -> OcrEngine:
    """The engine registered as ``name`` (or built from ``name`` when it is a spec)."""
    spec = name if isinstance(name, EngineSpec) else engine_spec(name)
    return spec.factory(settings or OcrSettings())


def _modules_found(modules: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def module_available(*modules: str) -> Callable[[], bool]:
    """An availability probe that finds modules without importing them (picklable)."""
    return partial(_modules_found, modules)


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
