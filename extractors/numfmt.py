"""Spreadsheet values as displayed: an Excel number format applied to a cell's value.

Shared by the .xlsx and .xls readers. ``display(value, fmt)`` gives the text the sheet shows:
``9528.085`` under ``#,##0.00`` is ``9,528.09``; ``0.95`` under ``0%`` is ``95%``; a date
under ``yyyy"年"m"月"d"日"`` is ``2026年1月1日``. Two departures from Excel, on purpose: an
integer is never shown in scientific notation (``440304241230100000005`` stays a digit string
where Excel's General would print ``4.40304E+20``), and General shows up to 15 significant
digits without Excel's column-width rounding.

Supported: sections (``pos;neg;zero;text``), ``0 # ?`` placeholders, thousands ``,`` and
scaling commas, ``%``, ``E+00``, quoted and ``\\``-escaped literals, ``[Red]``/``[$¥-804]``
brackets, ``_x`` and ``*x`` padding, ``@``, and date/time codes (y m d h s AM/PM, elapsed
``[h]``). Anything else falls back to General rather than guessing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Optional, Union

Value = Union[str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta, None]

_DATE_CODES = re.compile(r"(?i)y+|m+|d+|h+|s+|e+|am/pm|a/p|上午/下午")
_BRACKET = re.compile(r"\[[^\]]*\]")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
# the built-in formats whose code depends on the locale (ids 27-36, 50-58): what zh-CN Excel
# shows for them (files name only the id; openpyxl and xlrd report them as General)
CJK_BUILTIN_FORMATS = {
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy", 31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"', 34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"', 50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"', 57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}
_EPOCH_1904 = dt.datetime(1904, 1, 1)


def general(value: Union[int, float, Decimal]) -> str:
    """General: integers as their digits, other numbers to 15 significant digits, plain notation."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "#NUM!"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        d = Decimal(f"{value:.15g}")
    else:
        d = value
    text = format(d.normalize(), "f")
    return text


# --------------------------------------------------------------------------- parsing a format


@dataclass(frozen=True)
class Section:
    """One ``;``-separated part of a format code, tokenised."""

    tokens: tuple[tuple[str, str], ...]   # (kind, text): lit, num, date, text(@)
    is_date: bool
    condition: Optional[tuple[str, float]] = None


def _split_sections(code: str) -> list[str]:
    parts, buf, quote, i = [], [], False, 0
    while i < len(code):
        ch = code[i]
        if ch == '"':
            quote = not quote
        elif ch == "\\" and not quote and i + 1 < len(code):
            buf.append(code[i:i + 2])
            i += 2
            continue
        elif ch == ";" and not quote:
            parts.append("".join(buf))
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


_CONDITION = re.compile(r"^\[(<=|>=|<>|<|>|=)(-?\d+(?:\.\d+)?)\]")
_CURRENCY = re.compile(r"^\[\$([^\-\]]*)(?:-[0-9A-Fa-f]+)?\]$")


def _tokenise(part: str) -> Section:
    tokens: list[tuple[str, str]] = []
    condition = None
    i = 0
    is_date = False
    while i < len(part):
        ch = part[i]
        if ch == '"':
            j = part.find('"', i + 1)
            j = len(part) if j < 0 else j
            tokens.append(("lit", part[i + 1:j]))
            i = j + 1
        elif ch == "\\" and i + 1 < len(part):
            tokens.append(("lit", part[i + 1]))
            i += 2
        elif ch == "_" and i + 1 < len(part):
            tokens.append(("lit", " "))  # padding the width of the next character
            i += 2
        elif ch == "*" and i + 1 < len(part):
            i += 2  # fill character: nothing to show in a cell's text
        elif ch == "[":
            j = part.find("]", i)
            j = len(part) - 1 if j < 0 else j
            body = part[i:j + 1]
            m = _CONDITION.match(body)
            cur = _CURRENCY.match(body)
            if m:
                condition = (m.group(1), float(m.group(2)))
            elif cur:
                tokens.append(("lit", cur.group(1)))
            elif re.fullmatch(r"\[(h+|m+|s+)\]", body, re.I):
                tokens.append(("date", body.lower()))
                is_date = True
            # colours, locales, [DBNum1]: nothing shown
            i = j + 1
        elif ch == "@":
            tokens.append(("text", "@"))
            i += 1
        elif ch in "0#?.,%":
            tokens.append(("num", ch))
            i += 1
        elif ch in "Ee" and i + 1 < len(part) and part[i + 1] in "+-" and any(t[0] == "num" for t in tokens):
            tokens.append(("num", part[i:i + 2]))
            i += 2
        else:
            m = _DATE_CODES.match(part, i)
            if m:
                tokens.append(("date", m.group(0).lower() if m.group(0) != "上午/下午" else m.group(0)))
                is_date = True
                i = m.end()
            else:
                tokens.append(("lit", ch))
                i += 1
    if is_date:  # in a date format, '0' after seconds means fractions; '.', ',' are literal
        tokens = [("lit", t) if k == "num" and t in ".,%" else (k, t) for k, t in tokens]
    return Section(tuple(tokens), is_date, condition)


