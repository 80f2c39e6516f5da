"""The loader on SQLite and on a real PostgreSQL server: idempotent, one source replaced as a
whole, rows equal to the CSV records of flows.tables."""
from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from decimal import Decimal
from pathlib import Path

from sqlalchemy import inspect, select, text

from flows import db
from extractors import convert
from pipeline.settings import Settings, ValidationSettings
from pipeline.version import extractor_version
from synth.truth import load_golden

from .conftest import SAMPLE, expected_counts, write_dump

FP = Settings().fingerprint()


def table_rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table (without the load time), sorted: the whole database state."""
    out = {}
    with engine.connect() as conn:
        for name in db.ALL_TABLES:
            table = db.metadata.tables[name]
            cols = [c for c in table.c if c.name != "ingested_at"]
            out[name] = sorted(tuple(map(repr, r)) for r in conn.execute(select(*cols)))
    return out


def test_loading_twice_leaves_every_table_the_same(db_url, tmp_path):
    engine = db.connect(db_url)
    truths = write_dump(tmp_path / "a.txt", seed=1, n=3)
    results = [convert(SAMPLE), convert(tmp_path / "a.txt")]
    for r in results:
        db.load_result(engine, r, r.path, FP)
    first = table_rows(engine)
    for r in results:
        db.load_result(engine, r, r.path, FP)
    assert table_rows(engine) == first
    counts = db.counts(engine)
    assert counts["sources"] == 2
    assert counts["forms"] == 10 + expected_counts(truths)["forms"]
    golden = expected_counts(load_golden())  # the sample's hand-checked truth
    assert counts["indicators"] == golden["indicators"] + expected_counts(truths)["indicators"]


def test_changed_file_replaces_its_rows(db_url, tmp_path):
    engine = db.connect(db_url)
    path = tmp_path / "b.txt"
    write_dump(path, seed=2, n=4)
    old = convert(path)
    db.load_result(engine, old, str(path), FP)
    truths = write_dump(path, seed=3, n=2)  # same path, new content
    new = convert(path)
    db.load_result(engine, new, str(path), FP)
    counts = db.counts(engine)
    assert counts["sources"] == 1 and counts["forms"] == 2
    assert counts["indicators"] == expected_counts(truths)["indicators"]
    with engine.connect() as conn:
        shas = set(conn.execute(select(db.forms.c.source_sha256)).scalars())
    assert shas == {new.sha256} != {old.sha256}


def test_ingested_needs_the_same_settings_and_version_and_no_failure(db_url, tmp_path):
    engine = db.connect(db_url)
    ok = convert(SAMPLE)
    notes_path, bad_path = tmp_path / "notes.txt", tmp_path / "bad.txt"
    notes_path.write_text("这不是申报表\n", encoding="utf-8")
    bad_path.write_bytes(b"\x00\x01\x02\xff\xfe\x00binary" * 50)
    notes, bad = convert(notes_path), convert(bad_path)
    assert (notes.status, bad.status) == ("no_form", "failed")
    for r in (ok, notes, bad):
        db.load_result(engine, r, r.path, FP)
    # a form-less document is done (nothing to do again); a failed one is tried again
    assert db.ingested(engine, [ok.sha256, notes.sha256, bad.sha256], FP) == {ok.sha256: 10, notes.sha256: 0}
    other = Settings(validation=ValidationSettings(low_confidence=0.5)).fingerprint()
    assert db.ingested(engine, [ok.sha256], other) == {}
    assert db.ingested(engine, [ok.sha256], FP, version="0.1.0+another") == {}  # stale rows
    with engine.connect() as conn:
        rows = {r.sha256: r for r in conn.execute(select(db.sources))}
    assert rows[bad.sha256].status == "failed" and "binary" in rows[bad.sha256].error
    assert (rows[notes.sha256].status, rows[notes.sha256].error, rows[notes.sha256].forms) == ("no_form", None, 0)
    assert {r.extractor_version for r in rows.values()} == {extractor_version()}


def test_forms_are_looked_up_by_project_code_through_an_index_an_old_database_gains(db_url):
    """The checks across forms ask for forms by 项目编码 once per batch of files: without an
    index every ask read the whole forms table. A database made before the index gains it."""
    from flows.crossform import known_in_db

    engine = db.connect(db_url)
    result = convert(SAMPLE)
    db.load_result(engine, result, result.path, FP)
    codes = sorted({f.header.project_code for f in result.forms if f.header.project_code})
    assert {k.code for k in known_in_db(engine, codes[:2])} == set(codes[:2])
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_forms_project_code"))  # as a database made before it
    engine.dispose()
    assert "ix_forms_project_code" not in {i["name"] for i in inspect(db.connect(db_url, create=False))
                                           .get_indexes("forms")}
    engine = db.connect(db_url)
    assert "ix_forms_project_code" in {i["name"] for i in inspect(engine).get_indexes("forms")}
    assert db.migrate(engine) == []
    if engine.dialect.name == "sqlite":  # the look-up's plan searches the index, not the table
        with engine.connect() as conn:
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM forms WHERE project_code IN ('a', 'b')")))
        assert "ix_forms_project_code" in plan, plan
    assert {k.code for k in known_in_db(engine, codes[:2])} == set(codes[:2])
    engine.dispose()


def test_an_old_database_gains_the_version_column_and_its_rows_are_stale(db_url):
    """A database made before sources.extractor_version: opened again, it gains the column
    in place; its rows keep their data, have no version, and count as stale."""
    engine = db.connect(db_url)
    result = convert(SAMPLE)
    db.load_result(engine, result, result.path, FP)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE sources DROP COLUMN extractor_version"))  # as it was made then
    engine.dispose()
    assert "extractor_version" not in {c["name"] for c in inspect(db.connect(db_url, create=False))
                                       .get_columns("sources")}
    engine = db.connect(db_url)
    assert db.migrate(engine) == []  # connect() added it already; a second time is a no-op
    assert "extractor_version" in {c["name"] for c in inspect(engine).get_columns("sources")}
    assert db.counts(engine)["forms"] == 10
    assert db.loaded(engine, [result.sha256])[result.sha256] == db.Loaded("ok", 10, FP, None)
    assert db.ingested(engine, [result.sha256], FP) == {}
    engine.dispose()


def _norm(value):
    """The golden check's comparison (tests/golden/check_golden.py): NFKC, no white space;
    amounts as decimals."""
    if isinstance(value, str):
        return "".join(unicodedata.normalize("NFKC", value).split())
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def test_database_holds_the_hand_checked_values_of_the_sample(db_url):
    """Expected values are the golden file's (checked by hand), never the loader's own
    records: every header column, every indicator row, every calculation term's factors and
    the arithmetic finding codes of each of the ten forms, read back with SQL."""
    engine = db.connect(db_url)
    result = convert(SAMPLE)
    db.load_result(engine, result, result.path, FP)
    golden = load_golden()
    arith = {"ARITHMETIC_MISMATCH", "TOTAL_MISMATCH", "UNIT_SUSPECT"}
    keys = ("level1", "level2", "core", "level3", "value", "explanation")
    with engine.connect() as conn:
        rows = conn.execute(select(db.forms).where(db.forms.c.source_sha256 == result.sha256)
                            .order_by(db.forms.c.form_index)).mappings().all()
        assert [r["form_index"] for r in rows] == [g["form_index"] for g in golden]
        for row, want in zip(rows, golden):
            for key, value in want["header"].items():
                assert _norm(row[key]) == _norm(value), (want["form_index"], key, row[key], value)
            got_rows = conn.execute(select(*[db.indicators.c[k] for k in keys])
                                    .where(db.indicators.c.form_id == row["id"])
                                    .order_by(db.indicators.c.row_index)).all()
            assert [tuple(map(_norm, r)) for r in got_rows] == \
                [tuple(_norm(ind[k]) for k in keys) for ind in want["indicators"]], want["form_index"]
            factors = [sorted(_norm(f["value"]) for f in json.loads(t.factors)) for t in conn.execute(
                select(db.calc_terms.c.factors).where(db.calc_terms.c.form_id == row["id"],
                                                      db.calc_terms.c.implicit.is_not(True)))]
            for term in want["calculation"]["terms"]:
                assert sorted(map(_norm, term["factors"])) in factors, (want["form_index"], term)
            codes = set(conn.execute(select(db.findings.c.code).where(db.findings.c.form_id == row["id"])).scalars())
            assert codes & arith == set(want["finding_codes"]), want["form_index"]
        src = conn.execute(select(db.sources).where(db.sources.c.sha256 == result.sha256)).one()
    assert src.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert (src.status, src.forms, src.kind) == ("ok", len(golden), "text")


def test_amounts_add_up_exactly_in_sql(db_url):
    """Reviewers total amounts in SQL: on PostgreSQL the money columns are NUMERIC, so the sum
    is the exact decimal sum of what the forms say (a REAL column gives 1e-12 off)."""
    engine = db.connect(db_url)
    result = convert(SAMPLE)
    db.load_result(engine, result, result.path, FP)
    want = {
        (db.forms, "annual_amount"): sum(f.header.annual_amount for f in result.forms),
        (db.forms, "total_yuan"): sum(f.calculation.total_yuan or 0 for f in result.forms),
        (db.calc_terms, "product_yuan"): sum(t.product_yuan for f in result.forms for t in f.calculation.terms),
    }
    with engine.connect() as conn:
        for (table, col), total in want.items():
            got = conn.execute(text(f"SELECT SUM({col}) FROM {table.name}")).scalar_one()  # as a reviewer would
            if engine.dialect.name == "postgresql":
                assert isinstance(got, Decimal) and got == total, (col, got, total)
            else:
                assert abs(got - float(total)) < 1e-6, (col, got, total)
            stored = conn.execute(select(table.c[col]).where(table.c[col].is_not(None)).limit(1)).scalar_one()
            assert isinstance(stored, (int, float)), (col, type(stored))  # read back as the record's number


def test_unknown_record_keys_go_to_extra():
    row = db._with_extra(db.findings, {"id": "x-0", "form_id": "x", "code": "C", "new_key": 5})
    assert row["extra"] == '{"new_key": 5}' and "new_key" not in row


def test_default_url_is_sqlite_in_out(tmp_path: Path):
    assert db.default_url(tmp_path) == f"sqlite:///{tmp_path.absolute()}/jixiao.db"


def _pifubiao_dump(path: Path) -> list[dict]:
    """Two 批复表 forms (two indicator sets: 中期 and 年度) written from their truth."""
    from synth.families import random_family_forms, render_dump as render_family

    forms = random_family_forms("pifubiao", 5, 2)
    path.write_text(render_family([g for _, g in forms]), encoding="utf-8")
    return [t for t, _ in forms]


def test_family_keys_are_columns_and_an_old_database_gets_them_from_extra(db_url, tmp_path):
    """layout, amount_unit, header_extra (forms) and period (indicators) are real columns; a
    database made when they lived in the ``extra`` JSON gains them when opened, filled from
    ``extra``, which keeps only what no column holds."""
    from tests.layouts.test_families import SHANGHAI_DUMP

    (tmp_path / "sh.txt").write_text(SHANGHAI_DUMP, encoding="utf-8")
    truths = _pifubiao_dump(tmp_path / "pf.txt")
    engine = db.connect(db_url)
    for name in ("sh.txt", "pf.txt"):
        result = convert(tmp_path / name)
        assert result.status == "ok", result.errors
        db.load_result(engine, result, result.path, FP)

    def family_values(engine):
        with engine.connect() as conn:
            forms = conn.execute(text("SELECT layout, amount_unit, header_extra, extra FROM forms "
                                      "ORDER BY layout, form_index")).all()
            periods = conn.execute(text("SELECT period, count(*) FROM indicators GROUP BY period "
                                        "ORDER BY period")).all()
            ind_extra = conn.execute(text("SELECT count(*) FROM indicators WHERE extra IS NOT NULL")).scalar_one()
        return [tuple(r) for r in forms], [tuple(r) for r in periods], ind_extra

    forms, periods, ind_extra = family_values(engine)
    want_periods = sorted(Counter(i["period"] for t in truths for i in t["indicators"]).items())
    assert [f[:2] for f in forms] == [("pifubiao", "万元"), ("pifubiao", "万元"), ("shanghai_project", "元")]
    sh_extra = json.loads(forms[2][2])
    assert sh_extra["prior_year_carryover"] == 5 and sh_extra["project_nature"] == "经常性项目"
    assert {f[3] for f in forms} == {None} and ind_extra == 0  # nothing left for extra
    assert [p for p in periods if p[0] is not None] == want_periods
    # as a database of the schema before: the keys in extra (as the loader wrote them), no columns
    with engine.begin() as conn:
        for fid, *keys in conn.execute(text("SELECT id, layout, amount_unit, header_extra FROM forms")).all():
            old = json.dumps({**dict(zip(("layout", "amount_unit", "header_extra"), keys)), "note": 1},
                             ensure_ascii=False)
            conn.execute(text("UPDATE forms SET extra = :e WHERE id = :i"), {"e": old, "i": fid})
        for fid, row, period in conn.execute(text("SELECT form_id, row_index, period FROM indicators")).all():
            conn.execute(text("UPDATE indicators SET extra = :e WHERE form_id = :f AND row_index = :r"),
                         {"e": json.dumps({"period": period}, ensure_ascii=False), "f": fid, "r": row})
        for table, column in (("forms", "layout"), ("forms", "amount_unit"), ("forms", "header_extra"),
                              ("indicators", "period")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    engine.dispose()
    engine = db.connect(db_url)  # migrates
    after, after_periods, ind_extra = family_values(engine)
    assert [f[:3] for f in after] == [f[:3] for f in forms]
    assert json.loads(after[2][2]) == sh_extra
    assert {json.loads(f[3])["note"] for f in after} == {1} and ind_extra == 0
    assert after_periods == periods
    assert db.migrate(engine) == []
    engine.dispose()
