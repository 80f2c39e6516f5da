"""Stage: OCR text correction. Every change made to recognised text once the page has been
read is made here, per form, with one policy: a change only where the form itself proves
it, and each change an ``OCR_REPAIRED`` finding (or, where two changes fit alike, none and
an ``OCR_REPAIR_AMBIGUOUS`` warning). Forms from text dumps and text layers, and fields not
read by OCR, are returned untouched. Thresholds: ``Settings.ocr_text``.

What needs the page image stays in the reader (``extractors.ocr.correct``): spaces between
CJK characters removed, digit fields read again with a digits-only engine, the small ``*``
of a core 二级指标 and a wrapped ）/。 found as ink. Those are readings of ink; this stage
corrects text.

In order:

1. **Closed vocabularies.** 一级/二级指标 (``ocr_text.level_snap_score``), 项目类型 and
   分配方式 (``ocr_text.closed_snap_score``) are snapped to the nearest value of the
   vocabulary (``data/lexicon/labels.json``); a value nothing is near stays as read.
2. **Brackets** whose pair proves them misread, in every OCR'd text: an inner 《 closed by
   〉 is 〈 (a title inside a title), 〔2021） is 〔2021〕 (a document number).
3. **The × of the calculation text (测算依据).** Written ``*``, it is a few pixels high
   and the recogniser drops it or reads it as a middle dot. It is put back where the text
   proves it, by evidence in this order:

   (0) the shape alone, where only a product reads so: a middle dot between a word and a
       number (``25人·4500元/人``), a number right before a rate per unit
       (``107份50元/份``), a rate before a count of months (``200元/人6个月``);
   candidates beyond those — an amount or a rate followed by a number (``200元/人800人``,
   ``20万5家``), a quantity followed by a number (``100人次1000元``, ``20批次8万元``,
   ``12个月120人``), a bracketed remark followed by a number (``506元/人/月（定额标准）12月``),
   and a digit run that would read as a product if split (``8000（81000年终考核）`` ->
   ``8*1000``, ``236012个月*120人=339.84万元`` -> ``2360*12``) — are decided by the numbers
   the form itself writes, never by the pattern alone:
   (1) the term the ``*`` makes has a stated result (after ``=`` / 共 / 计, or the amount
       before the parenthesis holding it) that its product matches within the rounding of
       the precision it is written in; (2) the terms before a 合计/共计/小计 written in the
       text (since the previous one) then sum to it; (3) the total the whole text supports
       then equals 本年度项目金额 (and did not before). ``20批次8万元`` gets none of these
       (20 × 8万 = 160万 fits nothing), so it stays as written. A repair is made only when
       exactly one candidate (or one set of candidates for (2) and (3)) fits.

Every finding quotes the text before and after (“…” -> “…”) and what decided it. The
calculation parser itself (``pipeline.calc``) is reused for every check: a candidate is
judged by parsing the text with it in place.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation, localcontext
from itertools import combinations, product
from typing import Any, Iterable, Optional, Sequence

from .assemble import indicator_target
from .calc import parse_calculation
from .calc.terms import find_terms, to_halfwidth
from .calc.totals import find_totals
from .errors import ParseError
from .lexicon import COUNT_UNIT, IDEOGRAPH_CHAR
from .models import Finding, Form
from .labels import Vocabulary, load_vocabulary, snap
from .settings import CalcSettings, OcrTextSettings, Settings, resolve
from .validate import WAN, declared_unit_yuan, fmt, stated_tolerance

REPAIRED = "OCR_REPAIRED"
AMBIGUOUS = "OCR_REPAIR_AMBIGUOUS"
_CJK = IDEOGRAPH_CHAR
# (0) by shape: "25人·4500元/人" and "107份50元/份" can only mean 25人*4500元/人, 107份*50元/份
_DOT_TIMES = re.compile(rf"(?<={_CJK})[·•∙⋅](?=\d)")
_MISSING_TIMES = re.compile(rf"(?<=\d{_CJK})(?=\d+(?:\.\d+)?元/)|(?<=\d{_CJK}{_CJK})(?=\d+(?:\.\d+)?元/)"
                            rf"|(?<=元/{_CJK})(?=\d+个月)|(?<=元/{_CJK}{_CJK})(?=\d+个月)")
# 200元/人800人, 15.8万元/人15=237万元, 20万5家, 500元12个月: an amount or a rate, then a number
_RATE_THEN_NUMBER = re.compile(rf"\d(?:[万千亿]元?|元)(?:/{_CJK}{{1,4}})*(?=约?\d)")
# 100人次1000元, 300人2万元, 12个月120人: a quantity, then another number (correct.py used to
# put a * after 人次 and the like before an amount by the pattern alone)
_QTY_THEN_NUMBER = re.compile(rf"(?<=\d)(?:{COUNT_UNIT})(?=约?\d)")
# 506元/人/月（定额标准）12月: a factor, a remark in brackets, then a number
_REMARK_THEN_NUMBER = re.compile(r"\d[^\d\s，,。；;：:（）()=]{0,8}[（(][^（）()\d]{1,15}[）)](?=\d)")
# a digit run that a dropped * may have joined: not part of a decimal, a thousands group, a
# percentage or a document number (a factor of a term may be one: 8*103402 -> 8*10340*2)
_RUN = re.compile(r"(?<![\d.,])\d{2,9}(?![\d.,%号〕\]])")
_RESULT_AHEAD = re.compile(r"[^。；;，,]{0,30}?(?:=|≈|共计|合计|共|计)")


@dataclass(frozen=True)
class Candidate:
    """One way to repair one place: ``*`` inserted at these offsets of the original text."""

    site: int                   # the place (the offset of the first insertion's site)
    at: tuple[int, ...]         # insertion offsets, ascending
    kind: str                   # amount-number | quantity-number | remark-number | split


@dataclass(frozen=True)
class Repair:
    candidates: tuple[Candidate, ...]
    why: str


@dataclass
class Outcome:
    text: str                   # as repaired
    repairs: list[Repair]       # by arithmetic, offsets into the text after the repairs by shape
    ambiguous: list[tuple[tuple[Candidate, ...], ...]]  # rival repairs that fit alike, per place
    read: str = ""              # as read
    shaped: str = ""            # after the repairs by shape (0), before those by arithmetic
    by_shape: list[tuple[str, str, str]] = field(default_factory=list)  # (before, after, why) excerpts


def _fits(term: dict) -> bool:
    """The term (a span's CalcTerm fields) has a stated result its product matches, by the
    rule ``validate`` applies."""
    stated = term["stated_yuan"]
    return stated is not None and abs(term["product_yuan"] - stated) <= stated_tolerance(
        term["stated_unit_yuan"], term["approximate"])


def apply(text: str, offsets: Iterable[int]) -> str:
    out, prev = [], 0
    for o in sorted(set(offsets)):
        out += [text[prev:o], "*"]
        prev = o
    out.append(text[prev:])
    return "".join(out)


def _offsets(option: Iterable[Candidate]) -> list[int]:
    """The insertion offsets of the candidates, ascending, each once."""
    return sorted({o for c in option for o in c.at})


def _moved(offset: int, inserted: Sequence[int]) -> int:
    """Where the ``*`` inserted at ``offset`` stands once all of ``inserted`` are in."""
    return offset + sum(1 for o in inserted if o < offset)


def candidates(half: str) -> list[Candidate]:
    """Every place a dropped ``*`` may be, with each way to put it back (half-width text)."""
    out: list[Candidate] = []
    for m in _RATE_THEN_NUMBER.finditer(half):
        out.append(Candidate(m.end(), (m.end(),), "amount-number"))
    for m in _QTY_THEN_NUMBER.finditer(half):
        out.append(Candidate(m.end(), (m.end(),), "quantity-number"))
    for m in _REMARK_THEN_NUMBER.finditer(half):
        out.append(Candidate(m.end(), (m.end(),), "remark-number"))
    for m in _RUN.finditer(half):
        if not _may_hold_a_term(half, m):
            continue
        digits, base = m.group(0), m.start()
        cuts = [i for i in range(1, len(digits)) if digits[i] != "0"]  # no factor starts with 0
        for n in (1, 2):
            for chosen in combinations(cuts, n):
                out.append(Candidate(base, tuple(base + c for c in chosen), "split"))
    return out


def _may_hold_a_term(half: str, m: re.Match) -> bool:
    """A digit run worth splitting: inside a parenthesis right after an amount
    (``8000（81000…）``) or with a result mark ahead in its clause (``…=16万元``)."""
    i = m.start()
    if i >= 2 and half[i - 1] in "(（" and (half[i - 2].isdigit() or half[i - 2] in "元万"):
        return True
    return bool(_RESULT_AHEAD.match(half, m.end()))


@lru_cache(maxsize=64)
def _terms(text: str, window: int = 40) -> tuple:
    try:
        with localcontext() as ctx:
            ctx.prec = 80
            return tuple(find_terms(to_halfwidth(text), window))
    except (ParseError, ValueError, ArithmeticError, InvalidOperation, IndexError, RecursionError):
        return ()


def _term_with(spans: Sequence, positions: Sequence[int]) -> Optional[Any]:
    """The term (span) holding every one of ``positions`` (offsets of inserted ``*``)."""
    for s in spans:
        if all(s.start < p < s.end for p in positions):
            return s
    return None


def _local(text: str, option: Sequence[Candidate], window: int = 40) -> Optional[str]:
    """Evidence (1): every ``*`` of the option lies in a term with a stated result that its
    product matches, and none lies in a term that already multiplied out before."""
    at = _offsets(option)
    original = _terms(text, window)
    if any(s.start < o < s.end and _fits(s.term) for o in at for s in original):
        return None  # the place already reads as a term that multiplies out: nothing is missing
    spans = _terms(apply(text, at), window)
    why = []
    for o in at:
        span = _term_with(spans, [_moved(o, at)])
        if span is None or not _fits(span.term):
            return None
        factors = " × ".join(fmt(f["value"]) for f in span.term["factors"])
        line = (f"{factors} = {fmt(span.term['product_yuan'])} 元, the "
                f"{fmt(span.term['stated_yuan'])} 元 written")
        if line not in why:
            why.append(line)
    return "; ".join(why)


def _consistent(spans: Sequence, moved: Sequence[int]) -> bool:
    """Each inserted ``*`` makes a term, and no such term contradicts a result written beside it."""
    for p in moved:
        span = _term_with(spans, [p])
        if span is None or (span.term["stated_yuan"] is not None and not _fits(span.term)):
            return False
    return True


def _group_sums(text: str, inserted: Sequence[int], positions: Sequence[int],
                tolerance: Decimal, window: int = 40) -> Optional[str]:
    """Evidence (2): after the repair, the terms between the previous written total and the
    next one (合计/共计/小计/总计) sum to it — and each position lies in such a stretch."""
    repaired = apply(text, inserted)
    half = to_halfwidth(repaired)
    spans = _terms(repaired, window)
    moved = [_moved(o, inserted) for o in positions]
    if not _consistent(spans, moved):
        return None
    prev_end, why = 0, []
    left = set(moved)
    for total in find_totals(half):
        inside = [s for s in spans if prev_end <= s.start and s.end <= total.start]
        mine = {p for p in left if any(s.start < p < s.end for s in inside)}
        if mine:
            got = sum((s.term["stated_yuan"] if s.term["stated_yuan"] is not None
                       else s.term["product_yuan"] for s in inside), Decimal(0))
            if abs(got - total.yuan) > tolerance:
                return None
            terms = "the term before it then makes" if len(inside) == 1 else f"the {len(inside)} terms before it then sum to"
            why.append(f"“{half[total.start:total.end]}”: {terms} {fmt(got)} 元")
            left -= mine
        prev_end = total.end
    return "; ".join(why) if not left else None


def _annual_fits(text: str, annual: Optional[Decimal], calc_settings, tolerance: Decimal,
                 moved: Sequence[int] = ()) -> Optional[bool]:
    """Evidence (3): the total the text supports is the year's amount (None: no amount)."""
    if annual is None:
        return None
    if moved and not _consistent(_terms(text, calc_settings.term_window_chars), moved):
        return False
    try:
        total = parse_calculation(text, calc_settings).total_yuan
    except ParseError:
        return None
    if total is None:
        return False
    return abs(total - annual * WAN) <= max(declared_unit_yuan(annual) / 2, tolerance)


def _one_fitting(options: Sequence[tuple[Candidate, ...]], judge) -> tuple[Optional[Repair], Optional[tuple]]:
    """The option ``judge`` finds evidence for (a repair), or the candidates of the several
    it does (ambiguous). An option within another that fits is not a rival: both are
    supported, the larger is kept; two fitting options neither within the other are."""
    fitting = [(opt, why) for opt in options if (why := judge(opt)) is not None]
    largest = [(opt, why) for opt, why in fitting
               if not any(set(opt) < set(other) for other, _ in fitting)]
    if len(largest) == 1:
        return Repair(largest[0][0], largest[0][1]), None
    if len(largest) > 1:
        return None, tuple(opt for opt, _ in largest)
    return None, None


def _subsets(cands: Sequence[Candidate], limit: int) -> list[tuple[Candidate, ...]]:
    """Every non-empty subset, largest first (only the whole set when there are too many)."""
    if len(cands) > limit:
        return [tuple(cands)]
    return [sub for n in range(len(cands), 0, -1) for sub in combinations(cands, n)]


_CLAUSE_END = re.compile(r"[，,。；;：:\n]")


def _clauses(half: str, by_site: dict[int, list[Candidate]]) -> list[list[int]]:
    """The candidate places grouped by the clause they stand in."""
    ends = [m.end() for m in _CLAUSE_END.finditer(half)]
    groups: dict[int, list[int]] = {}
    for k in sorted(by_site):
        groups.setdefault(bisect_right(ends, k), []).append(k)
    return list(groups.values())


def _combinations(per_site: Sequence[Sequence[Candidate]], limit: int) -> list[tuple[Candidate, ...]]:
    """Every way to repair some of the places (at most one way per place); none when that is
    too many."""
    count = 1
    for alts in per_site:
        count *= len(alts) + 1
    if count > limit:
        return []
    out = []
    for choice in product(*[[None, *alts] for alts in per_site]):
        picked = tuple(c for c in choice if c is not None)
        if picked:
            out.append(picked)
    return out


def repair_text(text: str, annual_amount: Optional[Decimal] = None, calc_settings=None,
                settings: Optional[OcrTextSettings] = None) -> Outcome:
    """The calculation text with every ``*`` its shape (0) or its arithmetic (1)-(3) proves
    missing put back."""
    t = settings or OcrTextSettings()
    read = text
    text, by_shape = shape_repairs(text)
    outcome = _by_arithmetic(text, annual_amount, calc_settings, t)
    outcome.read, outcome.shaped, outcome.by_shape = read, text, by_shape
    return outcome


def _by_arithmetic(text: str, annual_amount: Optional[Decimal], calc_settings, t: OcrTextSettings) -> Outcome:
    calc_settings = calc_settings or CalcSettings()
    tolerance = Decimal(str(t.sum_tolerance_yuan))
    w = calc_settings.term_window_chars
    half = to_halfwidth(text)
    if not any(c.isdigit() for c in half):
        return Outcome(text, [], [])
    by_site: dict[int, list[Candidate]] = {}
    for c in candidates(half):
        by_site.setdefault(c.site, []).append(c)
    accepted: list[Repair] = []
    ambiguous: list[tuple[tuple[Candidate, ...], ...]] = []
    unproven: list[Candidate] = []
    # (1) on the text as read, clause by clause (a term never spans a comma): each place alone
    # (its ways to repair it compete), then the places no single * explains, in combination
    # (``118人次500元/人次6个月=35.4万元`` lost two)
    for sites in _clauses(half, by_site):
        proven: list[Candidate] = []
        rest: list[int] = []
        for k in sites:
            repair, clash = _one_fitting([(c,) for c in by_site[k]], lambda opt: _local(text, opt, w))
            if repair:
                proven += repair.candidates
            elif clash:
                ambiguous.append(clash)
            else:
                rest.append(k)
        if len(rest) >= 2:
            combos = [opt for opt in _combinations([by_site[k] for k in rest], t.max_options) if len(opt) >= 2]
            repair, clash = _one_fitting(combos, lambda opt: _local(text, (*proven, *opt), w))
            if repair:
                proven += repair.candidates
                rest = [k for k in rest if not any(c.site == k for c in repair.candidates)]
            elif clash:
                ambiguous.append(clash)
                rest = []
        if proven:
            why = _local(text, proven, w)  # together, as they will stand
            if why is not None:
                accepted.append(Repair(tuple(proven), why))
            else:
                ambiguous.append(tuple((c,) for c in proven))
        # sums (2) and (3) judge single insertions only
        unproven += [alts[0] for k in rest if len(alts := by_site[k]) == 1 and alts[0].kind != "split"]

    def offsets(extra: Iterable[Candidate] = ()) -> list[int]:
        return _offsets([*(c for r in accepted for c in r.candidates), *extra])

    # (2) the places between two written totals, together: their terms must sum to the second
    prev_end = 0
    for total in find_totals(half):
        here = [c for c in unproven if prev_end <= c.site < total.start]
        prev_end = total.end
        if not here:
            continue
        repair, clash = _one_fitting(
            _subsets(here, t.max_group),
            lambda opt: _group_sums(text, offsets(opt), [o for c in opt for o in c.at], tolerance, w))
        if repair:
            accepted.append(repair)
            unproven = [c for c in unproven if c not in repair.candidates]
        elif clash:
            ambiguous.append(clash)
            unproven = [c for c in unproven if not any(c in opt for opt in clash)]
    # (3) the rest together: the text's total must then be the year's amount, and not before
    if unproven and len(unproven) <= t.max_set and _annual_fits(apply(text, offsets()), annual_amount,
                                                                  calc_settings, tolerance) is False:
        why = f"the calculation then supports 本年度项目金额 {fmt(annual_amount)} 万元" if annual_amount else ""

        def annual_fits(opt: Sequence[Candidate]) -> Optional[str]:
            inserted = offsets(opt)
            moved = [_moved(o, inserted) for o in _offsets(opt)]
            return why if _annual_fits(apply(text, inserted), annual_amount, calc_settings, tolerance,
                                       moved) else None

        repair, clash = _one_fitting(_subsets(unproven, t.max_set), annual_fits)
        if repair:
            accepted.append(repair)
        elif clash:
            ambiguous.append(clash)
    if not accepted:
        return Outcome(text, [], ambiguous)
    return Outcome(apply(text, offsets()), accepted, ambiguous)


def _excerpt(text: str, at: Sequence[int], insert: bool, width: int = 10) -> str:
    """The text around the offsets ``at`` (with the ``*`` in when ``insert``), far-apart
    places joined by …"""
    windows: list[list[int]] = []
    for o in sorted(set(at)):
        lo, hi = max(0, o - width), min(len(text), o + width)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
    return "…".join(apply(text[lo:hi], [o - lo for o in at if lo <= o <= hi]) if insert else text[lo:hi]
                    for lo, hi in windows)


def shape_repairs(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Evidence (0): the ``*`` that only a product reads as — a middle dot between a word and
    a number, a number right before a rate per unit, a rate before a count of months — with
    (before, after, why) excerpts, one per place."""
    if "元" not in text:
        return text, []
    found: list[tuple[str, str, str]] = []
    for m in _DOT_TIMES.finditer(text):
        lo, hi = max(0, m.start() - 10), min(len(text), m.end() + 10)
        found.append((text[lo:hi], text[lo:m.start()] + "*" + text[m.end():hi],
                      "read as a middle dot: between a word and a number it is a ×"))
    text = _DOT_TIMES.sub("*", text)
    for m in _MISSING_TIMES.finditer(text):
        at = [m.start()]
        found.append((_excerpt(text, at, False), _excerpt(text, at, True),
                      "a number right before a rate per unit, or a rate before a count of months, "
                      "reads only as a product"))
    return _MISSING_TIMES.sub("*", text), found


# a document number 〔2021〕 whose closing bracket was read as ）or ]
_DOC_YEAR = re.compile(r"〔(\d{4})[）)\]]")


def nested_title_marks(text: str) -> str:
    """A title inside a title is bracketed 〈…〉; the recogniser reads its opening 〈 as 《.
    An inner 《 (one opened while another is open) that is closed by 〉 becomes 〈."""
    out = list(text)
    depth = 0
    for i, ch in enumerate(text):
        if ch == "《":
            if depth:
                close = next((c for c in text[i + 1:] if c in "》〉《〈"), "")
                if close == "〉":
                    out[i] = "〈"
                    continue
            depth += 1
        elif ch == "》":
            depth = max(0, depth - 1)
    return "".join(out)


def bracket_repairs(text: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Step 2 on one text: brackets the recogniser misread, where the other bracket of the pair proves it:
    an inner 《 closed by 〉 is 〈 (a title inside a title); 〔2021） is 〔2021〕 (a document
    number). With (before, after, why) excerpts, one per place."""
    found: list[tuple[str, str, str]] = []
    if "〉" in text:
        fixed = nested_title_marks(text)
        for i, (a, b) in enumerate(zip(text, fixed)):
            if a != b:
                lo, hi = max(0, i - 10), min(len(text), i + 11)
                found.append((text[lo:hi], fixed[lo:hi], "a title inside a title opens with 〈, as it closes with 〉"))
        text = fixed
    if "〔" in text:
        for m in _DOC_YEAR.finditer(text):
            lo, hi = max(0, m.start() - 10), min(len(text), m.end() + 10)
            found.append((text[lo:hi], text[lo:m.end() - 1] + "〕" + text[m.end():hi],
                          "a document number opened with 〔 closes with 〕"))
        text = _DOC_YEAR.sub(r"〔\1〕", text)
    return text, found


_TEXT_FIELDS = ("project_name", "applicant_unit", "primary_budget_unit", "allocation_method", "policy_basis",
                "calculation_basis", "annual_goal", "long_term_goal")
_INDICATOR_TEXTS = ("level3", "value", "explanation")


def _mark(label: str, before: str, after: str, why: str, field_: str) -> Finding:
    return Finding(code=REPAIRED, severity="info", field=field_,
                   message=f"{label} misread by OCR put right: “{before}” -> “{after}” ({why})")


def repair_brackets(form: Form) -> tuple[dict, list[Finding]]:
    """Step 2 over every OCR'd text of the form: its updates and a finding per place."""
    findings: list[Finding] = []
    update: dict[str, Any] = {}
    header: dict[str, str] = {}
    for key in _TEXT_FIELDS:
        value, prov = getattr(form.header, key), form.provenance.get(key)
        if value and prov is not None and prov.origin == "ocr" and ("〉" in value or "〔" in value):
            fixed, found = bracket_repairs(value)
            if found:
                header[key] = fixed
                findings += [_mark("a bracket", b, a, why, key) for b, a, why in found]
    if header:
        update["header"] = form.header.model_copy(update=header)
    extra = dict(form.header_extra)
    for key, value in form.header_extra.items():
        prov = form.provenance.get(key)
        if isinstance(value, str) and prov is not None and prov.origin == "ocr" and ("〉" in value or "〔" in value):
            fixed, found = bracket_repairs(value)
            if found:
                extra[key] = fixed
                findings += [_mark("a bracket", b, a, why, key) for b, a, why in found]
    if extra != form.header_extra:
        update["header_extra"] = extra
    indicators, changed = list(form.indicators), False
    for i, ind in enumerate(indicators):
        if not ind.prov or ind.prov[0].origin != "ocr":
            continue
        fixes: dict[str, Any] = {}
        for name in _INDICATOR_TEXTS:
            value = getattr(ind, name)
            if "〉" in value or "〔" in value:
                fixed, found = bracket_repairs(value)
                if found:
                    fixes[name] = fixed
                    findings += [_mark("a bracket", b, a, why, f"indicators[{i}].{name}") for b, a, why in found]
        if fixes:
            if "value" in fixes:
                fixes["target"] = indicator_target(fixes["value"])
            indicators[i] = ind.model_copy(update=fixes)
            changed = True
    if changed:
        update["indicators"] = indicators
    return update, findings


_REMARK = re.compile(r"^(.+?)\s*([（(][^（()）]+[）)]?)$")


def snap_level(value: str, choices: tuple[str, ...], score: float) -> str:
    """A level name snapped to its vocabulary, a bracketed remark after it kept as read:
    ``经济效益指标(定量)`` is the 二级 name with the 批复表's remark, not a misread of the bare
    name (snapped whole, its remark was dropped: 16 of 56 rows of five scanned 批复表)."""
    m = _REMARK.match(value) if value else None
    if m is None:
        return snap(value, choices, score)
    head = snap(m.group(1), choices, score)
    return value if head == m.group(1) else head + m.group(2)


def snap_vocabulary(form: Form, vocab: Vocabulary, t: OcrTextSettings) -> tuple[dict, list[Finding]]:
    """Step 1: the OCR'd values of closed vocabularies snapped to the nearest valid value: the
    form's updates (header, indicators) and a finding per value changed."""
    findings: list[Finding] = []
    update: dict[str, Any] = {}
    header: dict[str, str] = {}
    if any(p.origin == "ocr" for p in form.provenance.values()):
        for key, label in (("allocation_method", "分配方式"), ("project_type_name", "项目类型")):
            value = getattr(form.header, key)
            if value:
                near = snap(value, vocab.closed_for(form.layout, key), t.closed_snap_score)
                if near != value:
                    header[key] = near
                    findings.append(_snapped(key, label, value, near))
    if header:
        update["header"] = form.header.model_copy(update=header)
    indicators = list(form.indicators)
    changed = False
    for i, ind in enumerate(indicators):
        if not ind.prov or ind.prov[0].origin != "ocr":
            continue
        level1 = snap_level(ind.level1, vocab.level1_values, t.level_snap_score)
        level2 = snap_level(ind.level2, vocab.level2_values, t.level_snap_score)
        if level1 != ind.level1 or level2 != ind.level2:
            for name, label, old, new in (("level1", "一级指标", ind.level1, level1),
                                          ("level2", "二级指标", ind.level2, level2)):
                if old != new:
                    findings.append(_snapped(f"indicators[{i}].{name}", label, old, new))
            indicators[i] = ind.model_copy(update={"level1": level1, "level2": level2})
            changed = True
    if changed:
        update["indicators"] = indicators
    return update, findings


def _snapped(field_: str, label: str, read: str, near: str) -> Finding:
    return Finding(code=REPAIRED, severity="info", field=field_,
                   message=f"{label} as read by OCR snapped to the vocabulary: “{read}” -> “{near}”")


def repair_ocr_text(form: Form, settings: Optional[Settings] = None) -> Form:
    """Stage: OCR text correction (the module's steps 1-3), every change a finding.
    Forms not read by OCR are returned as they are, at once."""
    if form.source.kind not in ("scan", "image"):
        return form
    settings = resolve(settings)
    t = settings.ocr_text
    for step in (lambda f: snap_vocabulary(f, load_vocabulary(), t), repair_brackets):
        update, findings = step(form)
        if update or findings:
            form = form.model_copy(update={**update, "findings": [*form.findings, *findings]})
    return repair_calculation(form, settings)


def repair_calculation(form: Form, settings: Optional[Settings] = None) -> Form:
    """Step 3: put back the ``*`` of an OCR'd 测算依据 where its shape or the arithmetic proves
    it dropped. Forms not read by OCR are returned as they are, at once."""
    if form.source.kind not in ("scan", "image"):
        return form
    prov = form.provenance.get("calculation_basis")
    text = form.header.calculation_basis
    if not text or (prov is not None and prov.origin != "ocr"):
        return form
    settings = resolve(settings)
    if not settings.ocr.repair_calculation:
        return form
    outcome = repair_text(text, form.header.annual_amount, settings.calc, settings.ocr_text)
    if not outcome.repairs and not outcome.ambiguous and not outcome.by_shape:
        return form
    findings = list(form.findings)
    for before, after, why in outcome.by_shape:
        findings.append(Finding(
            code=REPAIRED, severity="info", field="calculation_basis",
            message=f"a × dropped by OCR put back: “{before}” -> “{after}” ({why})",
        ))
    text = outcome.shaped
    for r in outcome.repairs:
        at = _offsets(r.candidates)
        findings.append(Finding(
            code=REPAIRED, severity="info", field="calculation_basis",
            message=f"a × dropped by OCR put back: “{_excerpt(text, at, False)}” -> “{_excerpt(text, at, True)}” ({r.why})",
        ))
    for options in outcome.ambiguous:
        every = sorted({o for opt in options for o in _offsets(opt)})
        readings = " or ".join(f"“{_excerpt(text, _offsets(opt), True)}”" for opt in options)
        findings.append(Finding(
            code=AMBIGUOUS, severity="warning", field="calculation_basis",
            message=(f"OCR text “{_excerpt(text, every, False)}” may have lost a ×, but {readings} "
                     f"multiply out alike: left as read, for a reviewer"),
        ))
    update: dict[str, Any] = {"findings": findings}
    if outcome.text != outcome.read:
        update["header"] = form.header.model_copy(update={"calculation_basis": outcome.text})
    return form.model_copy(update=update)


__all__ = ["AMBIGUOUS", "REPAIRED", "Candidate", "Outcome", "candidates", "repair_calculation", "repair_ocr_text",
           "repair_text", "shape_repairs", "snap_vocabulary"]
