"""One real run for the report tests: ``jixiao ingest`` (the command `make run` runs) over the
bundled samples plus a digital PDF of golden forms 5 and 10 (hand-checked; TOTAL_MISMATCH and
UNIT_SUSPECT; their 项目编码 changed so that they are not copies of the text dump's forms).

The scanned sample is copied as ``zz_scanned_forms.pdf``, so it comes after the digital PDF of
the same four forms: the scan's forms are then the copies (DUPLICATE_FORM, or DUPLICATE_CODE if
OCR read a field differently), and their findings show crops of the scanned page.

The run is made once per test session even with pytest-xdist: the first worker makes it under
a file lock in the session's shared temporary folder, the others reuse it."""
from __future__ import annotations

import copy
import fcntl
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
SCAN_NAME = "zz_scanned_forms.pdf"


@pytest.fixture(scope="session")
def golden_truths() -> dict[str, list[dict]]:
    from synth.truth import load_golden

    golden = load_golden()
    forms = []
    for i in PDF_FORMS:
        t = copy.deepcopy(golden[i])
        t["header"]["project_code"] = t["header"]["project_code"][:-3] + "901"
        forms.append(t)
    return {"golden_forms.pdf": forms}


def _make_run(root: Path, golden_truths: dict[str, list[dict]]) -> Path:
    from synth.pdf import render_pdf

    inbox, out = root / "in", root / "out"
    inbox.mkdir(parents=True)
    for p in SAMPLES.iterdir():
        if p.is_file() and not p.name.startswith("."):
            shutil.copy(p, inbox / (SCAN_NAME if p.name == "scanned_forms.pdf" else p.name))
    render_pdf(golden_truths["golden_forms.pdf"], inbox / "golden_forms.pdf", seed=3)
    env = {**os.environ, "PREFECT_HOME": str(root / "prefect")}
    proc = subprocess.run([str(JIXIAO), "ingest", str(inbox), "--out", str(out)], capture_output=True, text=True,
                          env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (root / "done").touch()
    return out


@pytest.fixture(scope="session")
def run_out(tmp_path_factory, golden_truths) -> Path:
    """The output folder of one ``jixiao ingest`` run (report.html, jixiao.xlsx, JSON, CSV, db)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the folder all workers of this session share
    root = shared / "report-run"
    shared.mkdir(parents=True, exist_ok=True)
    with open(shared / "report-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (root / "done").exists():
            return root / "out"
        shutil.rmtree(root, ignore_errors=True)
        return _make_run(root, golden_truths)
