"""Findings for reviewers: arithmetic, totals, 元/万元 mix-ups, low OCR confidence and rows placed by guess.

Each check is a small function ``(form, settings) -> list[Finding]``; :func:`validate` runs
them all. Messages quote the numbers, so a reviewer can act without opening the file.
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, Optional

from .labels import load_vocabulary
from .lexicon import LEVEL_FOLDS, level_group
from .models import CalcTerm, Calculation, Finding, Form, Indicator
from .settings import Settings, ValidationSettings, resolve

WAN = Decimal(10_000)


def fmt(value: Decimal) -> str:
    """A number for a message: thousands separated, no float noise, no trailing zeros."""
    q = value.normalize()
    if q == q.to_integral_value():
        return f"{int(q):,}"
    return f"{q:,f}"


def stated_tolerance(stated_unit_yuan: Optional[Decimal], approximate: bool,
                     default_unit: Decimal = Decimal("0.01")) -> Decimal:
    """How far a stated result may be from the product: the rounding of its written precision
    (half a unit of its last digit; a whole unit when the term says 约/≈); ``default_unit``
    (``validation.default_stated_unit_yuan``) where the precision is unknown."""
    unit = stated_unit_yuan if stated_unit_yuan is not None else default_unit
    return unit if approximate else unit / 2


def term_tolerance(term: CalcTerm, default_unit: Decimal = Decimal("0.01")) -> Decimal:
    return stated_tolerance(term.stated_unit_yuan, term.approximate, default_unit)


def check_terms(form: Form, settings: Settings) -> list[Finding]:
    out = []
    default_unit = Decimal(str(settings.validation.default_stated_unit_yuan))
    for i, term in enumerate(form.calculation.terms):
        if term.stated_yuan is None:
            continue
        diff = abs(term.product_yuan - term.stated_yuan)
        if diff > term_tolerance(term, default_unit):
            factors = " × ".join(fmt(f.value) + (f.unit or "") for f in term.factors)
            out.append(Finding(
                code="ARITHMETIC_MISMATCH", severity="error", field=f"calculation.terms[{i}]",
                message=(f"{factors} = {fmt(term.product_yuan)} 元, but {fmt(term.stated_yuan)} 元 "
                         f"is written (off by {fmt(diff)} 元) in “{term.text}”"),
            ))
    return out


def declared_unit_yuan(amount: Decimal) -> Decimal:
    """The precision a 万元 amount is written in, in 元 (2065.36 -> 100 元)."""
    exponent = amount.as_tuple().exponent
    return WAN * (Decimal(10) ** exponent) if isinstance(exponent, int) else WAN


def total_tolerance(calc: Calculation, declared_unit: Decimal, declared: Decimal,
                    v: ValidationSettings) -> Decimal:
    """How far the supported total may be from the declared amount, in 元, from how the numbers are
    written and never from their size: half a unit of the coarser written precision of the two
    amounts compared, plus half a unit of every further rounded amount the total adds up. A share
    of the amount (``total_approx_rel_tolerance``) is allowed only when the text says 约/≈/左右."""
    rounding = Decimal(calc.total_rounding_yuan)
    coarsest = Decimal(calc.total_coarsest_yuan)
    tolerance = max(declared_unit / 2, coarsest) + (rounding - coarsest)
    if calc.total_approximate:
        tolerance = max(tolerance, abs(declared) * Decimal(str(v.total_approx_rel_tolerance)))
    return max(tolerance, Decimal(str(v.total_abs_tolerance_yuan)))


def check_total(form: Form, settings: Settings) -> list[Finding]:
    v = settings.validation
    calc = form.calculation
    total = calc.total_yuan
    annual = form.header.annual_amount
    if total is None or annual is None or total == 0:
        return []
    declared = annual * WAN
    unit = declared_unit_yuan(annual)
    if abs(total - declared) <= total_tolerance(calc, unit, declared, v):
        return []
    for power in v.unit_powers:
        scale = Decimal(10) ** power
        if declared != 0 and abs(total - declared / scale) <= total_tolerance(calc, unit / scale, declared / scale, v):
            hint = "元 written into a 万元 field?" if power == 4 else f"off by 10^{power}"
            return [Finding(
                code="UNIT_SUSPECT", severity="error", field="annual_amount",
                message=(f"本年度项目金额 {fmt(annual)} 万元 = {fmt(declared)} 元, but the calculation "
                         f"supports {fmt(total)} 元 = {fmt(total / WAN)} 万元: {hint}"),
            )]
    return [Finding(
        code="TOTAL_MISMATCH", severity="error", field="annual_amount",
        message=(f"本年度项目金额 {fmt(annual)} 万元, but the calculation supports {fmt(total)} 元 "
                 f"= {fmt(total / WAN)} 万元 (difference {fmt((total - declared) / WAN)} 万元)"),
    )]


def check_declared_amounts(form: Form, settings: Settings) -> list[Finding]:
    """The mid-term total below the year's amount by a power of ten: one of them is in 元."""
    total, annual = form.header.total_amount, form.header.annual_amount
    if total is None or annual is None or annual <= 0 or total <= 0:
        return []
    ratio = total / annual
    if ratio >= Decimal(str(settings.validation.unit_suspect_ratio)):
        return [Finding(code="UNIT_SUSPECT", severity="warning", field="total_amount",
                        message=(f"项目总金额 {fmt(total)} 万元 is {fmt(ratio.quantize(Decimal(1)))}× the "
                                 f"year's {fmt(annual)} 万元: 元 written into a 万元 field?"))]
    return []


