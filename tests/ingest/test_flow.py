"""The ingest flow end to end, on SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.ingest import ingest
from flows import db
from synth.truth import load_golden

from .conftest import SAMPLE, expected_counts, write_dump

pytestmark = pytest.mark.usefixtures("prefect_api")


def manifest_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def test_folder_twice_then_one_more_file_then_a_changed_one(db_url, tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    t1 = write_dump(inbox / "sub" / "one.txt", seed=11, n=3)
    golden = expected_counts(load_golden())

    first = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert first.by_status() == {"ok": 2} and first.forms() == 10 + len(t1)
    engine = db.connect(db_url)
    counts1 = db.counts(engine)
    assert counts1["forms"] == golden["forms"] + len(t1)
    assert counts1["indicators"] == golden["indicators"] + expected_counts(t1)["indicators"]
    assert counts1["findings"] > 0  # the sample's known arithmetic findings
    csv1 = {n: (out / f"{n}.csv").read_bytes() for n in ("forms", "indicators", "calc_terms", "findings")}
    assert (out / f"{SAMPLE.name}.json").exists() and (out / "one.txt.json").exists()

    second = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert second.by_status() == {"skipped": 2}
    assert db.counts(engine) == counts1
    assert [m["status"] for m in manifest_lines(out)[2:]] == ["skipped", "skipped"]
    assert {n: (out / f"{n}.csv").read_bytes() for n in csv1} == csv1  # same rows for the same inputs

    t2 = write_dump(inbox / "two.txt", seed=12, n=2)  # one file dropped in
    third = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert third.by_status() == {"skipped": 2, "ok": 1}
    counts3 = db.counts(engine)
    assert counts3["forms"] - counts1["forms"] == len(t2)
    assert counts3["indicators"] - counts1["indicators"] == expected_counts(t2)["indicators"]

    t1b = write_dump(inbox / "sub" / "one.txt", seed=13, n=1)  # a file changed in place
    fourth = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert fourth.by_status() == {"skipped": 2, "ok": 1}
    counts4 = db.counts(engine)
    assert counts4["sources"] == 3
    assert counts4["forms"] == golden["forms"] + len(t2) + len(t1b)
    assert counts4["indicators"] == (golden["indicators"] + expected_counts(t2)["indicators"]
                                     + expected_counts(t1b)["indicators"])
    engine.dispose()


def test_a_failed_file_is_failed_with_its_reason_and_the_others_load(db_url, tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    truths = write_dump(inbox / "good.txt", seed=21, n=2)
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.bin").write_bytes(bytes(range(256)) * 8)
    summary = ingest([str(inbox), str(tmp_path / "missing.txt")], out=str(out), db_url=db_url)
    by_path = {Path(m["path"]).name: m for m in manifest_lines(out)}
    assert by_path["good.txt"]["status"] == "ok" and by_path["good.txt"]["forms"] == 2
    assert by_path["empty.txt"]["status"] == "failed" and by_path["empty.txt"]["error"] == "empty file"
    assert by_path["binary.bin"]["status"] == "failed" and by_path["binary.bin"]["error"]
    assert by_path["missing.txt"]["status"] == "failed"
    assert by_path["missing.txt"]["error"] == "no such file or folder"
    assert len(summary.failed) == 3
    engine = db.connect(db_url)
    counts = db.counts(engine)
    assert counts["forms"] == len(truths)
    assert counts["indicators"] == expected_counts(truths)["indicators"]
    engine.dispose()


def test_a_file_is_in_the_database_only_once_its_json_is_written(db_url, tmp_path, monkeypatch):
    """The database commit marks a file as ingested, so it must come after the JSON output:
    a crash while writing the JSON must leave the file to be done again, not skipped."""
    import flows.ingest as ingest_module

    inbox, out = tmp_path / "in", tmp_path / "out"
    write_dump(inbox / "a.txt", seed=31, n=2)
    real_write_json = ingest_module.write_json

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "write_json", crash)
    first = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert first.by_status() == {"failed": 1}
    assert db.counts(db.connect(db_url))["forms"] == 0
    monkeypatch.setattr(ingest_module, "write_json", real_write_json)
    second = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert second.by_status() == {"ok": 1}
    assert len(json.loads((out / "a.txt.json").read_text(encoding="utf-8"))) == 2
