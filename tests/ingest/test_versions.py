"""The extraction version reaches the archive (issue 12 §3), every input has a ``sources``
row (§5), and a document without a form is ``no_form`` (issue 15 §5): the ingest flow on
SQLite and on a real PostgreSQL server."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

import pipeline.labels as labels
import pipeline.version as version
from flows.ingest import ingest
from flows import db
from pipeline.version import content_hash, extractor_version
from synth.dump import DumpStyle, render_dump
from synth.truth import random_forms

from .conftest import ROOT, SAMPLE, deny_open, expected_counts, write_dump

OLD_LABEL, NEW_LABEL = "分配方式", "资金分配途径"  # a synonym the shipped lexicon does not know


def manifest_lines(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def sources_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {Path(r["path"]).name: dict(r) for r in conn.execute(select(db.sources)).mappings()}


def form_column(engine, column: str) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(db.forms.c[column]).order_by(db.forms.c.form_index)).scalars())


def copy_sources(dst: Path) -> dict[str, Path]:
    """A copy of the folders the version is made of (without samples or bytecode)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "samples")
    out = {}
    for name in ("pipeline", "extractors", "data"):
        shutil.copytree(ROOT / name, dst / name, ignore=ignore)
        out[name] = dst / name
    return out


# ----------------------------------------------------------------------------- the version


def test_version_is_a_hash_of_code_and_data_not_of_their_place_or_bytecode(tmp_path):
    a, b = copy_sources(tmp_path / "a"), copy_sources(tmp_path / "b")
    assert content_hash(a) == content_hash(b) == content_hash(version.SOURCES)  # any place, same files
    (a["pipeline"] / "__pycache__").mkdir(exist_ok=True)
    (a["pipeline"] / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\x00compiled")
    (a["data"] / "samples").mkdir()
    (a["data"] / "samples" / "new_input.txt").write_text("an input, not a rule", encoding="utf-8")
    assert content_hash(a) == content_hash(b)
    layout = a["data"] / "layouts" / "futian_2level.toml"
    layout.write_text(layout.read_text(encoding="utf-8").replace(f'"{OLD_LABEL}"', f'"{OLD_LABEL}", "x"', 1),
                      encoding="utf-8")
    assert content_hash(a) != content_hash(b)  # one label of a family's layout file
    (b["extractors"] / "text_dump.py").write_text((b["extractors"] / "text_dump.py").read_text() + "\n#\n")
    assert content_hash(b) != content_hash(version.SOURCES)  # one reader line


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """The pipeline reading its lexicon from a copy of data/, and the version made of that
    copy: the test edits it as a maintainer would edit data/lexicon/ in a fix."""
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("samples"))
    monkeypatch.setitem(version.SOURCES, "data", data)
    monkeypatch.setattr(labels, "LEXICON_DIR", data / "lexicon")
    monkeypatch.setattr(labels, "LAYOUTS_DIR", data / "layouts")

    def reload() -> None:  # what a new process (the next `jixiao ingest`) would start with
        labels.load_vocabulary.cache_clear()
        extractor_version.cache_clear()

    reload()
    yield data, reload
    monkeypatch.undo()
    reload()


def add_label(data: Path, key: str, label: str, family: str = "futian_2level") -> None:
    """One more label for ``key`` in a family's layout file (``data/layouts/<family>.toml``)."""
    path = data / "layouts" / f"{family}.toml"
    text = path.read_text(encoding="utf-8")
    line = next(ln for ln in text.splitlines() if ln.split("=")[0].strip() == key)
    path.write_text(text.replace(line, line.rstrip().rstrip("]") + f', "{label}"]', 1), encoding="utf-8")


