"""`make bench`: every bench/bench_*.py module's `run(quick)` measured in one run.

Each module returns rows {"name", "value", "unit"} and, where it compares itself with a
baseline measured in the same run, "baseline", "ratio" and "target" (a string such as
"<= 1.5x" or ">= 2000 forms/s") with "ok". Results are printed as a table and written to
bench/results/latest.json. No timing is asserted in unit tests; targets live here."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("names", nargs="*", help="only these benchmarks (module names without bench_)")
    ap.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    args = ap.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    rows = []
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_")):
        short = mod.removeprefix("bench_")
        if args.names and short not in args.names:
            continue
        print(f"== {short}", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        try:
            result = importlib.import_module(f"bench.{mod}").run(quick=args.quick)
        except Exception as exc:  # one broken benchmark does not hide the others
            result = [{"name": f"{short}: failed", "value": None, "unit": "", "ok": False,
                       "note": f"{type(exc).__name__}: {exc}"}]
        for r in result:
            r.setdefault("bench", short)
            print(f"   {r['name']:<48} {r.get('value')!s:>12} {r.get('unit', ''):<10} "
                  f"{('ratio ' + format(r['ratio'], '.2f')) if r.get('ratio') is not None else '':<12} "
                  f"{r.get('target', '')} {'' if r.get('ok') is None else ('OK' if r['ok'] else 'MISSED')}"
                  f"{'  runs ' + str(r['runs']) if r.get('runs') else ''}",
                  file=sys.stderr)
        rows.extend(result)
        print(f"   ({time.perf_counter() - t0:.1f}s)", file=sys.stderr)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(rows, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
