"""`jixiao serve` deployment and schedule, a scheduled run picking up a new file, the Dask
scale-out, and the `jixiao ingest` command's stderr and exit status."""
from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.ingest import ingest
from flows.serve import build_deployment
from flows import db

from .conftest import ROOT, SAMPLE, expected_counts, write_dump


def test_deployment_has_the_cron_schedule_and_the_watched_folder(tmp_path):
    dep = build_deployment(tmp_path / "watch", "*/15 * * * *", tmp_path / "out", None)
    assert dep.name == "watch" and dep.flow_name == "ingest"
    assert [s.schedule.cron for s in dep.schedules] == ["*/15 * * * *"]
    assert dep.parameters["paths"] == [str((tmp_path / "watch").absolute())]
    assert dep.entrypoint.endswith("flows/ingest.py:ingest")


@pytest.mark.usefixtures("prefect_api")
def test_a_scheduled_run_picks_up_a_newly_dropped_file(tmp_path):
    watch, out = tmp_path / "watch", tmp_path / "out"
    write_dump(watch / "first.txt", seed=31, n=2)
    params = build_deployment(watch, "*/15 * * * *", out, None).parameters
    first = ingest(**params)  # what the scheduled run calls
    assert first.by_status() == {"ok": 1}
    t = write_dump(watch / "dropped.txt", seed=32, n=3)
    second = ingest(**params)
    assert {(Path(o.entry.path).name, o.entry.status) for o in second.outcomes} == {
        ("first.txt", "skipped"), ("dropped.txt", "ok")}
    assert second.forms() == 2 + len(t)


@pytest.mark.usefixtures("prefect_api")
def test_dask_cluster_runs_the_tasks(tmp_path):
    from distributed import Client, LocalCluster
    from prefect_dask import DaskTaskRunner

    db_url = f"sqlite:///{tmp_path / 'dask.db'}"  # the loader is the same as in test_flow (both backends)
    truths = [write_dump(tmp_path / "in" / f"{i}.txt", seed=40 + i, n=2) for i in range(3)]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        flow = ingest.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        summary = flow(paths=[str(tmp_path / "in")], out=str(tmp_path / "out"), db_url=db_url)
        with Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert summary.by_status() == {"ok": 3}
    # the files go in batches, one task per batch and at least one per worker (not a task per file)
    assert len(executed) == 2 and all(n >= 1 for n in executed.values()) and sum(executed.values()) <= 3
    engine = db.connect(db_url)
    assert db.counts(engine)["indicators"] == sum(expected_counts(t)["indicators"] for t in truths)
    engine.dispose()


@pytest.mark.usefixtures("prefect_api")
@pytest.mark.timeout(600)
def test_small_dumps_go_to_a_process_cluster_by_its_client_with_the_rows_and_json_of_no_dask(tmp_path, monkeypatch):
    """Small text dumps on a real 2-process Dask cluster are handed to its workers by the
    flow's ``distributed.Client`` (as the pool gets them), not as ``extract-batch`` Prefect
    tasks (~0.4 s of the flow's process per submission): the same rows, CSV and JSON bytes as
    a run without Dask, every batch run on the cluster, no temporary file left."""
    import json

    from distributed import Client, LocalCluster
    from prefect_dask import DaskTaskRunner

    import flows.ingest as ingest_module
    from flows.manifest import read_manifest
    from pipeline.settings import Settings

    truths = [write_dump(tmp_path / "in" / f"f{i:02d}.txt", seed=90 + i, n=1 + i % 3) for i in range(10)]
    settings = Settings().with_overrides(["ingest.task_files=2", "ingest.batch_files=4"])
    urls = {mode: f"sqlite:///{tmp_path / f'{mode}.db'}" for mode in ("plain", "dask")}
    plain = ingest(paths=[str(tmp_path / "in")], out=str(tmp_path / "out-plain"), db_url=urls["plain"],
                   settings=settings)
    assert plain.by_status() == {"ok": 10}

    def no_prefect_task(*_args, **_kwargs):
        raise AssertionError("a small-file batch submitted as a Prefect task")

    monkeypatch.setattr(ingest_module.extract_batch, "submit", no_prefect_task)
    # started as the README starts a cluster's workers: with the warm-up as their preload
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      preload=["flows.worker_warmup"]) as cluster:
        with Client(cluster) as client:
            warm = client.run(lambda dask_worker: (
                dask_worker.state.executed_count, "flows.workers" in sys.modules,
                sys.modules["pipeline.calc.lexicon"].tokenizer.cache_info().currsize
                if "pipeline.calc.lexicon" in sys.modules else 0,
                gc.get_freeze_count() > 0))
        # before any task: the extraction imported, jieba's dictionary loaded, frozen out of the collector
        assert sorted(warm.values()) == [(0, True, 1, True)] * 2
        flow = ingest.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        summary = flow(paths=[str(tmp_path / "in")], out=str(tmp_path / "out-dask"), db_url=urls["dask"],
                       settings=settings)
        with Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert summary.by_status() == {"ok": 10}
    assert len(executed) == 2 and sum(executed.values()) == 5  # 10 files in batches of 2, all on the cluster
    tables = {mode: db.export_tables(db.connect(url), [o.entry.sha256 for o in got.outcomes])
              for (mode, url), got in zip(urls.items(), (plain, summary))}
    assert len(tables["dask"]["forms"]) == sum(len(t) for t in truths)
    assert tables["dask"] == tables["plain"]
    out_plain, out_dask = tmp_path / "out-plain", tmp_path / "out-dask"
    for name in ("forms.csv", "indicators.csv"):
        assert (out_dask / name).read_bytes() == (out_plain / name).read_bytes()
    for i in range(10):
        got = (out_dask / f"f{i:02d}.txt.json").read_bytes()
        assert got == (out_plain / f"f{i:02d}.txt.json").read_bytes()
        assert len(json.loads(got)) == len(truths[i])
    assert len(list(read_manifest(out_dask / "manifest.jsonl"))) == 10
    assert [p.name for p in out_dask.iterdir() if p.name.startswith(".")] == []