_READ_BY = {"ocr": "OCR", "pdf": "the PDF's text layer"}


def check_confidence(form: Form, settings: Settings) -> list[Finding]:
    """``LOW_CONFIDENCE`` for a header field or an indicator row under
    ``validation.low_confidence``: read by OCR, or copied text the reader placed by guess
    (flowing PDF text that does not say which row a cell is, or which label an amount is;
    its provenance confidence is then 0.5)."""
    threshold = settings.validation.low_confidence
    out = []
    for key, prov in form.provenance.items():
        if prov.origin == "ocr" and prov.confidence < threshold:
            out.append(Finding(code="LOW_CONFIDENCE", severity="warning", field=key,
                               message=(f"{key} read by OCR with confidence {prov.confidence:.2f} "
                                        f"(< {threshold:.2f}) on page {prov.page}: check it by eye")))
        elif prov.origin == "text" and prov.confidence < threshold:
            out.append(Finding(code="LOW_CONFIDENCE", severity="warning", field=key,
                               message=(f"{key} (line {prov.line}) placed by guess (confidence {prov.confidence:.2f}): "
                                        f"the copied text does not say which label this value belongs to; "
                                        f"compare it with the document")))
    for i, ind in enumerate(form.indicators):
        low = [p for p in ind.prov if p.confidence < threshold]
        if not low:
            continue
        prov = min(low, key=lambda p: p.confidence)
        name = ind.level3 or ind.level2 or ind.level1
        if prov.origin == "text":
            how = (f"placed by guess (confidence {prov.confidence:.2f}): the copied text does not say which "
                   f"rows its level names, values or 备注 belong to; compare it with the document")
        else:
            page = f" on page {prov.page}" if prov.page else ""
            how = (f"read by {_READ_BY.get(prov.origin, prov.origin)} with confidence "
                   f"{prov.confidence:.2f} (< {threshold:.2f}){page}: check it by eye")
        where = f" (line {prov.line})" if prov.origin == "text" and prov.line else ""
        out.append(Finding(code="LOW_CONFIDENCE", severity="warning", field=f"indicators[{i}]",
                           message=f"indicator row {i + 1} {name}{where} {how}"))
    return out


# a whole cell that is a target, not a name: ≥95%, 100% (not 1年: a real form's 时效指标 names a row so)
_A_TARGET = re.compile(r"[≥≤<>=＜＞＝]|\d[\d.,]*\s*[%％]$")
# a whole cell that is a count, not a name: 489人次, 20(件) (not 1年, above)
_A_COUNT = re.compile(r"^\d[\d.,]*\s*[(（]?(?:人次|人|件|个|次|米|公里|元|万元|户|台|项)[)）]?$")
_COLUMN_NAMES = ("一级指标", "二级指标", "三级指标", "备注")
_REMARK = re.compile(r"[（(].*$")


def _balanced(text: str) -> bool:
    return text.count("（") + text.count("(") == text.count("）") + text.count(")")


def _row_doubts(rows: list[Indicator], level2_names: frozenset[str]) -> dict[int, str]:
    """Why each doubtful indicator row looks misread, by its index: the reading put a cell on
    the wrong row, or cut or joined cells, in a way the row itself shows."""
    outer = {level_group(r.level1) for r in rows} - {None}
    foreign = [n for n in level2_names if n != "成本指标"] + list(_COLUMN_NAMES)  # 成本指标 is a 一级 name too
    why: dict[int, str] = {}
    names = {r.level3 for r in rows if r.level3}
    homes: dict[str, str] = {}  # group -> a name of it read onto another group's row
    folded: dict[str, str] = {}  # the same, by the 一级 group that holds it when it has no 一级 name
    for i, r in enumerate(rows):
        inner, group = level_group(r.level2), level_group(r.level1)
        if (None not in (inner, group) and inner != group
                and not (inner not in outer and (inner, group) in LEVEL_FOLDS)):
            why[i] = f"its 二级 name {r.level2} is not of {r.level1}'s group: a name put on the wrong row"
            homes.setdefault(inner, r.level2)
            for g, holder in LEVEL_FOLDS:
                if g == inner and inner not in outer:
                    folded.setdefault(holder, r.level2)
            continue
        cells = (r.level1, r.level2, r.level3, r.value, r.explanation)
        if not r.level3 or not r.value:
            why[i] = f"it has no {'三级 name' if not r.level3 else 'value'}: printed elsewhere, or not found"
        elif _A_TARGET.match(r.level3) or _A_COUNT.match(r.level3):
            why[i] = f"its 三级 name {r.level3} is a value: cells moved by a column"
        elif r.value in names and r.value != r.level3:
            why[i] = f"its value {r.value} is another row's 三级 name: cells moved by a row"
        elif (bare := _REMARK.sub("", r.level2)) and bare not in level2_names and any(
                n.startswith(bare) for n in level2_names):
            why[i] = f"its 二级 name {r.level2} is cut short: a wrapped name's lines split over cells"
        elif any(not _balanced(c) for c in cells):
            why[i] = "a bracket in it is not closed: a wrapped cell's lines split over cells"
        elif any(f in c for c in (r.level3, r.value, r.explanation) for f in foreign):
            why[i] = "a level or column name is inside its cells: cells joined"
    for i, r in enumerate(rows):  # the misplaced name is missing from the rows of its own group
        group = level_group(r.level1) or ""
        home = homes.get(group) or folded.get(group)
        if i not in why and home:
            why[i] = f"the rows of its group lack {home}, read onto another group's row"
    return why


