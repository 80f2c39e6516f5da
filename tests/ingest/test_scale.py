"""Archive scale (issue 17): a file's forms streamed into the database in batches inside its
own transaction, small files committed together, worker processes, SIGTERM mid-run."""
from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import ingest
from flows import db
from flows.manifest import read_manifest
from pipeline.settings import Settings
from synth.dump import DumpStyle, render_dump
from synth.truth import random_forms

from .conftest import ROOT, expected_counts, write_dump


def small_batches(**ingest) -> Settings:
    return Settings().with_overrides([f"ingest.{k}={v}" for k, v in ingest.items()])


def test_a_dump_bigger_than_a_batch_streams_into_one_transaction_and_lands_whole(db_url, tmp_path):
    truths = write_dump(tmp_path / "in" / "big.txt", seed=71, n=23)
    summary = ingest([str(tmp_path / "in")], out=str(tmp_path / "out"), db_url=db_url,
                     settings=small_batches(batch_forms=4, workers=1))
    assert summary.by_status() == {"ok": 1} and summary.forms() == 23
    counts = db.counts(db.connect(db_url))
    assert counts["forms"] == 23 and counts["indicators"] == expected_counts(truths)["indicators"]


def test_a_failure_part_way_through_a_streamed_dump_leaves_none_of_its_rows(db_url, tmp_path, monkeypatch):
    write_dump(tmp_path / "in" / "big.txt", seed=72, n=23)
    calls = []
    real = db.insert_rows

    def fail_third(conn, rows):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real(conn, rows)

    monkeypatch.setattr(db, "insert_rows", fail_third)
    first = ingest([str(tmp_path / "in")], out=str(tmp_path / "out"), db_url=db_url,
                   settings=small_batches(batch_forms=4, workers=1))
    assert first.by_status() == {"failed": 1}
    counts = db.counts(db.connect(db_url))
    assert counts["forms"] == 0 and counts["indicators"] == 0 and counts["sources"] == 1  # the failed row
    monkeypatch.setattr(db, "insert_rows", real)
    second = ingest([str(tmp_path / "in")], out=str(tmp_path / "out"), db_url=db_url,
                    settings=small_batches(batch_forms=4, workers=1))
    assert second.by_status() == {"ok": 1} and db.counts(db.connect(db_url))["forms"] == 23


def test_worker_processes_give_the_same_rows_as_one_process(tmp_path):
    truths = [write_dump(tmp_path / "in" / f"f{i:02d}.txt", seed=80 + i, n=1 + i % 3) for i in range(9)]
    runs = {}
    for workers in (1, 2):
        url = f"sqlite:///{tmp_path / f'w{workers}.db'}"
        summary = ingest([str(tmp_path / "in")], out=str(tmp_path / f"out{workers}"), db_url=url,
                         settings=small_batches(workers=workers, task_files=2, batch_files=4,
                                                pool_min_files=3))
        assert summary.by_status() == {"ok": 9}
        runs[workers] = db.export_tables(db.connect(url), [o.entry.sha256 for o in summary.outcomes])
        assert len(list(read_manifest(tmp_path / f"out{workers}" / "manifest.jsonl"))) == 9
    assert len(runs[2]["forms"]) == sum(len(t) for t in truths)
    assert runs[1] == runs[2]
    assert ((tmp_path / "out1" / "forms.csv").read_bytes() == (tmp_path / "out2" / "forms.csv").read_bytes())
    # the workers wrote each file's JSON (prewritten), the flow renamed it: the same bytes as one
    # process writing it, and no temporary file left behind
    for i in range(9):
        one, two = (tmp_path / f"out{w}" / f"f{i:02d}.txt.json" for w in (1, 2))
        assert one.read_bytes() == two.read_bytes()
        assert len(json.loads(two.read_text(encoding="utf-8"))) == len(truths[i])
    assert [p.name for p in (tmp_path / "out2").iterdir() if p.name.startswith(".")] == []


