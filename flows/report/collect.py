"""What the report shows, read from an output folder: the files of ``manifest.jsonl`` (the
latest outcome of each path; a status this code does not know is shown as written) and the
forms of the ``<name>.json`` files beside it, matched to their file by content hash.

Without a manifest (``jixiao extract --format json --out DIR``) every JSON file is one file
with status ``ok``. A JSON file that is not a list of forms is named in ``problems``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pydantic import TypeAdapter, ValidationError

from pipeline.models import BBox, Form, ProvenanceItem

_FORMS = TypeAdapter(list[Form])
SEVERITIES = ("error", "warning", "info")


@dataclass
class FileRow:
    """One input file as the report lists it."""

    path: str
    status: str
    sha256: Optional[str] = None
    forms: int = 0
    error: Optional[str] = None
    kind: Optional[str] = None
    at: str = ""
    extractor_version: Optional[str] = None
    same_as: Optional[str] = None  # a copy of another file of the run (same content)


@dataclass
class ReportData:
    out: Path
    files: list[FileRow] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    json_of: dict[str, str] = field(default_factory=dict)  # sha256 -> JSON file name
    problems: list[str] = field(default_factory=list)
    has_manifest: bool = False


def read_manifest_lines(path: Path) -> list[dict]:
    """Every complete JSON line (a torn or foreign line is skipped, never fatal)."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and isinstance(item.get("path"), str) and isinstance(item.get("status"), str):
                out.append(item)
    return out


def latest_per_path(lines: list[dict]) -> list[FileRow]:
    """The last outcome of each path that was not ``skipped`` (a skip repeats the one
    before it); a path only ever skipped keeps its last skip. First-seen order."""
    last: dict[str, dict] = {}
    for item in lines:
        prev = last.get(item["path"])
        if item["status"] != "skipped" or prev is None or prev["status"] == "skipped":
            last[item["path"]] = item
    rows = []
    for item in last.values():
        forms = item.get("forms")
        rows.append(FileRow(path=item["path"], status=item["status"], sha256=item.get("sha256"),
                            forms=forms if isinstance(forms, int) else 0, error=item.get("error"),
                            kind=item.get("kind"), at=str(item.get("at") or ""),
                            extractor_version=item.get("extractor_version")))
    by_sha: dict[str, str] = {}
    for row in rows:  # a file skipped as a copy of another one of the same content
        if row.sha256 and row.status != "skipped":
            by_sha.setdefault(row.sha256, row.path)
    for row in rows:
        if row.status == "skipped" and row.sha256 in by_sha and by_sha[row.sha256] != row.path:
            row.same_as = by_sha[row.sha256]
    return rows


def read_forms(path: Path) -> list[Form]:
    return _FORMS.validate_json(path.read_bytes())


def collect(out: Path) -> ReportData:
    data = ReportData(out=out)
    manifest = out / "manifest.jsonl"
    if manifest.exists():
        data.has_manifest = True
        data.files = latest_per_path(read_manifest_lines(manifest))
    by_sha: dict[str, list[Form]] = {}
    for path in sorted(out.glob("*.json")):
        try:
            forms = read_forms(path)
        except (ValidationError, ValueError, OSError) as exc:
            data.problems.append(f"{path.name}: not a list of forms ({str(exc).splitlines()[0][:120]})")
            continue
        for form in forms:
            by_sha.setdefault(form.source.sha256, []).append(form)
            data.json_of.setdefault(form.source.sha256, path.name)
    if not data.has_manifest:
        for sha, forms in by_sha.items():
            first = forms[0].source
            data.files.append(FileRow(path=first.path, status="ok", sha256=sha, forms=len(forms), kind=first.kind))
    wanted = [f.sha256 for f in data.files if f.sha256 and f.same_as is None]
    seen: set[str] = set()
    for sha in wanted:
        if sha in seen:
            continue
        seen.add(sha)
        data.forms.extend(sorted(by_sha.get(sha, []), key=lambda f: f.source.form_index))
    return data


# --------------------------------------------------------------------------- fields behind a finding

_INDICATOR = re.compile(r"indicators\[(\d+)\]")
_TERM = re.compile(r"calculation\.terms\[(\d+)\]")

