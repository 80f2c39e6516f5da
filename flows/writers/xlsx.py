"""The four tables as one Excel workbook (openpyxl, write-only: rows are streamed to the file,
so memory stays flat in the number of forms).

One sheet per table of :mod:`flows.tables` with the CSV's columns: header row frozen and
bold, an auto filter over the data, column widths from the header and the first rows, amounts
as numbers shown with two decimals, long texts wrapped; the findings sheet sorted by
severity (errors first), then in form order. Text is stored as text, never as a formula
(``=…`` stays a string), and characters Excel refuses are dropped.
"""
from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import Iterable, Optional

from pipeline.models import Form
from ..tables import TABLES, finding_records, form_record, indicator_records, term_records
from . import atomic_open

AMOUNT_COLUMNS = frozenset({"total_amount", "annual_amount", "total_yuan", "product_yuan", "stated_yuan"})
WRAP_COLUMNS = frozenset({"project_name", "applicant_unit", "primary_budget_unit", "policy_basis",
                          "calculation_basis", "annual_goal", "long_term_goal", "level3", "value", "explanation",
                          "text", "message", "factors", "source_path"})
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
AMOUNT_FORMAT = "#,##0.00"
WIDTH_SAMPLE_ROWS = 200   # column widths are measured on the header and this many first rows
MIN_WIDTH, MAX_WIDTH, WRAP_WIDTH = 6, 60, 48
EXCEL_MAX_CELL = 32_767
XLSX_NAME = "jixiao.xlsx"


def _display_width(value) -> int:
    """Characters as Excel columns: CJK and full-width forms count double."""
    text = value if isinstance(value, str) else ("TRUE" if value is True else "FALSE" if value is False
                                                  else "" if value is None else str(value))
    longest = max(text.split("\n"), key=len) if text else ""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in longest)


def column_widths(columns: list[str], rows: list[dict]) -> list[float]:
    out = []
    for col in columns:
        w = max([_display_width(col)] + [_display_width(r.get(col)) for r in rows])
        if col in AMOUNT_COLUMNS:
            w = max(w + 4, 12)  # room for separators and two decimals
        cap = WRAP_WIDTH if col in WRAP_COLUMNS else MAX_WIDTH
        out.append(float(min(max(w + 2, MIN_WIDTH), cap)))
    return out


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


class _Sheet:
    """One write-only sheet: the first rows are held back until the column widths are known
    (they must be set before the first row is written), then everything streams."""

    def __init__(self, wb, name: str):
        self.wb, self.ws = wb, wb.create_sheet(title=name)
        self.columns: Optional[list[str]] = None
        self.buffer: list[dict] = []
        self.rows = 0
        self._styles: dict[str, tuple] = {}

    def add(self, record: dict) -> None:
        if self.columns is None:
            self.columns = list(record)
        if self.buffer is not None:
            self.buffer.append(record)
            if len(self.buffer) >= WIDTH_SAMPLE_ROWS:
                self._start()
            return
        self._write(record)

    def _start(self) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font, PatternFill

        columns = self.columns or []
        for i, width in enumerate(column_widths(columns, self.buffer), start=1):
            self.ws.column_dimensions[_letter(i)].width = width
        self.ws.freeze_panes = "A2"
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE4EE")
        head = []
        for col in columns:
            cell = WriteOnlyCell(self.ws, value=col)
            cell.font, cell.fill = bold, fill
            head.append(cell)
        self.ws.append(head)
        # styled cells copy a template's style array: assigning a style object per cell costs a
        # style-table lookup each time (most of the writer's time on 10,000 indicator rows)
        wrap = WriteOnlyCell(self.ws, value="")
        wrap.alignment = Alignment(wrap_text=True, vertical="top")
        amount = WriteOnlyCell(self.ws, value=0)
        amount.number_format = AMOUNT_FORMAT
        self._wrap_style, self._amount_style = wrap._style, amount._style
        self._cell = WriteOnlyCell
        buffered, self.buffer = self.buffer, None
        for record in buffered:
            self._write(record)

    def _value_cell(self, col: str, value):
        if col in AMOUNT_COLUMNS and isinstance(value, (int, float)) and not isinstance(value, bool):
            cell = self._cell(self.ws, value=value)
            cell._style = copy(self._amount_style)
            return cell
        if isinstance(value, str):
            text = _clean(value)
            if col not in WRAP_COLUMNS and not text.startswith("="):
                return text  # a plain value: no cell object, no style (most cells)
            cell = self._cell(self.ws, value=text)
            cell.data_type = "s"  # "=…" is text here, not a formula
            if col in WRAP_COLUMNS:
                cell._style = copy(self._wrap_style)
            return cell
        return value

    def _write(self, record: dict) -> None:
        self.ws.append([self._value_cell(col, record.get(col)) for col in self.columns or []])
        self.rows += 1

    def close(self, empty_columns: list[str]) -> None:
        if self.columns is None:
            self.columns = list(empty_columns)
        if self.buffer is not None:
            self._start()
        if self.columns:
            self.ws.auto_filter.ref = f"A1:{_letter(len(self.columns))}{self.rows + 1}"


