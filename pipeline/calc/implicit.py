"""Products written in words, not with ×: ``奖励2人，5万/人，共10万元``.

Read only where it is safe: a quantity with a unit U, then a rate per U (``5万/人``) in the
same sentence, then a stated result (共/计/合计) that the product matches within the
rounding of its written precision. Anything less certain is left alone: a missed implicit
term costs nothing, a false one misleads a reviewer.
"""
from __future__ import annotations

import re

from ..lexicon import COUNT_UNIT as _UNITS, MONEY_UNIT, unit_multiplier
from .terms import NUM, Span, term_label, amount_yuan, read_number

_IMPLICIT = re.compile(
    rf"(?P<qty>{NUM})(?P<u>{_UNITS})[，,、\s]*"
    rf"(?P<rate>{NUM})(?P<money>{MONEY_UNIT})/(?P=u)[，,、\s]*"
    rf"(?P<mark>共计|合计|共|计)\s*[:：]?\s*(?P<approx>约)?(?P<res>{NUM})\s*(?P<runit>{MONEY_UNIT})"
)
# what every _IMPLICIT match contains (a rate per unit, then its result mark): most texts have
# none, and this literal-led search rules them out far more cheaply than _IMPLICIT's own scan
_RATE_THEN_MARK = re.compile(rf"/(?:{_UNITS})[，,、\s]*(?:共|合计|计)")


def find_implicit(text: str, explicit: list[Span]) -> list[Span]:
    if not _RATE_THEN_MARK.search(text):
        return []
    taken = [(s.start, s.end) for s in explicit]
    out = []
    for m in _IMPLICIT.finditer(text):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        qty, rate = read_number(m.group("qty")), read_number(m.group("rate"))
        product = qty * rate * unit_multiplier(m.group("money"))
        stated, step = amount_yuan(m.group("res"), m.group("runit"))
        if abs(product - stated) > step / 2:
            continue  # the words do not multiply out: not a product after all
        unit = m.group("u")
        out.append(Span(m.start(), m.end(), {
            "text": m.group(0), "label": term_label(text, m.start(), m.start()),
            "factors": [{"value": qty, "unit": unit}, {"value": rate, "unit": f"{m.group('money')}/{unit}"}],
            "product_yuan": product, "stated_yuan": stated, "stated_unit_yuan": step,
            "approximate": bool(m.group("approx")), "implicit": True,
        }))
    return out
