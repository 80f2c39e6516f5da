"""A merged 二级指标 cell split by a page break (Writer exports and their scans of the 批复表:
``成本指标(反映`` on the last row of one page, ``项目产出情况)`` on the first of the next): both
rows are read with the whole name. Hand-made rows, as a paged reader gives them."""
from __future__ import annotations

from pipeline.assemble import draft_to_form, rows_to_drafts
from pipeline.labels import load_vocabulary
from pipeline.models import Cell, Row, Source
from pipeline.settings import AssemblySettings


def _row(page: int, *texts: str) -> Row:
    return Row(cells=[Cell(text=t, col=i, page=page, origin="pdf") for i, t in enumerate(texts) if t], page=page)


HEADER = ("一级指标", "二级指标", "三级指标", "中期指标值", "年度指标值")


def _form(first_part: str, rest: str):
    rows = [
        _row(1, "2019年度项目支出绩效目标批复表"),
        _row(1, "预算单位", "厦门市教育局", "项目名称", "档案数字化项目"),
        _row(1, *HEADER),
        _row(1, "预期产出指标", "数量指标", "培训人次", "300人次", "100人次"),
        _row(1, "", first_part, "设备完好率", "≥95%", "100%"),
        _row(2, *HEADER),  # Writer repeats the heading rows on the next page
        _row(2, "", rest, "资金到位率", "100%", "年底前完成"),
        _row(2, "效果指标", "社会效益指标", "群众知晓率", "≥95%", "≥95%"),
    ]
    [draft] = list(rows_to_drafts(rows, AssemblySettings(), load_vocabulary()))
    return draft_to_form(draft, Source(path="x.pdf", sha256="0", kind="pdf", form_index=0))


def test_a_level_name_split_by_a_page_break_is_whole_on_both_rows():
    form = _form("成本指标(反映", "项目产出情况)")
    names = [(i.period, i.level2) for i in form.indicators]
    assert names == [(p, n) for p in ("中期", "年度")
                     for n in ("数量指标", "成本指标(反映项目产出情况)", "成本指标(反映项目产出情况)", "社会效益指标")]


def test_names_of_their_own_on_both_sides_of_a_break_are_left_alone():
    form = _form("成本指标", "时效指标")
    assert [i.level2 for i in form.indicators][:4] == ["数量指标", "成本指标", "时效指标", "社会效益指标"]
