"""``check_indicator_rows``: rows whose own cells show a misreading get a ``LOW_CONFIDENCE``
finding, whatever the reader. Each case is a table written by hand after a misreading seen
in the copied-text fixtures (``tests/layouts/fixtures``), next to the same table read right,
which must raise nothing."""
from __future__ import annotations

import pytest

from pipeline.models import Form, Indicator, ProvenanceItem, Source
from pipeline.settings import Settings
from pipeline.validate import check_indicator_rows

# a 批复表 table read right: 成本指标 may sit under 预期产出指标 (the family prints no 成本 一级
# name), 服务对象满意度指标 under 效果指标 (no 满意度 一级 name)
RIGHT = [
    ("预期产出指标", "数量指标（定量）", "设备完好率", "三年内完成"),
    ("预期产出指标", "成本指标（反映项目产出情况）", "培训人次", "100%"),
    ("效果指标", "社会效益指标", "资金支付及时率", "≥95%"),
    ("效果指标", "服务对象满意度指标（定量）", "项目完成率", "年底前完成"),
]


def _form(rows, confidence=1.0) -> Form:
    return Form(source=Source(path="x.txt", sha256="0", kind="text", form_index=0),
                indicators=[Indicator(level1=a, level2=b, level3=c, value=d,
                                      prov=[ProvenanceItem(origin="text", line=10 + k, confidence=confidence)])
                            for k, (a, b, c, d) in enumerate(rows)])


def _flagged(rows, confidence=1.0) -> dict[int, str]:
    found = check_indicator_rows(_form(rows, confidence), Settings())
    assert all(f.code == "LOW_CONFIDENCE" and f.severity == "warning" for f in found)
    return {int(f.field[len("indicators["):-1]): f.message for f in found}


def test_a_table_read_right_raises_nothing():
    assert _flagged(RIGHT) == {}
    # a count-like word that is a name, and a value word that is no row's name, pass
    assert _flagged([("产出指标", "数量指标", "12345热线接通率", "≥95%"), ("产出指标", "数量指标", "培训人次", "完成")]) == {}
    # a real Futian form names a 时效指标 row 1年 (its value 1年): a name, not a target
    assert _flagged([("产出指标", "*时效指标", "1年", "1年"), ("效益指标", "社会效益指标", "就业率", "≥95%")]) == {}


def test_a_level2_name_under_another_groups_level1_and_the_rows_of_its_own_group():
    """数量指标（定量） read onto a 效果指标 row (fixture
    pifubiao_flowing_level2_under_another_groups_level1): that row, and the 预期产出指标 rows
    (one of them lacks the name), are flagged; the other 效果指标 row is not."""
    rows = [RIGHT[0], RIGHT[1], ("效果指标", "数量指标（定量）", "资金支付及时率", "≥95%"), RIGHT[3]]
    got = _flagged(rows)
    assert sorted(got) == [0, 1, 2]
    assert "数量指标（定量）" in got[2] and "line 12" in got[2]


@pytest.mark.parametrize("row, why", [
    (("效果指标", "社会效益指标", "资金支付及时率", ""), "no value"),
    (("效果指标", "社会效益指标", "", "≥95%"), "no 三级 name"),
    (("效果指标", "社会效益指标", "≥95%", "年底前完成"), "is a value"),
    (("效果指标", "服务对象满意度指", "资金支付及时率", "≥95%"), "cut short"),
    (("效果指标", "可持续影响指标（", "纠纷调解成功率反映项目产出情况", "100%"), "not closed"),
    (("效果指标", "社会效益指标", "三级指标调解案件数", "≥95%"), "inside its cells"),
    # a 批复表 Calc export copied flowing (seeds 3-4): values and names shifted by a row
    (("效果指标", "社会效益指标", "489人次", "163人次"), "is a value"),
    (("效果指标", "社会效益指标", "服务对象满意度", "设备完好率"), "another row's 三级 name"),
])
def test_a_row_whose_cells_show_a_misreading(row, why):
    """Shapes seen in Calc exports copied as text: a value printed elsewhere, cells moved by a
    column, a wrapped name's lines split over cells, cells joined with a column name."""
    got = _flagged(RIGHT[:2] + [row] + RIGHT[3:])
    assert sorted(got) == [2] and why in got[2]


def test_a_row_already_marked_as_a_guess_keeps_one_finding():
    """check_confidence names rows under validation.low_confidence; this check leaves them."""
    rows = RIGHT[:2] + [("效果指标", "社会效益指标", "资金支付及时率", "")]
    assert _flagged(rows, confidence=0.5) == {}
