"""Text as a PDF viewer copies it (no ``-layout``: pdfplumber ``extract_text()``, one line a
printed line, words apart by single spaces, no blank lines), read as line text by
``extractors/copied_text.py``. Every family's synthetic forms drawn as ruled PDFs and copied
with pdfplumber, scored against their truth; and the failures met on the way, each as a
hand-copied snippet with the values a reader sees on the page."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors import convert
from extractors.copied_text import line_text
from flows.evaluate import score
from synth.families import FAMILIES, copied_text, random_family_forms, render_pdf

N = 6
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def viewer_copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("viewer")
    made = {}
    for family in FAMILIES:
        forms = random_family_forms(family, 12, N)
        pdf = out / f"{family}.pdf"
        render_pdf([g for _, g in forms], pdf)
        txt = out / f"{family}.viewer.txt"
        txt.write_text(copied_text(pdf, False, "pdfplumber"), encoding="utf-8")
        made[family] = (txt, [t for t, _ in forms])
    return made


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_viewer_copied_text_meets_the_copied_text_targets(viewer_copies, family):
    """Before: no family's rows were read (0 %), headers 22-84 % (the whole form one block)."""
    path, truths = viewer_copies[family]
    assert line_text(path.read_text(encoding="utf-8").splitlines())
    result = convert(path)
    assert result.status == "ok", result.errors
    assert {f.layout for f in result.forms} == {family}
    report = score(truths, result.forms)
    assert report.forms_found == len(result.forms) == N
    assert report.header_accuracy >= 0.95, report.misses[:5]
    assert report.indicator_accuracy >= 0.90, report.misses[:5]


def _read(tmp_path, text: str):
    path = tmp_path / "copied.txt"
    path.write_text(text, encoding="utf-8")
    result = convert(path)
    assert len(result.forms) == 1, (result.status, result.error_line)
    return result.forms[0]


def _rows(form):
    return [(i.level1, i.level2, i.level3, i.value) for i in form.indicators]


SHANGHAI_VIEWER = """财政项目支出绩效目标申报表
（2025年度）
项目名称 图书采购经费
项目性质 经常性项目 项目类别 特定目标类
主管部门 上海市静安区教育局 实施单位 上海市静安区服务中心
计划开始日期 2025-01-01 计划完成日期 2025-12-31
项目资金（元） 项目资金总额 4,445,286.12 年度资金申请总额 4,019,573.86
其中：财政资金 4,379,348.15 其中：当年财政拨 4,011,480.83
款
其他资金 65,937.97 上年结转资金 0.00
其他资金 8,093.03
项目总目标 年度总体目标
通过补贴支持企业吸纳就业，稳定就业岗位。逐步完善服务网 保障项目顺利实施，按期完成各项指标。
络。
一级指标 二级指标 三级指标 年度指标值
产出指标 质量指标 调解案件数 118米
调解成功率 ≥90.00(%)
效益指标 经济效益指标 群众知晓率 577米
满意度指标 服务对象满意度指标 服务对象满意度 有所提升
成本指标 经济成本指标 项目完成率 ≤10.00(个工作日)
"""


def test_viewer_copy_was_one_block_now_a_line_a_row(tmp_path):
    """No blank lines: the whole form was one block of flowing text (0 of 5 rows; 其中：当年财政拨
    / 款 and the two goals side by side lost)."""
    form = _read(tmp_path, SHANGHAI_VIEWER)
    assert form.layout == "shanghai_project"
    h, x = form.header, form.header_extra
    assert (h.project_name, h.project_type_name) == ("图书采购经费", "特定目标类")
    assert (float(h.total_amount), float(h.annual_amount)) == (444.528612, 401.957386)
    assert h.long_term_goal == "通过补贴支持企业吸纳就业，稳定就业岗位。逐步完善服务网络。"
    assert h.annual_goal == "保障项目顺利实施，按期完成各项指标。"
    assert float(x["annual_fiscal_appropriation"]) == 401.148083
    assert float(x["annual_other_funds"]) == 0.809303
    assert _rows(form) == [
        ("产出指标", "质量指标", "调解案件数", "118米"),
        ("产出指标", "质量指标", "调解成功率", "≥90.00(%)"),
        ("效益指标", "经济效益指标", "群众知晓率", "577米"),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "有所提升"),
        ("成本指标", "经济成本指标", "项目完成率", "≤10.00(个工作日)"),
    ]


PIFUBIAO_HEAD = """2018年度项目支出绩效目标批复表
预算单位 青岛市民政局 项目名称 档案数字化项目
中期资金总额（万 14214.54 年度资金总额（万 7,107.27
元） 元）
中期目标（2018-2020年） 年度目标（2018年）
完成年度工作任务，提升服务质量和群众满意度。 保障项目顺利实施，按期完成各项指标。
一级指标 二级指标 三级指标 中期指标值 年度指标值
"""


