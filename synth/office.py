"""Forms laid out by an office suite, not by this project: truth → ODT or XLSX → LibreOffice → PDF.

``synth/pdf.py`` draws every glyph and rule itself; here LibreOffice does the layout, so the PDFs
carry what an office suite really writes: its own line breaking, rows broken inside their cells at
a page break (Writer), heading rows repeated by the table (Writer), cells drawn as filled rules or
strokes, merged cells, fonts subset by the exporter, landscape pages.

* ``producer="writer"``: a flat ODT (``.fodt``), one table per form (a title paragraph above it, or
  the title as the table's first merged row), 0.5-pt rules, 一级/二级指标 merged vertically, rows
  allowed to break across pages; with ``repeat_header`` the indicator part is a second table whose
  column-header row Writer repeats on every page it runs onto.
* ``producer="calc"``: an XLSX (openpyxl: merged cells, wrapped text, row heights from the text,
  thin borders), every form on one sheet (forms follow each other, several may share a page) or
  one sheet per form; Calc never breaks a row, so rows stay whole.

Every document of one :func:`render_office_batch` call is converted by one ``soffice`` process
(start-up costs seconds), headless, with a private profile (``-env:UserInstallation``, one per
Python process, so parallel runs do not collide) and a timeout. The truth records come back with
``source.pages`` read from the PDF LibreOffice wrote (the page of each form's title to the last
page before the next form's title).

    render_office_pdf(truths, out_pdf, producer="writer", seed=0, style=OfficeStyle()) -> truths
    render_office_batch([OfficeJob(truths, out_pdf, producer, seed, style), ...]) -> [truths, ...]

    python -m synth.office OUT.pdf --forms 20 --producer writer [--golden] [--random-style]
"""
from __future__ import annotations

import atexit
import copy
import math
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, Optional, Sequence

from .truth import merged_spans
from xml.sax.saxutils import escape

TITLE = "二级项目支出绩效目标申报表"
COLUMNS = ("一级指标", "二级指标", "三级指标", "指标值", "指标解释")

# family names as fontconfig knows them, with the Debian package of each (Makefile APT_PKGS)
OFFICE_FONTS: dict[str, tuple[str, str]] = {
    "wqy": ("WenQuanYi Zen Hei", "fonts-wqy-zenhei"),
    "uming": ("AR PL UMing CN", "fonts-arphic-uming"),
    "ukai": ("AR PL UKai CN", "fonts-arphic-ukai"),
    "notosans": ("Noto Sans CJK SC", "fonts-noto-cjk"),
    "notoserif": ("Noto Serif CJK SC", "fonts-noto-cjk"),
}

Producer = Literal["writer", "calc"]


@dataclass(frozen=True)
class OfficeStyle:
    """How the office document is laid out; the truth is the same whatever the style."""

    fonts: tuple[str, ...] = ("wqy", "uming", "notosans")  # each form's font is drawn from these
    font_size: float = 10.5                 # points
    orientation: Literal["portrait", "landscape"] = "portrait"
    margin_cm: float = 1.8
    rule_pt: float = 0.5                    # Writer cell borders
    repeat_header: bool = True              # Writer: the indicator header row repeated after a break
    rows_break: bool = True                 # Writer: a row may break inside its cells at a page break
    title_in_table: bool = False            # the title as the table's first (merged) row
    page_per_form: bool = False             # every form starts a new page (else forms follow)
    sheet_per_form: bool = False            # Calc: one sheet per form (else all forms on one sheet)
    thousands: bool = True                  # amounts as 9,528.09 (else 9528.09)
    colon: str = "："
    code_label: str = "项目编码"
    letter_spacing_pt: float = 0.0          # Writer: space between glyphs (CJK read back spaced)
    valign: Literal["top", "middle"] = "middle"   # cell text placement (Writer and Calc)
    # which cell borders are drawn: every one; none (a form exported without borders: text
    # aligned in columns); horizontal rules only (no vertical ones); only the indicator table's
    rules: Literal["all", "none", "horizontal", "indicators"] = "all"
    spaced_cjk: bool = False                # a space character between CJK glyphs ("项 目 名 称")
    # relative column widths (5 columns); None: drawn per form from the seed
    widths: Optional[tuple[float, float, float, float, float]] = None


