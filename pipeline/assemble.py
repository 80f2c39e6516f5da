"""Rows of cells -> forms. One assembler for every reader.

The steps, each a small function over typed data:

``rows_to_drafts``  splits the row stream into forms (at the title, or where a header label
                    repeats after an indicator table) and sorts each row into header
                    label/value pairs or indicator rows (merged cells filled down, rows split
                    by a page break joined back);
``draft_to_form``   turns a draft's raw cells into the typed contract (header values parsed,
                    provenance and confidence kept, ``MISSING_FIELD`` findings for the gaps).

Both stream: a file of ten thousand forms is never held in memory at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

from .errors import ParseError
from .labels import Vocabulary, canonical, load_vocabulary, snap
from .models import (
    HEADER_KEYS,
    TITLE,
    BBox,
    Cell,
    Finding,
    Form,
    Row,
    Source,
)
from .normalize import (
    clean_text,
    digits_only,
    join_cjk_spaces,
    parse_amount_wan,
    parse_bool,
    parse_int,
    parse_project_type,
    parse_target,
)
from .settings import AssemblySettings

INDICATOR_FIELDS = ("level1", "level2", "level3", "value", "explanation")
_LABEL_SPLIT = re.compile(r"^([^:：]{2,30})[:：]\s*(.+)$", re.S)
_CJK_END = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]$")
_CJK_START = re.compile(r"^[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


# --------------------------------------------------------------------------- drafts


@dataclass
class IndicatorDraft:
    cells: dict[str, list[Cell]] = field(default_factory=dict)
    filled: dict[str, str] = field(default_factory=dict)  # level1/level2 carried from the row above

    def text(self, name: str) -> str:
        cells = self.cells.get(name)
        return join_cells(cells) if cells else self.filled.get(name, "")


@dataclass
class FormDraft:
    """A form as read so far: raw cells per header key, indicator rows, where it was seen."""

    title: Optional[str] = None
    fields: dict[str, list[Cell]] = field(default_factory=dict)
    columns: Optional[dict[int, str]] = None  # grid column -> indicator field
    indicators: list[IndicatorDraft] = field(default_factory=list)
    pages: set[int] = field(default_factory=set)
    last_key: Optional[str] = None

    @property
    def empty(self) -> bool:
        return not self.fields and not self.indicators


def join_cells(cells: list[Cell]) -> str:
    """Cell texts in order: no space between CJK neighbours, one space between Latin words."""
    if len(cells) == 1:
        return cells[0].text.strip()
    parts = [c.text.strip() for c in cells if c.text and c.text.strip()]
    if not parts:
        return ""
    out = parts[0]
    for p in parts[1:]:
        sep = "" if (_CJK_END.search(out) or _CJK_START.search(p)) else " "
        out = out + sep + p
    return out


# --------------------------------------------------------------------------- row classification


def _label_of(cell: Cell, vocab: Vocabulary, settings: AssemblySettings) -> Optional[str]:
    fuzzy = settings.label_fuzzy_score if cell.origin == "ocr" else None
    return vocab.header_key(cell.text, fuzzy_score=fuzzy, max_chars=settings.label_max_chars)


def row_is_title(row: Row, vocab: Vocabulary) -> Optional[str]:
    """The title text when the row is a form title row, else None."""
    if len(row.cells) > 1 and row.cells[1].text.strip():
        return None  # a title stands alone in its row
    texts = [c.text for c in row.cells if c.text.strip()]
    if len(texts) == 1 and vocab.is_title(texts[0]):
        return clean_text(texts[0]).replace(" ", "")
    return None


def row_to_columns(row: Row, vocab: Vocabulary, settings: AssemblySettings) -> Optional[dict[int, str]]:
    """The indicator header row as grid column -> field, or None if the row is not one."""
    columns: dict[int, str] = {}
    for cell in row.cells:
        name = vocab.column(cell.text) if len(cell.text) < 20 else None
        if name and name not in columns.values():
            for col in range(cell.col, cell.col + cell.colspan):
                columns[col] = name
    return columns if len(set(columns.values())) >= settings.indicator_header_min else None


def row_to_pairs(
    row: Row, vocab: Vocabulary, settings: AssemblySettings, last_key: Optional[str]
) -> list[tuple[Optional[str], list[Cell], Optional[Cell]]]:
    """Header label/value pairs of a row: (key, value cells, label cell).

    Cells before the row's first label continue ``last_key`` (a value wrapped onto the next
    row). A cell holding both label and value (``项目名称：英才荟经费``) is split."""
    pairs: list[tuple[Optional[str], list[Cell], Optional[Cell]]] = []
    key, values, label_cell = last_key, [], None
    for cell in row.cells:
        if not cell.text.strip():
            continue
        new_key = _label_of(cell, vocab, settings)
        rest = None
        if new_key is None and _may_split(cell.text):
            m = _LABEL_SPLIT.match(cell.text.strip())
            if m:
                new_key = _label_of(cell.with_text(m.group(1)), vocab, settings)
                rest = m.group(2) if new_key else None
        if new_key is not None:
            if key is not None and (values or label_cell is not None):
                pairs.append((key, values, label_cell))
            key, values, label_cell = new_key, [], cell
            if rest:
                values.append(cell.with_text(rest))
        elif key is not None:
            values.append(cell)
    if key is not None and (values or label_cell is not None):
        pairs.append((key, values, label_cell))
    return pairs


def _may_split(text: str) -> bool:
    """A colon where ``_LABEL_SPLIT`` could find one (a cheap test before the regex)."""
    return "：" in text or ":" in text


def row_to_indicator(row: Row, columns: dict[int, str], previous: Optional[IndicatorDraft]) -> IndicatorDraft:
    """One indicator row; an empty 一级/二级 cell (a merged cell) takes the value above."""
    found: dict[str, list[Cell]] = {}
    for cell in row.cells:
        if not cell.text.strip():
            continue
        name = columns.get(cell.col)
        if name is None and cell.colspan > 1:
            name = next((columns[c] for c in range(cell.col + 1, cell.col + cell.colspan) if c in columns), None)
        if name:
            if name in found:
                found[name].append(cell)
            else:
                found[name] = [cell]
    draft = IndicatorDraft(found, {})
    if previous is not None and ("level1" not in found or "level2" not in found):
        for name in ("level1", "level2"):
            if name not in found:
                draft.filled[name] = previous.text(name)
        if "level1" in found and "level2" not in found and previous.text("level1") != draft.text("level1"):
            draft.filled.pop("level2", None)  # a new 一级指标 never inherits the old 二级指标
    return draft


def _append_continuation(draft: FormDraft, row: Row, in_table: bool) -> None:
    """A row split by a page break: its cells extend the previous row's cells."""
    if in_table and draft.indicators and draft.columns:
        last = draft.indicators[-1]
        for cell in row.cells:
            name = next((draft.columns[c] for c in range(cell.col, cell.col + cell.colspan) if c in draft.columns), None)
            if name and cell.text.strip():
                last.cells.setdefault(name, []).append(cell)
    elif draft.last_key:
        draft.fields.setdefault(draft.last_key, []).extend(c for c in row.cells if c.text.strip())


