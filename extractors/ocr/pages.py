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
from pipeline.settings import GridSettings, Settings

from .cell_lines import grid_line_boxes, outside_strips
from .colour import masks_to_stamps, separate_ink
from .correct import correct_cells
from .engines import create_engine
from .engines.base import EngineSpec, OcrEngine, clean_word_text
from ..geometry import lines_to_rows
from .grid import Box, gray_to_line_masks, masks_to_tables, remove_lines
from .preprocess import find_page_quad, flatten_light, lines_are_sideways, prepare, rotate_mask, turn, unwarp
from .render import PageImage, image_frame, pdf_page_image
from .words_to_cells import PageGeometry, assign_words, tables_to_rows, words_to_lines


@dataclass(frozen=True)
class PageJob:
    """One page to read, with everything its worker process needs: the engine's spec (its
    factory is pickled by reference) and the run's whole :class:`Settings`, so ``--set``
    reaches the engine and every page step."""

    path: str
    kind: Literal["pdf", "image"]
    page: int  # 1-based page (PDF) or frame (image)
    dpi: int
    engine: EngineSpec
    max_pixels: int
    password: Optional[str] = None
    settings: Settings = field(default_factory=Settings)


@dataclass
class PageOutcome:
    page: int
    rows: list[Row] = field(default_factory=list)
    error: Optional[str] = None
    stage: str = "ocr"
    angle: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the worker's CPU time on this page (render included): the cost on a shared machine
    turned: int = 0
    layout: str = "grid"
    stamps: list[dict] = field(default_factory=list)


@dataclass
class PageRead:
    """What one page gave: its rows, and how it was read."""

    rows: list[Row]
    angle: float = 0.0              # skew removed (degrees)
    turned: int = 0                 # the page was turned clockwise by this (0/90/180/270)
    layout: str = "grid"            # "grid" | "geometry" (no reliable grid) | "mixed" (words outside it)
    stamps: list[dict] = field(default_factory=list)  # {"page", "bbox", "color"}
    photo: bool = False             # a phone photo: page outline found and unwarped


def _warp_mask(mask, fn):
    return None if mask is None else fn(mask)


def _grid_of(gray, ink, raw, dpi: float, grid: GridSettings):
    horiz, vert = gray_to_line_masks(raw, ink, dpi, grid.rule_min_contrast, grid.rule_smooth_in,
                                     grid.rule_gap_in, grid.rule_min_len_in, grid)
    tables = masks_to_tables(horiz, vert, dpi, grid)
    return tables, remove_lines(gray, horiz, vert)


def page_turn(engine: OcrEngine, gray: np.ndarray, boxes: Sequence, dpi: float) -> int:
    """Degrees (clockwise) that turn the page upright, from its detected text lines: sideways
    when most lines are tall; upside down when the engine's angle classifier says so for
    most of the longest lines (``engine.upside_down``). 0 when the engine cannot tell."""
    classify = getattr(engine, "upside_down", None)
    n = getattr(getattr(engine, "settings", None), "orientation_lines", 12)
    sideways = lines_are_sideways(boxes)
    if sideways:
        lines = sorted((b for b in boxes if b.height >= 2 * b.width), key=lambda b: -b.height)[:n]
        crops = [turn(gray[b.y0:b.y1, b.x0:b.x1], 90) for b in lines]
    else:
        lines = sorted((b for b in boxes if b.width >= 2 * b.height), key=lambda b: -b.width)[:n]
        crops = [gray[b.y0:b.y1, b.x0:b.x1] for b in lines]
    flipped = classify(crops) if classify is not None and crops else 0.0
    if sideways:
        return 270 if flipped > 0.5 else 90
    return 180 if flipped > 0.5 else 0


@dataclass
class OcrPage:
    """One page image on its way through :data:`OCR_PAGE_STEPS`."""

    image: PageImage
    page: int
    engine: OcrEngine
    grid: GridSettings
    dpi: float = 0.0
    gray: object = None               # the page's gray image as it is turned and cleaned
    red: object = None                # colour: red and blue ink masks (None for gray pages)
    blue: object = None
    photo: bool = False
    angle: float = 0.0
    ink: object = None                # binarised page, raw gray (before denoising)
    raw: object = None
    tables: list = field(default_factory=list)
    clean: object = None              # the page with its rules painted out
    boxes: object = None              # the engine's detected text lines (when it detects apart)
    turned: int = 0
    words: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    free: list = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    layout: str = "grid"
    stamps: list[dict] = field(default_factory=list)


