"""The reviewers' report: ``OUT/report.html`` from an output folder (``manifest.jsonl`` and the
``<name>.json`` files of ``jixiao ingest``, or the JSON files of ``jixiao extract --out``).

    collect (files, forms)  ->  spots (page boxes of the fields each finding is about)
      ->  crops (each page rendered once, all its boxes cut; a process pool for many pages)
      ->  page (report.html; crops and one JSON file per form in report_files/)

A writer: it reads what the pipeline wrote and never changes it.
"""
from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import quote

from pipeline.settings import Settings, resolve
from ..tables import form_key

REPORT_NAME = "report.html"
FILES_DIR = "report_files"
PAGE_KINDS = frozenset({"pdf", "scan", "image"})


@dataclass
class ReportStats:
    path: Path
    files: int
    forms: int
    findings: int
    crops: int
    crops_failed: int
    pages_rendered: int
    seconds: float


def _crop_name(sha: str, page: int, box) -> str:
    key = f"{sha}|{page}|{box.x0:.1f}|{box.top:.1f}|{box.x1:.1f}|{box.bottom:.1f}"
    return f"{sha[:10]}-p{page}-{hashlib.sha1(key.encode()).hexdigest()[:10]}.jpg"


def _source_file(path: str, base: Path) -> Optional[Path]:
    p = Path(path)
    for candidate in (p, base / p) if not p.is_absolute() else (p,):
        if candidate.is_file():
            return candidate
    return None


def write_report(out: Path, settings: Optional[Settings] = None,
                 progress: Optional[Callable[[str, int, int], None]] = None) -> ReportStats:
    """Write ``out/report.html`` (and ``out/report_files/``). ``progress(stage, done, total)``
    is told about rendered pages."""
    from ..writers import atomic_open, form_json
    from .collect import collect, spots
    from .crops import CropBox, CropJob, run_jobs
    from .page import PageInputs, Shot, render

    started = time.perf_counter()
    settings = resolve(settings)
    rs = settings.report
    out = Path(out)
    data = collect(out)
    files_dir = out / FILES_DIR
    for sub in ("crops", "json"):  # our own folders only, rebuilt every time
        shutil.rmtree(files_dir / sub, ignore_errors=True)
        (files_dir / sub).mkdir(parents=True, exist_ok=True)
    inputs = PageInputs(data=data, generated_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))

    jobs: dict[str, CropJob] = {}
    names: dict[str, set[str]] = {}
    missing_source: dict[str, str] = {}
    password = settings.pdf.password.get_secret_value() if settings.pdf.password else None
    for form in data.forms:
        key = form_key(form)
        if not form.findings:  # not shown in detail: its file's JSON
            if form.source.sha256 in data.json_of:
                inputs.json_links[key] = quote(data.json_of[form.source.sha256])  # a name may hold # or ?
            continue
        # regenerated on every run, so written plainly (no fsync per file)
        (files_dir / "json" / f"{key}.json").write_text(form_json(form), encoding="utf-8")
        inputs.json_links[key] = f"{FILES_DIR}/json/{key}.json"
        kind = form.source.kind
        src = _source_file(form.source.path, out) if kind in PAGE_KINDS else None
        if kind in PAGE_KINDS and src is None:
            missing_source[form.source.path] = f"source file not found: {form.source.path}"
        for i, finding in enumerate(form.findings):
            shots = []
            for spot in spots(form, finding.code, finding.field) if kind in PAGE_KINDS else []:
                name = _crop_name(form.source.sha256, spot.page, spot.bbox)
                shot = Shot(spot=spot, src=f"{FILES_DIR}/crops/{name}")
                if src is None:
                    shot.src, shot.missing = None, missing_source[form.source.path]
                else:
                    job = jobs.get(str(src))
                    if job is None:
                        job = jobs[str(src)] = CropJob(path=str(src), kind="image" if kind == "image" else "pdf",
                                                        crops=[], out_dir=str(files_dir / "crops"), dpi=rs.crop_dpi,
                                                        margin=rs.margin_pt, label=rs.label_pt,
                                                        quality=rs.jpeg_quality, password=password)
                        names[str(src)] = set()
                    if name not in names[str(src)]:
                        names[str(src)].add(name)
                        b = spot.bbox
                        job.crops.append(CropBox(name=name, page=spot.page, box=(b.x0, b.top, b.x1, b.bottom)))
                shots.append(shot)
            if shots:
                inputs.shots[(key, i)] = shots

    total_pages = sum(len({c.page for c in j.crops}) for j in jobs.values())
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        if progress:
            progress("pages", done[0], total_pages)

    import os

    workers = rs.workers or (os.cpu_count() or 1)
    result = run_jobs(list(jobs.values()), workers, rs.parallel_min_pages, advance)
    for shots in inputs.shots.values():
        for shot in shots:
            if shot.src is None:
                continue
            name = shot.src.rsplit("/", 1)[1]
            if name in result.written:
                shot.size = result.written[name]
            else:
                shot.src, shot.missing = None, result.failed.get(name, "not rendered")
    path = out / REPORT_NAME
    with atomic_open(path) as f:
        f.write(render(inputs))
    return ReportStats(path=path, files=len(data.files), forms=len(data.forms),
                       findings=sum(len(f.findings) for f in data.forms), crops=len(result.written),
                       crops_failed=len(result.failed), pages_rendered=result.pages,
                       seconds=round(time.perf_counter() - started, 3))


__all__ = ["FILES_DIR", "REPORT_NAME", "ReportStats", "write_report"]