def test_viewer_copy_cost_indicator_with_a_remark_is_a_level2_name(tmp_path):
    """成本指标（定量） under 预期产出指标 was taken for a 一级 name (成本指标 is both)."""
    form = _read(tmp_path, PIFUBIAO_HEAD + "预期产出指标 数量指标（定量） 服务对象满意度 三年内完成 ≥95%\n"
                 "成本指标（定量） 纠纷调解成功率 三年内完成 年底前完成\n"
                 "效果指标 经济效益指标（定量 群众知晓率 162人次 ≥95%\n）\n")
    assert (float(form.header.total_amount), float(form.header.annual_amount)) == (14214.54, 7107.27)
    assert [(i.period, i.level1, i.level2, i.level3, i.value) for i in form.indicators] == [
        ("中期", "预期产出指标", "数量指标（定量）", "服务对象满意度", "三年内完成"),
        ("中期", "预期产出指标", "成本指标（定量）", "纠纷调解成功率", "三年内完成"),
        ("中期", "效果指标", "经济效益指标（定量）", "群众知晓率", "162人次"),
        ("年度", "预期产出指标", "数量指标（定量）", "服务对象满意度", "≥95%"),
        ("年度", "预期产出指标", "成本指标（定量）", "纠纷调解成功率", "年底前完成"),
        ("年度", "效果指标", "经济效益指标（定量）", "群众知晓率", "≥95%"),
    ]


def test_viewer_copy_level3_name_is_not_a_wrapped_level2_name(tmp_path):
    """服务对象满意度 as a 三级 name (beside its value, its 二级 name merged from above) was taken
    for the wrapped head of 服务对象满意度指标 and the row shifted the names of the rows after it."""
    text = SHANGHAI_VIEWER.split("一级指标")[0] + (
        "一级指标 二级指标 三级指标 年度指标值\n"
        "产出指标 数量指标 道路养护里程 可控\n"
        "质量指标 资金支付及时率 无\n"
        "服务对象满意度 ≥97.00(%)\n"
        "效益指标 经济效益指标 项目完成率 无\n")
    assert _rows(_read(tmp_path, text)) == [
        ("产出指标", "数量指标", "道路养护里程", "可控"),
        ("产出指标", "质量指标", "资金支付及时率", "无"),
        ("产出指标", "质量指标", "服务对象满意度", "≥97.00(%)"),
        ("效益指标", "经济效益指标", "项目完成率", "无"),
    ]


def test_viewer_copy_wrapped_level_name_tail_beside_the_next_row(tmp_path):
    """A Writer export: the wrapped 二级 name's rest (指标, （反映项目 / 产出情况）) printed on the next
    row's line was read as that row's 三级 name (指标纠纷调解成功率)."""
    text = SHANGHAI_VIEWER.split("一级指标")[0] + (
        "一级指标 二级指标 三级指标 年度指标值\n"
        "满意度指标 服务对象满意度 成本控制情况 有所提升\n"
        "指标 纠纷调解成功率 无\n"
        "成本指标 生态环境成本指 道路养护里程 =100.00(%)\n"
        "标 资金支付及时率 =100.00(%)\n")
    assert _rows(_read(tmp_path, text)) == [
        ("满意度指标", "服务对象满意度指标", "成本控制情况", "有所提升"),
        ("满意度指标", "服务对象满意度指标", "纠纷调解成功率", "无"),
        ("成本指标", "生态环境成本指标", "道路养护里程", "=100.00(%)"),
        ("成本指标", "生态环境成本指标", "资金支付及时率", "=100.00(%)"),
    ]


def test_viewer_copy_centred_row_labels_above_and_below_its_values(tmp_path):
    """A Calc export centres every cell: a wrapped label's first line prints above its row
    (年度资金申请总 / 项目资金总额 4,445,286.12 4,019,573.86 / 额), a merged level name on a line of
    its own between the rows it covers. Before: the amounts and the level names went to the wrong
    labels and rows."""
    text = """项目绩效目标表
（2021年度）
填报单位（盖章）：永嘉县民政局
项目名称 永嘉县网络安全运维 项目属性 √新增 □延续
主管部门 永嘉县人力资源局 主管部门编码 170669
项目单位 永嘉县培训中心 项目负责人 李娜
年度资金总额（
项目起止时间 2021年1月至2022年12月 3005.59
万元）
项目资金总额
3005.59 其中：财政资金 2994.26 其他资金 11.33
（万元）
长期目标 保障项目顺利实施，按期完成各项指标。
年度目标 完成年度工作任务，提升服务质量和群众满意度。
长期绩效指标
一级指标 二级指标 指标内容 指标值 备注
时效指标 成本控制情况 109人次
产出指标
数量指标 调解案件数 ≥95% 第三方评价
社会效益指标 调解案件数 100% 第三方评价
效益指标
可持续影响指标 群众知晓率 100% 按年度统计
满意度指标 服务对象满意度指标 环境影响 按期完成 按年度统计
"""
    form = _read(tmp_path, text)
    h, x = form.header, form.header_extra
    assert (h.applicant_unit, h.project_name, h.is_new_project) == ("永嘉县民政局", "永嘉县网络安全运维", True)
    assert (float(h.total_amount), float(h.annual_amount)) == (3005.59, 3005.59)
    assert (float(x["fiscal_funds_total"]), float(x["other_funds_total"])) == (2994.26, 11.33)
    assert (x["planned_start"], x["planned_end"]) == ("2021-01", "2022-12")
    assert [(i.period, i.level1, i.level2, i.level3, i.value, i.explanation) for i in form.indicators] == [
        ("长期", "产出指标", "时效指标", "成本控制情况", "109人次", ""),
        ("长期", "产出指标", "数量指标", "调解案件数", "≥95%", "第三方评价"),
        ("长期", "效益指标", "社会效益指标", "调解案件数", "100%", "第三方评价"),
        ("长期", "效益指标", "可持续影响指标", "群众知晓率", "100%", "按年度统计"),
        ("长期", "满意度指标", "服务对象满意度指标", "环境影响", "按期完成", "按年度统计"),
    ]


