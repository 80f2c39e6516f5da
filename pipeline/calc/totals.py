"""The total a calculation text supports.

In order of trust:
1. the grand total, when stated (以上合计 / 以上资金测算总计 / 总计 … as the text's last total);
2. the sum of the top-level numbered items' amounts — an item's own total (合计/小计), else
   the amount of its head when it has sub-items, else its last term's stated result or the
   amount it ends with (``1.17.5万元/人*14人=245万元。2.…约3.43万元。`` -> 248.43万元);
3. the sum of section totals written outside numbered items;
4. the sum of the terms (stated result, else product).

Item numbers (``1.``, ``1、``, ``（1）``, ``①``, ``一、``) are found as sequences 1, 2, 3… of
one style, at the start of a clause; they are never read as amounts or factors.

Every amount carries how far rounding may have moved it (:class:`Amount`): half a unit of the
precision it is written in (``18298.53万元`` ± 50 元), nothing for a product of written factors,
the halves added up for a sum of rounded amounts; and whether the text calls it approximate.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from typing import Optional

from ..lexicon import IDEOGRAPHS, MONEY_UNIT, MONEY_UNIT_NOT_COUNT
from .terms import NUM, Span, amount_yuan

_CN_ORDINALS = "一二三四五六七八九十"
_STYLES = {
    "cn": re.compile(r"(?:^|(?<=[\s。；;：:，,！？!?]))(?P<n>[一二三四五六七八九十]{1,2})[、.．]"),
    "dun": re.compile(r"(?:^|(?<=[\s。；;：:，,！？!?）)]))(?P<n>\d{1,2})、"),
    "dot": re.compile(r"(?:^|(?<=[\s。；;：:，,！？!?）)]))(?P<n>\d{1,2})[.．](?![\d.]*%)"),
    "paren": re.compile(r"[（(](?P<n>\d{1,2})[）)]"),
    "circled": re.compile(r"(?P<n>[①-⑳])"),
}
_TOTAL = re.compile(
    rf"(?P<mark>合计|共计|总计|小计|总共|共需|总额|(?<=[，,；;。\s])共)\s*[:：为]?\s*(?P<approx>约)?\s*"
    rf"(?P<num>{NUM})\s*(?P<unit>{MONEY_UNIT})"
)
_LEAD_STOP = re.compile(r"[。；;，,\d]")
_CONTENT = re.compile(rf"[\d{IDEOGRAPHS}]")
_GRAND = re.compile(r"以上|上述|综上|全部|总计")
_MONEY = re.compile(rf"(?P<num>{NUM})\s*(?P<unit>{MONEY_UNIT_NOT_COUNT})")


def _ordinal(style: str, text: str) -> int:
    if style == "cn":
        return _CN_ORDINALS.index(text[-1]) + 1 + (9 if len(text) == 2 else 0)
    if style == "circled":
        return ord(text) - ord("①") + 1
    return int(text)


@dataclass(frozen=True)
class Amount:
    """An amount in 元 with its rounding: ``rounding`` is the sum of half a written unit of every
    rounded amount it adds up, ``coarsest`` the largest of those halves; ``approximate`` when any
    of them is written with 约/≈/左右."""

    yuan: Decimal
    rounding: Decimal = Decimal(0)
    coarsest: Decimal = Decimal(0)
    approximate: bool = False

    @classmethod
    def written(cls, yuan: Decimal, step: Optional[Decimal], approximate: bool = False) -> "Amount":
        half = (step or Decimal(0)) / 2
        return cls(yuan, half, half, approximate)

    def __add__(self, other: "Amount") -> "Amount":
        return Amount(self.yuan + other.yuan, self.rounding + other.rounding,
                      max(self.coarsest, other.coarsest), self.approximate or other.approximate)


ZERO = Amount(Decimal(0))


def _sum(amounts: list[Amount]) -> Amount:
    out = ZERO
    for a in amounts:
        out = out + a
    return out


def _term_amount(term: dict) -> Amount:
    """A term's stated result (rounded as written) or else its exact product."""
    if term["stated_yuan"] is not None:
        return Amount.written(term["stated_yuan"], term["stated_unit_yuan"], term["approximate"])
    return Amount(term["product_yuan"], approximate=term["approximate"])


@dataclass(frozen=True)
class Item:
    number: int
    start: int
    end: int
    style: str