# --------------------------------------------------------------------------- splitting


def _first_text(row: Row) -> str:
    for c in row.cells:
        if c.text.strip():
            return c.text
    return ""


def _may_be_column_row(row: Row, vocab: Vocabulary) -> bool:
    """Cheap pre-check before :func:`row_to_columns`: its first cell names an indicator column."""
    first = _first_text(row)
    return len(first) < 20 and vocab.column(first) is not None


def _starts_with_label(row: Row, vocab: Vocabulary, settings: AssemblySettings) -> bool:
    first = next((c for c in row.cells if c.text.strip()), None)
    if first is None:
        return False
    if _label_of(first, vocab, settings):
        return True
    m = _LABEL_SPLIT.match(first.text.strip()) if len(first.text) < 200 else None
    return bool(m and _label_of(first.with_text(m.group(1)), vocab, settings))


def rows_to_drafts(
    rows: Iterable[Row],
    settings: AssemblySettings,
    vocab: Optional[Vocabulary] = None,
) -> Iterator[FormDraft]:
    """Split the row stream into form drafts, in document order."""
    vocab = vocab or load_vocabulary()
    draft = FormDraft()
    in_table = False
    level1 = frozenset(vocab.level1_values)
    for row in rows:
        if in_table and not row.continuation and draft.columns is not None and row.cells and row.cells[0].text in level1:
            # the common indicator row (产出指标 | *数量指标 | …): nothing else starts like it
            _add_indicator(draft, row)
            continue
        if row.continuation and not draft.empty:
            _append_continuation(draft, row, in_table)
            _note_pages(draft, row)
            continue
        title = row_is_title(row, vocab)
        if title is not None:
            if not draft.empty:
                yield draft
            draft, in_table = FormDraft(title=title), False
            _note_pages(draft, row)
            continue
        columns = row_to_columns(row, vocab, settings) if _may_be_column_row(row, vocab) else None
        if columns is not None:
            # the first header row, or one repeated on the next page: same table either way
            draft.columns, in_table = columns, True
            _note_pages(draft, row)
            continue
        if in_table and draft.columns is not None and not _starts_with_label(row, vocab, settings):
            _add_indicator(draft, row)
            continue
        pairs = row_to_pairs(row, vocab, settings, None if in_table else draft.last_key)
        labelled = any(label is not None for _, _, label in pairs)
        if labelled and (draft.indicators or in_table) and any(
                key in draft.fields for key, _, label in pairs if label is not None):
            yield draft  # a new form without a title row
            draft = FormDraft()
        if labelled:
            in_table = False
        for key, values, label in pairs:
            draft.fields.setdefault(key, []).extend(values)
            if label is not None:
                draft.last_key = key
        if pairs:
            _note_pages(draft, row)
    if not draft.empty:
        yield draft


