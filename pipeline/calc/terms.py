"""Quantity × rate terms written in calculation text.

A term is two or more factors joined by ``*``, ``＊``, ``×``, ``x``/``X`` or ``乘以``, each a
number (digits or Chinese numerals, thousands separators, decimals, a leading 约) with the
unit jieba finds after it; a result may follow (``=``, ``≈``, ``共``, ``计``, ``合计``) or
stand before a term written in parentheses (``84万元（10000份*84元/份）``).

``find_terms`` scans operator positions only (they are rare), so long texts stay cheap.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterator, Optional

from ..errors import ParseError
from ..lexicon import IDEOGRAPH_CHAR, MONEY_UNIT, SCALED_MONEY_UNITS
from ..normalize import cn_to_int, parse_decimal
from .lexicon import label_of, unit_multiplier, unit_prefix

NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
CN_NUM = r"[零一二两三四五六七八九十百千]+"
_RUN = r"(?:(?!乘以)[^\d*×xX=≈,，。；;:：、()（）+\-\s%])*"  # a unit and the words after it
_REMARK = r"(?:[（(][^（）()\d]{1,15}[）)])?"
_OPERATOR = r"(?:[*×]|乘以|[xX](?=\s*(?:约)?\d))"
OP = re.compile(rf"\s*{_REMARK}\s*{_OPERATOR}\s*")
# OP.finditer tries its optional prefix at every position of the text; finding the operators
# first and then the prefix in front of each gives the same matches in a fifth of the time
_OPERATOR_AT = re.compile(_OPERATOR)
_OP_PREFIX = re.compile(rf"\s*{_REMARK}\s*\Z")
_OP_TAIL = re.compile(r"\s*")
LEFT = re.compile(rf"(?P<approx>约|近|大约)?(?P<num>{NUM}|{CN_NUM})(?P<run>{_RUN})\Z")
RIGHT = re.compile(rf"(?P<approx>约|近|大约)?(?P<num>{NUM}|{CN_NUM})(?P<run>{_RUN})")
RESULT = re.compile(
    rf"\s*{_REMARK}\s*(?P<mark>=|≈|约等于|约为|共计|合计|总计|共|计)\s*[:：]?\s*(?P<approx>约)?\s*"
    rf"(?P<num>{NUM})\s*(?P<unit>{MONEY_UNIT})?(?P<about>左右)?"
)
AMOUNT_BEFORE = re.compile(rf"(?P<num>{NUM})\s*(?P<unit>{MONEY_UNIT})?\Z")
_CJK_WORDS = re.compile(rf"{IDEOGRAPH_CHAR}{{2,10}}")
_KEEP = "（）：，；"  # CJK punctuation that reads as a delimiter stays as it is
_FULLWIDTH = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F) if chr(c) not in _KEEP}
                           | {"\u3000": " "})
_ANY_FULLWIDTH = re.compile("[" + "".join(re.escape(chr(c)) for c in _FULLWIDTH) + "]")


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and operators to ASCII, length unchanged (offsets stay valid)."""
    return text.translate(_FULLWIDTH) if _ANY_FULLWIDTH.search(text) else text


def read_number(text: str) -> Decimal:
    return parse_decimal(text) if text[0].isdigit() else Decimal(cn_to_int(text))


@dataclass(frozen=True, slots=True)
class Span:
    """Where a term stands in the text (offsets into the half-width text), and the term as the
    fields of a :class:`~pipeline.models.CalcTerm` (factors as the fields of
    :class:`~pipeline.models.Factor`): ``parse_calculation`` validates all of a text's terms
    in one call, measured ~12 µs a text faster than a model per term and factor."""

    start: int
    end: int
    term: dict


def _factor(m: re.Match) -> tuple[dict, int, bool]:
    """A factor from a LEFT/RIGHT match: the factor, where its unit ends, and whether 约 precedes it."""
    value = read_number(m.group("num"))
    unit = unit_prefix(m.group("run"))
    unit_end = m.end("num") + (len(unit) if unit else 0)
    return {"value": value, "unit": unit}, unit_end, bool(m.group("approx"))


def amount_yuan(num: str, unit: Optional[str]) -> tuple[Decimal, Decimal]:
    """A written amount in 元 and the precision it is written in (in 元)."""
    value = parse_decimal(num)
    mult = unit_multiplier(unit)
    exponent = value.as_tuple().exponent
    step = Decimal(10) ** exponent if isinstance(exponent, int) else Decimal(1)
    return value * mult, step * mult


