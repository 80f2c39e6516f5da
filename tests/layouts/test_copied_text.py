"""Text copied out of a PDF: every family's synthetic forms drawn as a ruled PDF (reportlab),
copied with ``pdftotext`` with and without ``-layout``, and read back against their truth."""
from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from extractors import convert
from flows.evaluate import score
from synth.families import FAMILIES, copied_text, random_family_forms, render_pdf

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOOKS = ROOT.parent / "shared" / "real" / "govbudgetchecker"
N = 6

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")

# (header, indicator rows) each family's copied text must reach. Laid out: the targets
# (≥ 95 % / ≥ 90 %), measured 100 % / 100 % on every family. Flowing text (no -layout) keeps
# the cells but pdftotext emits a table's cells in its own order: the headers reach the
# target, the indicator rows of most families do not (README: measured 7-89 %); the floors
# below are what this reader reaches, so that a regression shows.
FLOORS = {
    ("futian_2level", True): (0.95, 0.90), ("shanghai_project", True): (0.95, 0.90),
    ("pifubiao", True): (0.95, 0.90), ("project_target_table", True): (0.95, 0.90),
    ("futian_2level", False): (0.95, 0.90), ("shanghai_project", False): (0.95, 0.60),
    ("pifubiao", False): (0.95, 0.30), ("project_target_table", False): (0.90, 0.60),
}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("families")
    made = {}
    for family in FAMILIES:
        forms = random_family_forms(family, 11, N)
        pdf = out / f"{family}.pdf"
        render_pdf([g for _, g in forms], pdf)
        made[family] = (pdf, [t for t, _ in forms])
    return made


