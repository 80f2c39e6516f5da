"""The syntaxes issue 3 names, each on a text a budget office would write."""
from decimal import Decimal as D

import pytest

from pipeline.calc import parse_calculation
from pipeline.models import Form, Header, Source
from pipeline.validate import validate


def terms(text):
    return [([f.value for f in t.factors], t.stated_yuan) for t in parse_calculation(text).terms]


@pytest.mark.parametrize("text, factors, stated", [
    ("本科生1750人次*1500元", [1750, 1500], None),
    ("3628平方米*100元/平方米/月*12个月=435.36万元", [3628, 100, 12], D("4353600")),
    ("复印机2台＊1.5万元/台＝3万元", [2, D("1.5")], D("30000")),
    ("补贴500元×12个月×40人共24万元", [500, 12, 40], D("240000")),
    ("培训费300元x20人计6000元", [300, 20], D("6000")),
    ("租金3X4万元合计12万元", [3, 4], D("120000")),
    ("课时费200元乘以30课时=6000元", [200, 30], D("6000")),
    ("岗位补贴15.8万元/人*15=237万元", [D("15.8"), 15], D("2370000")),
    ("保险费1,050人*2,000.50元=2,100,525元", [1050, D("2000.50")], D("2100525")),
    ("伙食费38人*506元/人/月（定额标准）*12月≈23.07万元", [38, 506, 12], D("230700")),
    ("工资3000元*十二个月=3.6万元", [3000, 12], D("36000")),
    ("1.17.5万元/人*14人=245万元", [D("17.5"), 14], D("2450000")),
    ("前三期费用84万元（10000份*84元/份）", [10000, 84], D("840000")),
    ("96371.64+8000（8*1000年终考核）", [8, 1000], D("8000")),
])
def test_term_syntaxes(text, factors, stated):
    assert terms(text) == [(factors, stated)]


def test_units_labels_and_approximation():
    calc = parse_calculation("分别为大专生100人次*1000元，小微企业社保补贴500元*12个月*约1056人=6331788.36元。")
    a, b = calc.terms
    assert (a.label, [f.unit for f in a.factors], a.product_yuan) == ("大专生", ["人次", "元"], 100000)
    assert b.label == "小微企业社保补贴" and b.approximate and not a.approximate
    assert [f.unit for f in b.factors] == ["元", "个月", "人"]


def test_a_word_after_a_number_is_not_its_unit():
    (t,) = parse_calculation("165440（8*10340*2经济补偿金）").terms
    assert [f.unit for f in t.factors] == [None, None, None] and t.label == "经济补偿金"


def test_item_numbers_are_never_factors():
    calc = parse_calculation("用于发放工资。1.17.5万元/人*14人=245万元。2.参照在职人员全年工资总额，比例为2%，约3.43万元。")
    assert [f.value for f in calc.terms[0].factors] == [D("17.5"), 14]
    assert calc.total_yuan == D("2484300") and calc.total_source == "items"


@pytest.mark.parametrize("text, total, how", [
    ("1、补贴3000元*30人=9万元。2、培训2000元*15人=3万元。以上合计：12万元。", 120000, "stated"),
    ("1. 购买资料2万； 2. 教育工作3万。 以上合计5万元。", 50000, "stated"),
    ("1.（1）培训3.41万元；其他4.59万元。合计8万元。 2.（1）认定10万元；（2）服务49.07万元。合计59.07万元。", 670700, "items"),
    ("1、托管服务费114.72万元。 （1）前三期84万元（10000份*84元/份）；（2）尾款30.72万元（3657份*84元/份）。", 1147200, "items"),
    ("就业见习补贴2360*12个月*120人=339.84万元。", 3398400, "terms"),
    ("（1）网上招聘会50万元。（2）运营50万元，其中：①首款27万元；②尾款23万元。（3）招聘会10万元。以上合计110万元。", 1100000, "stated"),
    ("一、补贴：共计400万元。二、奖励：合计1000万元。", 14000000, "items"),
    ("说明文字，没有金额。", None, None),
])
def test_totals(text, total, how):
    calc = parse_calculation(text)
    assert calc.total_yuan == (D(total) if total is not None else None)
    assert calc.total_source == how


def test_implicit_products_only_when_they_multiply_out():
    ok = parse_calculation("预计自主引进奖励2人，5万/人，共10万元。")
    assert [([f.value for f in t.factors], t.implicit) for t in ok.terms] == [([2, 5], True)]
    wrong = parse_calculation("预计自主引进奖励2人，5万/人，共12万元。")
    assert wrong.terms == []