def random_office_style(rng: random.Random, producer: Producer = "writer") -> OfficeStyle:
    return OfficeStyle(
        fonts=tuple(rng.sample(list(OFFICE_FONTS), k=2)),
        font_size=rng.choice([9.0, 10.0, 10.5, 12.0]),
        orientation=rng.choice(["portrait", "portrait", "landscape"]),
        repeat_header=rng.random() < 0.5,
        rows_break=rng.random() < 0.8,
        title_in_table=rng.random() < 0.4,
        page_per_form=rng.random() < 0.3,
        sheet_per_form=producer == "calc" and rng.random() < 0.4,
        thousands=rng.random() < 0.7,
        colon=rng.choice(["：", ":", "："]),
        code_label=rng.choice(["项目编码", "项目编号"]),
    )


@dataclass(frozen=True)
class OfficeJob:
    truths: Sequence[dict]
    out_pdf: Path
    producer: Producer = "writer"
    seed: int = 0
    style: OfficeStyle = field(default_factory=OfficeStyle)


# --------------------------------------------------------------------------- the form as cells


@dataclass
class OCell:
    col: int
    text: str
    colspan: int = 1
    rowspan: int = 1
    bold: bool = False
    center: bool = False
    number: Optional[float] = None   # Calc: a numeric cell shown with the amount format


@dataclass
class ORow:
    kind: Literal["title", "pair", "long", "colhead", "indicator"]
    cells: list[OCell]


def _amount(value: float, style: OfficeStyle) -> str:
    return f"{value:,.2f}" if style.thousands else f"{value:.2f}"


def form_rows(truth: dict, style: OfficeStyle) -> list[ORow]:
    """One form as rows of a five-column grid (the text dump's grid: a pair row is
    label | value (2 columns) | label | value; a long row is label | value (4 columns))."""
    h = truth["header"]
    c = style.colon
    type_text = f"{h.get('project_type_code') or ''} {h.get('project_type_name') or ''}".strip()
    pairs = [
        (style.code_label, h["project_code"], None, "项目名称", h["project_name"], None),
        ("申请单位", h["applicant_unit"], None, "一级预算单位", h["primary_budget_unit"], None),
        ("实施期限", str(h["implementation_period"]), None, "项目类型", type_text, None),
        ("是否新增项目", "是" if h["is_new_project"] else "否", None, "分配方式", h["allocation_method"], None),
        ("项目总金额（中期规划，万元）", _amount(h["total_amount"], style), h["total_amount"],
         "本年度项目金额（万元）", _amount(h["annual_amount"], style), h["annual_amount"]),
    ]
    longs = [("政策依据", h["policy_basis"]), ("测算依据", h["calculation_basis"]),
             ("年度目标", h["annual_goal"]), ("长期目标（跨度多年的项目需填）", h["long_term_goal"])]
    rows = [ORow("title", [OCell(0, TITLE, colspan=5, bold=True, center=True)])]
    for l1, v1, n1, l2, v2, n2 in pairs:
        rows.append(ORow("pair", [OCell(0, l1 + c), OCell(1, v1, colspan=2, number=n1),
                                  OCell(3, l2 + c), OCell(4, v2, number=n2)]))
    for label, value in longs:
        rows.append(ORow("long", [OCell(0, label + c), OCell(1, value or "", colspan=4)]))
    rows.append(ORow("colhead", [OCell(i, name, bold=True, center=True) for i, name in enumerate(COLUMNS)]))
    inds = truth["indicators"]
    spaced = style.spaced_cjk
    for r, (n1, n2) in zip(inds, merged_spans(inds)):
        cells = []
        if n1:
            cells.append(OCell(0, r["level1"], rowspan=n1))
        if n2:
            cells.append(OCell(1, ("*" if r["core"] else "") + r["level2"], rowspan=n2))
        cells += [OCell(2, r["level3"]), OCell(3, r["value"]), OCell(4, r["explanation"])]
        rows.append(ORow("indicator", cells))
    return _spaced(rows) if spaced else rows