@lru_cache(maxsize=1024)
def parse_format(code: str) -> tuple[Section, ...]:
    return tuple(_tokenise(p) for p in _split_sections(code))


def is_date_format(code: str) -> bool:
    if not code or code.lower() == "general":
        return False
    return parse_format(code)[0].is_date


# --------------------------------------------------------------------------- numbers


def _pick(sections: tuple[Section, ...], value: float) -> tuple[Section, bool]:
    """The section for ``value`` and whether the sign is still to be printed."""
    numeric = [s for s in sections if not any(k == "text" for k, _ in s.tokens) or len(sections) == 1]
    if any(s.condition for s in numeric):
        for s in numeric:
            if s.condition is None:
                return s, value < 0
            op, ref = s.condition
            if {"<": value < ref, ">": value > ref, "=": value == ref, "<=": value <= ref,
                    ">=": value >= ref, "<>": value != ref}[op]:
                return s, False
        return numeric[-1], value < 0
    if len(numeric) >= 3 and value == 0:
        return numeric[2], False
    if len(numeric) >= 2 and value < 0:
        return numeric[1], False
    return numeric[0], value < 0


def _format_number(value: Decimal, tokens: tuple[tuple[str, str], ...]) -> Optional[str]:
    nums = [t for k, t in tokens if k == "num"]
    if not nums:
        return None
    first = next(i for i, (k, _) in enumerate(tokens) if k == "num")
    last = max(i for i, (k, _) in enumerate(tokens) if k == "num")
    prefix = "".join(t for k, t in tokens[:first] if k == "lit")
    suffix = "".join(t for k, t in tokens[last + 1:] if k == "lit")
    middle = tokens[first:last + 1]
    if any(k not in ("num", "lit") for k, _ in middle):
        return None
    inner_lit = "".join(t for k, t in middle if k == "lit")
    if inner_lit.strip(" "):
        return None  # literals between digits (phone-number formats): not supported
    spec = "".join(t for k, t in middle if k == "num")
    percent = spec.count("%")
    spec = spec.replace("%", "")
    suffix = "%" * percent + suffix
    value = value * (Decimal(100) ** percent)
    exp_part = None
    for marker in ("E+", "E-", "e+", "e-"):
        if marker in spec:
            spec, exp_part = spec.split(marker, 1)
            exp_part = marker[1] + exp_part
            break
    int_spec, _, frac_spec = spec.partition(".")
    scale = 0
    while int_spec.endswith(","):
        int_spec, scale = int_spec[:-1], scale + 1
    value = value / (Decimal(1000) ** scale)
    group = "," in int_spec
    int_spec = int_spec.replace(",", "")
    if exp_part is not None:
        if value == 0:
            exponent = 0
        else:
            exponent = value.adjusted() - (max(len(int_spec), 1) - 1)
        mant = value.scaleb(-exponent)
        body = _digits(mant, int_spec, frac_spec, group)
        sign = "-" if exponent < 0 else ("+" if exp_part[0] == "+" else "")
        return f"{prefix}{body}E{sign}{abs(exponent):0{len(exp_part) - 1}d}{suffix}"
    return prefix + _digits(value, int_spec, frac_spec, group) + suffix


def _digits(value: Decimal, int_spec: str, frac_spec: str, group: bool) -> str:
    places = len(frac_spec)
    q = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(abs(q), "f")
    ip, _, fp = text.partition(".")
    min_int = int_spec.count("0")
    ip = ip.lstrip("0")
    ip = ip.rjust(min_int, "0")
    if group and ip:
        ip = f"{int(ip):,}"
    if fp:
        keep = len(frac_spec) - len(frac_spec.rstrip("#?"))  # optional places at the end
        required = places - keep
        while len(fp) > required and fp.endswith("0"):
            fp = fp[:-1]
        fp = fp.ljust(required, "0")
    if not places:
        return ip
    return ip + "." + fp  # '#.##' shows '5.' as Excel does


# --------------------------------------------------------------------------- dates


def serial_to_datetime(serial: float, date1904: bool = False) -> dt.datetime:
    base = _EPOCH_1904 if date1904 else _EPOCH_1900
    return base + dt.timedelta(days=serial)