def ink_apart(p: OcrPage) -> None:
    """Colour pages: red seals and blue ink taken out of the gray (``grid.separate_ink``)."""
    p.dpi, p.gray = p.image.dpi, p.image.gray
    if p.image.color is not None and p.grid.separate_ink:
        p.gray, p.red, p.blue = separate_ink(p.image.color)


def unwarp_photo(p: OcrPage) -> None:
    """A phone photo: the page's outline found, warped to A4 and its lighting flattened."""
    quad = find_page_quad(p.gray)
    if quad is not None:
        p.gray = flatten_light(unwarp(p.gray, quad))
        p.red = _warp_mask(p.red, lambda m: unwarp(m, quad))
        p.blue = _warp_mask(p.blue, lambda m: unwarp(m, quad))
        p.dpi = p.gray.shape[1] / 8.27  # the page is A4 wide
        p.photo = True


def deskew(p: OcrPage) -> None:
    """Denoise, deskew (±5°, from the rules) and binarise (``preprocess.prepare``)."""
    prepared = prepare(p.gray)
    p.angle = prepared.angle
    if prepared.angle:
        p.red = _warp_mask(p.red, lambda m: rotate_mask(m, prepared.angle))
        p.blue = _warp_mask(p.blue, lambda m: rotate_mask(m, prepared.angle))
    p.gray, p.ink, p.raw = prepared.gray, prepared.ink, prepared.raw


def find_rules(p: OcrPage) -> None:
    """Rules -> cells (``grid.gray_to_line_masks`` -> the table engine), rules painted out."""
    p.tables, p.clean = _grid_of(p.gray, p.ink, p.raw, p.dpi, p.grid)


def orient(p: OcrPage) -> None:
    """Text lines detected; a page fed sideways or upside down turned upright and its rules
    found again (``grid.orientation``)."""
    detect = getattr(p.engine, "detect", None)
    if detect is not None and _cell_lines(p):
        return
    if detect is not None:
        p.boxes = detect(p.clean, p.dpi)
        if p.grid.orientation:
            p.turned = page_turn(p.engine, p.clean, p.boxes, p.dpi)
    elif p.grid.orientation and hasattr(p.engine, "page_turn"):  # an engine without a detector (Tesseract OSD)
        p.turned = p.engine.page_turn(p.clean, p.dpi)
    if p.turned:
        t = p.turned
        p.gray, p.ink, p.raw = turn(p.gray, t), turn(p.ink, t), turn(p.raw, t)
        p.red, p.blue = _warp_mask(p.red, lambda m: turn(m, t)), _warp_mask(p.blue, lambda m: turn(m, t))
        p.tables, p.clean = _grid_of(p.gray, p.ink, p.raw, p.dpi, p.grid)
        p.boxes = detect(p.clean, p.dpi) if detect is not None else None


