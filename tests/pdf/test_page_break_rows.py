"""Rows of office-exported PDFs around a page break (issue 15): two-page cuts of the
synthetic family documents (``python -m synth.family_docs OUT --forms 10 --seed 1``, pages
cut out with pypdfium2) where a page break used to join or split rows. Expected values are the
truth those forms were made from (``*-s1.truth.jsonl``), written out here."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from extractors import convert

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _form(name: str, project_name: str):
    result = convert(FIXTURES / name)
    assert result.status == "ok", result.errors
    forms = [f for f in result.forms if f.header.project_name == project_name]
    assert len(forms) == 1, [f.header.project_name for f in result.forms]
    return forms[0]


def _rows(form) -> list[tuple]:
    return [(i.period, i.level1, i.level2, i.level3, i.value, i.explanation) for i in form.indicators]


def test_calc_merged_label_cut_by_page_break_joins_next_row():
    """shanghai_project-s1.calc.pdf pages 2-3: Calc breaks the page inside the merged
    项目资金（元） cell (after the 其他资金 | 上年结转资金 row) and prints that label again, clipped,
    at the head of the next page beside the second 其他资金. The open cell read as a row cut by
    the break: the next page's first row was joined into the last one, and 上年结转资金 and the
    second 其他资金 were lost."""
    form = _form("calc_merged_label_cut_by_page_break_joins_next_row.pdf", "社区服务运营经费")
    extra = form.header_extra
    assert extra["fiscal_funds_total"] == Decimal("530.703738")
    assert extra["other_funds_total"] == Decimal("2.173653")
    assert extra["annual_fiscal_appropriation"] == Decimal("114.380001")
    assert extra["prior_year_carryover"] == Decimal("0")
    assert extra["annual_other_funds"] == Decimal("0")


def test_writer_row_after_break_joined_into_last_row():
    """project_target_table-s1.writer.pdf pages 5-6: the 年度 table's first row ends page 5
    (产出指标 | 数量指标 | 纠纷调解成功率 | ≥95% | 按年度统计); page 6 starts with the next row of
    the merged 产出指标 group (时效指标 | 道路养护里程 | ≥95%, 备注 blank). Its blank 备注 read
    as the rest of a cut row: the two rows were one (``数量指标时效指标``) and every row after
    it moved up by one."""
    form = _form("writer_row_after_break_joined_into_last_row.pdf", "安吉县图书采购")
    assert _rows(form)[5:] == [
        ("年度", "产出指标", "数量指标", "纠纷调解成功率", "≥95%", "按年度统计"),
        ("年度", "产出指标", "时效指标", "道路养护里程", "≥95%", ""),
        ("年度", "效益指标", "社会效益指标", "设备完好率", "773人次", "第三方评价"),
        ("年度", "效益指标", "可持续影响指标", "群众知晓率", "100%", ""),
        ("年度", "满意度指标", "服务对象满意度指标", "培训人次", "100%", ""),
    ]
    assert len(form.indicators) == 10


def test_writer_merged_level2_name_split_by_page_break():
    """pifubiao-s1.writer.pdf pages 4-5: the merged 二级 cell 成本指标（反映项目产出情况） covers
    the last row of page 4 and the first of page 5, and Writer prints ``成本指标（反映`` above
    the break and ``项目产出情况）`` below it (each row whole on its page): the rows got the two
    halves as two names."""
    form = _form("writer_merged_level2_name_split_by_page_break.pdf", "网络安全运维项目")
    level2 = [(i.period, i.level2, i.level3) for i in form.indicators]
    cost = "成本指标（反映项目产出情况）"
    assert level2[:2] == [("中期", cost, "设备完好率"), ("中期", cost, "服务对象满意度")]
    assert level2[6:8] == [("年度", cost, "设备完好率"), ("年度", cost, "服务对象满意度")]
    assert [i.value for i in form.indicators[:2]] == ["1410人次", "≥95%"]
    assert len(form.indicators) == 12
