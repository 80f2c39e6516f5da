"""Archive shapes (issue 17): `jixiao ingest` against `jixiao extract` on the same inputs, in the
same run, with peak memory, on SQLite and PostgreSQL.

Shapes, each built by code (full size / ``--quick``):
- one budget-system dump of 100,000 forms (5,000): ``extract --format jsonl`` to /dev/null,
  ``extract --format csv``, ``ingest`` on SQLite and on PostgreSQL — peak RSS and forms/s;
  targets: ingest ≤ 300 MB and ≥ 0.8× extract's forms/s; csv ≤ 300 MB;
- 10,000 one-form dumps (400) and 1,000 one-form digital PDFs (60) in a folder: ``ingest``
  against ``extract --format json --out``, beyond the fixed start-up (an ingest of an empty
  folder: the temporary Prefect server and the first run); target ≤ 1.25×; and ingest with
  ``--workers 1`` against ``--workers 2`` (target ≥ 1.7× faster) when the CLI has the option;
- the same one-form dumps (1,000 / 100) on a local 2-worker Dask cluster against no Dask.

Every command runs as its own process through a small wrapper that reports the child's peak
RSS (``getrusage(RUSAGE_CHILDREN)``), so each figure is that command alone.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JIXIAO = str(Path(sys.executable).with_name("jixiao"))
_WRAP = ("import resource, subprocess, sys, json, time\n"
         "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
         " stderr=subprocess.PIPE)\n"
         "print(json.dumps({'rc': p.returncode, 's': time.perf_counter() - t,"
         " 'rss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,"
         " 'err': p.stderr.decode(errors='replace')[-600:]}))\n")


def measure(*args: str, env: dict | None = None) -> dict:
    """Run one command; its wall time, peak RSS (MB), exit status and the tail of its stderr."""
    proc = subprocess.run([sys.executable, "-c", _WRAP, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=3 * 3600)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _one_form_dumps(folder: Path, n: int, seed: int) -> int:
    from synth.dump import DumpStyle, render_dump
    from synth.truth import random_forms

    folder.mkdir(parents=True, exist_ok=True)
    for i, truth in enumerate(random_forms(seed, n)):
        (folder / f"form_{i:05d}.txt").write_text(render_dump([truth], DumpStyle()), encoding="utf-8")
    return n


def _one_form_pdfs(folder: Path, n: int, seed: int) -> int:
    from synth.pdf import PdfStyle, render_pdf
    from synth.truth import random_forms

    folder.mkdir(parents=True, exist_ok=True)
    for i, truth in enumerate(random_forms(seed, n)):
        render_pdf([truth], folder / f"form_{i:05d}.pdf", seed=i, style=PdfStyle())
    return n


def _big_dump(path: Path, n: int, seed: int) -> int:
    from synth.dump import DumpStyle, render_dump
    from synth.truth import random_forms

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        chunk = 2000
        for start in range(0, n, chunk):
            f.write(render_dump(list(random_forms(seed + start, min(chunk, n - start))), DumpStyle()))
    return n


def _ingest(inputs: str, out: Path, db: str, *extra: str) -> dict:
    return measure(JIXIAO, "ingest", inputs, "--out", str(out), "--db", db, *extra)


def _has_option(command: str, option: str) -> bool:
    proc = subprocess.run([JIXIAO, command, "--help"], capture_output=True, text=True)
    return option in proc.stdout


def _row(name: str, value: float, unit: str, **kw) -> dict:
    return {"name": name, "value": round(value, 2), "unit": unit, **kw}


def _ratio_row(name: str, value: float, baseline: float, target: str, ok: bool, unit: str = "s") -> dict:
    return _row(name, value, unit, baseline=round(baseline, 2), ratio=round(value / baseline, 3)
                if baseline else None, target=target, ok=ok)


def run(quick: bool = False) -> list[dict]:
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from bench.pgserver import create_database, throwaway_postgres

    work = Path(tempfile.mkdtemp(prefix="jixiao-bench-archive-"))
    env_home = {"PREFECT_HOME": str(work / "prefect")}
    os.environ.update(env_home)
    rows: list[dict] = []
    big_n = 5_000 if quick else 100_000
    small_n = 400 if quick else 10_000
    pdf_n = 60 if quick else 1_000
    dask_n = 100 if quick else 1_000
    try:
        # fixed start-up of one ingest: the temporary API server and an empty run
        (work / "empty").mkdir()
        start = _ingest(str(work / "empty"), work / "o-empty", f"sqlite:///{work}/empty.db")
        startup = start["s"]
        rows.append(_row("ingest fixed start-up (empty folder)", startup, "s"))

        # ---- one big dump
        big = work / "big" / "dump.txt"
        _big_dump(big, big_n, 17)
        ex = measure(JIXIAO, "extract", str(big), "--format", "jsonl")
        csv = measure(JIXIAO, "extract", str(big), "--format", "csv", "--out", str(work / "o-csv"))
        rows.append(_row(f"extract jsonl, one dump of {big_n:,} forms", big_n / ex["s"], "forms/s",
                         note=f"{ex['s']:.1f} s, peak {ex['rss_mb']:.0f} MB"))
        rows.append(_row(f"extract csv peak memory, {big_n:,} forms", csv["rss_mb"], "MB", target="<= 300 MB",
                         ok=csv["rss_mb"] <= 300, note=f"{csv['s']:.1f} s"))
        with throwaway_postgres() as pg:
            for backend, url in (("SQLite", f"sqlite:///{work}/big.db"), ("PostgreSQL", create_database(pg))):
                ing = _ingest(str(big), work / f"o-big-{backend}", url)
                fps = big_n / max(ing["s"] - startup, 1e-9)
                rows.append(_ratio_row(f"ingest {backend}, {big_n:,}-form dump, beyond start-up (forms/s)", fps,
                                       big_n / ex["s"], ">= 0.8x extract jsonl", fps >= 0.8 * big_n / ex["s"],
                                       unit="forms/s"))
                rows.append(_row(f"ingest {backend} peak memory, {big_n:,} forms", ing["rss_mb"], "MB",
                                 target="<= 300 MB", ok=ing["rss_mb"] <= 300 and ing["rc"] == 0,
                                 note=f"rc {ing['rc']}"))

            # ---- many one-form files
            workers = _has_option("ingest", "--workers")
            for label, folder, n, make in (("one-form dumps", work / "dumps", small_n, _one_form_dumps),
                                           ("one-form PDFs", work / "pdfs", pdf_n, _one_form_pdfs)):
                make(folder, n, 23)
                ex = measure(JIXIAO, "extract", str(folder), "--format", "json", "--out", str(work / f"o-{folder.name}"))
                for backend, url in (("SQLite", f"sqlite:///{work}/{folder.name}.db"),
                                     ("PostgreSQL", create_database(pg))):
                    ing = _ingest(str(folder), work / f"o-{folder.name}-{backend}", url)
                    beyond = ing["s"] - startup
                    rows.append(_ratio_row(f"ingest {backend}, {n:,} {label}, beyond start-up", beyond, ex["s"],
                                           "<= 1.25x extract json", beyond <= 1.25 * ex["s"] and ing["rc"] == 0))
                if workers:
                    one = _ingest(str(folder), work / f"o-{folder.name}-w1", f"sqlite:///{work}/{folder.name}-w1.db",
                                  "--workers", "1")
                    two = _ingest(str(folder), work / f"o-{folder.name}-w2", f"sqlite:///{work}/{folder.name}-w2.db",
                                  "--workers", "2")
                    speedup = (one["s"] - startup) / max(two["s"] - startup, 1e-9)
                    rows.append(_row(f"ingest {n:,} {label}: --workers 2 speed-up over 1", speedup, "x",
                                     target=">= 1.7x", ok=speedup >= 1.7))
                else:
                    rows.append(_row(f"ingest {n:,} {label}: --workers", 0, "", ok=False,
                                     note="the CLI has no --workers option yet"))

        # ---- Dask
        from distributed import LocalCluster

        folder = work / "dask"
        _one_form_dumps(folder, dask_n, 29)
        plain = _ingest(str(folder), work / "o-dask-plain", f"sqlite:///{work}/dask-plain.db")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            on = _ingest(str(folder), work / "o-dask", f"sqlite:///{work}/dask.db",
                         "--dask-address", cluster.scheduler_address)
        rows.append(_ratio_row(f"ingest {dask_n:,} one-form dumps on a 2-worker Dask cluster", on["s"], plain["s"],
                               "< 1.0x without Dask", on["s"] < plain["s"] and on["rc"] == 0))
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), ensure_ascii=False, indent=1))
