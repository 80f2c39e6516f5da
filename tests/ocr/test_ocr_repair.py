"""The arithmetic cross-check of OCR'd calculation text (``pipeline.ocr_repair``): a dropped
``*`` is put back only where the form's own numbers multiply out, and never for text dumps.
Pure text: no OCR needed."""
from __future__ import annotations

import random
from decimal import Decimal
from typing import Optional

import pytest

from extractors.ocr.correct import clean_cell_text
from pipeline.calc import calculate
from pipeline.convert import STAGES, run_stages
from pipeline.models import Form, Header, ProvenanceItem, Source
from pipeline.ocr_repair import AMBIGUOUS, REPAIRED, repair_calculation, repair_ocr_text, repair_text
from pipeline.settings import Settings
from synth.truth import load_golden, random_forms


def scanned(text: str, annual: Optional[str] = None, kind: str = "scan", origin: str = "ocr") -> Form:
    return Form(source=Source(path="x.pdf", sha256="0", kind=kind, form_index=0),
                header=Header(calculation_basis=text, annual_amount=Decimal(annual) if annual else None),
                provenance={"calculation_basis": ProvenanceItem(origin=origin, page=1)})


def stars(text: str) -> set[int]:
    """Where the ``*`` stand, counted in the other characters (comparable across repairs)."""
    out, k = set(), 0
    for ch in text:
        if ch == "*":
            out.add(k)
        elif not ch.isspace():
            k += 1
    return out


REPAIRS = [
    # a rate, then a quantity, with a result after =
    ("2、职业技能鉴定（评价）补贴200元/人800人=16万元。", None, "补贴200元/人*800人=16万元"),
    # a digit run inside the parenthesis after the amount it makes
    ("2024年12月份工资96371.64+8000（81000年终考核）+165440（8*10340*2经济补偿金）=269811.64元。", None,
     "8000（8*1000年终考核）"),
    # a bracketed remark, then a number; an approximate result
    ("（3）伙食采购：38人*506元/人/月（定额标准）12月≈23.07万元；", None, "（定额标准）*12月≈23.07万元"),
    # a quantity, then an amount (the rule correct.py applied blindly before)
    ("分别为大专生100人次1000元，本科300人2万元=600万元", None, "本科300人*2万元=600万元"),
    # two lost in one chain: neither alone multiplies out
    ("补贴100元/人20人2个月=4000元；", None, "100元/人*20人*2个月=4000元"),
    ("一次性补助20万5家=100万元。", None, "20万*5家=100万元"),
    # a split digit run, with the result after =
    ("就业见习补贴236012个月*120人=339.84万元。", None, "2360*12个月*120人=339.84万元"),
    # no result beside the terms: those before 共计 must sum to it
    ("2025年预计经费400万元，分别为大专生100人次1000元，本科生1750人次1500元，硕士研究生300人次2500元，"
     "博士研究生70人次*4500元，个人商业保险1050人*200元，共计400万元。", None,
     "大专生100人次*1000元，本科生1750人次*1500元，硕士研究生300人次*2500元"),
    # nothing written beside it at all: the year's amount decides
    ("就业见习补贴2360*12个月120人。", "339.84", "2360*12个月*120人"),
]


@pytest.mark.parametrize("read,annual,fixed", REPAIRS)
def test_a_dropped_star_is_put_back_where_the_arithmetic_fits(read, annual, fixed):
    form = run_stages(scanned(read, annual), Settings())
    text = form.header.calculation_basis
    assert fixed in text and text.replace("*", "") == read.replace("*", "")
    repaired = [f for f in form.findings if f.code == REPAIRED]
    assert repaired and all(f.severity == "info" and f.field == "calculation_basis" for f in repaired)
    assert "->" in repaired[0].message and "*" in repaired[0].message.split("->")[1]
    codes = {f.code for f in form.findings}
    assert "ARITHMETIC_MISMATCH" not in codes and AMBIGUOUS not in codes