def test_worker_processes_and_the_command_collect_garbage_as_run_gc_young_says():
    import gc

    from flows.cli import make_settings
    from flows.workers import process_pool, stop_pool

    for young, expected in ((12345, 12345), (0, 700)):  # 0: Python's own young generation (700)
        pool = process_pool(2, young)
        try:
            got = [pool.submit(gc.get_threshold).result(timeout=120)[0] for _ in range(4)]
            frozen = pool.submit(gc.get_freeze_count).result(timeout=120)
        finally:
            stop_pool(pool)
        assert got == [expected] * 4
        assert frozen > 10_000  # the fork server's imports and jieba's dictionary: never re-scanned
    before = gc.get_threshold()
    try:
        make_settings(overrides=["run.gc_young=4321"])
        assert gc.get_threshold()[0] == 4321 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_worker_written_json_gains_the_finding_of_a_check_across_files(tmp_path):
    """A file's JSON is written by a worker before the flow checks its forms against earlier
    files: a form that then gains DUPLICATE_CODE has its JSON written again by the flow."""
    forms = list(random_forms(61, 3))
    reused = copy.deepcopy(forms[2])
    reused["header"]["project_code"] = forms[0]["header"]["project_code"]
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name, truths in (("a.txt", [forms[0]]), ("b.txt", [forms[1]]), ("c.txt", [reused])):
        (inbox / name).write_text(render_dump(truths, DumpStyle()), encoding="utf-8")
    out = tmp_path / "out"
    summary = ingest([str(inbox)], out=str(out), db_url=f"sqlite:///{tmp_path / 'x.db'}",
                     settings=small_batches(workers=2, task_files=1, pool_min_files=1))
    assert summary.by_status() == {"ok": 3}
    codes = {name: [f["code"] for form in json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
                    for f in form["findings"] if f["code"].startswith("DUPLICATE")]
             for name in ("a.txt", "b.txt", "c.txt")}
    assert codes == {"a.txt": [], "b.txt": [], "c.txt": ["DUPLICATE_CODE"]}
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


@pytest.mark.timeout(600)
def test_sigterm_mid_run_prints_one_line_and_leaves_whole_files_then_a_rerun_completes(tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    for i in range(12):
        write_dump(inbox / f"a{i:02d}.txt", seed=90 + i, n=1)
    # streamed last: the signal comes while it loads (seed 199: with seed 99 its first form would
    # be a09's, a DUPLICATE_FORM that is loaded once)
    write_dump(inbox / "z_big.txt", seed=199, n=400)
    db_url = f"sqlite:///{out / 'jixiao.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PREFECT_API_URL", None)
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(inbox), "--out", str(out),
           "--set", "ingest.batch_files=4", "--set", "ingest.batch_forms=20"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 400
    while len(list(read_manifest(out / "manifest.jsonl"))) < 12:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    lines = err.decode().splitlines()
    assert proc.returncode == 130, err.decode()[-2000:]
    assert len(lines) == 1 and "interrupted" in lines[0], lines
    engine = db.connect(db_url)
    counts = db.counts(engine)
    assert counts["sources"] == 12 and counts["forms"] == 12  # the big dump not half-loaded
    assert [p.name for p in out.iterdir() if p.name.startswith(".ingest.")] == []  # no temporary JSON left
    engine.dispose()
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=400)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    assert db.counts(db.connect(db_url))["forms"] == 12 + 400


def test_pdfs_on_the_worker_pool_give_the_same_rows_as_on_the_flows_tasks(tmp_path, monkeypatch):
    """Short PDFs go to the worker processes (from ingest.pool_min_pdfs) instead of the
    flow's cached tasks, or, with one worker, in batches in the flow's process (a task per
    file cost API round trips and ran pdfminer on threads): the same rows, forms and CSV."""
    import flows.ingest as flow_module
    from synth.pdf import PdfStyle, render_pdf
    from synth.truth import random_forms

    tasks: list[str] = []
    real_submit = flow_module.submit_extraction
    monkeypatch.setattr(flow_module, "submit_extraction", lambda path, *a, **k: tasks.append(path) or
                        real_submit(path, *a, **k))

    inbox = tmp_path / "in"
    inbox.mkdir()
    truths = list(random_forms(61, 4))
    for i, truth in enumerate(truths[:3]):
        render_pdf([truth], inbox / f"p{i}.pdf", seed=i, style=PdfStyle())
    write_dump(inbox / "t.txt", seed=62, n=2)  # a text dump among them: from the same batches
    runs, submitted = {}, {}
    for mode, workers, least in (("tasks", 1, 100), ("pool", 2, 2), ("batches", 1, 2)):
        url = f"sqlite:///{tmp_path / f'{mode}.db'}"
        tasks.clear()
        summary = ingest([str(inbox)], out=str(tmp_path / mode), db_url=url,
                         settings=small_batches(workers=workers, pool_min_pdfs=least, task_files=2))
        assert summary.by_status() == {"ok": 4}, [o.entry for o in summary.outcomes]
        runs[mode] = db.export_tables(db.connect(url), [o.entry.sha256 for o in summary.outcomes])
        submitted[mode] = sorted(Path(p).name for p in tasks)
    assert submitted == {"tasks": ["p0.pdf", "p1.pdf", "p2.pdf"], "pool": [], "batches": []}
    assert sorted(r["project_code"] for r in runs["pool"]["forms"] if r["source_path"].endswith(".pdf")) == \
        sorted(t["header"]["project_code"] for t in truths[:3])
    assert runs["pool"] == runs["tasks"] == runs["batches"]
    csv = {mode: (tmp_path / mode / "indicators.csv").read_bytes() for mode in runs}
    assert csv["pool"] == csv["tasks"] == csv["batches"]


