"""The reader of page images (PNG, JPEG, BMP, multi-page TIFF): every frame through OCR.

Registered for file type ``image``; ``source.kind`` is ``image``. Available when an OCR
engine is installed (see :func:`extractors.ocr.is_available`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pipeline.models import Row

from pipeline.readers import FunctionReader, ReadContext


def is_available() -> bool:
    from .ocr import is_available as ocr_available  # OpenCV and the engines load only when needed

    return ocr_available()


def read_image(path: Path, ctx: ReadContext) -> Iterator[Row]:
    from .ocr import ocr_image

    ctx.kind = "image"
    return ocr_image(path, ctx)


READER = FunctionReader(name="image-ocr", kind="image", func=read_image, available=is_available)