def _form(calc_text, annual):
    return Form(source=Source(path="x", sha256="0" * 64, kind="text", form_index=0),
                header=Header(annual_amount=D(annual), calculation_basis=calc_text))


def _codes(calc_text, annual):
    from pipeline.calc import calculate
    return {f.code for f in validate(calculate(_form(calc_text, annual))).findings}


@pytest.mark.parametrize("text, annual, codes", [
    ("（2）尾款30.72万元（3657份*84元/份）。", "30.72", set()),                  # 307,188 元 rounds to 30.72万
    ("伙食38人*506元/人/月*12月≈23.07万元。", "23.07", set()),                     # 230,736 元 ≈ 23.07万
    ("社保补贴500元*12个月*约1056人=6331788.36元。", "633.18", {"ARITHMETIC_MISMATCH"}),
    ("复印机2台*1.5万元/台=3万元。", "3", set()),
    ("复印机2台*1.5万元/台=3万元。", "4", {"TOTAL_MISMATCH"}),
    ("复印机2台*1.5万元/台=3万元。", "30000", {"UNIT_SUSPECT"}),              # 元 written into 万元
    ("复印机2台*1.5万元/台=3万元。", "0.0003", {"UNIT_SUSPECT"}),
])
def test_findings(text, annual, codes):
    assert _codes(text, annual) & {"ARITHMETIC_MISMATCH", "TOTAL_MISMATCH", "UNIT_SUSPECT"} == codes


ITEMS = "1.租金3628平方米*100元/平方米/月*12个月=435.36万元。2.物业管理费17863.17万元。"


@pytest.mark.parametrize("text, annual, codes", [
    # issue 12 §2: 6.00万元 apart, both written to 0.01万元 (± 50 元): an error, however large the project
    (ITEMS + "以上合计：18298.53万元。", "18304.53", {"TOTAL_MISMATCH"}),
    (ITEMS + "以上合计：18298.53万元。", "18298.53", set()),
    (ITEMS + "以上合计：18298.53万元。", "18298.535", set()),      # 0.5 元 apart: within 50 元
    (ITEMS + "以上合计：18298.5万元。", "18298.53", set()),         # 300 元 apart, total written to 0.1万 (± 500 元)
    (ITEMS + "以上合计：18298.4万元。", "18298.53", {"TOTAL_MISMATCH"}),  # 1,300 元 apart: beyond ± 500 元
    # a share of the amount only where the text says 约: 45,300 元 apart, 0.5% of 1.83亿 tolerated
    (ITEMS + "以上合计约18300万元。", "18304.53", set()),
    (ITEMS + "以上合计18300万元。", "18304.53", {"TOTAL_MISMATCH"}),
    # a sum of three results rounded to 0.01万元: ± 50 元 for the declared amount and each of them
    ("1.甲1人*13333元=1.33万元。2.乙1人*13333元=1.33万元。3.丙1人*13333元=1.33万元。", "4", set()),   # 100 元 off
    ("1.甲1人*13333元=1.33万元。2.乙1人*13333元=1.33万元。3.丙1人*13333元=1.33万元。", "3.97", {"TOTAL_MISMATCH"}),
    # exact products and a declared amount to 0.01万元: ± 50 元 only (the old 0.05% allowed ~100 元 here)
    ("复印机2台*7500元/台。", "1.51", {"TOTAL_MISMATCH"}),
    ("复印机2台*7500元/台。", "1.5", set()),
])
def test_total_tolerance_comes_from_the_written_precision(text, annual, codes):
    assert _codes(text, annual) & {"ARITHMETIC_MISMATCH", "TOTAL_MISMATCH", "UNIT_SUSPECT"} == codes


def test_total_mismatch_of_six_wan_quotes_both_amounts():
    from pipeline.calc import calculate
    form = validate(calculate(_form(ITEMS + "以上合计：18298.53万元。", "18304.53")))
    (f,) = [f for f in form.findings if f.code == "TOTAL_MISMATCH"]
    assert "18,304.53" in f.message and "18,298.53" in f.message and "-6" in f.message


def test_messages_quote_the_numbers():
    from pipeline.calc import calculate
    form = validate(calculate(_form("社保补贴500元*12个月*约1056人=6331788.36元。", "633.6")))
    (f,) = [f for f in form.findings if f.code == "ARITHMETIC_MISMATCH"]
    assert "6,336,000" in f.message and "6,331,788.36" in f.message and "4,211.64" in f.message
