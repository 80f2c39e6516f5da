from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from pipeline.errors import ParseError
from pipeline.normalize import (clean_text, cn_to_int, strip_markup, parse_amount_wan, parse_bool, parse_decimal,
                                parse_int, parse_project_type, parse_target)


@pytest.mark.parametrize("text, expected", [
    ("9, 528. 09", "9528.09"), ("1,025.16", "1025.16"), ("50,000.00", "50000.00"),
    ("2, 065. 36", "2065.36"), ("１２３．５", "123.5"), ("51.00", "51.00"),
])
def test_amounts_as_written(text, expected):
    assert parse_decimal(text) == Decimal(expected)


def test_amount_field_with_units():
    assert parse_amount_wan("1,025.16") == Decimal("1025.16")
    assert parse_amount_wan("1.5亿") == Decimal("15000.0")
    assert parse_amount_wan("25000元") == Decimal("2.5")


@pytest.mark.parametrize("text, expected", [
    ("十二", 12), ("一百零五", 105), ("三千五百", 3500), ("两万", 20000), ("二〇二五", 2025),
    ("十", 10), ("一亿二千万", 120_000_000), ("十五万", 150_000),
])
def test_chinese_numerals(text, expected):
    assert cn_to_int(text) == expected


@pytest.mark.parametrize("text, comparator, number, unit", [
    ("≥95%", "≥", "95", "%"), ("≤100%", "≤", "100", "%"), ("≤1", "≤", "1", None),
    ("420人", "=", "420", "人"), ("2220人次", "=", "2220", "人次"), ("655.36万元", "=", "655.36", "万元"),
    ("营业收入（含代收代付）15亿元", "=", "15", "亿元"), ("1年", "=", "1", "年"), ("一年", "=", "1", "年"),
    ("良好", None, None, None), ("不适用", None, None, None), (">90%", ">", "90", "%"),
    ("不低于90%", "≥", "90", "%"), ("<5次", "<", "5", "次"), ("十二个月", "=", "12", "个月"),
])
def test_indicator_targets(text, comparator, number, unit):
    t = parse_target(text)
    assert t.comparator == comparator
    assert t.number == (Decimal(number) if number else None)
    assert t.unit == unit


def test_small_fields():
    assert parse_bool("是") is True and parse_bool(" 否 ") is False and parse_bool("☑是 □否") is True
    assert parse_project_type("01 其他项目") == ("01", "其他项目")
    assert parse_project_type("31履职类项目") == ("31", "履职类项目")
    assert parse_int("五年") == 5 and parse_int("4") == 4
    with pytest.raises(ParseError):
        parse_bool("也许")


def test_markup_is_stripped_not_interpreted():
    assert clean_text(strip_markup("<p>一、补贴</p> <p>二、奖励&nbsp;&amp;</p>")) == "一、补贴 二、奖励 &"
    assert clean_text(strip_markup("<script>alert(1)</script>说明")) == "alert(1)说明"
    assert clean_text(strip_markup("&lt;b&gt;不是标签&lt;/b&gt;")) == "<b>不是标签</b>"


@given(st.text(max_size=40))
def test_number_parsers_raise_only_parse_error(text):
    for parser in (parse_decimal, parse_amount_wan, parse_int, parse_bool, cn_to_int):
        try:
            parser(text)
        except ParseError:
            pass
    parse_target(text)
    parse_project_type(text)
