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


CN = "零一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


def written_cn(n: int, inner: bool = False) -> str:
    """``n`` (1 ≤ n < 10⁸) as a Chinese numeral the way it is written: 十二, 一百零五, 二万,
    三万零五十, 一万零一十, 一千零一."""
    if n >= 10_000:
        high, low = divmod(n, 10_000)
        return written_cn(high) + "万" + (("零" if low < 1000 else "") + written_cn(low, True) if low else "")
    out, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            out += ("零" if gap and out else "") + ("" if (unit == "十" and d == 1 and not out and not inner) else CN[d]) + unit
            gap = False
        else:
            gap = True
    return out


@st.composite
def written_amount(draw):
    """(text, value in 万元) of an amount field as budget systems write it."""
    value = Decimal(draw(st.integers(0, 10**11))) / 100
    style = draw(st.sampled_from(["plain", "comma", "spaced", "fullwidth", "cncomma"]))
    text = {"plain": f"{value:.2f}", "comma": f"{value:,.2f}", "spaced": f"{value:,.2f}".replace(",", ", ").replace(".", ". "),
            "fullwidth": f"{value:,.2f}".translate(FULLWIDTH), "cncomma": f"{value:,.2f}".replace(",", "，")}[style]
    unit = draw(st.sampled_from(["", "万元", "亿", "亿元", "元"]))
    wan = value * 10_000 if unit.startswith("亿") else value / 10_000 if unit == "元" else value
    return text, value, text + unit, wan


@given(st.text(max_size=40), written_amount(), st.integers(1, 99_999_999), st.booleans(),
       st.sampled_from(["", "年", "个月", "人"]))
def test_number_parsers_raise_only_parse_error(text, amount, n, flag, unit):
    """Any text raises nothing but ParseError; and values written as the forms write them
    parse, every time, to the value written (so the test fails if every input raised)."""
    for parser in (parse_decimal, parse_amount_wan, parse_int, parse_bool, cn_to_int):
        try:
            parser(text)
        except ParseError:
            pass
    parse_target(text)
    parse_project_type(text)
    written, value, with_unit, wan = amount
    assert parse_decimal(written) == value, written
    assert parse_amount_wan(with_unit) == wan, with_unit
    assert cn_to_int(written_cn(n)) == n, written_cn(n)
    assert parse_int(f"{n}{unit}") == n and (n > 99 or parse_int(written_cn(n) + unit) == n)
    assert parse_bool("是" if flag else "否") is flag
    assert parse_bool("☑是 □否" if flag else "□是 ☑否") is flag
    assert parse_project_type(f"{n % 100:02d} 其他项目") == (f"{n % 100:02d}", "其他项目")
    t = parse_target(f"≥{n}{unit or '%'}")
    assert (t.comparator, t.number, t.unit) == ("≥", Decimal(n), unit or "%")
