"""The words and characters every stage agrees on, defined once: which characters are CJK,
the units a quantity is counted in, the money units, and how pieces of text are joined.

Readers, the assembler, the calculation and the OCR repair import these; none writes its
own copy. (The calculation's jieba tokenizer and term words stay in ``pipeline.calc.lexicon``,
which reads its unit vocabulary from here.)

Character classes are strings of ranges for regular expressions (``f"[{IDEOGRAPHS}]"``),
with a test function beside each for code that looks at one character.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Optional

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"

# --------------------------------------------------------------------------- characters

# Chinese characters: CJK Unified Ideographs, Extension A, the compatibility ideographs and
# the supplementary planes (Extensions B…). Used where a *word* matters (units, labels after
# a number, 万 followed by a word).
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"

# Everything written without spaces between characters: the ideographs, CJK radicals,
# punctuation (、。《》「」【】〔〕, the ideographic space), kana, and the full-width forms
# (（）：，０-９). Used where *spacing* matters (joining, spurious spaces removed).
WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff"

IDEOGRAPH_CHAR = f"[{IDEOGRAPHS}]"  # one Chinese character, as a regex
WIDE_CHAR = f"[{WIDE}]"             # one wide character, as a regex


def is_ideograph(ch: str) -> bool:
    """A Chinese character (any CJK ideograph block)."""
    o = ord(ch[0])
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x2FFFF)


def is_wide(ch: str) -> bool:
    """A character written without spaces around it (ideograph, CJK punctuation, kana, full-width form)."""
    o = ord(ch[0])
    return 0x2E80 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


# --------------------------------------------------------------------------- indicator levels

_GROUPS = (("满意度", "满意度"), ("成本", "成本"), ("产出", "产出"), ("效益", "效益"), ("效果", "效益"),
           ("数量", "产出"), ("质量", "产出"), ("时效", "产出"), ("可持续", "效益"))
_REMARK_TAIL = re.compile(r"[（(][^）)]*(?:[）)]|$)")

# (二级 group, 一级 group): a 二级 group a form may print under another 一级 name — 成本指标
# under 产出指标 (the 2021 template), 满意度 groups under 效果指标 where no 满意度 一级 name is printed
LEVEL_FOLDS = (("成本", "产出"), ("满意度", "效益"))


def level_group(text: str) -> Optional[str]:
    """The group a 一级 or 二级 name belongs to (数量指标 and 产出指标: 产出), None if unknown.
    A remark in brackets is not the name (可持续影响指标（反映项目产出情况） is 效益's, not 产出's)."""
    bare = _REMARK_TAIL.sub("", text) or text
    for stem, group in _GROUPS:
        if stem in bare:
            return group
    return None


# --------------------------------------------------------------------------- joining text


def space_unless_wide(left: str, right: str) -> bool:
    """Cells of one field: a space between them unless either side is wide (项目 + 名称 ->
    项目名称; ``Smart`` + ``City`` -> ``Smart City``; ``100`` + ``200`` -> ``100 200``)."""
    return not (is_wide(left) or is_wide(right))


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def space_between_words(left: str, right: str) -> bool:
    """Wrapped lines of a text layer: a space only between two ASCII letters or digits, and
    not inside a digit run (a number wrapped by the layout stays one number: 9528 + 09)."""
    return _ascii_alnum(left) and _ascii_alnum(right) and not (left.isdigit() and right.isdigit())


def space_between_letters(left: str, right: str) -> bool:
    """OCR words and lines: a space only between two letters of a spaced script (Latin words);
    none next to digits or punctuation, which the recogniser spaces at random."""
    return left.isalpha() and right.isalpha() and not (is_wide(left) or is_wide(right))


def join_texts(parts: Iterable[str], space: Callable[[str, str], bool] = space_unless_wide) -> str:
    """Texts run together in order, empty ones skipped; a space between two neighbours only
    where ``space(last character, first character)`` says so. The three rules above are the
    three contexts that differ (fields from cells, text-layer lines, OCR pieces)."""
    out = ""
    for p in parts:
        if not p:
            continue
        if out and space(out[-1], p[0]):
            out += " "
        out += p
    return out


# --------------------------------------------------------------------------- units

# The unit an amount is written in, in calculation text: 万元 and 亿元 before 万 and 亿.
MONEY_UNIT = "万元|万|亿元|亿|元"
# The same where a bare 万 may also count things (5万人 is not money): 万 only before no word.
MONEY_UNIT_NOT_COUNT = rf"万元|亿元|元|万(?!{IDEOGRAPH_CHAR})"
# Money units that scale (a result written without a unit is in the factors' money unit).
SCALED_MONEY_UNITS = ("万元", "万", "亿元", "亿", "千元")
# How many 元 (or items) a unit's start stands for: 万元/人 -> 10000.
MULTIPLIERS = (("百万", Decimal(1_000_000)), ("万", Decimal(10_000)), ("亿", Decimal(100_000_000)),
               ("千元", Decimal(1_000)))

# Units a quantity is counted in before a rate per unit or an amount (100人次*1000元,
# 2人，5万/人), longest first where one starts another (人次 before 人, 个月 before 个 and 月).
# Every one is in data/lexicon/units.txt (the vocabulary jieba's unit reading uses).
COUNT_UNITS = ("平方米", "人次", "批次", "个月", "人", "家", "个", "名", "户", "场", "次", "台", "套",
               "份", "项", "批", "天", "期", "件", "月")
COUNT_UNIT = "|".join(COUNT_UNITS)


@lru_cache(maxsize=1)
def units() -> frozenset[str]:
    """Every unit a factor of a calculation term may carry (``data/lexicon/units.txt``)."""
    lines = Path(LEXICON_DIR / "units.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1024)
def unit_multiplier(unit: Optional[str]) -> Decimal:
    """How many 元 (or items) one of this unit stands for: 万元/人 -> 10000; 人 -> 1."""
    if not unit:
        return Decimal(1)
    for prefix, mult in MULTIPLIERS:
        if unit.startswith(prefix):
            return mult
    return Decimal(1)


__all__ = [
    "COUNT_UNIT", "COUNT_UNITS", "IDEOGRAPHS", "IDEOGRAPH_CHAR", "LEXICON_DIR", "MONEY_UNIT",
    "MONEY_UNIT_NOT_COUNT", "MULTIPLIERS", "SCALED_MONEY_UNITS", "WIDE", "WIDE_CHAR", "is_ideograph",
    "is_wide", "join_texts", "space_between_letters", "space_between_words", "space_unless_wide",
    "unit_multiplier", "units",
]
