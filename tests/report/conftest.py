"""One real run for the report tests: ``jixiao ingest`` (the command `make run` runs) over the
bundled samples plus two documents made from the hand-checked golden forms, whose findings are
known: a digital PDF of golden forms 5 and 10 (TOTAL_MISMATCH, UNIT_SUSPECT) and a 300-dpi scan
of golden form 2 (ARITHMETIC_MISMATCH; the recogniser drops a ×, put back as OCR_REPAIRED).
Their 项目编码 are changed so that they are not copies of the text dump's forms."""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
JIXIAO = Path(sys.executable).parent / "jixiao"
PDF_FORMS = (4, 9)   # golden form indices (0-based) drawn as a digital PDF
SCAN_FORMS = (1,)    # ... and scanned


def _golden(indices, suffix: str) -> list[dict]:
    from synth.truth import load_golden

    golden = load_golden()
    out = []
    for i in indices:
        t = copy.deepcopy(golden[i])
        t["header"]["project_code"] = t["header"]["project_code"][:-3] + suffix
        out.append(t)
    return out


@pytest.fixture(scope="session")
def golden_truths() -> dict[str, list[dict]]:
    return {"golden_forms.pdf": _golden(PDF_FORMS, "901"), "golden_scan.pdf": _golden(SCAN_FORMS, "902")}


@pytest.fixture(scope="session")
def run_out(tmp_path_factory, golden_truths) -> Path:
    """The output folder of one ``jixiao ingest`` run (report.html, jixiao.xlsx, JSON, CSV, db)."""
    from synth.pdf import render_pdf
    from synth.scan import make_scanned_forms

    root = tmp_path_factory.mktemp("report-run")
    inbox, out = root / "in", root / "out"
    inbox.mkdir()
    for p in SAMPLES.iterdir():
        if p.is_file() and not p.name.startswith("."):
            shutil.copy(p, inbox / p.name)
    render_pdf(golden_truths["golden_forms.pdf"], inbox / "golden_forms.pdf", seed=3)
    make_scanned_forms(golden_truths["golden_scan.pdf"], inbox / "golden_scan.pdf", seed=7)
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect")}
    proc = subprocess.run([str(JIXIAO), "ingest", str(inbox), "--out", str(out)], capture_output=True, text=True,
                          env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out