# the header fields each code is about, beside the finding's own field
FIELDS_BY_CODE: dict[str, tuple[str, ...]] = {  # besides the finding's own field (OCR_REPAIRED: only that)
    "TOTAL_MISMATCH": ("annual_amount", "calculation_basis"),
    "ARITHMETIC_MISMATCH": ("calculation_basis",),
    "ANNUAL_EXCEEDS_TOTAL": ("annual_amount", "total_amount"),
    "OCR_REPAIR_AMBIGUOUS": ("calculation_basis",),
    "DUPLICATE_CODE": ("project_code",),
    "DUPLICATE_FORM": ("project_code",),
}


@dataclass(frozen=True)
class Spot:
    """One place on a page a finding points at."""

    label: str  # the field, as shown
    page: int
    bbox: BBox
    text: str = ""        # the value read there
    confidence: float = 1.0
    origin: str = "pdf"


def _spot(label: str, prov: Optional[ProvenanceItem], text: str) -> Optional[Spot]:
    if prov is None or prov.page is None or prov.bbox is None:
        return None
    return Spot(label=label, page=prov.page, bbox=prov.bbox, text=text, confidence=prov.confidence,
                origin=prov.origin)


def _header_text(form: Form, key: str) -> str:
    value = getattr(form.header, key, None)
    return "" if value is None else str(value)


def fields_of(code: str, field_: Optional[str]) -> list[str]:
    names: list[str] = []
    if field_:
        names.append(field_)
    if code == "UNIT_SUSPECT":
        names += ["annual_amount", "total_amount"] if field_ == "total_amount" else ["annual_amount",
                                                                                        "calculation_basis"]
    names += FIELDS_BY_CODE.get(code, ())
    return list(dict.fromkeys(names))


def spots(form: Form, code: str, field_: Optional[str]) -> list[Spot]:
    """The page boxes of the fields a finding is about (nothing for a text dump)."""
    out: list[Spot] = []
    for name in fields_of(code, field_):
        if name in form.provenance:
            s = _spot(name, form.provenance[name], _header_text(form, name))
            if s:
                out.append(s)
            continue
        m = _INDICATOR.fullmatch(name)
        if m and int(m.group(1)) < len(form.indicators):
            ind = form.indicators[int(m.group(1))]
            boxes = [p for p in ind.prov if p.page is not None and p.bbox is not None]
            if boxes:
                page = boxes[0].page
                box = boxes[0].bbox
                for p in boxes[1:]:
                    if p.page == page:
                        box = box.union(p.bbox)
                text = " | ".join(t for t in (ind.level3, ind.value) if t)
                out.append(Spot(label=name, page=page, bbox=box, text=text,
                                confidence=min(p.confidence for p in boxes), origin=boxes[0].origin))
            continue
        if _TERM.fullmatch(name) and "calculation_basis" in form.provenance:
            s = _spot("calculation_basis", form.provenance["calculation_basis"],
                      _header_text(form, "calculation_basis"))
            if s:
                out.append(s)
    seen, unique = set(), []
    for s in out:
        key = (s.page, s.bbox.x0, s.bbox.top, s.bbox.x1, s.bbox.bottom)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return unique


def text_lines(form: Form, code: str, field_: Optional[str]) -> list[tuple[str, int]]:
    """(field, line) of the fields a finding is about, for a source without pages (a dump)."""
    out = []
    for name in fields_of(code, field_):
        key = "calculation_basis" if _TERM.fullmatch(name) else name
        prov = form.provenance.get(key)
        m = _INDICATOR.fullmatch(name)
        if m and int(m.group(1)) < len(form.indicators) and form.indicators[int(m.group(1))].prov:
            prov = form.indicators[int(m.group(1))].prov[0]
        if prov is not None and prov.line is not None and (key, prov.line) not in out:
            out.append((key, prov.line))
    return out


def worst(form: Form) -> int:
    """0 for a form with an error, 1 warning, 2 info, 3 none (the order of "look first")."""
    ranks = [SEVERITIES.index(f.severity) for f in form.findings if f.severity in SEVERITIES]
    return min(ranks, default=3)


__all__ = ["FIELDS_BY_CODE", "FileRow", "ReportData", "SEVERITIES", "Spot", "collect", "fields_of", "latest_per_path",
           "read_manifest_lines", "spots", "text_lines", "worst"]