REFUSALS = [
    # 20 × 8万 = 160万 fits nothing written (10万元 = 8万元 + 2万元 without the *)
    ("2.（1）开展企业职业技能等级认定工作10万元(专家评审费用预计20批次8万元，抽检、评价、监督费用2万元)；"
     "（2）财务及相关工作技术性辅助服务费用10万元；（3）伙食采购：38人*506元/人/月（定额标准）*12月≈23.07万元；"
     "合计59.07万元。", "59.07"),
    # the product is not the result written
    ("补贴200元/人800人=15万元。", None),
    # the year's amount does not follow either
    ("就业见习补贴2360*12个月120人。", "339"),
    # no number written to check against
    ("分别为大专生100人次1000元，", "50"),
    # the source's own arithmetic is off (500×12×1056 ≠ 6331788.36): nothing proves the *
    ("3、小微企业社保补贴500元12个月约1056人=6331788.36元。", None),
]


@pytest.mark.parametrize("read,annual", REFUSALS)
def test_no_star_is_put_where_the_arithmetic_does_not_fit(read, annual):
    form = repair_calculation(scanned(read, annual), Settings())
    assert form.header.calculation_basis == read
    assert not [f for f in form.findings if f.code in (REPAIRED, AMBIGUOUS)]


def test_two_repairs_that_fit_alike_are_left_for_a_reviewer():
    read = "甲10人100元，乙10人100元，合计1000元。"  # either one × makes 1000元, both make 2000元
    form = repair_calculation(scanned(read), Settings())
    assert form.header.calculation_basis == read
    [finding] = form.findings
    assert finding.code == AMBIGUOUS and finding.severity == "warning"
    assert "10人*100元" in finding.message


@pytest.mark.parametrize("kind,origin", [("text", "text"), ("pdf", "pdf"), ("scan", "pdf")])
def test_text_that_was_not_recognised_is_never_touched(kind, origin):
    form = scanned("补贴200元/人800人=16万元。", kind=kind, origin=origin)
    assert repair_calculation(form, Settings()) is form  # returned at once, as it came


def test_the_repair_can_be_switched_off():
    form = scanned("补贴200元/人800人=16万元。")
    off = Settings().with_overrides(["ocr.repair_calculation=false"])
    assert repair_calculation(form, off) is form
    assert "*" in repair_calculation(form, Settings()).header.calculation_basis


def test_the_stage_runs_before_the_calculation_for_every_reader():
    # flows.chunks assembles page chunks through Document.forms_from -> run_stages(STAGES) too
    assert STAGES.index(repair_ocr_text) < STAGES.index(calculate)


def test_the_sample_forms_as_written_are_left_alone():
    for truth in load_golden():
        h = truth["header"]
        text = h["calculation_basis"]
        outcome = repair_text(text, Decimal(str(h["annual_amount"])))
        assert outcome.text == text and not outcome.repairs and not outcome.ambiguous


# The one term of the sample whose written result is not its product (500 × 12 × 1056 =
# 6,336,000 元, written 6,331,788.36 元; checked by hand): no arithmetic can prove its two
# stars lost. Every other term of the sample, and every generated term (synth.truth writes
# each term's product as its result), multiplies out.
UNPROVABLE = ("500元*12个月*约1056人=6331788.36元",)


def _provable(text: str) -> set[int]:
    """Where the form's stars stand, less those of the terms in UNPROVABLE."""
    out = stars(text)
    for term in UNPROVABLE:
        start = text.find(term)
        if start >= 0:
            prefix = len(text[:start].replace("*", "").replace(" ", ""))
            out -= {prefix + k for k in stars(term)}
    return out


def test_the_unprovable_term_is_the_samples_and_holds_two_of_its_32_stars():
    texts = [t["header"]["calculation_basis"] for t in load_golden()]
    assert sum(text.count(UNPROVABLE[0]) for text in texts) == 1
    assert sum(len(stars(text)) for text in texts) == 32
    assert sum(len(_provable(text)) for text in texts) == 30


