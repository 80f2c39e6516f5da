"""Domain correction of recognised text (pure functions)."""
from __future__ import annotations

import pytest

from extractors.ocr.correct import PATTERNS, clean_cell_text
from extractors.ocr.engines.rapidocr import CONFUSABLE_DIGITS


@pytest.mark.parametrize("raw,fixed", [
    # text is never repaired on the page (silently): the × of calculation terms and misread
    # brackets are put right per form, each a finding (tests/ocr/test_ocr_repair.py)
    ("资料印刷107份50元/份=5350元", "资料印刷107份50元/份=5350元"),
    ("见习人员11个月·200元/个月=2200元", "见习人员11个月·200元/个月=2200元"),
    ("餐费补助71台*1500元/台*3个月=319500元", "餐费补助71台*1500元/台*3个月=319500元"),
    ("服务对象 满意度", "服务对象满意度"),
    ("2025年预计经费400万元", "2025年预计经费400万元"),
    ("（深人社规〔2021）7号）", "（深人社规〔2021）7号）"),
    ("2024年12月份工资96371.64", "2024年12月份工资96371.64"),
])
def test_cell_text_corrections(raw, fixed):
    assert clean_cell_text(raw) == fixed


def test_confusable_letters_make_a_code_match_its_pattern():
    assert not PATTERNS["project_code"].match("44O3O424123OlOOOOOOS")
    assert PATTERNS["project_code"].match("44O3O424123OlOOOOOOS".translate(CONFUSABLE_DIGITS))
    assert PATTERNS["total_amount"].match("9,528.09") and not PATTERNS["total_amount"].match("9,52.8")


@pytest.mark.parametrize("text,bare", [
    ("•成本指标", "成本指标"), ("·数量指标", "数量指标"), ("质量指标", "质量指标"),
    ("*成本指标", None), ("成本", None), ("经济效益指标的说明文字很长", None),
])
def test_a_core_level2_whose_star_was_misread_is_a_candidate_for_the_image_check(text, bare):
    from extractors.ocr.correct import core_level2_candidate
    from pipeline.labels import load_vocabulary

    assert core_level2_candidate(text, load_vocabulary()) == bare
