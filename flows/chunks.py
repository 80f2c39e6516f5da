"""A PDF read in page chunks, e.g. one chunk per worker for a long scan, assembled into the
very :class:`~pipeline.models.DocumentResult` that :func:`extractors.convert` gives.

    plan_pdf(path, settings, chunk_ocr_pages)    -> PdfPlan: pages read, OCR pages, page ranges
    read_chunk(path, first, last, settings, plan) -> RowChunk: that range's rows, errors, kind, seals
    assemble_chunks(path, sha256, chunks, ...)    -> DocumentResult (chunks in page order)

The PDF is triaged once (:func:`extractors.pdf_text.triage_pdf`, in :func:`plan_pdf`): the
plan's verdicts go to every chunk, whose reader then lays out or OCRs pages without judging
them again.

A range boundary is only placed before an OCR page or right after one: an OCR page ends
every table row the text layer left open, so the ranges read apart give the same rows as
the whole file read at once; a form whose pages fall into two chunks is assembled whole
because assembly runs once, over all rows in page order. Plain data (no Prefect): the
orchestrator decides where each chunk runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence

from extractors import ReadContext, iter_document
from extractors.pdf_text import read_pdf_pages, triage_pdf
from extractors.pdf_triage import TriagePlan
from pipeline.errors import JixiaoError
from pipeline.models import DocumentResult, ErrorItem, Row
from pipeline.settings import Settings, resolve

PageRange = tuple[int, int]  # 1-based, inclusive


@dataclass(frozen=True)
class PdfPlan:
    pages: int                      # pages the reader reads (after limits.max_pages)
    ocr_pages: tuple[int, ...]      # pages without a usable text layer
    ranges: tuple[PageRange, ...]   # chunks covering 1..pages, in order
    triage: Optional[TriagePlan] = None  # every page's verdict, for read_chunk (one triage per PDF)


@dataclass
class RowChunk:
    """What reading one page range produced. ``final_kind`` is ``scan`` when the range had a
    page read by OCR; each form's own ``source.kind`` comes from its cells' origin
    (:func:`pipeline.convert.form_kind`), not from the chunk."""

    first: int
    last: int
    rows: list[Row] = field(default_factory=list)
    final_kind: str = "pdf"
    errors: list[ErrorItem] = field(default_factory=list)
    broken: Optional[ErrorItem] = None  # the read stopped: the file as a whole failed here
    stamps: list[dict] = field(default_factory=list)  # seals the OCR of the range's pages found (ReadContext)
    layouts: dict[int, str] = field(default_factory=dict)  # page -> "grid" | "geometry" | "mixed"


def split_ranges(pages: int, ocr_pages: Sequence[int], chunk_ocr_pages: int) -> tuple[PageRange, ...]:
    """Page ranges holding about ``chunk_ocr_pages`` OCR pages each, cut only where a cut is
    safe (the new range starts on an OCR page or right after one)."""
    ocr = set(ocr_pages)
    ranges: list[PageRange] = []
    start, in_chunk = 1, 0
    for p in range(1, pages + 1):
        safe = p in ocr or (p - 1) in ocr
        if in_chunk >= chunk_ocr_pages and safe and p > start:
            ranges.append((start, p - 1))
            start, in_chunk = p, 0
        in_chunk += p in ocr
    if pages >= start:
        ranges.append((start, pages))
    return tuple(ranges)


def plan_pdf(path: Path | str, settings: Optional[Settings], chunk_ocr_pages: int) -> PdfPlan:
    """Triage every page (as the reader does), once, with one opening of the file, and cut the
    PDF into chunks of about ``chunk_ocr_pages`` OCR pages. Raises :class:`InputError` when
    the PDF cannot be opened."""
    settings = resolve(settings)
    triage = triage_pdf(Path(path), settings)
    ocr = tuple(triage.ocr_pages)
    return PdfPlan(pages=triage.pages, ocr_pages=ocr, ranges=split_ranges(triage.pages, ocr, max(1, chunk_ocr_pages)),
                   triage=triage)


def read_chunk(path: Path | str, first: int, last: int, settings: Optional[Settings] = None,
               plan: Optional[TriagePlan] = None) -> RowChunk:
    """Rows of pages ``first``..``last``: text-layer pages by the PDF reader, the others by
    OCR (``extractors.ocr.ocr_pdf_pages``), following ``plan`` (:attr:`PdfPlan.triage`, same
    settings) when given instead of triaging the pages again. Never raises for bad input: a
    read that broke off is on ``broken``; an OSError (the file went away) is raised, for the
    caller to retry."""
    ctx = ReadContext(settings=resolve(settings), kind="pdf")
    chunk = RowChunk(first=first, last=last)
    try:
        for row in read_pdf_pages(Path(path), ctx, first, last, plan=plan):
            chunk.rows.append(row)
    except JixiaoError as exc:
        chunk.broken = ErrorItem(stage=exc.stage, page=exc.page, message=exc.message)
    chunk.final_kind = ctx.kind
    chunk.errors = list(ctx.errors)
    chunk.stamps = list(ctx.stamps)
    chunk.layouts = dict(ctx.layouts)
    return chunk


def assemble_chunks(path: Path | str, sha256: str, chunks: Sequence[RowChunk],
                    settings: Optional[Settings] = None) -> DocumentResult:
    """The document of the chunks' rows in page order: the same forms, errors and status as
    :func:`~extractors.convert` on the whole file."""
    doc = iter_document(path, settings)
    doc.sha256 = sha256
    ordered = sorted(chunks, key=lambda c: c.first)
    read = ordered[:next((i + 1 for i, c in enumerate(ordered) if c.broken is not None), len(ordered))]
    # the document's kind as a whole-file read reports it: scan once a page (before any break) was OCR'd
    ctx = ReadContext(settings=doc.settings, kind="scan" if any(c.final_kind == "scan" for c in read) else "pdf")
    for chunk in read:  # the seals of every chunk read: each form takes those of its pages
        ctx.stamps.extend(chunk.stamps)
        ctx.layouts.update(chunk.layouts)

    def rows() -> Iterator[Row]:
        for chunk in read:
            yield from chunk.rows
            ctx.errors.extend(chunk.errors)
            if chunk.broken is not None:
                b = chunk.broken
                raise JixiaoError(b.message, page=b.page, stage=b.stage)

    forms = list(doc.forms_from(rows, ctx))
    return doc.result(forms)


__all__ = ["PdfPlan", "RowChunk", "assemble_chunks", "plan_pdf", "read_chunk", "split_ranges"]