@pytest.mark.parametrize("source", ["golden", "generated"])
@pytest.mark.parametrize("keep", [0.0, 0.4])
def test_every_lost_star_the_arithmetic_proves_comes_back(source, keep):
    forms = list(load_golden()) if source == "golden" else list(random_forms(7, 60))
    rng = random.Random(5)
    for truth in forms:
        h = truth["header"]
        text = h["calculation_basis"]
        read = clean_cell_text("".join(ch for ch in text if ch != "*" or rng.random() < keep))
        outcome = repair_text(read, Decimal(str(h["annual_amount"])))
        assert stars(outcome.text) == _provable(text) | (stars(read) & stars(text)), (read, outcome.text)


# The × that only a product reads as (evidence (0), by shape): put back in the stage, each a
# finding; it used to be put back silently on the page (extractors/ocr/correct.py).
SHAPES = [
    ("资料印刷107份50元/份=5350元", "资料印刷107份*50元/份=5350元", 1),
    ("硕士研究生25人4500元/人6个月=67.5万元", "硕士研究生25人*4500元/人*6个月=67.5万元", 2),
    ("见习人员11个月·200元/个月=2200元", "见习人员11个月*200元/个月=2200元", 1),
]


@pytest.mark.parametrize("read,fixed,places", SHAPES)
def test_a_star_silently_restored_on_the_page_before_is_now_a_finding(read, fixed, places):
    form = repair_ocr_text(scanned(read), Settings())
    assert form.header.calculation_basis == fixed
    repaired = [f for f in form.findings if f.code == REPAIRED]
    assert len(repaired) == places
    assert all(f.severity == "info" and f.field == "calculation_basis" for f in repaired)
    before, after = repaired[0].message.split("“")[1].split("”")[0], repaired[0].message.split("“")[2].split("”")[0]
    assert "*" in after and after.replace("*", "") == before.replace("·", "")


@pytest.mark.parametrize("read", ["餐费补助71台*1500元/台*3个月=319500元", "2025年预计经费400万元",
                                  "专家评审费用预计20批次8万元，抽检、评价、监督费用2万元"])
def test_text_whose_shape_proves_nothing_is_left_as_read(read):
    form = repair_ocr_text(scanned(read), Settings())
    assert form.header.calculation_basis == read and not form.findings


def test_the_shape_repair_is_switched_off_with_the_rest():
    off = Settings().with_overrides(["ocr.repair_calculation=false"])
    assert repair_ocr_text(scanned("资料印刷107份50元/份=5350元"), off).header.calculation_basis == "资料印刷107份50元/份=5350元"


def _with_indicator(level1: str, level2: str, origin: str = "ocr", kind: str = "scan", **header) -> Form:
    from pipeline.models import Indicator

    return Form(source=Source(path="x.pdf", sha256="0", kind=kind, form_index=0),
                header=Header(**header),
                provenance={k: ProvenanceItem(origin=origin, page=1) for k in header},
                indicators=[Indicator(level1=level1, level2=level2, level3="x", value="1",
                                      prov=[ProvenanceItem(origin=origin, page=1)])])


def test_an_ocr_misread_vocabulary_value_is_snapped_and_said_so():
    # 产出指木 / 数最指标 / 因素法和项目发: one character misread each (hand-written)
    form = repair_ocr_text(_with_indicator("产出指木", "数最指标", allocation_method="因素法和项目发"), Settings())
    ind = form.indicators[0]
    assert (ind.level1, ind.level2) == ("产出指标", "数量指标")
    fields = {f.field: f for f in form.findings if f.code == REPAIRED}
    assert form.header.allocation_method == "因素法和项目法"
    assert set(fields) == {"indicators[0].level1", "indicators[0].level2", "allocation_method"}
    assert "“产出指木” -> “产出指标”" in fields["indicators[0].level1"].message
    assert all(f.severity == "info" for f in fields.values())


