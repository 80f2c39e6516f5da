"""Text-dump throughput (forms/s, one core, calculation and validation included; the median
of three runs, each run's figure reported too) and memory flatness (peak RSS at N/10 and N
forms), plus calculation terms/s.

Baselines measured in the same run: reading and tab-splitting the same dump (the floor of any
dump reader), and jieba tokenising the whole calculation texts (what a naive parser does)."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_FORMS_PER_S = 2000
RUNS = 3  # the pipeline run is repeated and the median reported: on this VM one run varies ±5%

_CHILD = r"""
import json, os, resource, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
mode, path = sys.argv[1], sys.argv[2]
s0 = time.perf_counter()
if mode == "pipeline":  # start-up (imports, jieba's dictionary) is reported on its own
    from pipeline.calc.lexicon import tokenizer
    from extractors import iter_document
    from flows.writers import form_json
    tokenizer()
startup = time.perf_counter() - s0
t0, c0 = time.perf_counter(), time.process_time()
n = 0
if mode == "pipeline":
    with open(os.devnull, "w") as out:
        for form in iter_document(path).forms():
            out.write(form_json(form)); n += 1
else:
    with open(path, encoding="utf-8") as f:
        for line in f:
            n += len(line.split("\t"))
print(json.dumps({"n": n, "startup": startup, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_dump(path: Path, n: int, seed: int = 11) -> list[str]:
    """A dump of n random forms in random styles, written form by form; returns calc texts."""
    from synth.dump import random_style, render_dump
    from synth.truth import random_forms

    rng = random.Random(seed)
    calcs = []
    with open(path, "w", encoding="utf-8", newline="") as f:
        for truth in random_forms(seed, n):
            f.write(render_dump([truth], random_style(rng)))
            if len(calcs) < 2000:
                calcs.append(truth["header"]["calculation_basis"])
    return calcs


def child(mode: str, path: Path) -> dict:
    p = subprocess.run([sys.executable, "-c", _CHILD, mode, str(path)], capture_output=True, text=True,
                       cwd=ROOT, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def calc_throughput(texts: list[str]) -> list[dict]:
    from pipeline.calc import parse_calculation
    from pipeline.calc.lexicon import tokenizer

    tk = tokenizer()
    parse_calculation(texts[0])  # warm caches and the jieba dictionary
    t0 = time.process_time()
    terms = sum(len(parse_calculation(t).terms) for t in texts)
    ours = time.process_time() - t0
    t0 = time.process_time()
    for t in texts:
        tk.lcut(t)
    naive = time.process_time() - t0
    return [
        {"name": "calculation: terms/s", "value": round(terms / ours), "unit": "terms/s"},
        {"name": "calculation: time vs jieba on whole texts", "value": round(ours, 3), "unit": "s",
         "baseline": round(naive, 3), "ratio": ours / naive, "target": "< 1x (tokenise only near terms)",
         "ok": ours < naive},
    ]


def run(quick: bool = False) -> list[dict]:
    n = 1000 if quick else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.txt", Path(tmp) / "small.txt"
        texts = write_dump(big, n)
        write_dump(small, n // 10)
        base = child("split", big)
        fulls = sorted((child("pipeline", big) for _ in range(1 if quick else RUNS)), key=lambda r: r["n"] / r["wall"])
        full = fulls[len(fulls) // 2]
        tenth = child("pipeline", small)
    rate = full["n"] / full["wall"]
    rows = [
        {"name": f"text dump: forms/s ({n} forms, one core, median of {len(fulls)})", "value": round(rate),
         "unit": "forms/s", "runs": [round(r["n"] / r["wall"]) for r in fulls],
         "target": f">= {TARGET_FORMS_PER_S} forms/s", "ok": rate >= TARGET_FORMS_PER_S},
        {"name": "text dump: start-up (imports, jieba dictionary)", "value": round(full["startup"], 2), "unit": "s"},
        {"name": "text dump: time vs read+split baseline", "value": round(full["wall"], 2), "unit": "s",
         "baseline": round(base["wall"], 3), "ratio": full["wall"] / base["wall"]},
        {"name": f"text dump: peak RSS at {n} vs {n // 10} forms", "value": round(full["rss_mb"], 1),
         "unit": "MB", "baseline": round(tenth["rss_mb"], 1), "ratio": full["rss_mb"] / tenth["rss_mb"],
         "target": "<= 1.2x (flat in the number of forms)", "ok": full["rss_mb"] <= 1.2 * tenth["rss_mb"]},
    ]
    return rows + calc_throughput(texts)
