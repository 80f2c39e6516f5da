"""A declaration form as a grid of cells, the way people lay it out in Excel, Word and web
pages: the one layout that ``synth.workbook``, ``synth.docx`` and ``synth.html`` render.

    form_grid(truth, rng, style) -> GridForm: a title, header rows of label/value pairs
                                    (long values merged across the row), the indicator header
                                    and one row per indicator, 一级/二级指标 merged down

Values keep their type where a spreadsheet would (amounts and the 实施期限 as numbers with a
number format, a code as a number or as text, ``100%`` as 1 under ``0%``), so the readers
must show them as the sheet does. The truth is not changed by any style.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Optional, Union

from .truth import merged_spans

TITLE = "二级项目支出绩效目标申报表"
COLUMNS = ("一级指标", "二级指标", "三级指标", "指标值", "指标解释")
AMOUNT_FORMATS = ("#,##0.00", "0.00", "#,##0.00_);(#,##0.00)", '#,##0.00"万元"')

Value = Union[str, int, float, Decimal]


@dataclass
class GCell:
    value: Value
    col: int
    colspan: int = 1
    rowspan: int = 1
    number_format: Optional[str] = None  # for numbers
    role: str = "value"                  # title, label, value, long, colhead, level, indicator

    @property
    def text(self) -> str:
        """The text the cell shows (what a reader must give back)."""
        return str(self.value)


@dataclass
class GRow:
    cells: list[GCell]
    kind: str  # title, pair, long, colhead, indicator, note


@dataclass
class GridForm:
    rows: list[GRow]
    width: int  # grid columns


@dataclass(frozen=True)
class GridStyle:
    """How a form is laid out. ``None`` options are drawn per form from the rng."""

    wide: Optional[bool] = None            # six columns: values merged over two, 指标解释 over two
    numeric_amounts: Optional[bool] = None  # amounts as numbers under a number format (else text)
    numeric_code: Optional[bool] = None     # the code as a number: only 15 digits survive (off unless asked)
    numeric_period: Optional[bool] = None
    percent_values: bool = True             # "100%" indicator values as 1 under "0%"
    label_breaks: Optional[bool] = None     # "项目总金额\\n（中期规划，万元）" with a line break
    paragraphs: Optional[bool] = None       # long values as paragraphs (line breaks at their spaces)
    note_row: Optional[bool] = None         # "金额单位：万元" under the title
    inline_labels: Optional[bool] = None    # label and value in one cell: "项目名称：英才荟经费"
    colon: Optional[str] = None


def _pick(rng: random.Random, value, p: float = 0.5):
    return rng.random() < p if value is None else value


def form_grid(truth: dict, rng: random.Random, style: GridStyle = GridStyle()) -> GridForm:
    h = truth["header"]
    wide = _pick(rng, style.wide, 0.4)
    numeric_amounts = _pick(rng, style.numeric_amounts, 0.7)
    numeric_code = _pick(rng, style.numeric_code, 0.0)  # 21-digit codes do not survive as numbers
    numeric_period = _pick(rng, style.numeric_period, 0.7)
    label_breaks = _pick(rng, style.label_breaks, 0.4)
    paragraphs = _pick(rng, style.paragraphs, 0.5)
    colon = style.colon if style.colon is not None else rng.choice(["", "：", ":"])
    width = 6 if wide else 5

    def label(text: str) -> GCell:
        if label_breaks and "（" in text:
            text = text.replace("（", "\n（", 1)
        return GCell(text + colon, 0, role="label")

    def amount(v: float) -> GCell:
        if numeric_amounts:
            return GCell(Decimal(str(v)), 0, number_format=rng.choice(AMOUNT_FORMATS))
        return GCell(f"{Decimal(str(v)):,.2f}" if rng.random() < 0.6 else f"{Decimal(str(v)):.2f}", 0)

    def long(text: str) -> str:
        return text.replace(" ", "\n") if paragraphs else text

    code = h["project_code"]
    code_cell = GCell(int(code), 0, number_format=rng.choice(["0", None])) if numeric_code and code.isdigit() \
        else GCell(code, 0)
    period = h["implementation_period"]
    period_cell = GCell(int(period), 0, number_format=None) if numeric_period else GCell(str(period), 0)
    ptype = f"{h.get('project_type_code', '')} {h.get('project_type_name', '')}".strip()
    pairs = [
        (rng.choice(["项目编码", "项目编号"]), code_cell, "项目名称", GCell(h["project_name"], 0)),
        ("申请单位", GCell(h["applicant_unit"], 0), "一级预算单位", GCell(h["primary_budget_unit"], 0)),
        ("实施期限", period_cell, "项目类型", GCell(ptype, 0)),
        ("是否新增项目", GCell("是" if h["is_new_project"] else "否", 0), "分配方式", GCell(h["allocation_method"], 0)),
        ("项目总金额（中期规划，万元）", amount(h["total_amount"]), "本年度项目金额（万元）", amount(h["annual_amount"])),
    ]
    longs = [("政策依据", h["policy_basis"]), ("测算依据", h["calculation_basis"]),
             ("年度目标", h["annual_goal"]), ("长期目标（跨度多年的项目需填）", h["long_term_goal"])]
    rows = [GRow([GCell(TITLE, 0, colspan=width, role="title")], "title")]
    if _pick(rng, style.note_row, 0.5):
        rows.append(GRow([GCell("金额单位：万元", width - 1, role="note")], "note"))
    inline = _pick(rng, style.inline_labels, 0.2)
    for l1, v1, l2, v2 in pairs:
        if inline and isinstance(v1.value, str) and isinstance(v2.value, str):
            # "项目名称：英才荟经费" in one cell, as Word forms often have it (the colon is needed then)
            half = width // 2
            rows.append(GRow([GCell(f"{l1}：{v1.value}", 0, colspan=half),
                              GCell(f"{l2}：{v2.value}", half, colspan=width - half)], "pair"))
            continue
        a = label(l1)
        v1.col = 1
        b = label(l2)
        b.col = 1 + 1
        v2.col, v2.colspan = 3, width - 3
        if wide:  # label | value value | label | value value
            v1.colspan, b.col, v2.col, v2.colspan = 2, 3, 4, 2
        rows.append(GRow([a, v1, b, v2], "pair"))
    for name, text in longs:
        rows.append(GRow([label(name), GCell(long(text or ""), 1, colspan=width - 1, role="long")], "long"))
    heads = [GCell(n, i, role="colhead") for i, n in enumerate(COLUMNS)]
    if wide:
        heads[-1].colspan = 2
    rows.append(GRow(heads, "colhead"))
    inds = truth["indicators"]
    for r, (n1, n2) in zip(inds, merged_spans(inds)):
        cells = []
        if n1:
            cells.append(GCell(r["level1"], 0, rowspan=n1, role="level"))
        if n2:
            cells.append(GCell(("*" if r["core"] else "") + r["level2"], 1, rowspan=n2, role="level"))
        value = r["value"]
        m = re.fullmatch(r"(\d{1,3})%", value)
        vcell = GCell(Decimal(m.group(1)) / 100, 3, number_format="0%") if style.percent_values and m \
            else GCell(value, 3)
        cells += [GCell(r["level3"], 2), vcell, GCell(r["explanation"], 4, colspan=2 if wide else 1)]
        rows.append(GRow(cells, "indicator"))
    return GridForm(rows, width)


def shown(cell: GCell) -> str:
    """The text a spreadsheet shows for ``cell`` (what the readers must give back), for the
    few number formats the generator uses."""
    v = cell.value
    if isinstance(v, str):
        return v
    fmt = cell.number_format or "General"
    if fmt == "0%":
        return f"{(Decimal(v) * 100).quantize(Decimal(1))}%"
    if fmt in ("General", "0"):
        return str(int(v)) if Decimal(v) == Decimal(v).to_integral_value() else str(v)
    q = Decimal(v).quantize(Decimal("0.01"))
    text = f"{q:,.2f}" if fmt.startswith("#,##0") else f"{q:.2f}"
    return text + ("万元" if "万元" in fmt else "") + (" " if fmt.endswith("_);(#,##0.00)") else "")


__all__ = ["COLUMNS", "GCell", "GRow", "GridForm", "GridStyle", "TITLE", "form_grid", "shown"]
