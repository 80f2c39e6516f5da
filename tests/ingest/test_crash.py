"""Crash safety: a real `jixiao ingest` process group is SIGKILLed part-way through a batch,
then the same command is run again. Every form must land exactly once, and no output file
may be half-written (outputs go to a temporary name and are renamed; the database commits
one source per transaction)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from flows import db
from flows.manifest import read_manifest

from .conftest import ROOT, write_dump

FILES, FORMS_PER_FILE = 24, 25


def start_ingest(inbox, out, db_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)  # the command's own temporary server, as a user would run it
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(inbox), "--out", str(out), "--db", db_url]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group: the server dies with it


def wait_for_manifest_lines(out, n, proc, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(read_manifest(out / "manifest.jsonl"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"ingest ended before the kill: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    pytest.fail("ingest made no progress")


@pytest.mark.timeout(600)
def test_sigkill_part_way_then_rerun_lands_every_form_once(db_url, tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    truths = {f"batch{i:02d}.txt": write_dump(inbox / f"batch{i:02d}.txt", seed=100 + i, n=FORMS_PER_FILE)
              for i in range(FILES)}

    proc = start_ingest(inbox, out, db_url)
    wait_for_manifest_lines(out, 3, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    killed_at = len(list(read_manifest(out / "manifest.jsonl")))
    assert killed_at < FILES, "the batch finished before the kill: make it bigger"

    rerun = start_ingest(inbox, out, db_url)
    _, err = rerun.communicate(timeout=540)
    assert rerun.returncode == 0, err.decode()[-3000:]

    engine = db.connect(db_url)
    counts = db.counts(engine)
    assert counts["sources"] == FILES
    assert counts["forms"] == FILES * FORMS_PER_FILE
    assert counts["indicators"] == sum(len(t["indicators"]) for ts in truths.values() for t in ts)
    statuses = {}
    for entry in read_manifest(out / "manifest.jsonl"):
        statuses.setdefault(entry.path, []).append(entry.status)
    assert all(s[-1] in ("ok", "skipped") for s in statuses.values())
    assert sum(s[-1] == "skipped" for s in statuses.values()) >= 1  # what landed before the kill stays

    # no output file half-written: every visible output parses whole
    for name, ts in truths.items():
        forms = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert [f["header"]["project_code"] for f in forms] == [t["header"]["project_code"] for t in ts]
    forms_csv = pd.read_csv(out / "forms.csv", encoding="utf-8-sig", dtype=str)
    assert len(forms_csv) == FILES * FORMS_PER_FILE
    assert forms_csv[["source_sha256", "form_index"]].duplicated().sum() == 0