@pytest.mark.usefixtures("prefect_api")
def test_a_lexicon_fix_reaches_the_files_loaded_before(db_url, tmp_path, data_copy):
    data, reload = data_copy
    inbox, out = tmp_path / "in", tmp_path / "out"
    inbox.mkdir()
    truths = list(random_forms(71, 3))
    (inbox / "a.txt").write_text(render_dump(truths, DumpStyle()).replace(OLD_LABEL, NEW_LABEL), encoding="utf-8")
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    want = [t["header"]["allocation_method"] for t in truths]
    v1 = extractor_version()

    first = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert first.by_status() == {"ok": 2}
    engine = db.connect(db_url)
    sample_sha = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    a_sha = hashlib.sha256((inbox / "a.txt").read_bytes()).hexdigest()

    def allocation() -> list:
        return [r["allocation_method"] for r in db.export_tables(engine, [a_sha])["forms"]]

    assert allocation() == [None] * 3  # the label is unknown
    counts1 = db.counts(engine)

    add_label(data, "allocation_method", NEW_LABEL)  # the fix
    reload()
    v2 = extractor_version()
    assert v2 != v1

    reported = ingest([str(inbox)], out=str(out), db_url=db_url, stale="report")
    assert reported.by_status() == {"stale": 2}  # left alone, and said so
    assert allocation() == [None] * 3 and db.counts(engine) == counts1
    assert {m["extractor_version"] for m in manifest_lines(out)[-2:]} == {v1}  # the rows' version

    second = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert second.by_status() == {"ok": 2}  # re-extracted, though their content did not change
    assert allocation() == want
    assert db.counts(engine)["forms"] == counts1["forms"]  # replaced, not added
    assert {r["extractor_version"] for r in sources_rows(engine).values()} == {v2}
    assert {m["extractor_version"] for m in manifest_lines(out)[-2:]} == {v2}
    assert sample_sha in {m["sha256"] for m in manifest_lines(out)[-2:]}

    third = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert third.by_status() == {"skipped": 2}
    engine.dispose()


@pytest.mark.usefixtures("prefect_api")
def test_refresh_re_extracts_a_loaded_file_and_replaces_its_rows(db_url, tmp_path):
    inbox, out = tmp_path / "in", tmp_path / "out"
    truths = write_dump(inbox / "a.txt", seed=72, n=3)
    names = [t["header"]["project_name"] for t in truths]
    assert ingest([str(inbox)], out=str(out), db_url=db_url).by_status() == {"ok": 1}
    engine = db.connect(db_url)
    counts = db.counts(engine)
    with engine.begin() as conn:  # rows an older, wrong extraction left
        conn.execute(update(db.forms).values(project_name="旧的错误结果"))
    assert ingest([str(inbox)], out=str(out), db_url=db_url).by_status() == {"skipped": 1}
    assert form_column(engine, "project_name") == ["旧的错误结果"] * 3

    again = ingest([str(inbox)], out=str(out), db_url=db_url, refresh=True)
    assert again.by_status() == {"ok": 1}
    assert form_column(engine, "project_name") == names
    assert db.counts(engine) == counts
    assert (counts["sources"], counts["forms"], counts["indicators"]) == (1, 3, expected_counts(truths)["indicators"])
    engine.dispose()


# ----------------------------------------------------------------------------- every input