def _stated_before(text: str, start: int) -> Optional[tuple[Decimal, Decimal]]:
    """``84万元（10000份*84元/份）``: the amount right before the parenthesis holding the term."""
    if start == 0 or text[start - 1] not in "（(":
        return None
    m = AMOUNT_BEFORE.search(text, max(0, start - 1 - 48), start - 1)
    if not m:
        return None
    return amount_yuan(m.group("num"), m.group("unit") or "元")


def _clause_start(text: str, pos: int) -> int:
    for i in range(pos - 1, max(-1, pos - 60), -1):
        if text[i] in "，,。；;：:\n":
            return i + 1
    return max(0, pos - 60)


def find_terms(text: str, window: int = 40) -> list[Span]:
    """Every quantity × rate term in ``text`` (already half-width), in order; a term's first
    factor within ``window`` characters before its operator (``calc.term_window_chars``)."""
    spans: list[Span] = []
    done = 0
    for op in _operators(text):
        if op.start() < done:
            continue
        left = LEFT.search(text, max(done, op.start() - window), op.start())
        if not left:
            continue
        try:
            span = _read_chain(text, left, op)
        except ParseError:
            continue
        if span is not None:
            spans.append(span)
            done = span.end
    return spans


def _operators(text: str) -> Iterator["_Op"]:
    """The matches ``OP.finditer(text)`` gives, found from the operators."""
    prev = 0
    for m in _OPERATOR_AT.finditer(text):
        k = m.start()
        if k < prev:
            continue
        start = k
        if k > prev and (text[k - 1].isspace() or text[k - 1] in "）)"):
            before = _OP_PREFIX.search(text, prev, k)
            if before:
                start = before.start()
        end = _OP_TAIL.match(text, m.end()).end()
        prev = end
        yield _Op(start, end)


@dataclass(slots=True)
class _Op:
    _start: int
    _end: int

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end


def _read_chain(text: str, left: re.Match, op: re.Match) -> Optional[Span]:
    factor, unit_end, approx = _factor(left)
    factors = [factor]
    end = unit_end
    while op is not None:
        right = RIGHT.match(text, op.end())
        if not right:
            break
        factor, unit_end, a = _factor(right)
        factors.append(factor)
        approx = approx or a
        end = unit_end
        op = OP.match(text, right.end())
        if op is None or op.end() == right.end():
            break
    if len(factors) < 2:
        return None
    product = Decimal(1)
    for f in factors:
        product *= f["value"] * unit_multiplier(f["unit"])
    stated = precision = None
    result = RESULT.match(text, end)
    if result and (result.group("mark") not in ("共", "计") or result.start("mark") == end):
        stated, precision = amount_yuan(result.group("num"), result.group("unit") or _money_unit(factors))
        approx = approx or result.group("mark") in ("≈", "约等于", "约为") or bool(result.group("approx") or result.group("about"))
        end = result.end()
    else:
        before = _stated_before(text, left.start())
        if before:
            stated, precision = before
    start = left.start()
    return Span(start, end, {
        "text": text[start:end], "label": term_label(text, start, end), "factors": factors, "product_yuan": product,
        "stated_yuan": stated, "stated_unit_yuan": precision, "approximate": approx, "implicit": False,
    })


def term_label(text: str, start: int, end: int) -> Optional[str]:
    """The words naming a term: before it in its clause (大专生100人次*…), after it inside
    parentheses (（8*1000年终考核）), or before the colon that introduces it (伙食采购:38人*…)."""
    after = _CJK_WORDS.match(text, end, end + 12)
    suffix = after.group(0) if after and unit_prefix(after.group(0)) is None else None
    if start > 0 and text[start - 1] in "（(" and suffix:
        return suffix
    clause = _clause_start(text, start)
    label = label_of(text[clause:start])
    if label is None and clause > 0 and text[clause - 1] in "：:":
        label = label_of(text[_clause_start(text, clause - 1):clause - 1])
    return label or suffix


def _money_unit(factors: list[dict]) -> str:
    """A result written without a unit is in the money unit of the factors (元 by default)."""
    for f in factors:
        unit = f["unit"]
        if unit and unit.split("/")[0] in SCALED_MONEY_UNITS:
            return unit.split("/")[0]
    return "元"
