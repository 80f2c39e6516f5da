"""Field-level accuracy of an extraction against truth in the golden format.

Archivists key a sample of forms by hand (golden JSONL), run ``jixiao eval TRUTH INPUT...``
and see how far the batch can be trusted: header fields exact, indicator rows exact, long
text fields by character similarity, forms found.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Iterable, Optional

from pydantic import BaseModel, Field
from rapidfuzz.distance import Levenshtein

from pipeline.models import Form

LONG_TEXT = ("policy_basis", "calculation_basis", "annual_goal", "long_term_goal")
ROW_KEYS = ("level1", "level2", "core", "level3", "value", "explanation")


def norm(value: Any) -> Any:
    """The comparison form used by the golden check: NFKC, no white space; 4.0 == 4."""
    if isinstance(value, str):
        return "".join(unicodedata.normalize("NFKC", value).split())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def similarity(a: Optional[str], b: Optional[str]) -> float:
    """1 - normalised edit distance of the compared forms (1.0 = identical)."""
    a, b = norm(a or ""), norm(b or "")
    if not a and not b:
        return 1.0
    return 1.0 - Levenshtein.distance(a, b) / max(len(a), len(b))


class FieldMiss(BaseModel):
    form: int
    field: str
    expected: Any = None
    got: Any = None


class EvalReport(BaseModel):
    forms_expected: int = 0
    forms_found: int = 0
    header_fields: int = 0
    header_exact: int = 0
    indicator_rows: int = 0
    indicator_exact: int = 0
    extra_rows: int = 0
    long_text_similarity: float = 1.0
    misses: list[FieldMiss] = Field(default_factory=list)

    @property
    def header_accuracy(self) -> float:
        return self.header_exact / self.header_fields if self.header_fields else 1.0

    @property
    def indicator_accuracy(self) -> float:
        rows = self.indicator_rows + self.extra_rows
        return self.indicator_exact / rows if rows else 1.0

    def summary(self) -> str:
        return (f"forms {self.forms_found}/{self.forms_expected}; header fields "
                f"{self.header_exact}/{self.header_fields} exact ({self.header_accuracy:.2%}); indicator rows "
                f"{self.indicator_exact}/{self.indicator_rows} exact ({self.indicator_accuracy:.2%}); long text "
                f"similarity {self.long_text_similarity:.2%}")


def _form_dict(form: Form | dict) -> dict:
    return form.model_dump(mode="json") if isinstance(form, Form) else form


def score(truths: Iterable[dict], forms: Iterable[Form | dict]) -> EvalReport:
    """Compare forms with truth records in document order."""
    truths, got = list(truths), [_form_dict(f) for f in forms]
    report = EvalReport(forms_expected=len(truths), forms_found=min(len(got), len(truths)))
    sims: list[float] = []
    for i, truth in enumerate(truths):
        g = got[i] if i < len(got) else {}
        header = g.get("header", {})
        extra = g.get("header_extra") or {}
        fields = [(f"header.{k}", v, header.get(k)) for k, v in truth["header"].items()]
        fields += [(f"header_extra.{k}", v, extra.get(k)) for k, v in truth.get("header_extra", {}).items()]
        fields += [(k, truth[k], g.get(k)) for k in ("layout", "amount_unit") if k in truth]
        for name, expected, value in fields:  # a family's extra fields, layout and unit count as fields
            key = name.rpartition(".")[2]
            report.header_fields += 1
            if norm(expected) == norm(value):
                report.header_exact += 1
            else:
                report.misses.append(FieldMiss(form=i, field=name, expected=expected, got=value))
            if key in LONG_TEXT:
                sims.append(similarity(expected, value if isinstance(value, str) else None))
        rows = g.get("indicators", [])
        for n, row in enumerate(truth["indicators"]):
            report.indicator_rows += 1
            keys = ROW_KEYS + ("period",) if "period" in row else ROW_KEYS  # where the family has sets
            exp = tuple(norm(row[k]) for k in keys)
            have = tuple(norm(rows[n].get(k)) for k in keys) if n < len(rows) else None
            if exp == have:
                report.indicator_exact += 1
            else:
                report.misses.append(FieldMiss(form=i, field=f"indicators[{n}]", expected=list(exp),
                                               got=list(have) if have else None))
        if len(rows) > len(truth["indicators"]):  # rows that should not be there are misses too
            report.extra_rows += len(rows) - len(truth["indicators"])
            report.misses.append(FieldMiss(form=i, field="indicators", expected=len(truth["indicators"]),
                                           got=len(rows)))
    report.long_text_similarity = sum(sims) / len(sims) if sims else 1.0
    return report
