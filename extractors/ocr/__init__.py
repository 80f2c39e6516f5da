"""OCR of scanned PDFs and page images into the same rows of cells as every other reader.

    render (pypdfium2 / Pillow, pixel cap checked before decoding)
      -> preprocess (OpenCV: gray, denoise, deskew ±5°, binarise)
      -> grid (ruled lines -> cells with row/column spans; lines removed)
      -> engine (RapidOCR or Tesseract, one pass per page, by name from ``settings.ocr.engine``)
      -> words_to_cells (by box; never the engine's reading order)
      -> correct (CJK spaces, digit fields re-read) -> Rows

Public API: :func:`is_available`, :func:`ocr_pdf_pages` (used by the PDF reader for pages
without a usable text layer) and :func:`ocr_image` (the image reader). Pages run in
parallel on worker processes; a failed page is recorded with ``ctx.page_error`` and the
other pages go on.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Literal, Optional, Sequence

from pipeline.models import Row

from .engines import engine_available, engine_spec
from .pages import PageJob, PageOutcome, run_pages, worker_count

log = logging.getLogger(__name__)


def is_available(engine: Optional[str] = None) -> bool:
    """Whether OCR can run: the named engine, or any built-in one."""
    if engine:
        return engine_available(engine)
    return engine_available("rapidocr") or engine_available("tesseract")


def jobs_for(path: Path, kind: Literal["pdf", "image"], pages: Sequence[int], ctx, engine: Optional[str] = None) -> list[PageJob]:
    s = ctx.settings
    password = s.pdf.password.get_secret_value() if kind == "pdf" and s.pdf.password else None
    spec = engine_spec(engine or s.ocr.engine)
    return [PageJob(path=str(path), kind=kind, page=p, dpi=s.ocr.dpi, engine=spec,
                    max_pixels=s.limits.max_pixels, password=password, settings=s) for p in pages]


def read_pages(jobs: Sequence[PageJob], ctx) -> Iterator[Row]:
    """Rows of the pages in page order; failed pages recorded on ``ctx``."""
    workers = worker_count(ctx.settings.ocr.workers, len(jobs))
    for outcome in run_pages(jobs, workers, ctx.settings.ocr.page_timeout_s):
        if outcome.error is not None:
            ctx.page_error(outcome.page, outcome.stage, outcome.error)
            continue
        ctx.stamps.extend(outcome.stamps)
        ctx.layouts[outcome.page] = outcome.layout
        if outcome.layout != "grid" or outcome.turned:
            log.info("page %d: %s%s", outcome.page, "no reliable grid, cells from the words' geometry"
                     if outcome.layout == "geometry" else f"{outcome.layout} layout",
                     f", turned {outcome.turned}°" if outcome.turned else "")
        yield from outcome.rows


def ocr_pdf_pages(path: Path, pages: list[int], ctx) -> Iterator[Row]:
    """Rows of the given 1-based ``pages`` of a PDF, recognised by OCR, in page order.

    Cells have origin ``ocr``, their page, a bbox in PDF points (of the deskewed page) and
    the engine's word confidences. The caller sets ``ctx.kind`` (``scan`` for a PDF whose
    pages are images)."""
    return read_pages(jobs_for(Path(path), "pdf", pages, ctx), ctx)


def ocr_image(path: Path, ctx) -> Iterator[Row]:
    """Rows of every frame of an image file (PNG, JPEG, BMP, multi-page TIFF)."""
    from pipeline.errors import InputError

    from .render import PageTooLarge, image_frames

    try:
        frames = image_frames(Path(path), ctx.settings.limits.max_pixels)
    except PageTooLarge as exc:
        raise InputError(exc.message) from exc
    frames = min(frames, ctx.settings.limits.max_pages)
    ctx.pages = frames
    return read_pages(jobs_for(Path(path), "image", range(1, frames + 1), ctx), ctx)


__all__ = ["PageJob", "PageOutcome", "is_available", "ocr_image", "ocr_pdf_pages", "read_pages"]