_CJK_PAIR = re.compile(r"(?<=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f])(?=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f])")


def _spaced(rows: list[ORow]) -> list[ORow]:
    """Every cell's CJK glyphs with a space between them, as some exporters write them."""
    for row in rows:
        for cell in row.cells:
            cell.text = _CJK_PAIR.sub(" ", cell.text)
    return rows


def _widths(style: OfficeStyle, rng: random.Random) -> list[float]:
    w = style.widths or (rng.uniform(14, 19), rng.uniform(16, 22), rng.uniform(22, 30),
                         rng.uniform(14, 20), rng.uniform(22, 32))
    s = sum(w)
    return [x / s for x in w]


def _page_cm(style: OfficeStyle) -> tuple[float, float]:
    return (29.7, 21.0) if style.orientation == "landscape" else (21.0, 29.7)


# --------------------------------------------------------------------------- Writer (flat ODT)

_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
       'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"')


def _odf_text(text: str) -> str:
    """Text for a ``text:p``: runs of spaces as ``text:s`` (ODF collapses whitespace), newlines
    as line breaks."""
    out = []
    for k, line in enumerate(text.split("\n")):
        if k:
            out.append("<text:line-break/>")
        for tok in re.split(r"( {2,})", line):
            if tok.startswith("  "):
                out.append(f'<text:s text:c="{len(tok)}"/>')
            else:
                out.append(escape(tok))
    return "".join(out)


def _text_props(family: str, size: float, bold: bool = False, spacing: float = 0.0) -> str:
    fw = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    ls = f' fo:letter-spacing="{spacing}pt"' if spacing else ""
    return (f'<style:text-properties style:font-name="{family}" style:font-name-asian="{family}" '
            f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" fo:language="zh" fo:country="CN" '
            f'style:language-asian="zh" style:country-asian="CN"{fw}{ls}/>')


