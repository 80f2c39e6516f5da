"""Render truth records as digital PDFs with a text layer, the way the budget system exports them.

Every form is a title line above a bordered table drawn with ruling lines (or rectangles):
a header block of label/value pairs (labels may wrap inside narrow cells:
``项目总金\\n额（中期\\n规划，万\\n元）：``; long values span three columns) and the 绩效指标
table, whose 一级指标 and 二级指标 cells are merged vertically over their rows. Tables break
across pages, with or without a repeated header row, and a row that does not fit is split
across the break (drawn open at the bottom of one page and the top of the next). Many forms
flow through one file. :class:`PdfStyle` picks the options; the truth stays the same.

    render_pdf(truths, path, seed=0, style=None) -> truths with source.pages
    broken_text_layer_pdf(truths, path)          -> a PDF whose fonts lost their Unicode map

    python -m synth.pdf OUT.pdf --forms 30 --seed 1     # PDF + OUT.truth.jsonl beside it
"""
from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas

from .fonts import FONTS, font_file

TITLE = "二级项目支出绩效目标申报表"
FONT_FILES = FONTS  # every font a form may be drawn in (synth/fonts.py: path and Debian package)
COLUMNS = ("一级指标", "二级指标", "三级指标", "指标值", "指标解释")


@dataclass(frozen=True)
class PdfStyle:
    """How forms are drawn. ``None`` widths are drawn at random per form (from the seed)."""

    fonts: tuple[str, ...] = ("wqy", "uming")        # each form's font is drawn from these
    font_size: float = 9.0
    page_size: tuple[float, float] = A4
    margin: float = 36.0
    page_break_mode: Literal["flow", "form_per_page"] = "flow"  # forms follow on the same page or not
    repeat_header: bool = True                        # the indicator header row again after a break
    split_rows: bool = True                           # a row that does not fit is split across the break
    narrow_labels: bool = True                        # header labels wrap inside narrow cells
    rule_with: Literal["lines", "rects"] = "lines"    # ruling as line segments or cell rectangles
    gap_before_indicators: float = 0.0                # 0: one connected table
    double_glyphs: bool = False                       # every string drawn twice (a fake bold)
    keep_labels_whole: bool = True                    # False: a page break may cut a header label
    header_widths: Optional[tuple[float, float, float, float]] = None
    indicator_widths: Optional[tuple[float, float, float, float, float]] = None


def random_style(rng: random.Random) -> PdfStyle:
    return PdfStyle(
        fonts=tuple(rng.sample(list(FONT_FILES), k=2)),
        font_size=rng.choice([8.0, 9.0, 10.0]),
        page_break_mode=rng.choice(["flow", "flow", "form_per_page"]),
        repeat_header=rng.random() < 0.5,
        split_rows=rng.random() < 0.7,
        narrow_labels=rng.random() < 0.6,
        rule_with=rng.choice(["lines", "rects"]),
        gap_before_indicators=rng.choice([0.0, 0.0, 8.0]),
    )


@lru_cache(maxsize=None)
def register_font(name: str) -> str:
    font = font_file(name)
    pdfmetrics.registerFont(TTFont(name, font.path, subfontIndex=font.index))
    return name


# --------------------------------------------------------------------------- wrapping

_TOKENS = re.compile(r"[A-Za-z0-9.,%/:+\-_]+| +|.", re.S)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width``: CJK breaks anywhere, Latin/number runs only
    at spaces (a run wider than the cell is cut by character)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line, w = "", 0.0
        for tok in _TOKENS.findall(para):
            tw = pdfmetrics.stringWidth(tok, font, size)
            if tok.isspace():
                if line:
                    line, w = line + " ", w + tw
                continue
            if w + tw > width and line.strip():
                lines.append(line.rstrip())
                line, w = "", 0.0
            if tw > width:  # an unbreakable run wider than the cell
                for ch in tok:
                    cw = pdfmetrics.stringWidth(ch, font, size)
                    if w + cw > width and line:
                        lines.append(line)
                        line, w = "", 0.0
                    line, w = line + ch, w + cw
                continue
            line, w = line + tok, w + tw
        lines.append(line.rstrip())
    return [ln for ln in lines if ln] or [""]


# --------------------------------------------------------------------------- logical rows


@dataclass
class TCell:
    x0: float
    x1: float
    lines: list[str]
    span: int = 1          # rows covered (vertical merge)
    bold: bool = False


@dataclass
class TRow:
    kind: Literal["title", "pair", "long", "colhead", "indicator"]
    cells: list[TCell]
    form: int
    text_lines: int = 1     # lines this row's own (span 1) cells need
    table: int = 0          # 0 header block, 1 indicator table
    # set by placement
    parts: list["Part"] = field(default_factory=list)