def test_a_cluster_worker_stops_writing_json_once_the_run_has_ended(tmp_path, monkeypatch):
    """A Dask worker cannot be stopped mid-batch (the pool's processes are terminated): once
    the run's ``live`` file is gone (removed by the flow right before it removes its
    temporary files), the worker reads no more of the batch and removes a JSON file it wrote
    meanwhile (found left behind after a SIGTERM on a 2-worker cluster before this)."""
    from flows import workers
    from flows.workers import End, remote_extract_parts

    paths = [str(tmp_path / "in" / f"f{i}.txt") for i in range(3)]
    for i, path in enumerate(paths):
        write_dump(Path(path), seed=120 + i, n=1)
    out = tmp_path / "out"
    out.mkdir()
    live = out / ".ingest.run1.live"
    live.touch()
    got = remote_extract_parts(paths[:1], None, str(out), ".ingest.run1.", live=str(live))
    end = got[0][-1]
    assert isinstance(end, End) and end.json_tmp and os.path.exists(end.json_tmp)  # prewritten while live
    os.unlink(end.json_tmp)
    real, read = workers.extract_parts, []

    def stop_after_first(batch, *args):
        read.extend(batch)
        result = real(batch, *args)
        live.unlink()  # the flow stops while the worker writes this file's JSON
        return result

    monkeypatch.setattr(workers, "extract_parts", stop_after_first)
    got = remote_extract_parts(paths, None, str(out), ".ingest.run1.", live=str(live))
    assert read == paths[:1] and len(got) == 3 and all(isinstance(g, RuntimeError) for g in got[1:])
    assert list(out.iterdir()) == []


@pytest.mark.usefixtures("prefect_api")
def test_cli_ingest_one_line_per_bad_file_and_a_clean_stderr(tmp_path):
    """The real command in a fresh process, against the session's Prefect server (`make run`
    covers the command's own temporary server)."""
    from prefect.settings import PREFECT_API_URL

    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    (inbox / "empty.txt").write_bytes(b"")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PREFECT_API_URL": PREFECT_API_URL.value()}
    cmd = [sys.executable, "-m", "flows.cli", "ingest", str(inbox), "--out", str(tmp_path / "out")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert f"{inbox / 'empty.txt'}: empty file" in lines
    for noise in ("Traceback", "telemetry", "ERROR", "WARNING", "Warning:", "Starting temporary server"):
        assert noise not in proc.stderr, proc.stderr
    assert re.search(r"failed\W+1\W", proc.stderr) and re.search(r"ok\W+1\W", proc.stderr)  # summary table
    assert re.search(r"TOTAL_MISMATCH\W+1\W", proc.stderr)  # findings by code (the sample has one)
    assert (tmp_path / "out" / "jixiao.db").exists() and (tmp_path / "out" / "forms.csv").exists()
