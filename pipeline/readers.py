"""The reader contract (core): what a reader gets and reports back, and the set of readers a
document is read with. The readers themselves live in :mod:`extractors`, which builds the one
:class:`Readers` of this installation (``extractors.READERS``); the core never imports them.

A reader's ``read(path, ctx)`` yields :class:`~pipeline.models.Row` in document order, records
per-page problems on ``ctx.errors`` instead of raising, and raises
:class:`~pipeline.errors.InputError` only when the file as a whole cannot be read. Optional
readers say whether their engines are installed through ``is_available()``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional, Protocol

from .errors import InputError, Stage, StrictStop
from .models import ErrorItem, Row, SourceKind
from .settings import Settings


@dataclass
class ReadContext:
    """What a reader gets besides the path, and what it reports back."""

    settings: Settings
    kind: SourceKind = "text"
    errors: list[ErrorItem] = field(default_factory=list)
    pages: int = 0  # pages seen (0 for text)
    stamps: list[dict] = field(default_factory=list)  # seals found on OCR'd pages: {"page", "bbox", "color"}
    layouts: dict[int, str] = field(default_factory=dict)  # page -> "grid" | "geometry" | "mixed" (text layer and OCR)

    def page_error(self, page: Optional[int], stage: Stage | str, message: str) -> None:
        if self.settings.run.strict:
            raise StrictStop(f"page {page} {stage}: {message}", page=page, stage=stage)
        self.errors.append(ErrorItem(stage=stage, page=page, message=message))


class Reader(Protocol):
    name: str

    def is_available(self) -> bool: ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Row]: ...


def _always() -> bool:
    return True


@dataclass(frozen=True)
class FunctionReader:
    """A reader made of a function, with an optional availability probe."""

    name: str
    kind: SourceKind
    func: Callable[[Path, ReadContext], Iterator[Row]]
    available: Callable[[], bool] = _always

    def is_available(self) -> bool:
        return self.available()

    def read(self, path: Path, ctx: ReadContext) -> Iterator[Row]:
        ctx.kind = self.kind
        return self.func(path, ctx)


@dataclass(frozen=True)
class Readers:
    """The readers a document is read with: ``detect(path, head)`` names the file type from
    its first bytes, ``by_type`` maps each type to its reader."""

    detect: Callable[[Path, bytes], str]
    by_type: Mapping[str, Reader]

    def reader_for(self, path: Path, head: bytes) -> Reader:
        file_type = self.detect(path, head)
        reader = self.by_type.get(file_type)
        if reader is None:
            raise InputError(f"no reader for {file_type} files in this installation")
        if not reader.is_available():
            raise InputError(f"the {reader.name} reader is not available (missing engine)")
        return reader


__all__ = ["FunctionReader", "ReadContext", "Reader", "Readers"]