@dataclass
class Part:
    page: int
    top: float
    bottom: float
    first_line: int
    last_line: int          # exclusive
    open_top: bool = False
    open_bottom: bool = False


def _widths(total: float, proposal: Sequence[float]) -> list[float]:
    s = sum(proposal)
    return [total * p / s for p in proposal]


def form_rows(truth: dict, form: int, style: PdfStyle, rng: random.Random, font: str) -> list[TRow]:
    """One form's rows, with text wrapped to its cells."""
    page_w = style.page_size[0]
    width = page_w - 2 * style.margin
    x0 = style.margin
    size, pad = style.font_size, 3.0
    hw = style.header_widths or ((rng.uniform(44, 56) if style.narrow_labels else rng.uniform(100, 130)),
                                 rng.uniform(120, 180), rng.uniform(50, 110), rng.uniform(100, 170))
    iw = style.indicator_widths or (rng.uniform(40, 60), rng.uniform(48, 70), rng.uniform(110, 160),
                                    rng.uniform(55, 80), rng.uniform(110, 170))
    hx = [x0]
    for w in _widths(width, hw):
        hx.append(hx[-1] + w)
    ix = [x0]
    for w in _widths(width, iw):
        ix.append(ix[-1] + w)

    def cell(a: float, b: float, text: str, **kw) -> TCell:
        return TCell(a, b, wrap(text, font, size, b - a - 2 * pad), **kw)

    h = truth["header"]
    colon = rng.choice(["：", ":"])
    code_label = rng.choice(["项目编码", "项目编号"])
    amount = lambda v: f"{v:,.2f}" if rng.random() < 0.7 else f"{v:.2f}"  # noqa: E731
    pairs = [
        (code_label, h["project_code"], "项目名称", h["project_name"]),
        ("申请单位", h["applicant_unit"], "一级预算单位", h["primary_budget_unit"]),
        ("实施期限", str(h["implementation_period"]), "项目类型",
         f"{h.get('project_type_code', '')} {h.get('project_type_name', '')}".strip()),
        ("是否新增项目", "是" if h["is_new_project"] else "否", "分配方式", h["allocation_method"]),
        ("项目总金额（中期规划，万元）", amount(h["total_amount"]), "本年度项目金额（万元）", amount(h["annual_amount"])),
    ]
    longs = [("政策依据", h["policy_basis"]), ("测算依据", h["calculation_basis"]),
             ("年度目标", h["annual_goal"]), ("长期目标（跨度多年的项目需填）", h["long_term_goal"])]
    rows = [TRow("title", [TCell(x0, x0 + width, [TITLE])], form)]
    for l1, v1, l2, v2 in pairs:
        cells = [cell(hx[0], hx[1], l1 + colon), cell(hx[1], hx[2], v1),
                 cell(hx[2], hx[3], l2 + colon), cell(hx[3], hx[4], v2)]
        rows.append(TRow("pair", cells, form))
    for label, value in longs:
        rows.append(TRow("long", [cell(hx[0], hx[1], label + colon), cell(hx[1], hx[4], value or "")], form))
    rows.append(TRow("colhead", [cell(ix[i], ix[i + 1], name, bold=True) for i, name in enumerate(COLUMNS)],
                     form, table=1))
    inds = truth["indicators"]
    for i, r in enumerate(inds):
        level2 = ("*" if r["core"] else "") + r["level2"]
        cells = []
        if i == 0 or inds[i - 1]["level1"] != r["level1"]:
            n = 1
            while i + n < len(inds) and inds[i + n]["level1"] == r["level1"]:
                n += 1
            cells.append(cell(ix[0], ix[1], r["level1"], span=n))
        if i == 0 or cells or (inds[i - 1]["level2"], inds[i - 1]["core"]) != (r["level2"], r["core"]):
            n = 1
            while (i + n < len(inds) and inds[i + n]["level1"] == r["level1"]
                   and (inds[i + n]["level2"], inds[i + n]["core"]) == (r["level2"], r["core"])):
                n += 1
            cells.append(cell(ix[1], ix[2], level2, span=n))
        cells += [cell(ix[2], ix[3], r["level3"]), cell(ix[3], ix[4], r["value"]), cell(ix[4], ix[5], r["explanation"])]
        rows.append(TRow("indicator", cells, form, table=1))
    for row in rows:
        row.text_lines = max(len(c.lines) for c in row.cells)
    return rows


# --------------------------------------------------------------------------- placement