def _clean(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_MAX_CELL:
        text = text[:EXCEL_MAX_CELL - 1] + "…"
    return text


EMPTY_COLUMNS = {
    "forms": ["id", "source_sha256", "source_path", "kind", "form_index", "pages", "title"],
    "indicators": ["form_id", "row_index", "level1", "level2", "core", "level3", "value", "explanation",
                   "comparator", "number", "unit", "page"],
    "calc_terms": ["form_id", "term_index", "text", "label", "factors", "product_yuan", "stated_yuan",
                   "approximate", "implicit"],
    "findings": ["id", "form_id", "code", "severity", "message", "field"],
}


def by_severity(findings: Iterable[dict]) -> list[dict]:
    """Errors, then warnings, then info; in form order within each (a stable sort)."""
    return sorted(findings, key=lambda r: SEVERITY_ORDER.get(r.get("severity"), 3))


def xlsx_path(out: Path) -> Path:
    """``--out`` naming a ``.xlsx`` file is that file; a folder gets ``jixiao.xlsx`` in it."""
    return out if out.suffix.lower() == ".xlsx" else out / XLSX_NAME


def write_xlsx_records(tables: dict[str, Iterable[dict]], path: Path) -> Path:
    """Records per table name (any iterables: streamed) -> the workbook at ``path``."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheets = {name: _Sheet(wb, name) for name in TABLES}
    for name in TABLES:
        rows = tables.get(name) or ()
        for record in (by_severity(rows) if name == "findings" else rows):
            sheets[name].add(record)
        sheets[name].close(EMPTY_COLUMNS[name])
    with atomic_open(path, mode="wb", encoding=None) as f:
        wb.save(f)
    return path


def write_xlsx(forms: Iterable[Form], path: Path) -> tuple[Path, int]:
    """Forms streamed into the workbook: forms, indicators and terms rows are written as each
    form comes (every sheet streams to its own temporary file); findings are held and sorted
    by severity. Returns the path and the number of forms."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheets = {name: _Sheet(wb, name) for name in TABLES}
    findings: list[dict] = []
    n = 0
    for form in forms:
        sheets["forms"].add(form_record(form))
        for rec in indicator_records(form):
            sheets["indicators"].add(rec)
        for rec in term_records(form):
            sheets["calc_terms"].add(rec)
        findings.extend(finding_records(form))
        n += 1
    for rec in by_severity(findings):
        sheets["findings"].add(rec)
    for name in TABLES:
        sheets[name].close(EMPTY_COLUMNS[name])
    with atomic_open(path, mode="wb", encoding=None) as f:
        wb.save(f)
    return path, n


__all__ = ["AMOUNT_COLUMNS", "XLSX_NAME", "by_severity", "column_widths", "write_xlsx", "write_xlsx_records",
           "xlsx_path"]
