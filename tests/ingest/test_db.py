"""The loader on SQLite and on a real PostgreSQL server: idempotent, one source replaced as a
whole, rows equal to the CSV records of pipeline.tables."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text

from pipeline import db
from pipeline.convert import convert
from pipeline.settings import Settings, ValidationSettings
from pipeline.tables import forms_to_tables
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


def test_ingested_needs_the_same_settings_and_no_failure(db_url, tmp_path):
    engine = db.connect(db_url)
    ok = convert(SAMPLE)
    bad_path = tmp_path / "notes.txt"
    bad_path.write_text("这不是申报表\n", encoding="utf-8")
    bad = convert(bad_path)
    assert bad.status == "failed"
    db.load_result(engine, ok, ok.path, FP)
    db.load_result(engine, bad, str(bad_path), FP)
    assert db.ingested(engine, [ok.sha256, bad.sha256], FP) == {ok.sha256: 10}
    other = Settings(validation=ValidationSettings(low_confidence=0.5)).fingerprint()
    assert db.ingested(engine, [ok.sha256], other) == {}
    with engine.connect() as conn:
        row = conn.execute(select(db.sources).where(db.sources.c.sha256 == bad.sha256)).one()
    assert row.status == "failed" and "no declaration form" in row.error and row.forms == 0


def test_database_rows_are_the_csv_records(db_url):
    engine = db.connect(db_url)
    result = convert(SAMPLE)
    db.load_result(engine, result, result.path, FP)
    stored = db.export_tables(engine, [result.sha256])
    records = forms_to_tables(result.forms)
    for name, rows in records.items():
        assert len(stored[name]) == len(rows), name
        for rec, got in zip(rows, stored[name]):
            for key, value in rec.items():
                if key in got:
                    assert got[key] == value, (name, key)
                else:  # a record key the schema does not know is kept, not dropped
                    assert got["extra"] and key in got["extra"], (name, key)


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