def check_indicator_rows(form: Form, settings: Settings) -> list[Finding]:
    """``LOW_CONFIDENCE`` for an indicator row whose cells show it was misread, whatever the
    reader (:func:`_row_doubts`): a 二级 name under another group's 一级 name (数量指标 under
    效果指标; 成本 groups may sit under 产出, 满意度 groups under 效益 where no 满意度 一级 name
    is printed) and the rows of that name's own group; no 三级 name or no value; a value where
    the 三级 name belongs, or another row's 三级 name where the value belongs; a 二级 name cut
    short (服务对象满意度指); an unclosed bracket; a 二级 or column name inside a cell. Rows
    :func:`check_confidence` flags already are left to it."""
    threshold = settings.validation.low_confidence
    if not form.indicators:
        return []
    vocab = load_vocabulary()
    out = []
    for i, why in sorted(_row_doubts(form.indicators, frozenset(vocab.level2_values)).items()):
        ind = form.indicators[i]
        if any(p.confidence < threshold for p in ind.prov):
            continue
        prov = ind.prov[0] if ind.prov else None
        where = (f" (line {prov.line})" if prov is not None and prov.line else
                 f" (page {prov.page})" if prov is not None and prov.page else "")
        name = ind.level3 or ind.level2 or ind.level1
        out.append(Finding(code="LOW_CONFIDENCE", severity="warning", field=f"indicators[{i}]",
                           message=f"indicator row {i + 1} {name}{where} may be misread: {why}; compare it with the document"))
    return out


def check_annual_within_total(form: Form, settings: Settings) -> list[Finding]:
    """本年度项目金额 above 项目总金额 (the mid-term plan includes this year)."""
    total, annual = form.header.total_amount, form.header.annual_amount
    if total is None or annual is None or annual <= total:
        return []
    return [Finding(code="ANNUAL_EXCEEDS_TOTAL", severity="error", field="annual_amount",
                    message=(f"本年度项目金额 {fmt(annual)} 万元 is more than 项目总金额 {fmt(total)} 万元 "
                             f"(by {fmt(annual - total)} 万元): the mid-term total includes this year"))]


def _amount_of(form: Form, key: str) -> Optional[Decimal]:
    value = getattr(form.header, key, None) if key in type(form.header).model_fields else form.header_extra.get(key)
    return value if isinstance(value, Decimal) else Decimal(value) if isinstance(value, int) else None


def check_breakdown(form: Form, settings: Settings) -> list[Finding]:
    """An amount that is not the sum of its parts, as its family declares them (``[sums]`` in
    its layout file: 项目资金总额 = 其中：财政资金 + 其他资金): ``TOTAL_MISMATCH`` on the total,
    within half a unit of each amount's written precision."""
    layout = load_vocabulary().layout_named(form.layout)
    out = []
    for total_key, part_keys in (layout.sums.items() if layout else ()):
        total, parts = _amount_of(form, total_key), [_amount_of(form, k) for k in part_keys]
        if total is None or None in parts:
            continue
        added = sum(parts, Decimal(0))
        tolerance = max(sum((declared_unit_yuan(a) / 2 for a in (total, *parts)), Decimal(0)),
                        Decimal(str(settings.validation.total_abs_tolerance_yuan)))
        if abs(total - added) * WAN > tolerance:
            field = total_key if total_key in type(form.header).model_fields else f"header_extra.{total_key}"
            terms = " + ".join(f"{k} {fmt(v)}" for k, v in zip(part_keys, parts))
            out.append(Finding(code="TOTAL_MISMATCH", severity="error", field=field,
                               message=(f"{total_key} {fmt(total)} 万元, but its parts add up to {fmt(added)} 万元 "
                                        f"({terms}; difference {fmt(total - added)} 万元)")))
    return out


CHECKS: tuple[Callable[[Form, Settings], list[Finding]], ...] = (
    check_terms, check_total, check_declared_amounts, check_confidence, check_indicator_rows,
    check_annual_within_total, check_breakdown,
)


def validate(form: Form, settings: Optional[Settings] = None) -> Form:
    settings = resolve(settings)
    findings = list(form.findings)
    for check in CHECKS:
        findings.extend(check(form, settings))
    return form.model_copy(update={"findings": findings})