def _cell_lines(p: OcrPage) -> bool:
    """``ocr.cell_lines``: on a page with a trusted grid, each clean cell's text lines from its
    ink projection (:mod:`.cell_lines`), the detector run on each cell that is not clean (a
    seal, text touching a rule, noise; its crop grown by ``cell_lines_strip_margin_in``, the
    lines whose centre it holds) and on the page's strips outside the tables. False (the
    detector on the whole page) when it is off, the grid is not trusted, the cells not clean
    cover more than ``cell_lines_detect_share`` of the grid, fewer than
    ``cell_lines_min_wide_share`` of the bands are twice as wide as tall (a page fed sideways:
    its text runs down the page, each band one glyph; measured 0.02-0.06 sideways, 0.82-0.92
    upright), or the page is not upright."""
    s = getattr(p.engine, "settings", None)
    if not getattr(s, "cell_lines", False):
        return False
    cells = [c.box for t in p.tables for c in t.cells]
    if len(cells) < p.grid.min_grid_cells:
        return False
    lines, unclean = grid_line_boxes(p.clean, cells, p.dpi, s)
    if unclean and sum(c.area() for c in unclean) > s.cell_lines_detect_share * sum(c.area() for c in cells):
        return False
    if lines and sum(b.width >= 2 * b.height for b in lines) < s.cell_lines_min_wide_share * len(lines):
        return False  # bands one glyph wide: the text runs down the page (fed sideways)
    margin = int(round(s.cell_lines_strip_margin_in * p.dpi))
    h, w = p.clean.shape[:2]
    boxes = []
    for c in unclean:  # the lines whose centre the cell holds, from its crop grown by the margin
        boxes += [b for b in _detect_in(p, max(0, c.x0 - margin), max(0, c.y0 - margin), min(w, c.x1 + margin),
                                        min(h, c.y1 + margin)) if _holds(c, b)]
    tboxes = [t.box for t in p.tables]
    for y0, y1 in outside_strips(p.clean.shape, tboxes, margin):
        boxes += [b for b in _detect_in(p, 0, y0, w, y1) if not any(_holds(t, b) for t in tboxes)]
    boxes = sorted(boxes + lines, key=lambda b: (b.y0, b.x0))
    if p.grid.orientation and page_turn(p.engine, p.clean, boxes, p.dpi):
        return False
    p.boxes = boxes
    return True


def _detect_in(p: OcrPage, x0: int, y0: int, x1: int, y1: int) -> list[Box]:
    """The detector's lines in one window of the page (no upscaling), in page pixels."""
    return [Box(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0)
            for b in p.engine.detect(p.clean[y0:y1, x0:x1], p.dpi, limit=False)]


def _holds(outer: Box, b: Box) -> bool:
    """``outer`` holds the centre of ``b``."""
    return outer.x0 <= (b.x0 + b.x1) // 2 < outer.x1 and outer.y0 <= (b.y0 + b.y1) // 2 < outer.y1


def trust_grid(p: OcrPage) -> None:
    """Fewer cells than ``grid.min_grid_cells``: no reliable grid (cells from geometry)."""
    if sum(len(t.cells) for t in p.tables) < p.grid.min_grid_cells:
        p.tables = []


def recognise(p: OcrPage) -> None:
    """One recognition pass over the page (the cells as regions); words cleaned."""
    regions = [c.box for t in p.tables for c in t.cells]
    if p.boxes is not None:
        raw = p.engine.read_page(p.clean, regions, p.dpi, boxes=p.boxes)
    else:
        raw = p.engine.read_page(p.clean, regions, p.dpi)
    p.words = [w if w.text == t else replace(w, text=t) for w in raw if (t := clean_word_text(w.text))]


def words_into_cells(p: OcrPage) -> None:
    """Each word to the cell holding its centre; the others are free."""
    p.cells, p.free = assign_words(p.words, p.tables)


def cell_rows(p: OcrPage) -> None:
    """Cells' text corrected (``correct.correct_cells``), free words laid out by geometry
    (``extractors.geometry.lines_to_rows``), rows in page order; the page's path recorded."""
    vocab = load_vocabulary()
    texts = correct_cells(p.cells, p.tables, p.clean, p.engine, vocab)
    geo = PageGeometry(page=p.page, scale=p.image.scale)
    free_rows = lines_to_rows(words_to_lines(p.free), geo, vocab, p.grid.geometry_confidence, p.grid)
    p.rows = mark_split_row_after_header(tables_to_rows(p.tables, p.cells, p.free, geo, texts, free_rows=free_rows),
                                         vocab)
    if not p.tables:
        p.layout = "geometry"
    else:
        p.layout = "mixed" if any(len(r.cells) > 1 for _, r in free_rows) else "grid"


def stamps_of(p: OcrPage) -> None:
    """Every red or blue mark ≥ 0.5 in kept as a stamp (PDF points, like provenance boxes)."""
    if p.red is not None and p.blue is not None:
        geo = PageGeometry(page=p.page, scale=p.image.scale)
        p.stamps = [{"page": p.page, "bbox": _bbox_list(geo, st.box), "color": st.color}
                    for st in masks_to_stamps(p.red, p.blue, p.dpi)]


