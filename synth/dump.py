"""Render truth records as a budget-system text dump, with the quirks real dumps have.

``DumpStyle`` picks the quirks (label synonyms, colon widths, stray spaces, spaced amounts,
markup, line ends, encoding); the truth stays the same whatever the style.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Iterator

TITLE = "二级项目支出绩效目标申报表"


@dataclass(frozen=True)
class DumpStyle:
    code_label: str = "项目编码"          # or 项目编号
    colon: str = "："                     # or ":"
    label_spaces: bool = False            # "项目 名称 ："
    spaced_amounts: bool = False          # "9, 528. 09"
    thousands: bool = True                # "1,025.16"
    markup: bool = False                  # <p>..</p> and &nbsp; inside long cells
    newline: str = "\n"                   # or "\r\n", "\r"


def _amount(value: float, style: DumpStyle) -> str:
    d = Decimal(str(value)).quantize(Decimal("0.01"))
    text = f"{d:,.2f}" if style.thousands else f"{d:.2f}"
    if style.spaced_amounts:
        text = text.replace(",", ", ").replace(".", ". ")
    return text


def _label(text: str, style: DumpStyle) -> str:
    if style.label_spaces:
        text = " ".join(text[:2]) + text[2:] + " "
    return text + style.colon


def _long(text: str, style: DumpStyle) -> str:
    if not style.markup:
        return text
    half = len(text) // 2
    return f"<p>{html.escape(text[:half], quote=False)}</p>&nbsp;<p>{html.escape(text[half:], quote=False)}</p>"


def form_lines(truth: dict, style: DumpStyle = DumpStyle()) -> Iterator[str]:
    h = truth["header"]
    L = lambda t: _label(t, style)  # noqa: E731
    yield f"{TITLE}\t\t\t\t"
    yield f"{L(style.code_label)}\t{h['project_code']}\t\t{L('项目名称')}\t{h['project_name']}"
    yield f"{L('申请单位')}\t{h['applicant_unit']}\t\t{L('一级预算单位')}\t{h['primary_budget_unit']}"
    yield f"{L('实施期限')}\t{h['implementation_period']}\t\t{L('项目类型')}\t{h['project_type_code']} {h['project_type_name']}"
    yield f"{L('是否新增项目')}\t{'是' if h['is_new_project'] else '否'}\t\t{L('分配方式')}\t{h['allocation_method']}"
    yield (f"{L('项目总金额（中期规划，万元）')}\t{_amount(h['total_amount'], style)}\t\t"
           f"{L('本年度项目金额（万元）')}\t{_amount(h['annual_amount'], style)}")
    yield f"{L('政策依据')}\t{_long(h['policy_basis'], style)}\t\t\t"
    yield f"{L('测算依据')}\t{_long(h['calculation_basis'], style)}\t\t\t"
    yield f"{L('年度目标')}\t{_long(h['annual_goal'], style)}\t\t\t"
    yield f"{L('长期目标（跨度多年的项目需填）')}\t{_long(h['long_term_goal'], style)}\t\t\t"
    yield "一级指标\t二级指标\t三级指标\t指标值\t指标解释"
    for r in truth["indicators"]:
        yield f"{r['level1']}\t{'*' if r['core'] else ''}{r['level2']}\t{r['level3']}\t{r['value']}\t{r['explanation']}"


def render_dump(truths: Iterable[dict], style: DumpStyle = DumpStyle()) -> str:
    out = []
    for t in truths:
        out.append("")
        out.extend(form_lines(t, style))
    return style.newline.join(out) + style.newline


def random_style(rng: random.Random) -> DumpStyle:
    return DumpStyle(
        code_label=rng.choice(["项目编码", "项目编号"]),
        colon=rng.choice(["：", ":"]),
        label_spaces=rng.random() < 0.3,
        spaced_amounts=rng.random() < 0.3,
        thousands=rng.random() < 0.7,
        markup=rng.random() < 0.3,
        newline=rng.choice(["\n", "\r\n", "\r"]),
    )
