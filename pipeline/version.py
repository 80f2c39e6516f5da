"""The extraction version: which code and data produced a result.

``extractor_version()`` is the package version plus a content hash of every file under
``pipeline/``, ``extractors/`` and ``data/`` (the readers, the assembler, the calculation,
the validation and their lexicons and layouts; ``data/samples/`` are inputs and are left
out, as are ``__pycache__``, compiled files and hidden files). It is computed once per
process, on first use (44 files, 252 kB: 12 ms measured here).

Why a hash and not a number bumped by hand: a fix in a reader or one line of
``data/lexicon/`` changes what is extracted, and a hand-kept number is forgotten exactly
then (``version("jixiao")`` stayed ``0.1.0`` through every fix). A hash cannot be
forgotten. Its cost is that a change that does not affect results (a comment) also makes
the next ingest extract everything again — correct, only slower. The hash names files by
their path relative to these folders, so every checkout of the same code at any place (a
Dask worker's mount) computes the same version.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import Mapping

ROOT = Path(__file__).resolve().parent.parent

# name -> folder whose files make the version (a test points "data" at a modified copy)
SOURCES: dict[str, Path] = {
    "pipeline": ROOT / "pipeline",
    "extractors": ROOT / "extractors",
    "data": ROOT / "data",
}
EXCLUDED_PARTS = frozenset({"__pycache__", "samples"})  # samples: inputs, not rules
EXCLUDED_SUFFIXES = (".pyc", ".pyo")


def _files(folder: Path) -> list[Path]:
    out = []
    for p in folder.rglob("*"):
        rel = p.relative_to(folder).parts
        if any(part in EXCLUDED_PARTS or part.startswith(".") for part in rel):
            continue
        if p.suffix in EXCLUDED_SUFFIXES or not p.is_file():
            continue
        out.append(p)
    return sorted(out, key=lambda p: p.relative_to(folder).as_posix())


def content_hash(sources: Mapping[str, Path]) -> str:
    """sha256 over (name/relative path, size, bytes) of every file under ``sources``, in a
    fixed order: the same files give the same hash wherever they lie."""
    h = hashlib.sha256()
    for name in sorted(sources):
        folder = Path(sources[name])
        if not folder.is_dir():
            h.update(f"{name}: absent\0".encode())
            continue
        for p in _files(folder):
            data = p.read_bytes()
            h.update(f"{name}/{p.relative_to(folder).as_posix()}\0{len(data)}\0".encode("utf-8"))
            h.update(data)
    return h.hexdigest()


def _package_version() -> str:
    try:
        return package_version("jixiao")
    except PackageNotFoundError:  # a checkout without install
        return "dev"


@lru_cache(maxsize=1)
def extractor_version() -> str:
    """``<package version>+<first 16 hex digits of the content hash>``, e.g. ``0.1.0+3f9a…``."""
    return f"{_package_version()}+{content_hash(SOURCES)[:16]}"


__all__ = ["SOURCES", "content_hash", "extractor_version"]