@dataclass
class Layout:
    style: PdfStyle
    leading: float
    pad: float = 3.0
    page: int = 1
    y: float = 0.0
    placed: list[TRow] = field(default_factory=list)
    repeats: list[tuple[int, float, TRow]] = field(default_factory=list)  # (page, top, header row)

    @property
    def top(self) -> float:
        return self.style.margin

    @property
    def bottom(self) -> float:
        return self.style.page_size[1] - self.style.margin

    def height(self, lines: int) -> float:
        return lines * self.leading + 2 * self.pad

    def new_page(self, header: Optional[TRow]) -> None:
        self.page += 1
        self.y = self.top
        if header is not None and self.style.repeat_header:
            h = self.height(header.text_lines)
            self.repeats.append((self.page, self.y, header))
            self.y += h


def place(rows: list[TRow], layout: Layout) -> None:
    """Give every row its parts (page, top, bottom, lines), breaking pages and splitting rows."""
    style = layout.style
    header: Optional[TRow] = None
    for i, row in enumerate(rows):
        if row.kind == "title":
            header = None
            if i > 0 or layout.placed:
                if style.page_break_mode == "form_per_page" or layout.y + 28 + layout.height(6) > layout.bottom:
                    layout.new_page(None)
                else:
                    layout.y += 14
            row.parts.append(Part(layout.page, layout.y, layout.y + 24, 0, 1))
            layout.y += 24
            layout.placed.append(row)
            continue
        if row.kind == "colhead":
            layout.y += style.gap_before_indicators
            if layout.y + layout.height(row.text_lines) + layout.height(2) > layout.bottom:
                layout.new_page(None)
            header = row
        _place_row(row, layout, header if row.kind == "indicator" else None)
        layout.placed.append(row)


def _min_lines_here(row: TRow, style: PdfStyle) -> int:
    """Lines a first part must hold: merged cells' text and a header label stay whole in the
    row's first part (a label cut in two by a page break is not a label any more)."""
    keep = [c for c in row.cells if c.span > 1] + (row.cells[:1] if row.kind == "long" and style.keep_labels_whole else [])
    return max([len(c.lines) for c in keep] + [1])