def writer_document(truths: Sequence[dict], style: OfficeStyle, rng: random.Random) -> str:
    """A flat ODT holding every form, one table (two with ``repeat_header``) per form."""
    pw, ph = _page_cm(style)
    width = pw - 2 * style.margin_cm
    fams = {k: OFFICE_FONTS[k][0] for k in style.fonts}
    faces = "".join(f'<style:font-face style:name="{f}" svg:font-family="&apos;{f}&apos;"/>' for f in fams.values())
    auto: list[str] = [
        f'<style:page-layout style:name="PL"><style:page-layout-properties fo:page-width="{pw}cm" '
        f'fo:page-height="{ph}cm" style:print-orientation="{style.orientation}" fo:margin-top="{style.margin_cm}cm" '
        f'fo:margin-bottom="{style.margin_cm}cm" fo:margin-left="{style.margin_cm}cm" '
        f'fo:margin-right="{style.margin_cm}cm"/></style:page-layout>',
        f'<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties '
        f'fo:border="{style.rule_pt}pt solid #000000" fo:padding="0.08cm" style:vertical-align="{style.valign}"/></style:style>',
        f'<style:style style:name="CellN" style:family="table-cell"><style:table-cell-properties '
        f'fo:border="none" fo:padding="0.08cm" style:vertical-align="{style.valign}"/></style:style>',
        f'<style:style style:name="CellH" style:family="table-cell"><style:table-cell-properties '
        f'fo:border-top="{style.rule_pt}pt solid #000000" fo:border-bottom="{style.rule_pt}pt solid #000000" '
        f'fo:border-left="none" fo:border-right="none" fo:padding="0.08cm" '
        f'style:vertical-align="{style.valign}"/></style:style>',
        f'<style:style style:name="Row" style:family="table-row"><style:table-row-properties '
        f'fo:keep-together="{"auto" if style.rows_break else "always"}"/></style:style>',
    ]
    body: list[str] = []
    for i, truth in enumerate(truths):
        fam = fams[rng.choice(style.fonts)]
        w = _widths(style, rng)
        brk = ' fo:break-before="page"' if (style.page_per_form and i) else ""
        sp = style.letter_spacing_pt
        auto.append(f'<style:style style:name="P{i}" style:family="paragraph"><style:paragraph-properties '
                    f'fo:margin-top="0cm" fo:margin-bottom="0cm"/>{_text_props(fam, style.font_size, spacing=sp)}</style:style>')
        auto.append(f'<style:style style:name="PB{i}" style:family="paragraph"><style:paragraph-properties '
                    f'fo:margin-top="0cm" fo:margin-bottom="0cm" fo:text-align="center"/>'
                    f'{_text_props(fam, style.font_size, bold=True, spacing=sp)}</style:style>')
        auto.append(f'<style:style style:name="PT{i}" style:family="paragraph"><style:paragraph-properties '
                    f'fo:margin-top="{0.4 if i else 0}cm" fo:margin-bottom="0.2cm" fo:text-align="center"{brk}/>'
                    f'{_text_props(fam, style.font_size + 5, bold=True, spacing=sp)}</style:style>')
        for t in ("A", "B"):
            tbrk = brk if (t == "A" and style.title_in_table) else ""
            auto.append(f'<style:style style:name="T{i}{t}" style:family="table"><style:table-properties '
                        f'style:width="{width:.3f}cm" table:align="margins" style:may-break-between-rows="true"{tbrk}/>'
                        f'</style:style>')
        for k, x in enumerate(w):
            auto.append(f'<style:style style:name="T{i}C{k}" style:family="table-column">'
                        f'<style:table-column-properties style:column-width="{width * x:.3f}cm"/></style:style>')
        rows = form_rows(truth, style)
        if style.title_in_table:
            title_row, rows = rows[0], rows[1:]
        else:
            body.append(f'<text:p text:style-name="PT{i}">{escape(TITLE)}</text:p>')
            title_row, rows = None, rows[1:]
        split = next(k for k, r in enumerate(rows) if r.kind == "colhead")
        tables = [rows[:split], rows[split:]] if style.repeat_header else [rows]
        for t, trows in zip("AB", tables):
            cols = "".join(f'<table:table-column table:style-name="T{i}C{k}"/>' for k in range(5))
            body.append(f'<table:table table:name="Form{i + 1}{t}" table:style-name="T{i}{t}">{cols}')
            if t == "A" and title_row is not None:
                body.append(_odt_row(title_row, i, _writer_cell_style(title_row, style)))
            for r in trows:
                if r.kind == "colhead" and style.repeat_header:
                    body.append(f'<table:table-header-rows>{_odt_row(r, i, _writer_cell_style(r, style))}'
                                '</table:table-header-rows>')
                else:
                    body.append(_odt_row(r, i, _writer_cell_style(r, style)))
            body.append("</table:table>")
        body.append(f'<text:p text:style-name="P{i}"/>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<office:document {_NS} office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">'
            f'<office:font-face-decls>{faces}</office:font-face-decls>'
            f'<office:automatic-styles>{"".join(auto)}</office:automatic-styles>'
            '<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="PL"/>'
            '</office:master-styles>'
            f'<office:body><office:text>{"".join(body)}</office:text></office:body></office:document>')


def _ruled(row: ORow, style: OfficeStyle) -> bool:
    """Whether the row's cells get borders (``style.rules``; "horizontal" rules them partly)."""
    if style.rules == "none":
        return False
    if style.rules == "indicators":
        return row.kind in ("colhead", "indicator")
    return True


def _writer_cell_style(row: ORow, style: OfficeStyle) -> str:
    if not _ruled(row, style):
        return "CellN"
    return "CellH" if style.rules == "horizontal" else "Cell"


