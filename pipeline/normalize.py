"""Small pure functions that turn raw cell text into typed values.

Every function here either returns a value (or None where the text holds none) or raises
:class:`~pipeline.errors.ParseError`; nothing else escapes, whatever the input.
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Optional

from .errors import ParseError
from .lexicon import WIDE
from .models import Target

# --------------------------------------------------------------------------- text


_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
_BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr"})
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")
_CJK_GAP = re.compile(rf"(?<=[{WIDE}])[ \t\u3000]+(?=[{WIDE}])")


def strip_markup(text: str) -> str:
    """Remove HTML tags (``<p>``, ``<br>``...) and unescape entities; never interprets markup.

    Block tags become a line break so that paragraphs stay apart; inline tags vanish."""
    if "<" in text:
        text = _TAG.sub(lambda m: "\n" if m.group(2).lower() in _BLOCK_TAGS else "", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def clean_text(text: str) -> str:
    """Spaces folded, line breaks read as one space, ends stripped. (Markup is the reader's
    business: it is stripped once, where it is read, so that an unescaped ``&lt;`` stays.)"""
    if text.isprintable() and "  " not in text:  # the common case: nothing to fold
        return text.strip()
    if "\xa0" in text or "\u3000" in text or "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _BLANK_LINES.sub("\n", text.strip())
        # a paragraph break inside one value reads as one space, as in the budget system
        text = text.replace("\n", " ")
    return text.strip()


def join_cjk_spaces(text: str) -> str:
    """Remove spurious spaces between CJK characters (OCR and wrapped PDF lines)."""
    return _CJK_GAP.sub("", text)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


# --------------------------------------------------------------------------- numbers


_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2,
              "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
              "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUMERAL_CHARS = "".join(_CN_DIGITS) + "".join(_CN_UNITS) + "".join(_CN_BIG)
CN_NUMBER = re.compile(f"[{''.join(_CN_DIGITS)}{''.join(_CN_UNITS)}][{CN_NUMERAL_CHARS}]*")


def cn_to_int(text: str) -> int:
    """Read a Chinese numeral: 十二 -> 12, 一百零五 -> 105, 三千五百 -> 3500, 两万 -> 20000,
    二〇二五 -> 2025 (digit by digit when no unit is written)."""
    if not text or any(c not in _CN_DIGITS and c not in _CN_UNITS and c not in _CN_BIG for c in text):
        raise ParseError(f"not a Chinese numeral: {text!r}")
    if all(c in _CN_DIGITS for c in text):
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total, section, number = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            number = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            section += (number or (1 if unit == 10 else 0)) * unit
            number = 0
        else:
            big = _CN_BIG[ch]
            section += number
            if big > 10_000:
                total = (total + section) * big
            else:
                total += (section or 1) * big
            section, number = 0, 0
    return total + section + number


_NUM_SPACED = re.compile(r"(?<=[\d,.，])\s+(?=[\d,.，])")
_FULLWIDTH_NUM = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")


_PLAIN_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)")


def parse_decimal(text: str) -> Decimal:
    """An amount as written: ``9, 528. 09`` -> 9528.09, ``1,025.16``, ``50,000.00``, ``１２３``."""
    if text.isascii() and text.replace(".", "", 1).isdigit():  # the common case: 1750, 17.5
        return Decimal(text)
    raw = text
    text = text.translate(_FULLWIDTH_NUM).strip()
    text = _NUM_SPACED.sub("", text).replace(",", "").replace("，", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise ParseError(f"not a number: {raw!r}")
    return Decimal(text)


_AMOUNT = re.compile(r"[-+]?\d[\d,，\s]*(?:[.．]\s*\d+)?")


def parse_amount_wan(text: str) -> Decimal:
    """A 万元 field: the number it holds (units written beside it are converted to 万元)."""
    if text.isascii() and text.replace(".", "", 1).isdigit():  # the common case: 797.00
        return Decimal(text)
    t = text.translate(_FULLWIDTH_NUM).strip()
    m = _AMOUNT.search(t)
    if not m:
        raise ParseError(f"no amount in {text!r}")
    value = parse_decimal(m.group(0))
    rest = t[m.end():].strip()
    if rest.startswith("亿"):
        value *= 10_000
    elif rest.startswith("元"):
        value /= 10_000
    return value


_DIGITS = re.compile(r"\d+")
_NOT_DIGIT = re.compile(r"\D")
_TICKED = re.compile(r"[☑✔√■]\s*([是否])")
_BOXES = re.compile(r"[\s□☐]")
_TYPE_CODE = re.compile(r"(\d+)\s*[-、.．:：]?\s*(.*)")
_TRUE = frozenset(("是", "Y", "y", "yes", "Yes", "YES", "true", "True", "1"))
_FALSE = frozenset(("否", "N", "n", "no", "No", "NO", "false", "False", "0"))


def parse_int(text: str) -> int:
    """A small whole number written in digits or Chinese numerals: ``4``, ``5年``, ``五年``."""
    t = text.translate(_FULLWIDTH_NUM).strip()
    m = _DIGITS.search(t)
    if m:
        return int(m.group(0))
    m = CN_NUMBER.search(t)
    if m:
        return cn_to_int(m.group(0))
    raise ParseError(f"no whole number in {text!r}")


def parse_bool(text: str) -> bool:
    """是/否 (with stray ticks and boxes: ☑是 □否)."""
    t = text.strip()
    if t in _TRUE or t in _FALSE:  # the common case
        return t in _TRUE
    ticked = _TICKED.findall(t)
    if len(ticked) == 1:
        return ticked[0] == "是"
    t = _BOXES.sub("", t)
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ParseError(f"not 是/否: {text!r}")


def parse_project_type(text: str) -> tuple[Optional[str], Optional[str]]:
    """``01 其他项目`` -> ("01", "其他项目"); ``其他项目`` -> (None, "其他项目")."""
    t = clean_text(text).translate(_FULLWIDTH_NUM)
    m = _TYPE_CODE.fullmatch(t)
    if m:
        return m.group(1), (m.group(2).strip() or None)
    return None, (t or None)


def digits_only(text: str) -> str:
    if text.isascii() and text.isdigit():  # the common case: a code as written
        return text
    return _NOT_DIGIT.sub("", text.translate(_FULLWIDTH_NUM))


# --------------------------------------------------------------------------- indicator targets


_COMPARATORS = (
    ("≥", "≥"), (">=", "≥"), ("＞＝", "≥"), ("不低于", "≥"), ("不少于", "≥"), ("大于等于", "≥"),
    ("大于或等于", "≥"), ("至少", "≥"), ("以上", "≥"),
    ("≤", "≤"), ("<=", "≤"), ("＜＝", "≤"), ("不高于", "≤"), ("不超过", "≤"), ("不多于", "≤"),
    ("小于等于", "≤"), ("小于或等于", "≤"), ("以内", "≤"), ("以下", "≤"),
    ("＞", ">"), (">", ">"), ("大于", ">"), ("高于", ">"), ("超过", ">"),
    ("＜", "<"), ("<", "<"), ("小于", "<"), ("低于", "<"),
    ("＝", "="), ("=", "="), ("达到", "="), ("等于", "="),
)
_TARGET_NUM = re.compile(
    rf"(?P<num>\d[\d,]*(?:\.\d+)?|{CN_NUMBER.pattern})\s*(?P<unit>%|‰|[^\d\s,，。；;、（）()]*)"
)
_UNIT_STOP = re.compile(r"[以及和或至到\-~～/]")


@lru_cache(maxsize=4096)
def parse_target(text: str) -> Target:
    """An indicator value as comparator, number and unit.

    ``≥95%`` -> (≥, 95, %); ``420人`` -> (=, 420, 人); ``营业收入（含代收代付）15亿元`` ->
    (=, 15, 亿元); ``一年`` -> (=, 1, 年); ``良好`` / ``不适用`` -> all None.
    Targets are frozen, so the cache may hand the same one to many rows."""
    t = nfkc(clean_text(text)).replace("＜", "<").replace("＞", ">")
    if not t or t in ("不适用", "无", "/", "-", "—"):
        return Target()
    m = _TARGET_NUM.search(t)
    if not m:
        return Target()
    num_text = m.group("num")
    try:
        number = parse_decimal(num_text) if num_text[0].isdigit() else Decimal(cn_to_int(num_text))
    except ParseError:
        return Target()
    unit = m.group("unit")
    stop = _UNIT_STOP.search(unit)
    if stop:
        unit = unit[: stop.start()]
    unit = unit.strip() or None
    comparator = "="
    around = t[: m.start()] + " " + t[m.end():]
    for word, symbol in _COMPARATORS:
        if word in around:
            comparator = symbol
            break
    return Target(comparator=comparator, number=number, unit=unit)