@pytest.mark.usefixtures("prefect_api")
def test_every_input_has_a_sources_row_failed_and_no_form_included(db_url, tmp_path, monkeypatch):
    inbox, out = tmp_path / "in", tmp_path / "out"
    truths = write_dump(inbox / "good.txt", seed=73, n=2)
    (inbox / "empty.txt").write_bytes(b"")
    binary = bytes(range(256)) * 8
    (inbox / "binary.bin").write_bytes(binary)
    notice = "关于开展2025年度预算编制工作的通知\n各单位：请于十月底前报送。\n"
    (inbox / "notice.txt").write_text(notice, encoding="utf-8")
    os.mkfifo(inbox / "pipe.txt")
    shutil.copy(SAMPLE, inbox / "locked.txt")
    deny_open(monkeypatch, inbox / "locked.txt")  # unreadable, also as root
    missing = tmp_path / "missing.txt"

    summary = ingest([str(inbox), str(missing)], out=str(out), db_url=db_url)
    status = {Path(o.entry.path).name: o.entry.status for o in summary.outcomes}
    assert status == {"good.txt": "ok", "empty.txt": "failed", "binary.bin": "failed", "notice.txt": "no_form",
                      "pipe.txt": "failed", "locked.txt": "failed", "missing.txt": "failed"}
    assert [e.path for e in summary.no_form] == [str(inbox / "notice.txt")]

    engine = db.connect(db_url)
    rows = sources_rows(engine)
    assert set(rows) == set(status)
    assert {n: r["status"] for n, r in rows.items()} == status
    sha = lambda b: hashlib.sha256(b).hexdigest()
    path_key = lambda p: "path:" + sha(str(p).encode())[:59]
    assert rows["empty.txt"]["sha256"] == sha(b"") and rows["empty.txt"]["error"] == "empty file"
    assert rows["binary.bin"]["sha256"] == sha(binary) and rows["binary.bin"]["error"]
    assert rows["notice.txt"]["sha256"] == sha(notice.encode("utf-8"))
    assert (rows["notice.txt"]["forms"], rows["notice.txt"]["error"]) == (0, None)
    assert rows["pipe.txt"]["sha256"] == path_key(inbox / "pipe.txt") and "not a regular file" in rows["pipe.txt"]["error"]
    assert rows["locked.txt"]["sha256"] == path_key(inbox / "locked.txt")
    assert rows["locked.txt"]["error"] == "cannot read: Permission denied"
    assert rows["missing.txt"]["sha256"] == path_key(missing)
    assert rows["missing.txt"]["error"] == "no such file or folder"
    assert {r["extractor_version"] for r in rows.values()} == {extractor_version()}
    assert rows["good.txt"]["forms"] == len(truths) == db.counts(engine)["forms"]
    lines = {Path(m["path"]).name: m for m in manifest_lines(out)}
    assert lines["notice.txt"]["status"] == "no_form" and lines["notice.txt"]["error"] is None
    assert {m["extractor_version"] for m in lines.values()} == {extractor_version()}
    assert not (out / "notice.txt.json").exists()

    # the same command again: failed inputs are tried again, the rest skipped; same rows
    before = {n: {k: v for k, v in r.items() if k != "ingested_at"} for n, r in rows.items()}
    again = ingest([str(inbox), str(missing)], out=str(out), db_url=db_url)
    assert {Path(o.entry.path).name: o.entry.status for o in again.outcomes} == {
        **status, "good.txt": "skipped", "notice.txt": "skipped"}
    after = {n: {k: v for k, v in r.items() if k != "ingested_at"} for n, r in sources_rows(engine).items()}
    assert after == before

    # the missing file turns up: its path-keyed row gives way to its content's
    write_dump(missing, seed=74, n=1)
    ingest([str(missing)], out=str(out), db_url=db_url)
    row = sources_rows(engine)["missing.txt"]
    assert (row["status"], row["sha256"], row["forms"]) == ("ok", sha(missing.read_bytes()), 1)
    engine.dispose()


# ----------------------------------------------------------------------------- exit statuses


def _inputs(tmp_path: Path) -> dict[str, Path]:
    write_dump(tmp_path / "good.txt", seed=75, n=1)
    (tmp_path / "notice.txt").write_text("关于报送2025年部门预算的通知\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    return {name: tmp_path / f"{name}.txt" for name in ("good", "notice", "empty")}


def test_extract_exit_status_tells_failed_from_no_form(tmp_path, capsys):
    from flows.cli import Format, Settings, run_extract

    f = _inputs(tmp_path)
    assert run_extract([f["good"]], Format.jsonl, None, Settings()) == 0
    assert run_extract([f["good"], f["notice"]], Format.jsonl, None, Settings()) == 3
    assert run_extract([f["good"], f["notice"], f["empty"]], Format.jsonl, None, Settings()) == 1
    err = capsys.readouterr().err.splitlines()
    assert f"{f['notice']}: no_form: no declaration form found (not a 绩效目标申报表?)" in err
    assert f"{f['empty']}: empty file" in err


@pytest.mark.usefixtures("prefect_api")
def test_ingest_exit_status_tells_failed_from_no_form(tmp_path, capsys):
    from flows.cli import run_ingest

    f = _inputs(tmp_path / "in")
    run = lambda *names, out: run_ingest([str(f[n]) for n in names], tmp_path / out, None, None, None, None,
                                         False, False)
    assert run("good", out="o1") == 0
    assert run("good", "notice", out="o2") == 3
    assert run("good", "notice", "empty", out="o3") == 1
    err = capsys.readouterr().err
    assert f"{f['notice']}: no_form: no declaration form found" in err
    assert "no_form" in err and "stale" in err  # the summary table's rows


def test_cache_keys_change_with_the_extractor_version(data_copy):
    """PDFs and scans come from Prefect's result cache: after a fix its keys must differ,
    or the next ingest would load the old extraction again."""
    from flows.ingest import content_key, pages_key

    data, reload = data_copy
    params = {"path": "/x.pdf", "sha256": "ab" * 32, "settings": None, "first": 1, "last": 8}
    before = content_key(None, params), pages_key(None, params)
    add_label(data, "allocation_method", NEW_LABEL)
    reload()
    after = content_key(None, params), pages_key(None, params)
    assert before[0] != after[0] and before[1] != after[1]
    assert all(extractor_version() in k for k in after)
