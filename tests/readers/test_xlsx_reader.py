"""The .xlsx reader on workbooks written here cell by cell (expected cells by hand), and on a
real workbook nobody on this project made."""
from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

from extractors import convert
from pipeline.settings import Settings

from .conftest import read_rows, texts

ROOT = Path(__file__).resolve().parents[2]
REAL_XLSX = ROOT.parent / "shared" / "real" / "govbudgetchecker" / "sfj_2026_dept_budget_check.xlsx"


def _workbook(path: Path, build) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    build(wb)
    wb.save(path)
    return path


def test_merged_ranges_become_spans_and_a_vertical_merge_keeps_its_text_in_its_first_row(tmp_path):
    def build(wb):
        ws = wb.active
        ws["A1"] = "二级项目支出绩效目标申报表"
        ws.merge_cells("A1:E1")
        for col, name in zip("ABCDE", ("一级指标", "二级指标", "三级指标", "指标值", "指标解释")):
            ws[f"{col}2"] = name
        ws["A3"], ws["B3"] = "产出指标", "*数量指标"
        ws.merge_cells("A3:A5")
        ws.merge_cells("B3:B4")
        ws["B5"] = "质量指标"
        for r in (3, 4, 5):
            ws[f"C{r}"], ws[f"D{r}"] = f"指标{r}", f"{r}人"
            ws.merge_cells(f"D{r}:E{r}")

    rows, ctx = read_rows(_workbook(tmp_path / "merged.xlsx", build))
    assert texts(rows) == [
        [("二级项目支出绩效目标申报表", 0, 5)],
        [("一级指标", 0, 1), ("二级指标", 1, 1), ("三级指标", 2, 1), ("指标值", 3, 1), ("指标解释", 4, 1)],
        [("产出指标", 0, 1), ("*数量指标", 1, 1), ("指标3", 2, 1), ("3人", 3, 2)],
        [("指标4", 2, 1), ("4人", 3, 2)],
        [("质量指标", 1, 1), ("指标5", 2, 1), ("5人", 3, 2)],
    ]
    assert [r.page for r in rows] == [1] * 5 and [r.line for r in rows] == [1, 2, 3, 4, 5]
    assert ctx.kind == "xlsx" and not ctx.errors


def test_values_come_out_as_the_sheet_displays_them(tmp_path):
    def build(wb):
        ws = wb.active
        cells = [("A1", 9528.085, "#,##0.00"), ("A2", 0.95, "0%"), ("A3", dt.datetime(2026, 1, 1), 'yyyy"年"m"月"d"日"'),
                 ("A4", dt.date(2026, 12, 31), "yyyy-mm-dd"), ("A5", 440304241230, "0"), ("A6", 4, None),
                 ("A7", "440304241230100000005", None), ("A8", 46023, None)]
        for ref, value, fmt in cells:
            ws[ref] = value
            if fmt:
                ws[ref].number_format = fmt
        ws["A8"].number_format = "0.00"
        ws["A8"]._style.numFmtId = 31  # a built-in zh-CN date format: files name only its id

    rows, ctx = read_rows(_workbook(tmp_path / "formats.xlsx", build))
    assert [r.cells[0].text for r in rows] == ["9,528.09", "95%", "2026年1月1日", "2026-12-31", "440304241230", "4",
                                               "440304241230100000005", "2026年1月1日"]
    assert not ctx.errors


def test_a_long_code_stored_as_a_number_keeps_its_digits_and_is_flagged(tmp_path):
    """Excel (and openpyxl) keep a 21-digit code typed as a number as a double: 15
    significant digits. It must come out as digits (not 4.40304E+20), with a line that says
    the tail may be wrong."""
    def build(wb):
        ws = wb.active
        ws.title = "申报表"
        ws["B2"] = 440304241230100000005  # written as 4.403042412301e+20

    rows, ctx = read_rows(_workbook(tmp_path / "numeric-code.xlsx", build))
    assert rows[0].cells[0].text == "440304241230100000000"
    assert len(ctx.errors) == 1 and "'申报表' cell B2" in ctx.errors[0].message
    assert "15" in ctx.errors[0].message and ctx.errors[0].page == 1


def test_sheets_are_pages_and_hidden_sheets_are_left_out(tmp_path):
    def build(wb):
        wb.active.title = "一"
        wb.active["A1"] = "甲"
        hidden = wb.create_sheet("lists")
        hidden["A1"] = "是"
        hidden.sheet_state = "hidden"
        wb.create_sheet("三")["C3"] = "丙"

    path = _workbook(tmp_path / "sheets.xlsx", build)
    rows, _ = read_rows(path)
    assert [(r.page, r.cells[0].text, r.cells[0].col) for r in rows] == [(1, "甲", 0), (3, "丙", 2)]
    rows, _ = read_rows(path, Settings().with_overrides(["office.hidden_sheets=true"]))
    assert [r.cells[0].text for r in rows] == ["甲", "是", "丙"]


def test_several_forms_on_one_sheet_and_over_sheets(xlsx_docs):
    path, truths = xlsx_docs["random"]
    pages = [t["source"]["pages"][0] for t in truths]
    assert max(pages.count(p) for p in set(pages)) > 1 and len(set(pages)) > 1  # the fixture has both
    result = convert(path)
    assert [f.header.project_code for f in result.forms] == [t["header"]["project_code"] for t in truths]


@pytest.mark.skipif(not REAL_XLSX.exists(), reason="../shared/real is not beside the repository")
def test_real_reviewers_workbook_is_read_and_holds_no_form():
    """A real 2.5-MB workbook (a reviewer's checklist with page screenshots): its text is read,
    and it is not mistaken for a form."""
    rows, ctx = read_rows(REAL_XLSX)
    text = "".join(c.text for r in rows for c in r.cells)
    assert "检查" in text and "是" in text and len(rows) > 10
    assert not ctx.errors
    result = convert(REAL_XLSX)
    assert result.forms == [] and result.status == "no_form" and result.errors == []


def test_formulas_read_as_their_saved_values_and_unsaved_ones_are_flagged(tmp_path):
    """A formula's value is what the spreadsheet saved beside it (Excel, WPS, LibreOffice do);
    a workbook written by a program holds formulas without values: that is said, per sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "金额"
    ws["A1"], ws["A2"], ws["A3"] = 1200.5, 800, "=A1+A2"
    ws["A3"].number_format = "#,##0.00"
    written = tmp_path / "formula.xlsx"
    wb.save(written)
    rows, ctx = read_rows(written)
    assert [r.cells[0].text for r in rows] == ["1200.5", "800"]
    assert len(ctx.errors) == 1 and "'金额': 1 formula cells have no saved value" in ctx.errors[0].message

    saved = tmp_path / "saved.xlsx"  # the same file as a spreadsheet saves it: the value beside the formula
    with zipfile.ZipFile(written) as src, zipfile.ZipFile(saved, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>A1+A2</f><v></v>", b"<f>A1+A2</f><v>2000.5</v>")
            dst.writestr(item, data)
    rows, ctx = read_rows(saved)
    assert [r.cells[0].text for r in rows] == ["1200.5", "800", "2,000.50"] and not ctx.errors