@pytest.mark.parametrize("layout", [True, False], ids=["layout", "flowing"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_copied_pdf_text(pdfs, tmp_path, family, layout):
    pdf, truths = pdfs[family]
    path = tmp_path / f"{family}.txt"
    path.write_text(copied_text(pdf, layout), encoding="utf-8")
    result = convert(path)
    assert result.status == "ok", result.errors
    assert {f.layout for f in result.forms} == {family}
    report = score(truths, result.forms)
    header_floor, rows_floor = FLOORS[(family, layout)]
    assert report.forms_found == len(result.forms) == N
    assert report.header_accuracy >= header_floor, report.misses[:5]
    assert report.indicator_accuracy >= rows_floor, report.misses[:5]


def test_hand_copied_shanghai_form_with_wrapped_labels_and_levels():
    """A Shanghai form as a viewer copies it: columns aligned by display width (not by
    characters), 其中：当年财政拨 / 款 and 满意度指 / 标 wrapped, blank merged 一级/二级 cells."""
    result = convert(FIXTURES / "shanghai_project_copied_layout.txt")
    form = result.forms[0]
    assert form.layout == "shanghai_project" and form.amount_unit == "元"
    h, x = form.header, form.header_extra
    assert (h.project_name, h.project_type_name, h.total_amount, h.annual_amount) == ("人民调解经费", "特定目标类", 795, 795)
    assert h.long_term_goal == "通过政府购买区人民调解协会服务工作模式，完善人民调解经费保障体系。"
    assert h.annual_goal == "全年化解各类矛盾纠纷，调解成功率不低于90%，群众满意度不低于90%。"
    assert x == {"fiscal_year": 2026, "project_nature": "经常性项目", "supervising_department": "上海市普陀区司法局",
                 "implementing_unit": "上海市普陀区司法局", "planned_start": "2026-01-01", "planned_end": "2026-12-31",
                 "fiscal_funds_total": 795, "annual_fiscal_appropriation": 790, "other_funds_total": 0,
                 "prior_year_carryover": 5, "annual_other_funds": 0}
    assert [(i.level1, i.level2, i.level3, i.value) for i in form.indicators] == [
        ("产出指标", "数量指标", "调解案件数", "≥3000(件)"),
        ("产出指标", "数量指标", "专题培训次数", "=4.00(次)"),
        ("产出指标", "质量指标", "调解成功率", "≥90.00(%)"),
        ("效益指标", "社会效益指标", "矛盾纠纷化解情况", "可控"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90.00(%)"),
        ("成本指标", "经济成本指标", "购买服务成本", "≤795.00(万元)"),
    ]
    assert not [f for f in form.findings if f.code == "MISSING_FIELD"]


def test_writer_export_flowing_text_gives_its_values_in_a_run_after_the_table():
    """pdftotext without ``-layout`` of a Writer export (shanghai_project-s1.writer.pdf, form 0):
    one cell a line, no blank lines; the 一级/二级/三级 columns come row by row under their
    header (a merged name once, before its group's first row; 服务对象满意度 / 指标 wrapped
    around its row's 三级 name) and the 年度指标值 column later, as one run of eight values.
    The rows were 0 of 8 (the run was read as header text). Expected: the form's truth."""
    form = convert(FIXTURES / "shanghai_writer_export_flowing.txt").forms[0]
    assert form.layout == "shanghai_project"
    assert [(i.level1, i.level2, i.level3, i.value) for i in form.indicators] == [
        ("产出指标", "质量指标", "调解案件数", "118米"),
        ("效益指标", "经济效益指标", "群众知晓率", "577米"),
        ("效益指标", "生态效益指标", "设备完好率", "≥80.00(%)"),
        ("效益指标", "生态效益指标", "项目完成率", "≥93(%)"),
        ("满意度指标", "服务对象满意度指标", "成本控制情况", "有所提升"),
        ("满意度指标", "服务对象满意度指标", "纠纷调解成功率", "无"),
        ("成本指标", "经济成本指标", "项目完成率", "有所提升"),
        ("成本指标", "社会成本指标", "设备完好率", "≤10.00(个工作日)"),
    ]
    assert form.header.annual_goal == "保障项目顺利实施，按期完成各项指标。"
    assert form.header_extra["annual_other_funds"] == Decimal("0.809303")


def test_column_header_after_stacked_goals_is_not_taken_for_the_second_goal():
    """pdftotext without ``-layout`` of a Calc export (shanghai_project-s1.calc.pdf, form 0):
    项目总目标 and 年度总体目标 stacked, their two texts' wrapped lines interleaved into one
    block, and 一级指标 right after it: 一级指标 was read as the 年度总体目标 text, the indicator
    header lost its first column and every row its level names (a 三级 name read as 二级, the
    value as 三级). Rows whose 二级 name Calc centres across several rows (pdftotext emits it
    after the table) keep the name before them; the 三级 names and values are the truth's."""
    form = convert(FIXTURES / "shanghai_calc_export_flowing.txt").forms[0]
    rows = [(i.level1, i.level2, i.level3, i.value) for i in form.indicators]
    assert [r[2:] for r in rows] == [
        ("调解案件数", "118米"), ("群众知晓率", "577米"), ("设备完好率", "≥80.00(%)"), ("项目完成率", "≥93(%)"),
        ("成本控制情况", "有所提升"), ("纠纷调解成功率", "无"), ("项目完成率", "有所提升"),
        ("设备完好率", "≤10.00(个工作日)"),
    ]
    assert [rows[k][:2] for k in (0, 1, 6, 7)] == [
        ("产出指标", "质量指标"), ("效益指标", "经济效益指标"), ("成本指标", "经济成本指标"), ("成本指标", "社会成本指标")]


@pytest.mark.skipif(not BOOKS.exists(), reason="../shared/real not beside the repository")
@pytest.mark.parametrize("layout", [True, False, "viewer"], ids=["layout", "flowing", "viewer"])
def test_budget_book_copied_text_has_no_form(tmp_path, layout):
    """Real Shanghai budget books (no form printed): their copied text holds no form, although
    they print labels (预算单位：上海市普陀区司法局 once made an unknown form); also as a viewer
    copies it (line text)."""
    for pdf in sorted(BOOKS.glob("*.pdf")):
        path = tmp_path / f"{pdf.stem}.txt"
        if layout == "viewer":
            path.write_text(copied_text(pdf, False, "pdfplumber"), encoding="utf-8")
        else:
            args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
            path.write_bytes(subprocess.run(args, check=True, capture_output=True, timeout=60).stdout)
        result = convert(path)
        assert result.forms == [], (pdf.name, [f.header for f in result.forms])
        assert result.status == "no_form", (pdf.name, result.status, result.error_line)