def _add_indicator(draft: FormDraft, row: Row) -> None:
    assert draft.columns is not None
    previous = draft.indicators[-1] if draft.indicators else None
    ind = row_to_indicator(row, draft.columns, previous)
    if ind.cells and ("level3" in ind.cells or "value" in ind.cells or "explanation" in ind.cells):
        draft.indicators.append(ind)
        _note_pages(draft, row)


def _note_pages(draft: FormDraft, row: Row) -> None:
    """The row's page and, for a row joined across a page break, its cells' pages. A row
    without a page (a text dump's) has no paged cells either: nothing to note."""
    if row.page is None:
        return
    draft.pages.add(row.page)
    for c in row.cells:
        if c.page is not None:
            draft.pages.add(c.page)


# --------------------------------------------------------------------------- typed form


def _text(cells: list[Cell]) -> str:
    text = clean_text(join_cells(cells))
    for c in cells:
        if c.origin != "text":
            return join_cjk_spaces(text)
    return text


_TEXT_KEYS = ("project_name", "applicant_unit", "primary_budget_unit", "allocation_method",
              "policy_basis", "calculation_basis", "annual_goal", "long_term_goal")
_PARSERS: dict[str, Callable[[str], dict]] = {
    "project_code": lambda t: {"project_code": digits_only(t) or _fail(t, "no digits")},
    "implementation_period": lambda t: {"implementation_period": parse_int(t)},
    "project_type": lambda t: dict(zip(("project_type_code", "project_type_name"), parse_project_type(t))),
    "is_new_project": lambda t: {"is_new_project": parse_bool(t)},
    "total_amount": lambda t: {"total_amount": parse_amount_wan(t)},
    "annual_amount": lambda t: {"annual_amount": parse_amount_wan(t)},
}


def _fail(text: str, why: str):
    raise ParseError(f"{why}: {text!r}")


def _provenance(cells: list[Cell]) -> Optional[dict]:
    """Where ``cells`` came from, as the fields of a :class:`ProvenanceItem` (validated once,
    with the whole form, in :func:`draft_to_form`)."""
    if not cells:
        return None
    first = cells[0]
    if first.origin == "text" and first.bbox is None:  # a text dump: the line says where
        return {"origin": "text", "line": first.line, "confidence": 1.0}
    bbox: Optional[BBox] = None
    for c in cells:
        if c.bbox is not None:
            bbox = c.bbox if bbox is None else bbox.union(c.bbox)
    return {"origin": first.origin, "page": first.page, "bbox": bbox, "line": first.line,
            "confidence": min(c.confidence for c in cells)}


def _confidence(prov: dict) -> float:
    c = prov["confidence"]
    return c if c == 1.0 else round(c, 4)


def _snap_closed(values: dict, vocab: Vocabulary, ocr: bool) -> dict:
    if not ocr:
        return values
    for key in ("allocation_method", "project_type_name"):
        if values.get(key):
            values[key] = snap(values[key], vocab.closed_values.get(key, ()), 80)
    return values