# The OCR page, in order (one literal list; ``page_to_rows`` runs it; the pages of a file run
# on the worker pool below, rows in page order).
OCR_PAGE_STEPS = (
    ink_apart,          # colour: seals and ink out of the gray
    unwarp_photo,       # phone photo: outline, perspective, light
    deskew,             # denoise, deskew, binarise
    find_rules,         # rules -> cells (table engine), rules painted out
    orient,             # text lines; turned upright (90/180/270) and rules found again
    trust_grid,         # too few cells: no reliable grid
    recognise,          # one recognition pass
    words_into_cells,   # words into cells by box
    cell_rows,          # correction, geometry for free words, rows; the page's path
    stamps_of,          # seals and ink as stamps
)


def page_to_rows(image: PageImage, page: int, engine: OcrEngine, grid: Optional[GridSettings] = None) -> PageRead:
    """Rows of one page image (:data:`OCR_PAGE_STEPS`): colour ink separated, a photo
    unwarped, deskewed, turned upright, rules -> cells (or cells from the words' geometry
    where there is no grid)."""
    p = OcrPage(image, page, engine, grid or GridSettings())
    for step in OCR_PAGE_STEPS:
        step(p)
    return PageRead(rows=p.rows, angle=p.angle, turned=p.turned, layout=p.layout, stamps=p.stamps, photo=p.photo)


def mark_split_row_after_header(rows: list[Row], vocab) -> list[Row]:
    """A page that opens with the indicator header repeated (Writer repeats a table's
    heading rows) and then the rest of a row split by the page break — cells right of the
    三级指标 column only (``计`` of ``…按季度统计``), or no 指标值 (a short value never wraps
    onto the next page, the long texts beside it do): that rest is marked as a continuation,
    so it joins the row above instead of becoming an indicator row of its own."""
    first = next((i for i, r in enumerate(rows) if r.cells), None)
    if first is None or first + 1 >= len(rows):
        return rows
    header = rows[first]
    names = {vocab.column(c.text): c for c in header.cells}
    if len([n for n in names if n]) < 3 or "level3" not in names:
        return rows
    level3 = names["level3"]
    nxt = rows[first + 1]
    value = names.get("value")

    def overlaps(c, h) -> bool:
        return c.col <= h.col + h.colspan - 1 and h.col <= c.col + c.colspan - 1

    no_value = value is not None and not any(overlaps(c, value) for c in nxt.cells)
    if nxt.cells and not nxt.continuation and (no_value or all(c.col > level3.col + level3.colspan - 1
                                                                for c in nxt.cells)):
        rows[first + 1] = replace(nxt, continuation=True)
    return rows


def _bbox_list(geo: PageGeometry, box) -> list[float]:
    b = geo.bbox(box)
    return [b.x0, b.top, b.x1, b.bottom]


def load_page(job: PageJob) -> PageImage:
    colour = job.settings.grid.separate_ink
    if job.kind == "pdf":
        return pdf_page_image(Path(job.path), job.page, job.dpi, job.max_pixels, job.password, colour=colour)
    return image_frame(Path(job.path), job.page, job.dpi, job.max_pixels, colour=colour)


# --------------------------------------------------------------------------- worker side

_ENGINES: dict[tuple, OcrEngine] = {}


def _engine(spec: EngineSpec, settings: Settings) -> OcrEngine:
    """The worker's engine for this spec and these OCR settings, built on first use."""
    key = (spec.name, spec.factory, settings.ocr)
    if key not in _ENGINES:
        _ENGINES[key] = create_engine(spec, settings.ocr)
    return _ENGINES[key]


def run_job(job: PageJob) -> PageOutcome:
    """One page, every failure turned into an outcome (runs in a worker or in-process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    stage = "render"
    try:
        image = load_page(job)
        stage = "ocr"
        read = page_to_rows(image, job.page, _engine(job.engine, job.settings), job.settings.grid)
        return PageOutcome(page=job.page, rows=read.rows, angle=read.angle, seconds=time.perf_counter() - t0,
                           cpu_seconds=time.process_time() - c0, turned=read.turned, layout=read.layout,
                           stamps=read.stamps)
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
