"""Calculation text (测算依据) -> quantity × rate terms and the total they support.

    text -> half-width -> find_terms (jieba units and labels) -> implicit products
         -> supported_total -> Calculation

``parse_calculation`` raises nothing but :class:`~pipeline.errors.ParseError`, whatever the text.
"""
from __future__ import annotations

from decimal import InvalidOperation, localcontext
from typing import Optional

from ..errors import ParseError
from ..models import Calculation, Finding, Form
from ..settings import CalcSettings, Settings, resolve
from .implicit import find_implicit
from .terms import find_terms, to_halfwidth
from .totals import supported_total


def parse_calculation(text: str, settings: Optional[CalcSettings] = None) -> Calculation:
    settings = settings or CalcSettings()
    if not text:
        return Calculation()
    if len(text) > settings.max_text_chars:
        raise ParseError(f"calculation text is {len(text)} characters, over {settings.max_text_chars}")
    try:
        with localcontext() as ctx:
            ctx.prec = 80  # products stay exact, however many digits are written
            half = to_halfwidth(text)
            spans = find_terms(half, settings.term_window_chars)
            if settings.implicit_products:
                spans = sorted(spans + find_implicit(half, spans), key=lambda s: s.start)
            total, how = supported_total(half, spans)
    except (ValueError, ArithmeticError, InvalidOperation, IndexError, RecursionError) as exc:
        raise ParseError(f"calculation text could not be read: {type(exc).__name__}") from exc
    if total is None:
        return Calculation.model_validate({"terms": [s.term for s in spans]})
    return Calculation.model_validate({
        "terms": [s.term for s in spans], "total_yuan": total.yuan, "total_source": how,
        "total_rounding_yuan": total.rounding, "total_coarsest_yuan": total.coarsest,
        "total_approximate": total.approximate})


def calculate(form: Form, settings: Optional[Settings] = None) -> Form:
    """Stage: the form's 测算依据 parsed into :class:`~pipeline.models.Calculation`."""
    settings = resolve(settings)
    text = form.header.calculation_basis or ""
    try:
        calc = parse_calculation(text, settings.calc)
    except ParseError as exc:
        finding = Finding(code="CALCULATION_UNREADABLE", severity="warning", field="calculation_basis",
                          message=exc.message)
        return form.model_copy(update={"calculation": Calculation(), "findings": [*form.findings, finding]})
    return form.model_copy(update={"calculation": calc})


__all__ = ["calculate", "parse_calculation"]