@pytest.mark.parametrize("kind,origin", [("text", "text"), ("pdf", "pdf")])
def test_vocabulary_values_not_read_by_ocr_are_never_snapped(kind, origin):
    form = _with_indicator("产出指木", "数最指标", origin=origin, kind=kind)
    assert repair_ocr_text(form, Settings()) is form


@pytest.mark.parametrize("read,fixed,places", [
    ("（深人社规〔2021）7号）", "（深人社规〔2021〕7号）", 1),
    ("关于印发《深圳市就业创业补贴申请办理清单〉的通知》", "关于印发《深圳市就业创业补贴申请办理清单〉的通知》", 0),
    ("《关于印发《深圳市就业创业补贴申请办理清单〉的通知》", "《关于印发〈深圳市就业创业补贴申请办理清单〉的通知》", 1),
    ("《甲》和《乙》", "《甲》和《乙》", 0),
])
def test_a_bracket_silently_put_right_on_the_page_before_is_now_a_finding(read, fixed, places):
    form = Form(source=Source(path="x.pdf", sha256="0", kind="scan", form_index=0),
                header=Header(policy_basis=read), provenance={"policy_basis": ProvenanceItem(origin="ocr", page=1)})
    out = repair_ocr_text(form, Settings())
    assert out.header.policy_basis == fixed
    found = [f for f in out.findings if f.code == REPAIRED]
    assert len(found) == places and all(f.field == "policy_basis" and f.severity == "info" for f in found)
    if places:
        assert "->" in found[0].message
    text = repair_ocr_text(form.model_copy(update={"provenance": {"policy_basis": ProvenanceItem(origin="pdf", page=1)}}),
                           Settings())
    assert text.header.policy_basis == read and not text.findings  # a text layer is never touched


@pytest.mark.parametrize("layout,read,expected", [
    # the Shanghai 项目类别 is 特定目标类 (its layout's [closed]); the Futian 项目类型 vocabulary
    # (特定目标类项目) used to win: a right reading made wrong, 2 of 2 scanned Shanghai forms
    ("shanghai_project", "特定目标类", "特定目标类"),
    ("shanghai_project", "特定日标类", "特定目标类"),
    ("futian_2level", "特定目标类", "特定目标类项目"),
])
def test_a_family_value_is_snapped_to_its_own_closed_vocabulary_not_another_familys(layout, read, expected):
    form = Form(source=Source(path="x.pdf", sha256="0", kind="scan", form_index=0), layout=layout,
                header=Header(project_type_name=read),
                provenance={"project_type_name": ProvenanceItem(origin="ocr", page=1)})
    out = repair_ocr_text(form, Settings())
    assert out.header.project_type_name == expected
    assert any(f.code == REPAIRED for f in out.findings) == (read != expected)


@pytest.mark.parametrize("read,expected", [
    # the 批复表 prints 二级 names with a remark in brackets; snapped whole, the remark was
    # dropped (经济效益指标(定量) -> 经济效益指标: 16 of 56 rows of five scanned 批复表)
    ("经济效益指标(定量)", "经济效益指标(定量)"),
    ("服务对象满意度指标（定量）", "服务对象满意度指标（定量）"),
    ("经济效益指木（定量）", "经济效益指标（定量）"),  # the name misread: snapped, the remark kept
    ("成本指标（反映项目产出情况）", "成本指标（反映项目产出情况）"),
    ("数最指标", "数量指标"),
])
def test_a_level_name_is_snapped_with_its_bracketed_remark_kept(read, expected):
    out = repair_ocr_text(_with_indicator("产出指标", read), Settings())
    assert out.indicators[0].level2 == expected
    assert any(f.code == REPAIRED for f in out.findings) == (read != expected)