def draft_to_header(
    draft: FormDraft, vocab: Vocabulary
) -> tuple[dict, list[Finding], dict[str, float], dict[str, dict]]:
    """Each header field parsed: (values, findings, confidence, provenance) as the fields of
    :class:`Header` and :class:`ProvenanceItem`; a field absent or unreadable becomes a
    ``MISSING_FIELD`` finding."""
    values: dict = {}
    findings: list[Finding] = []
    confidence: dict[str, float] = {}
    provenance: dict[str, dict] = {}
    ocr = False
    for key, cells in draft.fields.items():
        text, by_ocr = _field_text(cells)
        ocr = ocr or by_ocr
        prov = _provenance(cells)
        if not text:
            continue
        parser = _PARSERS.get(key)
        if parser is None:  # a text field: kept as written
            values[key] = text
            if prov is not None:
                provenance[key] = prov
                confidence[key] = _confidence(prov)
            continue
        try:
            parsed = parser(text)
        except ParseError as exc:
            findings.append(Finding(code="MISSING_FIELD", severity="error", field=key,
                                    message=f"{key} could not be read: {exc.message}"))
            continue
        for k, v in parsed.items():
            if v is None:
                continue
            values[k] = v
            if prov is not None:
                provenance[k] = prov
                confidence[k] = _confidence(prov)
    values = _snap_closed(values, vocab, ocr)
    reported = {f.field for f in findings}
    for key in HEADER_KEYS:
        if values.get(key) is None:
            confidence.setdefault(key, 0.0)
            if key not in reported and not (key.startswith("project_type") and "project_type" in reported):
                findings.append(Finding(code="MISSING_FIELD", severity="error", field=key,
                                        message=f"{key} not found in the form"))
    return values, findings, {k: confidence[k] for k in HEADER_KEYS if k in confidence}, provenance


def _field_text(cells: list[Cell]) -> tuple[str, bool]:
    """A field's text and whether OCR read any of it (one cell of a text dump: the fast path)."""
    if len(cells) == 1 and cells[0].origin == "text":
        return clean_text(cells[0].text), False
    return _text(cells), any(c.origin == "ocr" for c in cells)


def draft_to_indicators(draft: FormDraft, vocab: Vocabulary) -> list[dict]:
    """Each indicator row as the fields of an :class:`Indicator` (target parsed, provenance kept)."""
    out: list[dict] = []
    for ind in draft.indicators:
        texts: dict[str, str] = {}
        row_cells: list[Cell] = []
        ocr = False
        for name in INDICATOR_FIELDS:
            cells = ind.cells.get(name)
            if not cells:
                texts[name] = ind.filled.get(name, "")
                continue
            row_cells += cells
            texts[name], by_ocr = _field_text(cells)
            ocr = ocr or by_ocr
        level2 = texts["level2"]
        core = level2.startswith(("*", "＊"))
        if core:
            level2 = level2.lstrip("*＊ ")
        if ocr:
            texts["level1"] = snap(texts["level1"], vocab.level1_values, 70)
            level2 = snap(level2, vocab.level2_values, 70)
        prov = _provenance(row_cells)
        out.append({
            "level1": texts["level1"], "level2": level2, "core": core, "level3": texts["level3"],
            "value": texts["value"], "explanation": texts["explanation"],
            "target": parse_target(texts["value"]), "prov": [prov] if prov else [],
        })
    return out


def draft_to_form(draft: FormDraft, source: Source, vocab: Optional[Vocabulary] = None) -> Form:
    """The typed form of a draft. The steps above return plain fields and the whole form is
    validated in one call: measured ~20 µs a form faster than building its thirty-odd
    header, indicator and provenance models one by one (a tenth of the text path's budget)."""
    vocab = vocab or load_vocabulary()
    header, findings, confidence, provenance = draft_to_header(draft, vocab)
    if not draft.indicators:
        findings.append(Finding(code="MISSING_FIELD", severity="warning", field="indicators",
                                message="no indicator table found"))
    return Form.model_validate({
        "source": source.model_copy(update={"pages": sorted(draft.pages)}) if draft.pages or source.pages else source,
        "title": draft.title or TITLE,
        "header": header,
        "indicators": draft_to_indicators(draft, vocab),
        "findings": findings,
        "confidence": confidence,
        "provenance": provenance,
    })


__all__ = [
    "FormDraft", "IndicatorDraft", "canonical", "draft_to_form", "draft_to_header",
    "draft_to_indicators", "join_cells", "row_is_title", "row_to_columns", "row_to_indicator",
    "row_to_pairs", "rows_to_drafts",
]