def _odt_row(row: ORow, form: int, cell_style: str = "Cell") -> str:
    """One table row: covered cells where a span covers the grid (vertically merged cells are
    covered in the rows below by :func:`_covered_below`)."""
    out = ['<table:table-row table:style-name="Row">']
    col = 0
    for cell in row.cells:
        while col < cell.col:  # a column covered by a cell merged from a row above
            out.append("<table:covered-table-cell/>")
            col += 1
        attrs = ""
        if cell.colspan > 1:
            attrs += f' table:number-columns-spanned="{cell.colspan}"'
        if cell.rowspan > 1:
            attrs += f' table:number-rows-spanned="{cell.rowspan}"'
        p = f"PB{form}" if (cell.bold or cell.center) else f"P{form}"
        out.append(f'<table:table-cell table:style-name="{cell_style}" office:value-type="string"{attrs}>'
                   f'<text:p text:style-name="{p}">{_odf_text(cell.text)}</text:p></table:table-cell>')
        out.extend("<table:covered-table-cell/>" for _ in range(cell.colspan - 1))
        col += cell.colspan
    out.extend("<table:covered-table-cell/>" for _ in range(5 - col))
    out.append("</table:table-row>")
    return "".join(out)


# --------------------------------------------------------------------------- Calc (XLSX)

_CHAR_PT = 7.05


def _text_width_em(text: str) -> float:
    """Width of ``text`` in ems: CJK and fullwidth glyphs one em, the rest about 0.55."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56 for ch in text)


def calc_workbook(truths: Sequence[dict], path: Path, style: OfficeStyle, rng: random.Random) -> None:
    """An XLSX: merged cells, wrapped text, borders, row heights that fit the text (Calc's own
    optimal height ignores merged cells), A4 fitted to the page width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    hborder = Border(top=thin, bottom=thin)
    pw, _ = _page_cm(style)
    # LibreOffice draws a column of width w (characters) about 7.05 w pt wide (measured on its
    # exports); the columns fill the printable width, so the fit-to-width scale stays near 1
    total_chars = (pw - 2 * style.margin_cm) / 2.54 * 72 / _CHAR_PT * 0.98
    size = style.font_size
    sheets = []

    def new_sheet(index: int):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = f"表{index + 1}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = style.orientation
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        m = style.margin_cm / 2.54
        ws.page_margins.left = ws.page_margins.right = ws.page_margins.top = ws.page_margins.bottom = m
        ws.print_options.horizontalCentered = True
        sheets.append(ws)
        return ws

    ws = new_sheet(0)
    widths = _widths(style, rng)
    for k, x in enumerate(widths):
        ws.column_dimensions[get_column_letter(k + 1)].width = total_chars * x
    r = 1
    for i, truth in enumerate(truths):
        if i and style.sheet_per_form:
            ws = new_sheet(i)
            widths = _widths(style, rng)
            for k, x in enumerate(widths):
                ws.column_dimensions[get_column_letter(k + 1)].width = total_chars * x
            r = 1
        elif i:
            if style.page_per_form:
                from openpyxl.worksheet.pagebreak import Break
                ws.row_breaks.append(Break(id=r - 1))
            else:
                ws.row_dimensions[r].height = size * 1.6
                r += 1
        fam = OFFICE_FONTS[rng.choice(style.fonts)][0]
        col_pt = [_CHAR_PT * total_chars * x for x in widths]
        rows = form_rows(truth, style)
        lines_needed: dict[int, float] = {}
        spans_v: list[tuple[int, int, float]] = []  # (first row, rows, lines)
        for k, row in enumerate(rows):
            rr = r + k
            for cell in row.cells:
                col = cell.col + 1
                ws.cell(rr, col)  # create
                target = ws.cell(rr, col)
                if cell.number is not None:
                    target.value = cell.number
                    target.number_format = "#,##0.00" if style.thousands else "0.00"
                else:
                    target.value = cell.text
                    target.number_format = "@"
                fsize = size + 5 if row.kind == "title" else size
                target.font = Font(name=fam, size=fsize, bold=cell.bold)
                target.alignment = Alignment(wrap_text=True, vertical="center" if style.valign == "middle" else "top",
                                             horizontal="center" if cell.center else "left")
                if cell.colspan > 1 or cell.rowspan > 1:
                    ws.merge_cells(start_row=rr, start_column=col, end_row=rr + cell.rowspan - 1,
                                   end_column=col + cell.colspan - 1)
                width_pt = sum(col_pt[cell.col:cell.col + cell.colspan]) - 6
                lines = max(1, math.ceil(_text_width_em(cell.text) * fsize * 1.08 / max(width_pt, 10)))
                if style.rules != "all" and lines > 1:
                    # without borders a clerk sees text run into the next row and makes the row
                    # fit it (the estimate above runs short on long texts); ruled styles keep theirs
                    lines = math.ceil(lines * 1.1) + 1
                if cell.rowspan > 1:
                    spans_v.append((k, cell.rowspan, lines))
                else:
                    lines_needed[k] = max(lines_needed.get(k, 1), lines * fsize / size)
            if row.kind != "title" and _ruled(row, style):
                for cc in range(5):
                    ws.cell(rr, cc + 1).border = border if style.rules != "horizontal" else hborder
        for k0, n, lines in spans_v:  # a merged cell's lines spread over the rows it covers
            have = sum(lines_needed.get(k0 + j, 1) for j in range(n))
            if have < lines:
                for j in range(n):
                    lines_needed[k0 + j] = lines_needed.get(k0 + j, 1) + (lines - have) / n
        for k in range(len(rows)):
            ws.row_dimensions[r + k].height = round(lines_needed.get(k, 1) * size * 1.32 + 5, 1)
        r += len(rows)
    wb.save(path)