def _place_row(row: TRow, layout: Layout, header: Optional[TRow]) -> None:
    style = layout.style
    first = 0
    total = row.text_lines
    while True:
        need = layout.height(total - first)
        if layout.y + need <= layout.bottom:
            row.parts.append(Part(layout.page, layout.y, layout.y + need, first, total, open_top=first > 0))
            layout.y += need
            return
        fit = int((layout.bottom - layout.y - 2 * layout.pad) // layout.leading)
        at_top = layout.y <= layout.top + (layout.height(header.text_lines) if header and style.repeat_header else 0) + 0.1
        splittable = row.kind in ("long", "indicator") and (style.split_rows or at_top)
        if splittable and fit >= max(1, _min_lines_here(row, style) - first) and fit < total - first:
            end = first + fit
            bottom = layout.y + layout.height(fit)
            row.parts.append(Part(layout.page, layout.y, bottom, first, end, open_top=first > 0, open_bottom=True))
            first = end
        layout.new_page(header)


# --------------------------------------------------------------------------- drawing


def _draw_cell_text(c, cell: TCell, lines: list[str], top: float, layout: Layout, font: str, page_h: float) -> None:
    size = layout.style.font_size
    for k, line in enumerate(lines):
        baseline = top + layout.pad + k * layout.leading + size * 0.88
        c.setFont(font, size)
        for _ in range(2 if layout.style.double_glyphs else 1):
            c.drawString(cell.x0 + layout.pad, page_h - baseline, line)


def _rule(c, x0: float, top: float, x1: float, bottom: float, open_top: bool, open_bottom: bool,
          page_h: float, style: PdfStyle) -> None:
    if style.rule_with == "rects" and not (open_top or open_bottom):
        c.rect(x0, page_h - bottom, x1 - x0, bottom - top, stroke=1, fill=0)
        return
    c.line(x0, page_h - top, x0, page_h - bottom)
    c.line(x1, page_h - top, x1, page_h - bottom)
    if not open_top:
        c.line(x0, page_h - top, x1, page_h - top)
    if not open_bottom:
        c.line(x0, page_h - bottom, x1, page_h - bottom)


def draw(layout: Layout, path: Path, fonts: dict[int, str]) -> None:
    style = layout.style
    page_h = style.page_size[1]
    c = rl_canvas.Canvas(str(path), pagesize=style.page_size, pageCompression=1, invariant=1)
    c.setLineWidth(0.6)
    by_page: dict[int, list[tuple[TRow, Part]]] = {}
    for row in layout.placed:
        for part in row.parts:
            by_page.setdefault(part.page, []).append((row, part))
    repeats = {p: (top, row) for p, top, row in layout.repeats}
    for page in range(1, layout.page + 1):
        items = by_page.get(page, [])
        if page in repeats and items:
            top, hrow = repeats[page]
            font = fonts[hrow.form]
            bottom = top + layout.height(hrow.text_lines)
            for cell in hrow.cells:
                _rule(c, cell.x0, top, cell.x1, bottom, False, False, page_h, style)
                _draw_cell_text(c, cell, cell.lines, top, layout, font, page_h)
        spans = _span_extents(layout.placed, page)
        for row, part in items:
            font = fonts[row.form]
            if row.kind == "title":
                c.setFont(font, style.font_size + 5)
                c.drawCentredString(style.page_size[0] / 2, page_h - part.top - 18, TITLE)
                continue
            for cell in row.cells:
                lines = cell.lines[part.first_line:part.last_line] if cell.span == 1 else (
                    cell.lines if part.first_line == 0 else [])
                if cell.span == 1:
                    _rule(c, cell.x0, part.top, cell.x1, part.bottom, part.open_top, part.open_bottom, page_h, style)
                _draw_cell_text(c, cell, lines, part.top, layout, font, page_h)
        for (x0, x1, top, bottom, open_top, open_bottom) in spans:
            _rule(c, x0, top, x1, bottom, open_top, open_bottom, page_h, style)
        c.showPage()
    c.save()


def _span_extents(rows: list[TRow], page: int) -> list[tuple[float, float, float, float, bool, bool]]:
    """Merged cells' boxes on ``page``: from the first to the last part of their rows there."""
    out = []
    for i, row in enumerate(rows):
        for cell in row.cells:
            if cell.span == 1:
                continue
            parts = [(p, rows[j]) for j in range(i, i + cell.span) for p in rows[j].parts if p.page == page]
            if not parts:
                continue
            top = min(p.top for p, _ in parts)
            bottom = max(p.bottom for p, _ in parts)
            last_part = rows[i + cell.span - 1].parts[-1]
            first_part = row.parts[0]
            out.append((cell.x0, cell.x1, top, bottom,
                        first_part.page != page and parts[0][0].open_top,
                        last_part.page != page and parts[-1][0].open_bottom))
    return out


# --------------------------------------------------------------------------- public API


def render_pdf(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[PdfStyle] = None) -> list[dict]:
    """Draw ``truths`` into one PDF at ``path``; returns them with ``source.pages`` filled."""
    rng = random.Random(seed)
    style = style or PdfStyle()
    layout = Layout(style=style, leading=style.font_size * 1.3)
    layout.y = layout.top
    fonts: dict[int, str] = {}
    all_rows: list[list[TRow]] = []
    for i, truth in enumerate(truths):
        font = register_font(rng.choice(style.fonts))
        fonts[i] = font
        rows = form_rows(truth, i, style, rng, font)
        place(rows, layout)
        all_rows.append(rows)
    draw(layout, Path(path), fonts)
    out = []
    for truth, rows in zip(truths, all_rows):
        rec = copy.deepcopy(truth)
        pages = sorted({p.page for r in rows for p in r.parts})
        rec["source"] = {**rec.get("source", {}), "pages": pages}
        out.append(rec)
    return out


def strip_unicode_maps(pdf: bytes) -> bytes:
    """The same PDF with every font's /ToUnicode renamed away (same length, so the xref holds):
    readers can then only guess characters from glyph codes — (cid:N) or wrong letters."""
    return pdf.replace(b"/ToUnicode", b"/XoUnicode")


def broken_text_layer_pdf(truths: list[dict], path: Path, *, seed: int = 0,
                          style: Optional[PdfStyle] = None) -> list[dict]:
    """A PDF that looks right when printed but whose text layer is garbage (no Unicode map)."""
    out = render_pdf(truths, path, seed=seed, style=style)
    Path(path).write_bytes(strip_unicode_maps(Path(path).read_bytes()))
    return out


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from synth.truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.pdf", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    ap.add_argument("--random-style", action="store_true")
    args = ap.parse_args(argv)
    truths = load_golden() if args.golden else list(random_forms(args.seed, args.forms))
    style = random_style(random.Random(args.seed)) if args.random_style else None
    rendered = render_pdf(truths, args.out, seed=args.seed, style=style)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in rendered:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return 0


__all__ = ["PdfStyle", "broken_text_layer_pdf", "random_style", "register_font", "render_pdf",
           "strip_unicode_maps", "wrap"]

if __name__ == "__main__":
    raise SystemExit(main())
