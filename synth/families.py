"""Random forms of every family (data/layouts/), with their truth, as grids of cells.

A form is drawn as a grid on six columns (label | value | value | label | value | value, the
way the families print): each row a list of ``GCell(col, span, text)``. The same grid becomes

- a tab-separated dump (``render_dump``: one line a row, a cell's text at its column), and
- a digital PDF (``render_pdf``: ruled cells, texts wrapped inside them, pages broken
  between rows), from which ``pdftotext`` (with and without ``-layout``) gives the text a
  user copies out of a PDF viewer (``copied_text``).

Truth records are in the golden format plus ``layout``, ``header_extra``, ``amount_unit`` and
each indicator's ``period``; amounts are in 万元 (a 元 form's amounts divided exactly).

    python -m synth.families OUT_DIR --forms 10 --seed 1   # per family: .txt, .pdf, copied text (3 ways), truth
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator, Optional

from .truth import BUREAUS, CENTRES, DISTRICTS, GOALS, PROJECTS

NCOLS = 6


@dataclass(frozen=True)
class GCell:
    col: int
    span: int
    text: str


@dataclass(frozen=True)
class GRow:
    cells: tuple[GCell, ...]
    kind: str = "table"  # table | title (centred, no rules) | line (one text, no rules)


def _row(*cells: tuple[int, int, str], kind: str = "table") -> GRow:
    return GRow(tuple(GCell(c, s, t) for c, s, t in cells), kind)


# --------------------------------------------------------------------------- shared pieces

SH_DISTRICTS = ["普陀区", "静安区", "徐汇区", "长宁区", "杨浦区", "闵行区"]
SH_BUREAUS = ["司法局", "商务委员会", "人民政府办公室", "民政局", "教育局", "卫生健康委员会"]
COUNTIES = ["临安县", "永嘉县", "德清县", "长兴县", "安吉县"]
CITIES = ["厦门市", "宁波市", "青岛市", "大连市"]
SH_LEVEL2 = {
    "产出指标": ["数量指标", "质量指标", "时效指标"],
    "效益指标": ["经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"],
    "满意度指标": ["服务对象满意度指标"],
    "成本指标": ["经济成本指标", "社会成本指标", "生态环境成本指标"],
}
NAMES = ["调解案件数", "培训人次", "项目完成率", "纠纷调解成功率", "设备完好率", "服务对象满意度",
         "资金支付及时率", "群众知晓率", "道路养护里程", "成本控制情况", "环境影响"]
PEOPLE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]


def _yuan(rng: random.Random, lo: int, hi: int) -> Decimal:
    return Decimal(rng.randint(lo, hi)) + Decimal(rng.randint(0, 99)) / 100


def _wan(value: Decimal) -> float:
    """元 -> 万元, exactly, as the JSON number the truth holds."""
    v = value.scaleb(-4).normalize()
    return int(v) if v == v.to_integral_value() else float(v)


def _sh_value(rng: random.Random) -> str:
    return rng.choice([
        "=100.00(%)", f"≥{rng.randint(80, 99)}.00(%)", f"≤{rng.randint(1, 10)}.00(个工作日)",
        f"{rng.randint(100, 2000)}米", "可控", f"={rng.randint(10, 900)}(件)", f"≥{rng.randint(85, 95)}(%)",
        "有所提升", "无",
    ])


def _sh_indicators(rng: random.Random, with_cost: bool) -> list[dict]:
    rows = []
    for level1, level2s in SH_LEVEL2.items():
        if level1 == "成本指标" and not with_cost:
            continue
        for level2 in rng.sample(level2s, k=rng.randint(1, min(2, len(level2s)))):
            for _ in range(rng.randint(1, 2)):
                rows.append({"level1": level1, "level2": level2, "core": False, "level3": rng.choice(NAMES),
                             "value": _sh_value(rng), "explanation": ""})
    return rows


def _date_text(rng: random.Random, y: int, m: int, d: int) -> str:
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}/{m}/{d}"])


def _table_rows(indicators: list[dict], value_cols: list[tuple[int, int, Callable[[dict], str]]],
                level3_span: int, merge: bool) -> Iterator[GRow]:
    """Indicator rows: 一级 | 二级 | 三级 (span) | value columns…; merged cells printed blank."""
    for i, r in enumerate(indicators):
        same1 = merge and i > 0 and indicators[i - 1]["level1"] == r["level1"]
        same2 = same1 and indicators[i - 1]["level2"] == r["level2"]
        level2 = ("*" if r["core"] else "") + r["level2"]
        cells = [(0, 1, "" if same1 else r["level1"]), (1, 1, "" if same2 else level2),
                 (2, level3_span, r["level3"])]
        cells += [(c, s, f(r)) for c, s, f in value_cols]
        yield _row(*cells)


# --------------------------------------------------------------------------- the families


def shanghai_project(rng: random.Random, index: int) -> tuple[dict, list[GRow]]:
    """财政项目支出绩效目标申报表 of a Shanghai district (amounts in 元)."""
    district, bureau = rng.choice(SH_DISTRICTS), rng.choice(SH_BUREAUS)
    year = rng.choice([2025, 2026])
    fiscal, other = _yuan(rng, 100_000, 9_000_000), rng.choice([Decimal(0), _yuan(rng, 1_000, 90_000)])
    appropriation = _yuan(rng, 50_000, int(fiscal))
    carry = rng.choice([Decimal(0), _yuan(rng, 1_000, 50_000)])
    annual_other = rng.choice([Decimal(0), _yuan(rng, 100, 9_000)])
    total, annual = fiscal + other, appropriation + carry + annual_other
    nature = rng.choice(["阶段性项目", "经常性项目"])
    header = {
        "project_name": f"{rng.choice(PROJECTS)}经费",
        "project_type_name": rng.choice(["特定目标类", "其他运转类"]),
        "total_amount": _wan(total), "annual_amount": _wan(annual),
        "long_term_goal": rng.choice(GOALS) + "逐步完善" + rng.choice(["保障体系。", "服务网络。"]),
        "annual_goal": rng.choice(GOALS),
    }
    dept = f"上海市{district}{bureau}"
    unit = dept if rng.random() < 0.5 else f"上海市{district}{rng.choice(CENTRES)}"
    extra = {
        "fiscal_year": year, "project_nature": nature, "supervising_department": dept,
        "implementing_unit": unit, "planned_start": f"{year}-01-01", "planned_end": f"{year}-12-31",
        "fiscal_funds_total": _wan(fiscal), "other_funds_total": _wan(other),
        "annual_fiscal_appropriation": _wan(appropriation), "prior_year_carryover": _wan(carry),
        "annual_other_funds": _wan(annual_other),
    }
    indicators = _sh_indicators(rng, with_cost=rng.random() < 0.6)
    amt = lambda v: f"{v:,.2f}"  # noqa: E731
    long_label = rng.choice(["项目总目标", f"项目总体目标（{year}年-{year + 2}年）"])
    value_label = rng.choice(["年度指标值", "年度（/项目）指标值"])
    grid = [
        _row((0, 6, "财政项目支出绩效目标申报表"), kind="title"),
        _row((0, 6, f"（{year}年度）"), kind="title"),
        _row((0, 1, "项目名称"), (1, 5, header["project_name"])),
        _row((0, 1, "项目性质"), (1, 2, nature), (3, 1, "项目类别"), (4, 2, header["project_type_name"])),
        _row((0, 1, "主管部门"), (1, 2, dept), (3, 1, "实施单位"), (4, 2, unit)),
        _row((0, 1, "计划开始日期"), (1, 2, _date_text(rng, year, 1, 1)),
             (3, 1, "计划完成日期"), (4, 2, _date_text(rng, year, 12, 31))),
        _row((0, 1, "项目资金（元）"), (1, 1, "项目资金总额"), (2, 1, amt(total)),
             (3, 1, "年度资金申请总额"), (4, 2, amt(annual))),
        _row((0, 1, ""), (1, 1, "其中：财政资金"), (2, 1, amt(fiscal)),
             (3, 1, "其中：当年财政拨款"), (4, 2, amt(appropriation))),
        _row((0, 1, ""), (1, 1, "其他资金"), (2, 1, amt(other)), (3, 1, "上年结转资金"), (4, 2, amt(carry))),
        _row((0, 1, ""), (1, 1, ""), (2, 1, ""), (3, 1, "其他资金"), (4, 2, amt(annual_other))),
        _row((0, 3, long_label), (3, 3, "年度总体目标")),
        _row((0, 3, header["long_term_goal"]), (3, 3, header["annual_goal"])),
        _row((0, 1, "一级指标"), (1, 1, "二级指标"), (2, 2, "三级指标"), (4, 2, value_label)),
        *_table_rows(indicators, [(4, 2, lambda r: r["value"])], 2, merge=True),
    ]
    truth = {"form_index": index, "layout": "shanghai_project", "amount_unit": "元", "header": header,
             "header_extra": extra, "indicators": indicators}
    return truth, grid


def pifubiao(rng: random.Random, index: int) -> tuple[dict, list[GRow]]:
    """项目支出绩效目标批复表 (中期 and 年度 side by side, amounts in 万元)."""
    city, year = rng.choice(CITIES), rng.choice([2018, 2019, 2020])
    annual = Decimal(rng.randint(1000, 900000)) / 100
    total = annual * rng.randint(2, 3)
    header = {
        "applicant_unit": f"{city}{rng.choice(BUREAUS)}",
        "project_name": f"{rng.choice(PROJECTS)}项目",
        "total_amount": float(total), "annual_amount": float(annual),
        "long_term_goal": rng.choice(GOALS), "annual_goal": rng.choice(GOALS),
    }
    rows = []
    for level1, level2s in (("预期产出指标", ["数量指标", "质量指标", "时效指标", "成本指标"]),
                            ("效果指标", ["社会效益指标", "经济效益指标", "可持续影响指标", "服务对象满意度指标"])):
        for level2 in rng.sample(level2s, k=2):
            remark = rng.choice(["", "（反映项目产出情况）", "（定量）"])
            for _ in range(rng.randint(1, 2)):
                n = rng.randint(10, 500)
                rows.append({"level1": level1, "level2": level2 + remark, "level3": rng.choice(NAMES),
                             "mid": rng.choice([f"{n * 3}人次", "≥95%", "100%", "三年内完成"]),
                             "year": rng.choice([f"{n}人次", "≥95%", "100%", "年底前完成"])})
    indicators = [{"level1": r["level1"], "level2": r["level2"], "core": False, "level3": r["level3"],
                   "value": r[key], "explanation": "", "period": period}
                  for key, period in (("mid", "中期"), ("year", "年度")) for r in rows]
    amt = lambda v: f"{v:,.2f}" if rng.random() < 0.5 else f"{v:.2f}"  # noqa: E731
    grid = [
        _row((0, 6, f"{year}年度项目支出绩效目标批复表"), kind="title"),
        _row((0, 1, "预算单位"), (1, 2, header["applicant_unit"]), (3, 1, "项目名称"), (4, 2, header["project_name"])),
        _row((0, 1, "中期资金总额（万元）"), (1, 2, amt(total)), (3, 1, "年度资金总额（万元）"), (4, 2, amt(annual))),
        _row((0, 3, f"中期目标（{year}-{year + 2}年）"), (3, 3, f"年度目标（{year}年）")),
        _row((0, 3, header["long_term_goal"]), (3, 3, header["annual_goal"])),
        _row((0, 1, "一级指标"), (1, 1, "二级指标"), (2, 2, "三级指标"), (4, 1, "中期指标值"), (5, 1, "年度指标值")),
        *_table_rows([{**r, "core": False} for r in rows],
                     [(4, 1, lambda r: r["mid"]), (5, 1, lambda r: r["year"])], 2, merge=True),
    ]
    truth = {"form_index": index, "layout": "pifubiao", "amount_unit": "万元", "header": header,
             "header_extra": {"fiscal_year": year}, "indicators": indicators}
    return truth, grid


def project_target_table(rng: random.Random, index: int) -> tuple[dict, list[GRow]]:
    """项目绩效目标表 of a county (长期 and 年度 indicator tables, amounts in 万元)."""
    county, year = rng.choice(COUNTIES), 2021
    fiscal = Decimal(rng.randint(1000, 500000)) / 100
    other = Decimal(rng.choice([0, rng.randint(100, 9000)])) / 100
    total = fiscal + other
    annual = (total / rng.randint(1, 3)).quantize(Decimal("0.01"))
    new = rng.random() < 0.5
    end_year = year + rng.randint(0, 2)
    header = {
        "applicant_unit": f"{county}{rng.choice(BUREAUS)}",
        "project_name": f"{county}{rng.choice(PROJECTS)}",
        "is_new_project": new,
        "total_amount": float(total), "annual_amount": float(annual),
        "long_term_goal": rng.choice(GOALS), "annual_goal": rng.choice(GOALS),
    }
    code = "".join(rng.choice("0123456789") for _ in range(6))
    extra = {
        "fiscal_year": year, "supervising_department": f"{county}{rng.choice(BUREAUS)}",
        "supervising_department_code": code, "implementing_unit": f"{county}{rng.choice(CENTRES)}",
        "project_leader": rng.choice(PEOPLE), "planned_start": f"{year}-01", "planned_end": f"{end_year}-12",
        "fiscal_funds_total": float(fiscal), "other_funds_total": float(other),
    }
    sets = {}
    for period in ("长期", "年度"):
        rows = []
        for level1, level2s in (("产出指标", ["数量指标", "质量指标", "时效指标"]),
                                ("效益指标", ["社会效益指标", "可持续影响指标"]),
                                ("满意度指标", ["服务对象满意度指标"])):
            for level2 in rng.sample(level2s, k=1 if level1 == "满意度指标" else 2):
                rows.append({"level1": level1, "level2": level2, "core": False, "level3": rng.choice(NAMES),
                             "value": rng.choice(["≥95%", "100%", f"{rng.randint(5, 900)}人次", "按期完成"]),
                             "explanation": rng.choice(["", "", "按年度统计", "第三方评价"]), "period": period})
        sets[period] = rows
    tick = ("√新增 □延续" if new else "□新增 √延续")
    amt = lambda v: f"{v:.2f}"  # noqa: E731
    grid = [
        _row((0, 6, "项目绩效目标表"), kind="title"),
        _row((0, 6, f"（{year}年度）"), kind="title"),
        _row((0, 6, f"填报单位（盖章）：{header['applicant_unit']}"), kind="line"),
        _row((0, 1, "项目名称"), (1, 2, header["project_name"]), (3, 1, "项目属性"), (4, 2, tick)),
        _row((0, 1, "主管部门"), (1, 2, extra["supervising_department"]), (3, 1, "主管部门编码"), (4, 2, code)),
        _row((0, 1, "项目单位"), (1, 2, extra["implementing_unit"]), (3, 1, "项目负责人"), (4, 2, extra["project_leader"])),
        _row((0, 1, "项目起止时间"), (1, 2, f"{year}年1月至{end_year}年12月"),
             (3, 1, "年度资金总额（万元）"), (4, 2, amt(annual))),
        _row((0, 1, "项目资金总额（万元）"), (1, 1, amt(total)), (2, 1, "其中：财政资金"), (3, 1, amt(fiscal)),
             (4, 1, "其他资金"), (5, 1, amt(other))),
        _row((0, 1, "长期目标"), (1, 5, header["long_term_goal"])),
        _row((0, 1, "年度目标"), (1, 5, header["annual_goal"])),
    ]
    for period, rows in sets.items():
        grid.append(_row((0, 6, f"{period}绩效指标")))
        grid.append(_row((0, 1, "一级指标"), (1, 1, "二级指标"), (2, 2, "指标内容"), (4, 1, "指标值"), (5, 1, "备注")))
        grid.extend(_table_rows(rows, [(4, 1, lambda r: r["value"]), (5, 1, lambda r: r["explanation"])], 2,
                                merge=True))
    truth = {"form_index": index, "layout": "project_target_table", "amount_unit": "万元", "header": header,
             "header_extra": extra, "indicators": sets["长期"] + sets["年度"]}
    return truth, grid


def futian_2level(rng: random.Random, index: int) -> tuple[dict, list[GRow]]:
    """The Futian 二级项目 form (synth.truth's random form) on the same grid."""
    from .truth import random_form

    truth = random_form(rng, index)
    h = truth["header"]
    amt = lambda v: f"{Decimal(str(v)):,.2f}"  # noqa: E731
    grid = [
        _row((0, 6, "二级项目支出绩效目标申报表"), kind="title"),
        _row((0, 1, "项目编码："), (1, 2, h["project_code"]), (3, 1, "项目名称："), (4, 2, h["project_name"])),
        _row((0, 1, "申请单位："), (1, 2, h["applicant_unit"]), (3, 1, "一级预算单位："), (4, 2, h["primary_budget_unit"])),
        _row((0, 1, "实施期限："), (1, 2, str(h["implementation_period"])), (3, 1, "项目类型："),
             (4, 2, f"{h['project_type_code']} {h['project_type_name']}")),
        _row((0, 1, "是否新增项目："), (1, 2, "是" if h["is_new_project"] else "否"), (3, 1, "分配方式："),
             (4, 2, h["allocation_method"])),
        _row((0, 1, "项目总金额（中期规划，万元）："), (1, 2, amt(h["total_amount"])),
             (3, 1, "本年度项目金额（万元）："), (4, 2, amt(h["annual_amount"]))),
        _row((0, 1, "政策依据："), (1, 5, h["policy_basis"])),
        _row((0, 1, "测算依据："), (1, 5, h["calculation_basis"])),
        _row((0, 1, "年度目标："), (1, 5, h["annual_goal"])),
        _row((0, 1, "长期目标（跨度多年的项目需填）："), (1, 5, h["long_term_goal"])),
        _row((0, 1, "一级指标"), (1, 1, "二级指标"), (2, 1, "三级指标"), (3, 1, "指标值"), (4, 2, "指标解释")),
        *_table_rows(truth["indicators"], [(3, 1, lambda r: r["value"]), (4, 2, lambda r: r["explanation"])], 1,
                     merge=False),
    ]
    truth.update(layout="futian_2level", amount_unit="万元")
    return truth, grid


FAMILIES: dict[str, Callable[[random.Random, int], tuple[dict, list[GRow]]]] = {
    "futian_2level": futian_2level,
    "shanghai_project": shanghai_project,
    "pifubiao": pifubiao,
    "project_target_table": project_target_table,
}


def random_family_forms(family: str, seed: int, n: int) -> list[tuple[dict, list[GRow]]]:
    rng = random.Random(seed)
    return [FAMILIES[family](rng, i) for i in range(n)]


# --------------------------------------------------------------------------- renderings


def render_dump(grids: list[list[GRow]]) -> str:
    """Tab-separated lines, a blank line between forms (the budget system's dump)."""
    out = []
    for grid in grids:
        out.append("")
        for row in grid:
            parts = [""] * NCOLS
            for c in row.cells:
                parts[c.col] = c.text
            out.append("\t".join(parts))
    return "\n".join(out) + "\n"


def render_pdf(grids: list[list[GRow]], path: Path, *, font: str = "wqy", size: float = 9.0) -> None:
    """Ruled cells, texts wrapped inside them, a form per page run (rows never split)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as rl_canvas

    from .pdf import register_font, wrap

    name = register_font(font)
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    margin, pad, lead = 40.0, 3.0, size * 1.35
    colw = [(width - 2 * margin) * f for f in (0.16, 0.17, 0.17, 0.16, 0.17, 0.17)]
    xs = [margin + sum(colw[:i]) for i in range(NCOLS + 1)]
    for g, grid in enumerate(grids):
        if g:
            c.showPage()
        y = height - margin
        for row in grid:
            wrapped = []
            for cell in row.cells:
                w = xs[cell.col + cell.span] - xs[cell.col] - 2 * pad
                wrapped.append(wrap(cell.text, name, size, w) if cell.text else [])
            h = max([len(w) for w in wrapped] + [1]) * lead + 2 * pad
            if y - h < margin:
                c.showPage()
                y = height - margin
            c.setFont(name, size + (3 if row.kind == "title" else 0))
            for cell, lines in zip(row.cells, wrapped):
                x0, x1 = xs[cell.col], xs[cell.col + cell.span]
                if row.kind == "title":
                    for i, line in enumerate(lines):
                        c.drawCentredString((x0 + x1) / 2, y - pad - (i + 1) * lead + 2, line)
                    continue
                if row.kind == "table":
                    c.rect(x0, y - h, x1 - x0, h, stroke=1, fill=0)
                for i, line in enumerate(lines):
                    c.drawString(x0 + pad, y - pad - (i + 1) * lead + 2, line)
            y -= h
    c.save()


def copied_text(pdf: Path, layout: bool, producer: str = "pdftotext") -> str:
    """What pdftotext gives for the PDF (with ``-layout``: columns kept by spaces); with
    ``producer="pdfplumber"`` the text a PDF viewer copies (pdfplumber ``extract_text()``: one
    line a printed line, words apart by single spaces, no blank lines; pages joined)."""
    if producer == "pdfplumber":
        import pdfplumber

        with pdfplumber.open(str(pdf)) as doc:
            return "\n".join((page.extract_text(layout=layout) or "") for page in doc.pages) + "\n"
    args = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, check=True, capture_output=True, timeout=120).stdout.decode("utf-8")


def write_set(out: Path, family: str, seed: int, n: int) -> dict[str, Path]:
    """Every input kind of one family's forms, and their truth: {kind: path}."""
    out.mkdir(parents=True, exist_ok=True)
    forms = random_family_forms(family, seed, n)
    truths, grids = [t for t, _ in forms], [g for _, g in forms]
    paths = {"truth": out / f"{family}.truth.jsonl", "dump": out / f"{family}.dump.txt",
             "pdf": out / f"{family}.pdf", "copied": out / f"{family}.copied.txt",
             "copied_layout": out / f"{family}.copied-layout.txt", "copied_viewer": out / f"{family}.copied-viewer.txt"}
    paths["truth"].write_text("".join(json.dumps(_golden(t), ensure_ascii=False) + "\n" for t in truths),
                              encoding="utf-8")
    paths["dump"].write_text(render_dump(grids), encoding="utf-8")
    render_pdf(grids, paths["pdf"])
    paths["copied"].write_text(copied_text(paths["pdf"], False), encoding="utf-8")
    paths["copied_layout"].write_text(copied_text(paths["pdf"], True), encoding="utf-8")
    paths["copied_viewer"].write_text(copied_text(paths["pdf"], False, "pdfplumber"), encoding="utf-8")
    return paths


def _golden(truth: dict) -> dict:
    truth = dict(truth)
    truth.setdefault("calculation", {"terms": [], "total_yuan": None})
    truth.setdefault("finding_codes", [])
    return truth


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synth.families")
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES))
    args = ap.parse_args(argv)
    for family in args.family or FAMILIES:
        for kind, path in write_set(args.out, family, args.seed, args.forms).items():
            print(f"{family} {kind}: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