# --------------------------------------------------------------------------- LibreOffice

_PROFILE: Optional[str] = None


def _profile() -> str:
    """A private LibreOffice profile for this process (created once, removed at exit)."""
    global _PROFILE
    if _PROFILE is None:
        _PROFILE = tempfile.mkdtemp(prefix="jixiao-lo-profile-")
        atexit.register(shutil.rmtree, _PROFILE, True)
    return _PROFILE


class OfficeError(RuntimeError):
    pass


def soffice_to_pdf(sources: Sequence[Path], outdir: Path, *, timeout_s: float = 300.0) -> list[Path]:
    """Convert every source to PDF in ``outdir`` with one headless ``soffice`` call."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise OfficeError("soffice not found (the Debian packages libreoffice-writer-nogui and "
                          "libreoffice-calc-nogui provide it)")
    cmd = [exe, f"-env:UserInstallation=file://{_profile()}", "--headless", "--norestore", "--nologo",
           "--nodefault", "--nolockcheck", "--convert-to", "pdf", "--outdir", str(outdir), *map(str, sources)]
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise OfficeError(f"soffice timed out after {timeout_s:.0f} s converting {len(sources)} documents")
    pdfs = [outdir / (Path(s).stem + ".pdf") for s in sources]
    missing = [p.name for p in pdfs if not p.is_file()]
    if proc.returncode or missing:
        raise OfficeError(f"soffice exit {proc.returncode}, missing {missing}: {err.decode(errors='replace')[-500:]}")
    return pdfs


def form_pages(pdf: Path, n_forms: int) -> list[list[int]]:
    """Each form's pages in the exported PDF: from its title's page to the page of the next title
    (that page too when the form's text runs above the next title)."""
    import pypdfium2 as pdfium

    starts: list[tuple[int, bool]] = []  # (page, something above the title on that page)
    inked: list[int] = []                 # pages with any text (a trailing empty page is no form's)
    doc = pdfium.PdfDocument(str(pdf))
    try:
        n_pages = len(doc)
        for pno in range(n_pages):
            tp = doc[pno].get_textpage()
            text = tp.get_text_range()
            if text.strip():
                inked.append(pno + 1)
            n = tp.count_chars()
            at = text.find(TITLE)
            while at >= 0:
                title_top = tp.get_charbox(at)[3]  # PDF space: larger is higher
                above = any(not text[k].isspace() and tp.get_charbox(k)[1] > title_top + 1
                            for k in range(min(n, len(text))))
                starts.append((pno + 1, above))
                at = text.find(TITLE, at + len(TITLE))
    finally:
        doc.close()
    if len(starts) != n_forms:
        raise OfficeError(f"{pdf.name}: found {len(starts)} titles for {n_forms} forms")
    pages = []
    for k, (p, _) in enumerate(starts):
        if k + 1 < len(starts):
            nxt, above = starts[k + 1]
            last = nxt if above else nxt - 1
        else:
            last = n_pages
        last = max([q for q in inked if q <= last] + [p])
        pages.append(list(range(p, last + 1)))
    return pages


def render_office_batch(jobs: Sequence[OfficeJob], *, timeout_s: float = 300.0,
                        keep_sources: bool = False) -> list[list[dict]]:
    """Write every job's document, convert them all in one ``soffice`` call, and return each
    job's truth records with ``source.pages`` (in job order). ``keep_sources`` leaves the
    ``.fodt``/``.xlsx`` beside each PDF."""
    with tempfile.TemporaryDirectory(prefix="jixiao-office-") as tmp:
        tmpdir = Path(tmp)
        sources = []
        for k, job in enumerate(jobs):
            rng = random.Random(job.seed)
            if job.producer == "writer":
                src = tmpdir / f"doc{k}.fodt"
                src.write_text(writer_document(job.truths, job.style, rng), encoding="utf-8")
            elif job.producer == "calc":
                src = tmpdir / f"doc{k}.xlsx"
                calc_workbook(job.truths, src, job.style, rng)
            else:
                raise ValueError(f"unknown producer {job.producer!r}")
            sources.append(src)
        pdfs = soffice_to_pdf(sources, tmpdir, timeout_s=timeout_s)
        results = []
        for job, src, pdf in zip(jobs, sources, pdfs):
            out = Path(job.out_pdf)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(pdf), out)
            if keep_sources:
                shutil.copy(src, out.with_suffix(src.suffix))
            pages = form_pages(out, len(job.truths))
            recs = []
            for truth, pp in zip(job.truths, pages):
                rec = copy.deepcopy(truth)
                rec["source"] = {**rec.get("source", {}), "pages": pp}
                recs.append(rec)
            results.append(recs)
    return results


