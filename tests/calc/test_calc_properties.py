"""Property tests: terms generated in every syntax the parser claims, with random labels,
units and amounts, parse back to the generated factors, product and stated result; and no
text whatsoever makes the parser raise anything but the project's own ParseError."""
from decimal import Decimal as D, getcontext

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.calc import parse_calculation
from pipeline.calc.lexicon import unit_multiplier
from pipeline.errors import ParseError

LABELS = ["大专生", "本科生", "硕士研究生", "场地租金", "专家评审费", "设备维护费", "见习人员", "资料印刷费", ""]
UNITS = [None, "人", "人次", "个月", "元", "元/人", "万元", "万元/人", "平方米", "元/平方米/月", "台", "份", "批次", "天"]
OPERATORS = ["*", "＊", "×", "x", "X", "乘以"]
getcontext().prec = 80  # the generator's own products stay exact too
MARKERS = ["=", "＝", "共", "计", "合计", "≈"]
CN = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 10: "十", 12: "十二", 20: "二十", 36: "三十六"}


@st.composite
def factor(draw, first):
    kind = draw(st.sampled_from(["int", "dec", "sep", "cn"] if not first else ["int", "dec", "sep"]))
    if kind == "cn":
        value = draw(st.sampled_from(sorted(CN)))
        text = CN[value]
    elif kind == "dec":
        value = D(draw(st.integers(1, 99999))) / 100
        text = f"{value:f}"
    elif kind == "sep":
        value = D(draw(st.integers(1000, 9_999_999)))
        text = f"{value:,}"
    else:
        value = D(draw(st.integers(1, 99999)))
        text = str(value)
    unit = draw(st.sampled_from(UNITS))
    approx = draw(st.booleans()) and draw(st.booleans())
    return ("约" if approx else "") + text + (unit or ""), D(value), unit, approx, kind


@st.composite
def written_term(draw):
    n = draw(st.integers(2, 4))
    factors = [draw(factor(first=(i == 0))) for i in range(n)]
    parts = [factors[0][0]]
    for f in factors[1:]:
        ops = [o for o in OPERATORS if not (o in "xX" and (f[4] == "cn" or f[0].startswith("约")))]
        parts.append(draw(st.sampled_from(ops)) + f[0])
    term = "".join(parts)
    product = D(1)
    for _, value, unit, _, _ in factors:
        product *= value * unit_multiplier(unit)
    approx = any(f[3] for f in factors)
    stated = None
    style = draw(st.sampled_from(["none", "after", "paren"]))
    if product == product.to_integral_value() and product % 100 == 0 and draw(st.booleans()):
        amount = f"{(product / 10000).normalize():f}万元"
    else:
        amount = f"{product.normalize():f}元"
    if style == "after":
        marker = draw(st.sampled_from(MARKERS))
        approx = approx or marker == "≈"
        term = f"{term}{marker}{amount}"
        stated = product
    elif style == "paren":
        term = f"{amount}（{term}）"
        stated = product
    label = draw(st.sampled_from(LABELS))
    lead = draw(st.sampled_from(["", "1、", "（1）", "一、补贴：", "其中"]))
    return f"{lead}{label}{term}。", [f[1] for f in factors], product, stated, approx


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_term())
def test_generated_terms_parse_back(case):
    text, factors, product, stated, approx = case
    terms = parse_calculation(text).terms
    assert len(terms) == 1, (text, terms)
    (t,) = terms
    assert [f.value for f in t.factors] == factors, text
    assert t.product_yuan == product, text
    assert t.stated_yuan == stated, text
    assert t.approximate == approx, text


@settings(max_examples=200, deadline=None)
@given(st.lists(written_term(), min_size=2, max_size=5), st.sampled_from(["", "，", "；", "。 "]))
def test_several_terms_in_one_text(cases, glue):
    text = glue.join(c[0] for c in cases)
    terms = parse_calculation(text).terms
    assert [[f.value for f in t.factors] for t in terms] == [c[1] for c in cases], text


SOUP = list("0123456789.,，*×xX=＝≈约共计合万元人次/（）()、；。一二十百千万亿")


def _term_found(text, case) -> bool:
    """The generated term, read back with the factors, product and stated result the generator
    wrote, among the terms of ``text`` (which holds it between other text)."""
    _, factors, product, stated, _ = case
    try:
        terms = parse_calculation(text).terms
    except ParseError as exc:
        raise AssertionError(f"a written term in other text made the text unreadable: {exc}; {text!r}") from exc
    return any([f.value for f in t.factors] == factors and t.product_yuan == product and t.stated_yuan == stated
               for t in terms)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), written_term())
def test_any_unicode_raises_only_parse_error(text, case):
    """No text makes the parser raise anything but ParseError; and the same text with a
    written term after it (past a sentence end) still reads the term as written, so the test
    fails if every text raised ParseError."""
    try:
        parse_calculation(text)
    except ParseError:
        pass
    both = f"{text}。\n{case[0]}"
    assert _term_found(both, case), (both, parse_calculation(both).terms)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(SOUP), max_size=80), written_term())
def test_operator_soup_raises_only_parse_error(chars, case):
    soup = "".join(chars)
    try:
        parse_calculation(soup)
    except ParseError:
        pass
    both = f"{soup}。\n{case[0]}"
    assert _term_found(both, case), (both, parse_calculation(both).terms)


def test_real_calculation_texts_all_parse_to_their_truth():
    """How often generated forms' 测算依据 parse (every time) and what to: the generator's own
    factors, stated results and grand total (synth.truth)."""
    from synth.truth import random_forms

    for truth in random_forms(21, 300):
        calc = parse_calculation(truth["header"]["calculation_basis"])
        want = truth["calculation"]
        assert [[float(f.value) for f in t.factors] for t in calc.terms] == [t["factors"] for t in want["terms"]]
        assert [float(t.stated_yuan) for t in calc.terms] == [t["stated_yuan"] for t in want["terms"]]
        assert float(calc.total_yuan) == want["total_yuan"] and calc.total_source == "stated"