def test_a_run_of_more_forms_than_report_max_forms_writes_no_workbook_and_says_so(tmp_path, capsys):
    """jixiao.xlsx and report.html hold every form (the workbook ~1 ms a row, the report all
    forms in memory): an archive run over report.max_forms writes neither, says so in one
    line, and still writes the CSV tables and the database."""
    for i in range(3):
        write_dump(tmp_path / "in" / f"f{i}.txt", seed=63 + i, n=1)
    settings = Settings().with_overrides(["report.max_forms=2"])
    summary = ingest([str(tmp_path / "in")], out=str(tmp_path / "out"), db_url=f"sqlite:///{tmp_path / 'j.db'}",
                     settings=settings)
    assert summary.forms() == 3
    assert not (tmp_path / "out" / "jixiao.xlsx").exists() and not (tmp_path / "out" / "report.html").exists()
    lines = [line for line in capsys.readouterr().err.splitlines() if "report.max_forms" in line]
    assert len(lines) == 1 and "3 forms" in lines[0]
    assert len((tmp_path / "out" / "forms.csv").read_text(encoding="utf-8-sig").splitlines()) == 1 + 3


def test_the_command_warms_the_pool_once_enough_files_are_counted_without_walking_them_all(tmp_path, monkeypatch):
    """The command starts the workers' fork server beside its own start-up when the inputs
    are enough for the pool (``ingest.pool_min_files`` text files here 3, or PDFs): it
    counts files until then and stops (it walked all 10,000 of an archive's files, a
    second time, before the flow walked them again), and does not warm for fewer."""
    import flows.cli as cli
    import flows.discover as discover
    import flows.workers as workers

    for i in range(5):
        (tmp_path / "in" / f"d{i}").mkdir(parents=True)
        (tmp_path / "in" / f"d{i}" / "f.txt").write_text("x", encoding="utf-8")
    yielded, warmed = [], []
    real = discover.iter_named

    def counting(*args, **kwargs):
        for p in real(*args, **kwargs):
            yielded.append(p)
            yield p

    monkeypatch.setattr(discover, "iter_named", counting)
    monkeypatch.setattr(workers, "warm_fork_server", lambda: warmed.append(True))
    settings = small_batches(pool_min_files=3, workers=2)
    cli._warm_pool([str(tmp_path / "in")], tmp_path / "out", settings)
    assert warmed == [True] and [p.parent.name for p in yielded] == ["d0", "d1", "d2"]
    warmed.clear()
    cli._warm_pool([str(tmp_path / "in" / "d0"), str(tmp_path / "in" / "d1")], tmp_path / "out", settings)
    assert warmed == []


def test_the_command_starts_the_pool_warm_up_before_it_imports_prefect(tmp_path):
    """The fork server's warm-up (the pipeline's imports, jieba's dictionary: ~3 s of CPU)
    runs on the other core while the command imports Prefect (~2 s), not after it: the
    command decides on the pool before that import (measured: a 2-worker run of 10,000
    one-form dumps 30-31 s -> 27-28 s)."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("x", encoding="utf-8")
    code = ("import sys, flows.cli as cli\n"
            "def warm(*args):\n"
            "    print('prefect imported' if 'prefect' in sys.modules else 'prefect not imported')\n"
            "    sys.exit(0)\n"
            "cli._warm_pool = warm\n"
            "sys.argv = ['jixiao', 'ingest', sys.argv[1], '--out', sys.argv[2]]\n"
            "cli.main()\n")
    got = subprocess.run([sys.executable, "-c", code, str(tmp_path / "in"), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert got.stdout.strip() == "prefect not imported", got.stderr[-2000:]