def render_office_pdf(truths: Sequence[dict], out_pdf: Path, *, producer: Producer = "writer", seed: int = 0,
                      style: Optional[OfficeStyle] = None, timeout_s: float = 300.0) -> list[dict]:
    """One PDF of ``truths`` laid out by LibreOffice ``producer``; the truths with ``source.pages``."""
    return render_office_batch([OfficeJob(list(truths), Path(out_pdf), producer, seed, style or OfficeStyle())],
                               timeout_s=timeout_s)[0]


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from synth.truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.office", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10, help="random forms (after the sample's ten with --golden)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--producer", choices=["writer", "calc"], default="writer")
    ap.add_argument("--golden", action="store_true", help="the ten sample forms first")
    ap.add_argument("--random-style", action="store_true")
    ap.add_argument("--landscape", action="store_true")
    ap.add_argument("--keep-source", action="store_true", help="keep the .fodt/.xlsx beside the PDF")
    ap.add_argument("--rules", choices=["all", "none", "horizontal", "indicators"], default="all",
                    help="which cell borders are drawn (none: a form exported without borders)")
    args = ap.parse_args(argv)
    truths = (load_golden() if args.golden else []) + list(random_forms(args.seed, args.forms))
    for k, t in enumerate(truths):
        t["form_index"] = k
    style = random_office_style(random.Random(args.seed), args.producer) if args.random_style else OfficeStyle()
    if args.landscape:
        style = replace(style, orientation="landscape")
    if args.rules != "all":
        style = replace(style, rules=args.rules)
    [rendered] = render_office_batch([OfficeJob(truths, args.out, args.producer, args.seed, style)],
                                     keep_sources=args.keep_source)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in rendered:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return 0


__all__ = ["OFFICE_FONTS", "OfficeError", "OfficeJob", "OfficeStyle", "calc_workbook", "form_pages",
           "form_rows", "random_office_style", "render_office_batch", "render_office_pdf", "soffice_to_pdf",
           "writer_document"]

if __name__ == "__main__":
    raise SystemExit(main())
