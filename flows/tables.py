"""Forms flattened into the four normalised tables (forms, indicators, calc_terms, findings).

One definition shared by the CSV writer and the database loader, so the columns agree."""
from __future__ import annotations

import json
from decimal import Decimal
from typing import Iterable, Iterator

from pipeline.models import HEADER_KEYS, Form, decimal_to_json

TABLES = ("forms", "indicators", "calc_terms", "findings")

# the columns of each table's records, in order (CSV headers, also of an empty table)
COLUMNS: dict[str, tuple[str, ...]] = {
    "forms": ("id", "source_sha256", "source_path", "kind", "form_index", "pages", "title", *HEADER_KEYS,
              "total_yuan", "finding_codes", "layout", "amount_unit", "header_extra"),
    "indicators": ("form_id", "row_index", "level1", "level2", "core", "level3", "value", "explanation",
                   "comparator", "number", "unit", "page", "period"),
    "calc_terms": ("form_id", "term_index", "text", "label", "factors", "product_yuan", "stated_yuan",
                   "approximate", "implicit"),
    "findings": ("id", "form_id", "code", "severity", "message", "field"),
}


def _num(value):
    return None if value is None else decimal_to_json(value)


def form_key(form: Form) -> str:
    """A stable id of a form: its source's content hash and its place in the file."""
    return f"{form.source.sha256[:16]}-{form.source.form_index}"


def form_record(form: Form) -> dict:
    rec = {
        "id": form_key(form),
        "source_sha256": form.source.sha256,
        "source_path": form.source.path,
        "kind": form.source.kind,
        "form_index": form.source.form_index,
        "pages": json.dumps(form.source.pages),
        "title": form.title,
    }
    for key in HEADER_KEYS:
        value = getattr(form.header, key)
        rec[key] = _num(value) if key in ("total_amount", "annual_amount") else value
    rec["total_yuan"] = _num(form.calculation.total_yuan)
    rec["finding_codes"] = ",".join(sorted({f.code for f in form.findings}))
    rec["layout"] = form.layout
    rec["amount_unit"] = form.amount_unit
    rec["header_extra"] = json.dumps({k: _num(v) if isinstance(v, Decimal) else v for k, v in form.header_extra.items()},
                                     ensure_ascii=False) if form.header_extra else None
    return rec


def indicator_records(form: Form) -> Iterator[dict]:
    fid = form_key(form)
    for i, ind in enumerate(form.indicators):
        prov = ind.prov[0] if ind.prov else None
        yield {
            "form_id": fid, "row_index": i,
            "level1": ind.level1, "level2": ind.level2, "core": ind.core, "level3": ind.level3,
            "value": ind.value, "explanation": ind.explanation,
            "comparator": ind.target.comparator, "number": _num(ind.target.number), "unit": ind.target.unit,
            "page": prov.page if prov else None,
            "period": ind.period,
        }


def term_records(form: Form) -> Iterator[dict]:
    fid = form_key(form)
    for i, term in enumerate(form.calculation.terms):
        yield {
            "form_id": fid, "term_index": i, "text": term.text, "label": term.label,
            "factors": json.dumps([{"value": _num(f.value), "unit": f.unit} for f in term.factors],
                                  ensure_ascii=False),
            "product_yuan": _num(term.product_yuan), "stated_yuan": _num(term.stated_yuan),
            "approximate": term.approximate, "implicit": term.implicit,
        }


def finding_records(form: Form) -> Iterator[dict]:
    fid = form_key(form)
    for i, f in enumerate(form.findings):
        yield {"id": f"{fid}-{i}", "form_id": fid, "code": f.code, "severity": f.severity,
               "message": f.message, "field": f.field}


def form_tables(form: Form) -> dict[str, list[dict]]:
    """The records of one form, table by table."""
    return {"forms": [form_record(form)], "indicators": list(indicator_records(form)),
            "calc_terms": list(term_records(form)), "findings": list(finding_records(form))}


def forms_to_tables(forms: Iterable[Form]) -> dict[str, list[dict]]:
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for form in forms:
        tables["forms"].append(form_record(form))
        tables["indicators"].extend(indicator_records(form))
        tables["calc_terms"].extend(term_records(form))
        tables["findings"].extend(finding_records(form))
    return tables
