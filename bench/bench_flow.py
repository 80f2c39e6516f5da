"""The ingest flow's overhead against calling the pipeline directly on the same mixed batch.

Mixed batch: the real sample dump, synthetic dumps of several sizes, PDFs from data/samples
when present, and two bad files. "direct" = convert + load into SQLite + JSON per file + the
CSV tables: the same work without Prefect. All flow runs share one temporary API server in
this process: a first run on an empty folder pays the fixed start-up (server start, flow
registration) and is reported apart; then direct and flow passes alternate on the batch and
the flow's total is compared with direct's. Target: flow <= 1.10x direct beyond the start-up.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _batch(folder: Path, quick: bool) -> int:
    from synth.dump import render_dump, random_style
    import random

    from synth.truth import random_forms

    folder.mkdir(parents=True)
    shutil.copy(ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt", folder)
    for pdf in sorted((ROOT / "data" / "samples").glob("*.pdf"))[: (1 if quick else 4)]:
        shutil.copy(pdf, folder)
    sizes = [5, 20, 50] if quick else [10, 50, 200, 400, 800]
    rng = random.Random(7)
    for i, n in enumerate(sizes):
        (folder / f"synth_{n}.txt").write_text(render_dump(random_forms(100 + i, n), random_style(rng)),
                                               encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "notes.txt").write_text("不是申报表\n", encoding="utf-8")
    return len(list(folder.iterdir()))


def _direct(folder: Path, out: Path) -> float:
    from flows.discover import discover
    from flows import db
    from extractors import convert
    from pipeline.settings import Settings
    from flows.writers import atomic_open, write_json

    from flows.writers import write_tables

    t0 = time.perf_counter()
    settings = Settings()
    engine = db.connect(db.default_url(out))
    shas = []
    for path in discover([str(folder)]).files:
        result = convert(path, settings)
        db.load_result(engine, result, str(path), settings.fingerprint())
        if result.status != "failed":
            shas.append(result.sha256)
            with atomic_open(out / f"{path.name}.json") as f:
                write_json(result.forms, f)
    write_tables(db.export_tables(engine, shas), out)
    engine.dispose()
    return time.perf_counter() - t0


def run(quick: bool = False) -> list[dict]:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-flow-"))
    os.environ.setdefault("PREFECT_HOME", str(work / "prefect"))
    try:
        files = _batch(work / "in", quick)
        t0 = time.perf_counter()
        from flows.ingest import ingest, without_heartbeats  # noqa: E402 (import is part of the start-up)

        with without_heartbeats():  # as `jixiao ingest` runs it
            # Warm-up run on an empty folder: server start + flow registration = fixed start-up.
            (work / "nothing").mkdir()
            ingest([str(work / "nothing")], out=str(work / "warm"))
            startup = time.perf_counter() - t0
            # Direct and flow alternate (the machine's load drifts); each flow pass has its own
            # output and database, and refresh=True so no pass reads another's cached extraction.
            direct_s, flow_s, forms = [], [], 0
            for i in range(1 if quick else 2):
                direct_s.append(_direct(work / "in", work / f"direct{i}"))
                t1 = time.perf_counter()
                summary = ingest([str(work / "in")], out=str(work / f"flow{i}"), refresh=True)
                flow_s.append(time.perf_counter() - t1)
                forms = summary.forms()
            t2 = time.perf_counter()
            again = ingest([str(work / "in")], out=str(work / "flow0"))
            skip_s = time.perf_counter() - t2
        assert forms and again.by_status().get("skipped")
        direct, flow_t = sum(direct_s), sum(flow_s)
        ratio = flow_t / direct
        n = len(direct_s)
        return [
            {"name": f"direct pipeline, {files} files, {forms} forms (mean of {n})", "value": round(direct / n, 2),
             "unit": "s"},
            {"name": "flow fixed start-up (API server + first, empty run)", "value": round(startup, 2), "unit": "s"},
            {"name": f"flow run on the same batch, beyond start-up (mean of {n})", "value": round(flow_t / n, 2),
             "unit": "s", "baseline": round(direct / n, 2), "ratio": round(ratio, 3), "target": "<= 1.10x",
             "ok": ratio <= 1.10},
            {"name": "flow re-run, everything skipped", "value": round(skip_s, 2), "unit": "s"},
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
