"""One lexicon module (``pipeline/lexicon.py``): the character classes, units, money units and
joining rules every stage uses, and a guard that no module writes its own copy again."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.calc.terms import find_terms
from pipeline.lexicon import (
    COUNT_UNITS, IDEOGRAPH_CHAR, MONEY_UNIT, WIDE_CHAR, is_ideograph, is_wide, join_texts,
    space_between_letters, space_between_words, units,
)
from pipeline.normalize import join_cjk_spaces

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("ch,ideograph,wide", [
    ("中", True, True), ("㐀", True, True), ("豈", True, True), ("𠀀", True, True),  # URO, Ext A, compat, Ext B
    ("，", False, True), ("。", False, True), ("《", False, True), ("（", False, True), ("５", False, True),
    ("\u3000", False, True),
    ("a", False, False), ("5", False, False), ("*", False, False), (" ", False, False), ("é", False, False),
])
def test_character_classes(ch, ideograph, wide):
    assert is_ideograph(ch) is ideograph and bool(re.fullmatch(IDEOGRAPH_CHAR, ch)) is ideograph
    assert is_wide(ch) is wide and bool(re.fullmatch(WIDE_CHAR, ch)) is wide


@pytest.mark.parametrize("parts,rule,joined", [
    (["项目", "名称"], None, "项目名称"),
    (["Smart", "City"], None, "Smart City"),
    (["深圳市", "Smart City"], None, "深圳市Smart City"),
    (["100", "200"], None, "100 200"),
    (["", "甲", ""], None, "甲"),
    (["9528", "09"], space_between_words, "952809"),       # a number wrapped by the layout
    (["Smart", "City"], space_between_words, "Smart City"),
    (["合计", "59.07万元"], space_between_words, "合计59.07万元"),
    (["9528", "09"], space_between_letters, "952809"),
    (["Smart", "City"], space_between_letters, "Smart City"),
    (["Smart", "（", "City"], space_between_letters, "Smart（City"),
])
def test_joining_rules(parts, rule, joined):
    assert (join_texts(parts) if rule is None else join_texts(parts, rule)) == joined


def test_spurious_spaces_between_cjk_go_and_latin_spaces_stay():
    assert join_cjk_spaces("服务对象 满意度 （ 95% ）") == "服务对象满意度（ 95% ）"
    assert join_cjk_spaces("Smart City 项目") == "Smart City 项目"


def test_every_count_unit_is_a_unit_jieba_reads():
    assert set(COUNT_UNITS) <= units()
    # longest first where one starts another, so an alternation never stops short (人次, not 人)
    for i, a in enumerate(COUNT_UNITS):
        assert not any(b.startswith(a) and b != a for b in COUNT_UNITS[i + 1:]), a


@pytest.mark.parametrize("text,unit", [("=60万元", "万元"), ("=60万", "万"), ("=1.5亿元", "亿元"), ("=300元", "元")])
def test_money_units_longest_first(text, unit):
    assert re.fullmatch(rf"=\d+(?:\.\d+)?(?P<u>{MONEY_UNIT})", text).group("u") == unit


def test_a_term_found_with_the_shared_units():
    [span] = find_terms("本科生300人*2000元/人=60万元")
    assert span.term["product_yuan"] == Decimal(600000) and span.term["stated_yuan"] == Decimal(600000)


# a character range of CJK text written out again, outside the lexicon
_RANGE = re.compile(r"\\u(?:4e00|3400|9fff|9fa5)|0x4[eE]00|0x9[fF]{3}|[一-鿿]-[一-鿿]\]")


def test_no_module_writes_its_own_cjk_range():
    own = ROOT / "pipeline" / "lexicon.py"
    copies = [f"{p.relative_to(ROOT)}:{n}" for folder in ("pipeline", "extractors", "flows")
              for p in sorted((ROOT / folder).rglob("*.py")) if p != own
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if _RANGE.search(line)]
    assert copies == []