@lru_cache(maxsize=16)
def _marks(text: str) -> dict[str, tuple[tuple[int, int], ...]]:
    """Every item-number candidate of every style: (position, ordinal), one scan per style
    per text however often items are looked up in it."""
    return {style: tuple((m.start(), _ordinal(style, m.group("n"))) for m in rx.finditer(text))
            for style, rx in _STYLES.items()}


def find_items(text: str, style: str, start: int = 0, end: Optional[int] = None) -> list[Item]:
    """Numbered items of one style in text[start:end], numbered 1, 2, 3… in order."""
    end = len(text) if end is None else end
    marks = []
    expected = 1
    for pos, ordinal in _marks(text)[style]:
        if start <= pos < end and ordinal == expected:
            marks.append(pos)
            expected += 1
    return [Item(number=i + 1, start=s, end=(marks[i + 1] if i + 1 < len(marks) else end), style=style)
            for i, s in enumerate(marks)]


def top_style(text: str, start: int = 0, end: Optional[int] = None) -> Optional[str]:
    """The numbering style of the outermost items: the first style whose item 1 comes first."""
    best: Optional[tuple[int, str]] = None
    for style in _STYLES:
        items = find_items(text, style, start, end)
        if items and (best is None or items[0].start < best[0]):
            best = (items[0].start, style)
    return best[1] if best else None


@dataclass(frozen=True)
class Total:
    start: int
    end: int
    yuan: Decimal
    grand: bool
    step: Decimal = Decimal("0.01")  # the precision it is written in, in 元
    approximate: bool = False

    @property
    def amount(self) -> Amount:
        return Amount.written(self.yuan, self.step, self.approximate)


def find_totals(text: str) -> list[Total]:
    out = []
    for m in _TOTAL.finditer(text):
        yuan, step = amount_yuan(m.group("num"), m.group("unit"))
        lead = text[max(0, m.start() - 10):m.start()]  # the words before the mark, in its clause
        stops = list(_LEAD_STOP.finditer(lead))
        if stops:
            lead = lead[stops[-1].end():]
        grand = bool(_GRAND.search(lead)) or m.group("mark") in ("总计", "总共", "共需", "总额")
        out.append(Total(start=m.start("mark"), end=m.end(), yuan=yuan, grand=grand, step=step,
                         approximate=bool(m.group("approx"))))
    return out


def _tail_is_empty(text: str, pos: int) -> bool:
    return not _CONTENT.search(text, pos)


def item_amount(text: str, item: Item, terms: list[Span], totals: list[Total]) -> Optional[Amount]:
    inside = [t for t in totals if item.start <= t.start < item.end and not t.grand]
    if inside:
        return inside[-1].amount
    body_start = item.start + 1
    sub = top_style(text, body_start, item.end)
    if sub and sub != item.style:
        subs = find_items(text, sub, body_start, item.end)
        head = _last_money(text, body_start, subs[0].start)
        if head is not None:
            return head
        amounts = [item_amount(text, s, terms, totals) for s in subs]
        known = [a for a in amounts if a is not None]
        return _sum(known) if known else None
    own = [s for s in terms if item.start <= s.start < item.end]
    if own and own[-1].term["stated_yuan"] is not None and _tail_is_empty(text, own[-1].end):
        return _term_amount(own[-1].term)
    if own and _tail_is_empty(text[: item.end], own[-1].end):
        return _term_amount(own[-1].term)
    return _last_money(text, body_start, item.end)


def _last_money(text: str, start: int, end: int) -> Optional[Amount]:
    last = None
    for m in _MONEY.finditer(text, start, end):
        last = m
    if last is None:
        return None
    yuan, step = amount_yuan(last.group("num"), last.group("unit"))
    return Amount.written(yuan, step, approximate="约" in text[max(start, last.start() - 2):last.start()])


def supported_total(text: str, terms: list[Span]) -> tuple[Optional[Amount], Optional[str]]:
    """The total the text supports, with its rounding, and how it was found (stated, items,
    sections, terms)."""
    totals = find_totals(text)
    if totals and totals[-1].grand and _tail_is_empty(text, totals[-1].end):
        return totals[-1].amount, "stated"
    style = top_style(text)
    if style:
        items = find_items(text, style)
        amounts = [item_amount(text, it, terms, totals) for it in items]
        known = [a for a in amounts if a is not None]
        if known:
            return _sum(known), "items"
    if totals:
        return _sum([t.amount for t in totals]), "sections"
    if terms:
        return _sum([_term_amount(s.term) for s in terms]), "terms"
    return None, None
