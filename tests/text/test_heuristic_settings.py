"""Thresholds that used to be literals now live in settings sections and reach their step:
each changed with ``--set`` changes the outcome (values chosen by hand around the default)."""
from __future__ import annotations

from decimal import Decimal

from pipeline.calc import parse_calculation
from pipeline.models import Form, Header, Indicator, ProvenanceItem, Source
from pipeline.ocr_repair import repair_ocr_text
from pipeline.settings import Settings
from pipeline.validate import validate


def _form(**header) -> Form:
    return Form(source=Source(path="x.txt", sha256="0", kind="text", form_index=0), header=Header(**header))


def test_unit_suspect_ratio():
    form = _form(total_amount=Decimal(600), annual_amount=Decimal(1))  # 600×: under the default 1000×
    assert not [f for f in validate(form, Settings()).findings if f.code == "UNIT_SUSPECT"]
    lower = Settings().with_overrides(["validation.unit_suspect_ratio=500"])
    assert [f.code for f in validate(form, lower).findings] == ["UNIT_SUSPECT"]


def test_term_window():
    text = "资料100份的印刷和装订的费用*50元/份=5000元"  # the first factor 13 characters before the *
    assert len(parse_calculation(text, Settings().calc).terms) == 1
    narrow = Settings().with_overrides(["calc.term_window_chars=8"]).calc
    assert parse_calculation(text, narrow).terms == []


def test_level_snap_score():
    form = Form(source=Source(path="x.pdf", sha256="0", kind="scan", form_index=0),
                indicators=[Indicator(level1="产出指木", level2="数量指标", level3="x", value="1",
                                      prov=[ProvenanceItem(origin="ocr", page=1)])])
    assert repair_ocr_text(form, Settings()).indicators[0].level1 == "产出指标"  # ratio 75 ≥ 70
    strict = Settings().with_overrides(["ocr_text.level_snap_score=80"])
    assert repair_ocr_text(form, strict).indicators[0].level1 == "产出指木"
