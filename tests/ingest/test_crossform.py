"""Checks across forms in the ingest flow, on SQLite and on PostgreSQL: DUPLICATE_CODE (a
项目编码 twice in a batch, or already in the database, with different content), DUPLICATE_FORM
(the same form in two files: reported, loaded once) and ANNUAL_EXCEEDS_TOTAL."""
from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from flows.ingest import ingest
from flows import db
from synth.dump import DumpStyle, render_dump
from synth.truth import random_forms

pytestmark = pytest.mark.usefixtures("prefect_api")


def dump(path: Path, truths: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dump(truths, DumpStyle()), encoding="utf-8")
    return path


def findings_by_code(engine, code: str) -> list[dict]:
    with engine.connect() as conn:
        q = select(db.findings, db.forms.c.source_path, db.forms.c.form_index, db.forms.c.project_code).join(
            db.forms, db.forms.c.id == db.findings.c.form_id).where(db.findings.c.code == code)
        return [dict(r._mapping) for r in conn.execute(q)]


def json_forms(out: Path, name: str) -> list[dict]:
    return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))


def test_duplicate_code_in_a_batch_and_against_the_database_and_a_copy_loaded_once(db_url, tmp_path):
    t = list(random_forms(41, 4))
    renamed = copy.deepcopy(t[0])
    renamed["header"]["project_name"] = "另一个项目名称"
    inbox, out = tmp_path / "in", tmp_path / "out"
    dump(inbox / "a.txt", [t[0], t[1]])
    dump(inbox / "b.txt", [renamed, copy.deepcopy(t[1]), t[2]])  # code of a's form 1 reused; a's form 2 again

    first = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert first.by_status() == {"ok": 2}
    engine = db.connect(db_url)
    dup = findings_by_code(engine, "DUPLICATE_CODE")
    assert len(dup) == 1
    assert Path(dup[0]["source_path"]).name == "b.txt" and dup[0]["form_index"] == 0
    assert dup[0]["project_code"] == t[0]["header"]["project_code"]
    assert "a.txt form 1" in dup[0]["message"] and "project_name" in dup[0]["message"]
    assert "另一个项目名称" in dup[0]["message"] and t[0]["header"]["project_name"][:20] in dup[0]["message"]
    assert dup[0]["severity"] == "warning"
    # the copy of a's form 2: in b's JSON with DUPLICATE_FORM, not in the tables
    b_json = json_forms(out, "b.txt")
    assert [[f["code"] for f in form["findings"] if f["code"].startswith("DUPLICATE")] for form in b_json] == [
        ["DUPLICATE_CODE"], ["DUPLICATE_FORM"], []]
    assert "a.txt form 2" in b_json[1]["findings"][-1]["message"]
    with engine.connect() as conn:
        loaded = sorted((Path(p).name, i) for p, i in conn.execute(select(db.forms.c.source_path, db.forms.c.form_index)))
    assert loaded == [("a.txt", 0), ("a.txt", 1), ("b.txt", 0), ("b.txt", 2)]
    assert findings_by_code(engine, "DUPLICATE_FORM") == []

    # a later run: a new file reusing the code of b's form 3, already in the database
    other = copy.deepcopy(t[3])
    other["header"]["project_code"] = t[2]["header"]["project_code"]
    dump(inbox / "c.txt", [other])
    second = ingest([str(inbox)], out=str(out), db_url=db_url)
    assert second.by_status() == {"skipped": 2, "ok": 1}
    dup = sorted(findings_by_code(engine, "DUPLICATE_CODE"), key=lambda r: r["source_path"])
    assert [Path(r["source_path"]).name for r in dup] == ["b.txt", "c.txt"]
    assert "b.txt form 3" in dup[1]["message"] and "annual_amount" in dup[1]["message"]
    counts = db.counts(engine)
    third = ingest([str(inbox)], out=str(out), db_url=db_url)  # nothing new: same rows
    assert third.by_status() == {"skipped": 3}
    assert db.counts(engine) == counts
    engine.dispose()


def test_a_changed_file_is_not_a_duplicate_of_its_own_earlier_rows(db_url, tmp_path):
    t = list(random_forms(43, 1))
    inbox, out = tmp_path / "in", tmp_path / "out"
    dump(inbox / "a.txt", t)
    ingest([str(inbox)], out=str(out), db_url=db_url)
    changed = copy.deepcopy(t[0])
    changed["header"]["project_name"] = "改过的名称"
    dump(inbox / "a.txt", [changed])
    assert ingest([str(inbox)], out=str(out), db_url=db_url).by_status() == {"ok": 1}
    engine = db.connect(db_url)
    assert findings_by_code(engine, "DUPLICATE_CODE") == []
    assert db.counts(engine)["forms"] == 1
    engine.dispose()


def test_annual_amount_above_the_mid_term_total(db_url, tmp_path):
    t = list(random_forms(42, 2))
    annual = Decimal(str(t[0]["header"]["annual_amount"]))
    t[0]["header"]["total_amount"] = float(annual - 1)  # the mid-term total below this year's amount
    inbox, out = tmp_path / "in", tmp_path / "out"
    dump(inbox / "a.txt", t)
    ingest([str(inbox)], out=str(out), db_url=db_url)
    engine = db.connect(db_url)
    rows = findings_by_code(engine, "ANNUAL_EXCEEDS_TOTAL")
    assert [(r["form_index"], r["severity"], r["field"]) for r in rows] == [(0, "error", "annual_amount")]
    assert f"{annual:,f}".rstrip("0").rstrip(".") in rows[0]["message"]
    assert f"{annual - 1:,f}".rstrip("0").rstrip(".") in rows[0]["message"]
    assert "by 1 万元" in rows[0]["message"]
    engine.dispose()


def test_a_duplicate_is_found_after_the_forms_before_it_moved_to_disk(db_url, tmp_path):
    """Forms past ``ingest.check_memory_forms`` wait in a temporary file (memory flat on a big
    dump): a 项目编码 declared again after that is still found, with the earlier form's values."""
    from pipeline.settings import Settings

    t = list(random_forms(44, 5))
    renamed = copy.deepcopy(t[0])
    renamed["header"]["project_name"] = "另一个项目名称"
    truths = [*t, renamed, copy.deepcopy(t[1])]  # t[0]'s code again, then a copy of t[1]
    findings = {}
    for memory in (1, 20_000):  # every part's forms spilled; none
        inbox, out = tmp_path / f"in{memory}", tmp_path / f"out{memory}"
        dump(inbox / "a.txt", truths)
        settings = Settings().with_overrides([f"ingest.check_memory_forms={memory}", "ingest.batch_forms=1",
                                              "ingest.workers=1"])
        assert ingest([str(inbox)], out=str(out), db_url=db_url, settings=settings).by_status() == {"ok": 1}
        forms = json_forms(out, "a.txt")
        findings[memory] = [[(f["code"], f["message"]) for f in form["findings"] if f["code"].startswith("DUPLICATE")]
                            for form in forms]
        engine = db.connect(db_url)
        with engine.begin() as conn:  # the next round loads the same content again: a fresh database
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()
    spilled = findings[1]
    assert [[code for code, _ in got] for got in spilled] == [[]] * 5 + [["DUPLICATE_CODE"], ["DUPLICATE_FORM"]]
    code_message = spilled[5][0][1]
    assert "a.txt form 1" in code_message and t[0]["header"]["project_name"][:20] in code_message
    assert "a.txt form 2" in spilled[6][0][1]
    assert spilled == findings[20_000]
