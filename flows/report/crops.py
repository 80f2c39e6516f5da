"""Page crops for the report: every page rendered once (pypdfium2 for PDFs, Pillow for image
files), every box of that page cut from it, the field's own box outlined in red.

Boxes are in the units the readers record (:class:`pipeline.models.BBox`): PDF points from the
page's top left for PDFs and scanned PDFs, pixels of the original image for image files. Jobs
are per source file (split into page chunks so two cores share a long scan); with enough pages
they run on a pool of processes (rendering is CPU work; pypdfium2 is not thread-safe).
This module imports only what a worker needs.
"""
from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from extractors.pdfium_lock import PDFIUM

PAGE_CHUNK = 8  # pages per job


@dataclass(frozen=True)
class CropBox:
    """One crop: the field's box on a page, and the file name the crop is written to."""

    name: str
    page: int
    box: tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass
class CropJob:
    path: str
    kind: str  # pdf | scan | image
    crops: list[CropBox]
    out_dir: str
    dpi: int = 120
    margin: float = 14.0
    label: float = 110.0
    quality: int = 82
    password: Optional[str] = None


@dataclass
class CropResult:
    written: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (width, height)
    failed: dict[str, str] = field(default_factory=dict)               # name -> reason
    pages: int = 0


def _cut(image, scale: float, crop: CropBox, m: float, lab: float, quality: int, out: Path,
         result: CropResult, origin: tuple[float, float] = (0.0, 0.0)) -> None:
    """Cut ``crop`` from a rendered page: ``scale`` turns source units into the image's pixels;
    ``m`` (around) and ``lab`` (to the left, for the label) are in source units; ``origin`` is
    where the image's top left is on the page (a rendered region), in source units."""
    from PIL import ImageDraw

    ox, oy = origin
    x0, top, x1, bottom = crop.box
    x0, top, x1, bottom = x0 - ox, top - oy, x1 - ox, bottom - oy
    w, h = image.size
    left = max(0, int((x0 - lab) * scale))
    upper = max(0, int((top - m) * scale))
    right = min(w, int((x1 + m) * scale) + 1)
    lower = min(h, int((bottom + m) * scale) + 1)
    if right - left < 4 or lower - upper < 4:
        result.failed[crop.name] = f"box {crop.box} is outside page {crop.page}"
        return
    piece = image.crop((left, upper, right, lower)).convert("RGB")
    draw = ImageDraw.Draw(piece)
    draw.rectangle((x0 * scale - left - 2, top * scale - upper - 2, x1 * scale - left + 2, bottom * scale - upper + 2),
                   outline=(220, 30, 30), width=2)
    piece.save(out / crop.name, "JPEG", quality=quality, optimize=False)
    result.written[crop.name] = piece.size


def _by_page(crops: Iterable[CropBox]) -> dict[int, list[CropBox]]:
    pages: dict[int, list[CropBox]] = {}
    for c in crops:
        pages.setdefault(c.page, []).append(c)
    return pages


def run_job(job: CropJob) -> CropResult:
    """Render each page of the job once and cut all its crops (runs in a worker process)."""
    result = CropResult()
    out = Path(job.out_dir)
    pages = _by_page(job.crops)
    try:
        if job.kind == "image":
            _run_image(job, pages, out, result)
        else:
            _run_pdf(job, pages, out, result)
    except Exception as exc:  # the file moved, is locked, unreadable: say so on each crop
        reason = f"{type(exc).__name__}: {exc}"
        for c in job.crops:
            result.failed.setdefault(c.name, reason)
        for name in list(result.written):
            result.failed.pop(name, None)
    return result


def _run_pdf(job: CropJob, pages: dict[int, list[CropBox]], out: Path, result: CropResult) -> None:
    with PDFIUM:  # pdfium is not thread-safe (extractors/pdfium_lock.py)
        _render_pdf(job, pages, out, result)


def _render_pdf(job: CropJob, pages: dict[int, list[CropBox]], out: Path, result: CropResult) -> None:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(job.path, password=job.password)
    try:
        scale = job.dpi / 72
        for page_no, crops in sorted(pages.items()):
            if not 1 <= page_no <= len(doc):
                for c in crops:
                    result.failed[c.name] = f"page {page_no} is not in the file ({len(doc)} pages)"
                continue
            page = doc[page_no - 1]
            pw, ph = page.get_size()
            # only the region holding this page's crops is rendered (once), not the whole page
            left = max(0.0, min(c.box[0] for c in crops) - job.label)
            top = max(0.0, min(c.box[1] for c in crops) - job.margin)
            right = min(pw, max(c.box[2] for c in crops) + job.margin)
            bottom = min(ph, max(c.box[3] for c in crops) + job.margin)
            if right - left < 1 or bottom - top < 1:  # boxes off the page: _cut says so
                left, top, right, bottom = 0.0, 0.0, pw, ph
            image = page.render(scale=scale, crop=(left, ph - bottom, pw - right, top)).to_pil()
            result.pages += 1
            for c in crops:
                _cut(image, scale, c, job.margin, job.label, job.quality, out, result, origin=(left, top))
            page.close()
    finally:
        doc.close()


def _run_image(job: CropJob, pages: dict[int, list[CropBox]], out: Path, result: CropResult) -> None:
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(job.path) as im:
            info_dpi = im.info.get("dpi")
            for page_no, crops in sorted(pages.items()):
                im.seek(page_no - 1)
                frame = im.convert("RGB")
                src_dpi = float(info_dpi[0]) if info_dpi and float(info_dpi[0]) >= 72 else frame.width / 8.27
                f = min(1.0, job.dpi / src_dpi)
                if f < 1.0:
                    frame = frame.resize((max(1, int(frame.width * f)), max(1, int(frame.height * f))))
                result.pages += 1
                px = src_dpi / 72  # margins are in points; an image's boxes are in its pixels
                for c in crops:
                    _cut(frame, f, c, job.margin * px, job.label * px, job.quality, out, result)


def split_jobs(jobs: list[CropJob], chunk: int = PAGE_CHUNK) -> list[CropJob]:
    """Jobs of at most ``chunk`` pages each (a long scan shared between processes)."""
    out = []
    for job in jobs:
        pages = _by_page(job.crops)
        keys = sorted(pages)
        for i in range(0, len(keys), chunk):
            part = [c for k in keys[i:i + chunk] for c in pages[k]]
            out.append(CropJob(**{**job.__dict__, "crops": part}))
    return out


def run_jobs(jobs: list[CropJob], workers: int, min_pages_parallel: int,
             advance: Optional[Callable[[int], None]] = None) -> CropResult:
    """All jobs, on a process pool when there are enough pages to be worth it."""
    total = CropResult()
    jobs = split_jobs(jobs)
    n_pages = sum(len(_by_page(j.crops)) for j in jobs)

    def merge(r: CropResult) -> None:
        total.written.update(r.written)
        total.failed.update(r.failed)
        total.pages += r.pages
        if advance:
            advance(r.pages)

    if workers <= 1 or n_pages < min_pages_parallel or len(jobs) < 2:
        for job in jobs:
            merge(run_job(job))
        return total
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")  # safe beside the flow's threads
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        for fut in as_completed([pool.submit(run_job, job) for job in jobs]):
            merge(fut.result())
    return total


__all__ = ["CropBox", "CropJob", "CropResult", "run_job", "run_jobs", "split_jobs"]