def test_office_export_copied_with_layout_has_no_blank_lines_between_rows():
    """``pdftotext -layout`` of a Writer export (fixture: such a copy of a generated form): rows
    set tight, no blank line between them, so the laid-out reader took the whole header for one
    row and the table for one indicator (0 of 19 header fields); `174 人次` spaced by the suite."""
    form = convert(FIXTURES / "shanghai_writer_export_copied_layout.txt").forms[0]
    h, x = form.header, form.header_extra
    assert (h.project_name, h.project_type_name) == ("图书采购经费", "特定目标类")
    assert (float(h.total_amount), float(h.annual_amount)) == (444.528612, 401.957386)
    assert h.long_term_goal == "通过补贴支持企业吸纳就业，稳定就业岗位。逐步完善服务网络。"
    assert h.annual_goal == "保障项目顺利实施，按期完成各项指标。"
    assert (x["fiscal_year"], x["project_nature"], x["planned_end"]) == (2025, "经常性项目", "2025-12-31")
    assert [float(x[k]) for k in ("fiscal_funds_total", "other_funds_total", "annual_fiscal_appropriation",
                                  "prior_year_carryover", "annual_other_funds")] == \
        [437.934815, 6.593797, 401.148083, 0, 0.809303]
    assert _rows(form) == [
        ("产出指标", "质量指标", "调解案件数", "118米"),
        ("效益指标", "经济效益指标", "群众知晓率", "577米"),
        ("效益指标", "生态效益指标", "设备完好率", "≥80.00(%)"),
        ("效益指标", "生态效益指标", "项目完成率", "≥93(%)"),
        ("满意度指标", "服务对象满意度指标", "成本控制情况", "有所提升"),
        ("满意度指标", "服务对象满意度指标", "纠纷调解成功率", "无"),
        ("成本指标", "经济成本指标", "项目完成率", "有所提升"),
        ("成本指标", "社会成本指标", "设备完好率", "≤10.00(个工作日)"),
    ]


def test_calc_export_viewer_copy_centred_goals_and_a_label_glued_to_its_amount(tmp_path):
    """A Calc export copied by a viewer (fixture: such a copy of a generated form): the short
    年度总体目标 printed between the wrapped 项目总体目标's lines was read into it, 年度资金申请总额
    glued to its amount (…总额3,901,476.34) was no label, and the tail 款 of 其中：当年财政拨 on the
    middle line became a value; a 二级 name wrapped over three lines (服务对象满意度 / 满意度指标 / 指标)."""
    form = convert(FIXTURES / "shanghai_calc_export_viewer_copy.txt").forms[0]
    h, x = form.header, form.header_extra
    assert h.long_term_goal == "保障项目顺利实施，按期完成各项指标。逐步完善服务网络。"
    assert h.annual_goal == "通过补贴支持企业吸纳就业，稳定就业岗位。"
    assert (float(h.total_amount), float(h.annual_amount)) == (693.169238, 390.147634)
    assert float(x["annual_fiscal_appropriation"]) == 390.147634
    assert float(x["fiscal_funds_total"]) == 688.562665
    assert _rows(form) == [
        ("产出指标", "质量指标", "道路养护里程", "有所提升"),
        ("产出指标", "时效指标", "纠纷调解成功率", "无"),
        ("效益指标", "经济效益指标", "培训人次", "129米"),
        ("效益指标", "生态效益指标", "培训人次", "≤3.00(个工作日)"),
        ("效益指标", "生态效益指标", "项目完成率", "可控"),
        ("满意度指标", "服务对象满意度指标", "群众知晓率", "≥90(%)"),
        ("满意度指标", "服务对象满意度指标", "纠纷调解成功率", "619米"),
        ("成本指标", "经济成本指标", "资金支付及时率", "无"),
        ("成本指标", "生态环境成本指标", "道路养护里程", "=100.00(%)"),
        ("成本指标", "生态环境成本指标", "资金支付及时率", "=100.00(%)"),
    ]
