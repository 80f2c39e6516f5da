"""One page through OCR, and many pages in parallel (one engine thread per process).

``page_to_rows``  prepared page -> rows: deskew, rules -> cell grid, rules removed, one
                  recognition pass, words into cells by box, domain correction;
``run_pages``     :class:`PageJob` list -> :class:`PageOutcome` per page in page order, on a
                  pool of worker processes (spawned, each with its own engine created once),
                  at most ``2 × workers`` pages in flight; a page that raises, crashes its
                  worker or exceeds the per-page timeout becomes an error outcome and the
                  other pages go on.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Literal, Optional, Sequence

from pipeline.errors import JixiaoError
from pipeline.labels import load_vocabulary
from pipeline.models import Row

from .correct import correct_cells
from .engines import create_engine
from .engines.base import OcrEngine, clean_word_text
from .grid import ink_to_line_masks, masks_to_tables, remove_lines
from .preprocess import prepare
from .render import PageImage, image_frame, pdf_page_image
from .words_to_cells import PageGeometry, assign_words, tables_to_rows


@dataclass(frozen=True)
class PageJob:
    path: str
    kind: Literal["pdf", "image"]
    page: int  # 1-based page (PDF) or frame (image)
    dpi: int
    engine: str
    max_pixels: int
    password: Optional[str] = None


@dataclass
class PageOutcome:
    page: int
    rows: list[Row] = field(default_factory=list)
    error: Optional[str] = None
    stage: str = "ocr"
    angle: float = 0.0
    seconds: float = 0.0


def page_to_rows(image: PageImage, page: int, engine: OcrEngine) -> tuple[list[Row], float]:
    """Rows of one page image, and the skew that was removed (degrees)."""
    prepared = prepare(image.gray)
    horiz, vert = ink_to_line_masks(prepared.ink, image.dpi)
    tables = masks_to_tables(horiz, vert, image.dpi)
    clean = remove_lines(prepared.gray, horiz, vert)
    regions = [c.box for t in tables for c in t.cells]
    words = [w if w.text == t else replace(w, text=t)
             for w in engine.read_page(clean, regions, image.dpi)
             if (t := clean_word_text(w.text))]
    cells, free = assign_words(words, tables)
    texts = correct_cells(cells, tables, clean, engine, load_vocabulary())
    rows = tables_to_rows(tables, cells, free, PageGeometry(page=page, scale=image.scale), texts)
    return rows, prepared.angle


def load_page(job: PageJob) -> PageImage:
    if job.kind == "pdf":
        return pdf_page_image(Path(job.path), job.page, job.dpi, job.max_pixels, job.password)
    return image_frame(Path(job.path), job.page, job.dpi, job.max_pixels)


# --------------------------------------------------------------------------- worker side

_ENGINES: dict[str, OcrEngine] = {}


def _engine(name: str) -> OcrEngine:
    if name not in _ENGINES:
        _ENGINES[name] = create_engine(name)
    return _ENGINES[name]


def run_job(job: PageJob) -> PageOutcome:
    """One page, every failure turned into an outcome (runs in a worker or in-process)."""
    t0 = time.perf_counter()
    stage = "render"
    try:
        image = load_page(job)
        stage = "ocr"
        rows, angle = page_to_rows(image, job.page, _engine(job.engine))
        return PageOutcome(page=job.page, rows=rows, angle=angle, seconds=time.perf_counter() - t0)
    except JixiaoError as exc:
        return PageOutcome(page=job.page, error=exc.message, stage=exc.stage)
    except MemoryError:
        return PageOutcome(page=job.page, error="out of memory", stage=stage)
    except Exception as exc:  # an engine bug must cost one page, not the file
        return PageOutcome(page=job.page, error=f"{type(exc).__name__}: {exc}", stage=stage)


def _init_worker() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.environ.setdefault("OMP_NUM_THREADS", "1")


# --------------------------------------------------------------------------- pool

_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    pool = _POOLS.get(workers)
    if pool is None:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                                   initializer=_init_worker)
        _POOLS[workers] = pool
    return pool


def _discard_pool(workers: int) -> None:
    """Kill a pool whose worker hangs or died; the next call starts a fresh one."""
    pool = _POOLS.pop(workers, None)
    if pool is None:
        return
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown_pools() -> None:
    for workers in list(_POOLS):
        pool = _POOLS.pop(workers)
        pool.shutdown(wait=False, cancel_futures=True)


def worker_count(requested: int, pages: int) -> int:
    n = requested or os.cpu_count() or 1
    return max(1, min(n, pages))


def run_pages(jobs: Sequence[PageJob], workers: int, timeout_s: float) -> Iterator[PageOutcome]:
    """Outcomes in job order. ``workers`` 1 runs in this process (no pool, no timeout).

    When a worker dies every page in flight fails with it, so the page at the head is not
    blamed at once: it is run again alone, and only a page that kills its worker twice is
    reported (the others are re-queued and read normally)."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield run_job(job)
        return
    pending = deque(jobs)
    inflight: deque[tuple[PageJob, Future]] = deque()
    crashes: dict[int, int] = {}
    while pending or inflight:
        pool = _pool(workers)
        suspect = any(crashes.get(j.page) for j, _ in inflight) or (pending and crashes.get(pending[0].page))
        limit = 1 if suspect else 2 * workers
        try:
            while pending and len(inflight) < limit:
                job = pending.popleft()
                inflight.append((job, pool.submit(run_job, job)))
        except (BrokenProcessPool, RuntimeError):
            _discard_pool(workers)
            pending.appendleft(job)
            continue
        job, fut = inflight.popleft()
        try:
            outcome = fut.result(timeout=timeout_s)
        except TimeoutError:
            outcome = PageOutcome(page=job.page, error=f"OCR took longer than {timeout_s:g} s", stage="ocr")
            _restart(workers, inflight, pending)
        except BrokenProcessPool:
            crashes[job.page] = crashes.get(job.page, 0) + 1
            _restart(workers, inflight, pending)
            if crashes[job.page] < 2:
                pending.appendleft(job)
                continue
            outcome = PageOutcome(page=job.page, error="the OCR engine crashed on this page", stage="ocr")
        yield outcome


def _restart(workers: int, inflight: deque, pending: deque) -> None:
    """Kill the pool; pages that were in flight go back to the front of the queue."""
    _discard_pool(workers)
    while inflight:
        job, _fut = inflight.pop()
        pending.appendleft(job)