def _format_date(value: dt.datetime, tokens: tuple[tuple[str, str], ...], serial: Optional[float]) -> str:
    ampm = any(k == "date" and t in ("am/pm", "a/p", "上午/下午") for k, t in tokens)
    out: list[str] = []
    kinds = [t if k == "date" else None for k, t in tokens]
    for i, (k, t) in enumerate(tokens):
        if k != "date":
            if k == "num" and t == "0":
                continue  # fractions of seconds: not shown
            out.append(t)
            continue
        c = t[0] if not t.startswith("[") else "["
        if c == "y" or c == "e":
            out.append(f"{value.year:04d}" if len(t) > 2 or c == "e" else f"{value.year % 100:02d}")
        elif c == "m":
            prev = next((x for x in reversed(kinds[:i]) if x and x[0] in "hdys["), None)
            nxt = next((x for x in kinds[i + 1:] if x and x[0] in "sdhy["), None)
            minute = (prev is not None and prev[0] in "h[") or (nxt is not None and nxt[0] == "s")
            if minute:
                out.append(f"{value.minute:02d}" if len(t) >= 2 else str(value.minute))
            elif len(t) == 1:
                out.append(str(value.month))
            elif len(t) == 2:
                out.append(f"{value.month:02d}")
            elif len(t) == 3:
                out.append(value.strftime("%b"))
            else:
                out.append(value.strftime("%B"))
        elif c == "d":
            if len(t) == 1:
                out.append(str(value.day))
            elif len(t) == 2:
                out.append(f"{value.day:02d}")
            elif len(t) == 3:
                out.append(value.strftime("%a"))
            else:
                out.append(value.strftime("%A"))
        elif c == "h":
            h = value.hour
            if ampm:
                h = h % 12 or 12
            out.append(f"{h:02d}" if len(t) >= 2 else str(h))
        elif c == "s":
            out.append(f"{value.second:02d}" if len(t) >= 2 else str(value.second))
        elif c == "[":
            total = (serial or 0.0) * 24
            unit = t[1]
            n = int(total) if unit == "h" else int(total * 60) if unit == "m" else int(total * 3600)
            out.append(str(n))
        elif t in ("am/pm", "a/p"):
            pm = value.hour >= 12
            out.append(("PM" if pm else "AM") if t == "am/pm" else ("P" if pm else "A"))
        elif t == "上午/下午":
            out.append("下午" if value.hour >= 12 else "上午")
    return "".join(out)


def _as_datetime(value: Value) -> Optional[dt.datetime]:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return dt.datetime(1899, 12, 31, value.hour, value.minute, value.second)
    if isinstance(value, dt.timedelta):
        return _EPOCH_1900 + value
    return None


def _serial(value: dt.datetime) -> float:
    delta = value - _EPOCH_1900
    return delta.days + delta.seconds / 86400


# --------------------------------------------------------------------------- display


def display(value: Value, fmt: Optional[str] = "General", *, date1904: bool = False) -> str:
    """The text a spreadsheet shows for ``value`` under number format ``fmt``."""
    if value is None:
        return ""
    if isinstance(value, str):
        if fmt and "@" in fmt and fmt != "@":
            sections = parse_format(fmt)
            text_sec = next((s for s in sections if any(k == "text" for k, _ in s.tokens)), None)
            if text_sec is not None:
                return "".join(value if k == "text" else t for k, t in text_sec.tokens if k in ("lit", "text"))
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    code = (fmt or "General").strip()
    when = _as_datetime(value)
    if when is not None:
        if not is_date_format(code):
            if isinstance(value, dt.time):
                return value.strftime("%H:%M:%S")
            return when.strftime("%Y-%m-%d %H:%M:%S" if when.time() != dt.time() else "%Y-%m-%d")
        sec, _ = _pick(parse_format(code), 1.0)
        return _format_date(when, sec.tokens, _serial(when))
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    if code.lower() in ("general", "@", ""):
        return general(value)
    try:
        sections = parse_format(code)
        sec, sign = _pick(sections, float(value))
        if sec.is_date:
            serial = float(value)
            return _format_date(serial_to_datetime(serial, date1904), sec.tokens, serial)
        if all(k == "lit" for k, _ in sec.tokens):
            text = "".join(t for _, t in sec.tokens)
            if text.lower() == "general":
                return ("-" if sign else "") + general(abs(value))
            return text
        if any(k == "lit" and t.lower() == "general" for k, t in sec.tokens):
            return general(value)
        d = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value))) if isinstance(value, float) else value
        body = _format_number(abs(d), sec.tokens)
        if body is None:
            return general(value)
        if sign and any(ch.isdigit() and ch != "0" for ch in body):
            body = "-" + body
        return body
    except (InvalidOperation, ValueError, OverflowError, IndexError):
        return general(value)


__all__ = ["CJK_BUILTIN_FORMATS", "display", "general", "is_date_format", "parse_format", "serial_to_datetime"]
