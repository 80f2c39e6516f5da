"""The workbook (``extract --format xlsx``, and ``jixiao.xlsx`` beside the CSV tables of an
ingest run) opened with openpyxl: four sheets with the CSV's columns, header frozen, auto
filter, amounts as numbers equal to the JSON's (and to the hand-checked golden values)."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from .conftest import JIXIAO, SAMPLES

SHEETS = ["forms", "indicators", "calc_terms", "findings"]
RANK = {"error": 0, "warning": 1, "info": 2}


def sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def check_layout(path: Path, csv_dir: Path | None = None) -> None:
    wb = load_workbook(path)
    assert wb.sheetnames == SHEETS
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
        widths = [ws.column_dimensions[get_column_letter(i)].width for i in range(1, ws.max_column + 1)]
        assert all(6 <= w <= 60 for w in widths), widths
        if csv_dir is not None:
            with open(csv_dir / f"{ws.title}.csv", encoding="utf-8-sig", newline="") as f:
                assert [c.value for c in ws[1]] == next(csv.reader(f))
    forms = wb["forms"]
    head = [c.value for c in forms[1]]
    for name in ("total_amount", "annual_amount"):
        cell = forms.cell(row=2, column=head.index(name) + 1)
        assert cell.number_format == "#,##0.00"
    calc = forms.cell(row=2, column=head.index("calculation_basis") + 1)
    assert calc.alignment.wrap_text
    severities = [r["severity"] for r in sheet_rows(wb["findings"])]
    assert [RANK[s] for s in severities] == sorted(RANK[s] for s in severities)


def test_extract_format_xlsx_amounts_are_the_json_numbers_and_the_golden_values(tmp_path, golden):
    sample = SAMPLES / "futian_hr_2025_declarations.txt"
    out = tmp_path / "book.xlsx"
    proc = subprocess.run([str(JIXIAO), "extract", str(sample), "--format", "xlsx", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    from extractors import convert
    from flows.writers import form_json, write_csv_tables

    result = convert(sample)
    forms = [json.loads(form_json(f)) for f in result.forms]  # the JSON the same forms are written as
    write_csv_tables(result.forms, tmp_path / "csv")
    check_layout(out, tmp_path / "csv")
    wb = load_workbook(out)
    rows = sheet_rows(wb["forms"])
    assert len(rows) == len(forms) == len(golden) == 10
    for row, form, truth in zip(rows, forms, golden):
        for key in ("total_amount", "annual_amount"):
            assert isinstance(row[key], (int, float)) and not isinstance(row[key], bool)
            assert row[key] == form["header"][key] == truth["header"][key]
        assert row["project_code"] == truth["header"]["project_code"]
    terms = sheet_rows(wb["calc_terms"])
    expected = [t["product_yuan"] for f in forms for t in f["calculation"]["terms"]]
    assert [t["product_yuan"] for t in terms] == expected
    found = sheet_rows(wb["findings"])
    assert sorted(r["code"] for r in found) == sorted(c for t in golden for c in t["finding_codes"])


def test_ingest_writes_the_workbook_beside_the_csv_tables(run_out):
    path = run_out / "jixiao.xlsx"
    check_layout(path, run_out)
    wb = load_workbook(path)
    by_key = {}
    for p in run_out.glob("*.json"):
        for form in json.loads(p.read_text(encoding="utf-8")):
            by_key[(form["source"]["sha256"], form["source"]["form_index"])] = form
    rows = sheet_rows(wb["forms"])
    with open(run_out / "forms.csv", encoding="utf-8-sig", newline="") as f:
        assert len(rows) == sum(1 for _ in csv.DictReader(f))
    for row in rows:
        form = by_key[(row["source_sha256"], row["form_index"])]
        assert row["annual_amount"] == form["header"]["annual_amount"]
        assert row["total_amount"] == form["header"]["total_amount"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    from pipeline.models import Form, Header, Source
    from flows.writers.xlsx import write_xlsx

    form = Form(source=Source(path="x.txt", sha256="0" * 64, kind="text", form_index=0),
                header=Header(project_code="1", policy_basis="=HYPERLINK(\"http://x\",\"y\")", annual_amount=1))
    path, n = write_xlsx([form], tmp_path / "x.xlsx")
    ws = load_workbook(path)["forms"]
    head = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=head.index("policy_basis") + 1)
    assert n == 1 and cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\",\"y\")"


def test_an_empty_batch_gives_four_sheets_with_their_columns(tmp_path):
    from flows.writers.xlsx import write_xlsx

    path, n = write_xlsx([], tmp_path / "empty.xlsx")
    wb = load_workbook(path)
    assert n == 0 and wb.sheetnames == SHEETS
    assert [c.value for c in wb["findings"][1]] == ["id", "form_id", "code", "severity", "message", "field"]


@pytest.mark.parametrize("name", ["out_dir", "book.xlsx"])
def test_out_is_a_folder_or_a_workbook_file(tmp_path, name):
    from flows.writers.xlsx import xlsx_path

    target = tmp_path / name
    assert xlsx_path(target) == (target if name.endswith(".xlsx") else target / "jixiao.xlsx")
