"""Form families as data (data/layouts/*.toml): each family's synthetic forms, written by the
tests from their truth (synth/families.py) as a tab-separated dump, come back field by field;
the family is picked per form, amounts are 万元 whatever was printed, MISSING_FIELD only for
the family's own fields."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from extractors import convert
from flows.evaluate import score
from pipeline.labels import load_vocabulary
from pipeline.models import HEADER_KEYS
from synth.families import FAMILIES, random_family_forms, render_dump

N = 6


def _dump(tmp_path, family, seed=3, n=N):
    forms = random_family_forms(family, seed, n)
    path = tmp_path / f"{family}.txt"
    path.write_text(render_dump([g for _, g in forms]), encoding="utf-8")
    return path, [t for t, _ in forms]


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_dump_read_exactly(tmp_path, family):
    path, truths = _dump(tmp_path, family)
    result = convert(path)
    assert result.status == "ok", result.errors
    report = score(truths, result.forms)
    assert report.forms_found == len(result.forms) == N
    assert report.header_accuracy >= 0.99, report.misses[:5]
    assert report.indicator_accuracy >= 0.98, report.misses[:5]
    assert {f.layout for f in result.forms} == {family}


def test_every_layout_file_loads_and_futian_has_the_contract_header():
    vocab = load_vocabulary()
    names = {layout.name for layout in vocab.layouts}
    assert names == {"futian_2level", "shanghai_project", "pifubiao", "project_target_table"}
    futian = next(layout for layout in vocab.layouts if layout.name == "futian_2level")
    assert futian.fields == HEADER_KEYS
    assert futian.amount_unit == "万元"


def test_a_label_naming_two_keys_across_families_is_refused(tmp_path):
    for name, key in (("a", "project_name"), ("b", "applicant_unit")):
        (tmp_path / f"{name}.toml").write_text(
            f'name = "{name}"\ntitles = ["{name}表"]\namount_unit = "万元"\nfields = []\n'
            f'[labels]\n{key} = ["项目名称"]\n[columns]\nlevel1 = ["一级指标"]\n', encoding="utf-8")
    load_vocabulary.cache_clear()
    try:
        with pytest.raises(ValueError, match="项目名称"):
            load_vocabulary(None, str(tmp_path))
    finally:
        load_vocabulary.cache_clear()


SHANGHAI_DUMP = "\n".join([
    "财政项目支出绩效目标申报表",
    "（2026年度）",
    "项目名称\t人民调解经费",
    "项目性质\t经常性项目\t\t项目类别\t特定目标类",
    "项目资金（元）\t项目资金总额\t1,234,567.89\t年度资金申请总额\t7,950,000.00",
    "\t其中：财政资金\t1,234,567.89\t其中：当年财政拨款\t7,900,000.00",
    "\t其他资金\t0.00\t上年结转资金\t50,000.00",
    "\t\t\t其他资金\t0.01",
    "项目总目标\t\t\t年度总体目标",
    "完善人民调解经费保障体系。\t\t\t全年化解各类矛盾纠纷。",
    "一级指标\t二级指标\t三级指标\t\t年度（/项目）指标值",
    "产出指标\t数量指标\t调解案件数\t\t≥3000(件)",
    "\t质量指标\t调解成功率\t\t=100.00(%)",
]) + "\n"


def test_shanghai_amounts_in_yuan_come_out_in_wan_exactly(tmp_path):
    path = tmp_path / "sh.txt"
    path.write_text(SHANGHAI_DUMP, encoding="utf-8")
    form = convert(path).forms[0]
    assert form.layout == "shanghai_project" and form.amount_unit == "元"
    assert form.header.total_amount == Decimal("123.456789")
    assert form.header.annual_amount == Decimal("795")
    extra = form.header_extra
    assert extra["annual_fiscal_appropriation"] == Decimal("790")
    assert extra["prior_year_carryover"] == Decimal("5")
    assert extra["other_funds_total"] == 0 and extra["annual_other_funds"] == Decimal("0.000001")
    assert extra["fiscal_year"] == 2026 and extra["project_nature"] == "经常性项目"
    assert form.header.long_term_goal == "完善人民调解经费保障体系。"
    assert form.header.annual_goal == "全年化解各类矛盾纠纷。"
    assert [(i.level2, i.value, i.target.comparator, i.target.number, i.target.unit) for i in form.indicators] == [
        ("数量指标", "≥3000(件)", "≥", 3000, "件"), ("质量指标", "=100.00(%)", "=", 100, "%")]
    data = json.loads(form.model_dump_json())
    assert data["header"]["total_amount"] == 123.456789 and data["header_extra"]["annual_other_funds"] == 1e-06


def test_missing_field_only_for_the_familys_fields(tmp_path):
    path = tmp_path / "sh.txt"
    path.write_text(SHANGHAI_DUMP, encoding="utf-8")
    form = convert(path).forms[0]
    missing = {f.field for f in form.findings if f.code == "MISSING_FIELD"}
    assert missing == set()  # no project_code, applicant_unit, … : the family prints none of them
    path.write_text(SHANGHAI_DUMP.replace("项目名称\t人民调解经费\n", ""), encoding="utf-8")
    missing = {f.field for f in convert(path).forms[0].findings if f.code == "MISSING_FIELD"}
    assert missing == {"project_name"}


def test_futian_form_missing_a_field_still_reports_it(tmp_path, write_dump):
    from synth.truth import random_forms

    truth = next(random_forms(seed=5, n=1))
    path = write_dump([truth])
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("是否新增项目")) + "\n",
                    encoding="utf-8")
    form = convert(path).forms[0]
    assert form.layout == "futian_2level" and form.header_extra == {}
    missing = {f.field for f in form.findings if f.code == "MISSING_FIELD"}
    assert missing == {"is_new_project", "allocation_method"}


def test_unknown_family_comes_out_with_what_its_labels_give(tmp_path):
    path = tmp_path / "other.txt"
    path.write_text("某某专项资金绩效目标表\n项目名称\t社区服务\t\t主管部门\t某区民政局\n"
                    "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t服务人次\t≥500人次\n", encoding="utf-8")
    result = convert(path)
    assert len(result.forms) == 1
    form = result.forms[0]
    assert form.layout == "unknown"
    assert form.header.project_name == "社区服务"
    assert form.header_extra == {"supervising_department": "某区民政局"}
    assert not [f for f in form.findings if f.code == "MISSING_FIELD"]
    assert form.indicators[0].value == "≥500人次"


def test_pifubiao_values_side_by_side_become_two_periods(tmp_path):
    path = tmp_path / "pf.txt"
    path.write_text("2019年度项目支出绩效目标批复表\n预算单位\t厦门市民政局\t\t项目名称\t社区养老\n"
                    "中期资金总额（万元）\t300.00\t\t年度资金总额（万元）\t100.00\n"
                    "一级指标\t二级指标\t三级指标\t\t中期指标值\t年度指标值\n"
                    "预期产出指标\t数量指标（定量）\t服务人次\t\t3000人次\t1000人次\n"
                    "效果指标\t社会效益指标\t满意度\t\t≥90%\t≥85%\n", encoding="utf-8")
    form = convert(path).forms[0]
    assert form.layout == "pifubiao" and form.header_extra == {"fiscal_year": 2019}
    assert [(i.period, i.level1, i.level3, i.value) for i in form.indicators] == [
        ("中期", "预期产出指标", "服务人次", "3000人次"), ("中期", "效果指标", "满意度", "≥90%"),
        ("年度", "预期产出指标", "服务人次", "1000人次"), ("年度", "效果指标", "满意度", "≥85%")]
    assert form.header.total_amount == 300 and form.header.annual_amount == 100


def test_project_target_table_ticked_box_and_two_indicator_sets(tmp_path):
    path = tmp_path / "ptt.txt"
    path.write_text("项目绩效目标表\n填报单位（盖章）：德清县教育局\n"
                    "项目名称\t校舍维修\t\t项目属性\t□新增 ☑延续\n"
                    "项目起止时间\t2021年3月至2022年12月\t\t项目负责人\t王芳\n"
                    "长期绩效指标\n一级指标\t二级指标\t指标内容\t\t指标值\t备注\n产出指标\t数量指标\t维修面积\t\t2000平方米\t\n"
                    "年度绩效指标\n一级指标\t二级指标\t指标内容\t\t指标值\t备注\n产出指标\t时效指标\t完工时间\t\t年底前\t验收\n",
                    encoding="utf-8")
    form = convert(path).forms[0]
    assert form.layout == "project_target_table"
    assert form.header.is_new_project is False and form.header.applicant_unit == "德清县教育局"
    assert form.header_extra["planned_start"] == "2021-03" and form.header_extra["planned_end"] == "2022-12"
    assert [(i.period, i.level3, i.value, i.explanation) for i in form.indicators] == [
        ("长期", "维修面积", "2000平方米", ""), ("年度", "完工时间", "年底前", "验收")]
