"""Every form family (``synth.families``) in every input kind people hold: an .xlsx workbook,
an .xls saved by LibreOffice Calc, a Word table (.docx), a web page, a PDF exported by an
office suite (Calc from the workbook, Writer from the Word file) and a 300-dpi scan of that
PDF (``synth.scanner``'s scanner model), each with the truth it was made from.

A family's grid (six columns, ``GCell(col, span, text)``) becomes real merged cells: the
blank 一级/二级 cells under a level name in an indicator table are merged down into it (the
way the forms are kept), a blank first-column cell under a label (项目资金（元） over its
block) too. Values keep their type where a spreadsheet would: amounts as numbers under
``#,##0.00`` or ``0.00`` (as printed), ``100%`` as 1 under ``0%``, ISO dates as dates under
a date format that shows them as the form printed them. The truth never depends on a style.

    write_family_docs(out_dir, family, seed=1, n=10, kinds=KINDS) -> {kind: path, "truth": path}

    python -m synth.family_docs OUT_DIR --forms 10 --seed 1 [--family pifubiao] [--kind xlsx …]
"""
from __future__ import annotations

import argparse
import datetime as dt
import html as _html
import json
import math
import random
import re
import shutil
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Optional, Sequence

from .families import FAMILIES, NCOLS, GRow, _golden, random_family_forms

KINDS = ("xlsx", "xls", "docx", "html", "calc_pdf", "writer_pdf", "scan")
_AMOUNT = re.compile(r"^(\d{1,3}(?:,\d{3})+|\d+)\.\d{2}$")
_PERCENT = re.compile(r"^(\d{1,3})%$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_SLASH_DATE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
FONTS = ("WenQuanYi Zen Hei", "AR PL UMing CN", "Noto Sans CJK SC", "Noto Serif CJK SC")


@dataclass
class DCell:
    """A cell of the document: where it is, what it covers, what it shows."""

    row: int
    col: int
    colspan: int
    rowspan: int
    text: str
    role: str  # title, line, label, value, colhead


@dataclass
class DRow:
    kind: str  # title | line | table
    cells: list[DCell]


def _is_header_row(row: GRow) -> bool:
    return any(c.text in ("一级指标",) for c in row.cells)


def doc_rows(grid: list[GRow]) -> list[DRow]:
    """The grid's rows with merged cells: a blank 一级/二级 cell in an indicator table joins the
    cell above it (rowspan), a blank first-column cell under a label of the same span too."""
    rows: list[DRow] = []
    above: dict[int, DCell] = {}  # col -> the cell covering it in the row above
    in_table = False
    for r, grow in enumerate(grid):
        if grow.kind != "table":
            rows.append(DRow(grow.kind, [DCell(r, 0, NCOLS, 1, grow.cells[0].text, grow.kind)]))
            above, in_table = {}, False
            continue
        if len(grow.cells) == 1 and grow.cells[0].span == NCOLS:
            in_table = False
        cells: list[DCell] = []
        now: dict[int, DCell] = {}
        for gc in grow.cells:
            up = above.get(gc.col)
            mergeable = (not gc.text and up is not None and up.col == gc.col and up.colspan == gc.span
                         and up.text and ((in_table and gc.col in (0, 1)) or (not in_table and gc.col == 0)))
            if mergeable:
                up.rowspan += 1
                now[gc.col] = up
                continue
            role = "colhead" if _is_header_row(grow) else ("label" if gc.col == 0 else "value")
            cell = DCell(r, gc.col, gc.span, 1, gc.text, role)
            cells.append(cell)
            now[gc.col] = cell
        if _is_header_row(grow):
            in_table, above = True, {}
        else:
            above = now
        rows.append(DRow("table", cells))
    return rows


# --------------------------------------------------------------------------- spreadsheet values


def typed(text: str, rng: random.Random, numbers: bool):
    """(value, number_format) a spreadsheet would hold for ``text``, shown as ``text``."""
    if not numbers:
        return text, "@"
    m = _AMOUNT.match(text)
    if m:
        return Decimal(text.replace(",", "")), ("#,##0.00" if "," in text else "0.00")
    m = _PERCENT.match(text)
    if m and rng.random() < 0.7:
        return Decimal(m.group(1)) / 100, "0%"
    for regex, fmt in ((_ISO_DATE, "yyyy-mm-dd"), (_CN_DATE, 'yyyy"年"m"月"d"日"'), (_SLASH_DATE, "yyyy/m/d")):
        m = regex.match(text)
        if m:
            return dt.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3))), fmt
    return text, "@"


def _em(text: str) -> float:
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56 for ch in text)


_CHAR_PT = 7.05  # LibreOffice draws a column of width w (characters) about 7.05 w points wide


def render_xlsx(grids: Sequence[list[GRow]], path: Path, *, seed: int = 0) -> None:
    """One workbook: 1-3 forms a sheet, merged cells, wrapped text, thin borders, row heights
    that fit the text (Calc's optimal height ignores merged cells), A4 fitted to the width."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    rng = random.Random(seed)
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    total_chars = (21.0 - 2 * 1.5) / 2.54 * 72 / _CHAR_PT * 0.98
    size = 10.0
    i = 0
    while i < len(grids):
        ws = wb.create_sheet(f"表{len(wb.sheetnames) + 1}")
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        widths = [rng.uniform(14, 18), rng.uniform(14, 20), rng.uniform(14, 20), rng.uniform(14, 18),
                  rng.uniform(14, 20), rng.uniform(14, 20)]
        widths = [total_chars * w / sum(widths) for w in widths]
        col_pt = [_CHAR_PT * w for w in widths]
        for k, w in enumerate(widths):
            ws.column_dimensions[get_column_letter(k + 1)].width = w
        font = rng.choice(FONTS)
        r0 = 1
        n = rng.randint(1, 3)
        for grid in grids[i:i + n]:
            numbers = rng.random() < 0.7
            rows = doc_rows(grid)
            lines: dict[int, float] = {}
            for k, drow in enumerate(rows):
                for dc in drow.cells:
                    cell = ws.cell(r0 + k, dc.col + 1)
                    value, fmt = typed(dc.text, rng, numbers and dc.role == "value")
                    cell.value = value
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # text such as =100.00(%), not a formula
                    cell.number_format = fmt
                    fsize = size + 4 if dc.role == "title" else size
                    cell.font = Font(name=font, size=fsize, bold=dc.role in ("title", "colhead"))
                    cell.alignment = Alignment(wrap_text=True, vertical="center",
                                               horizontal="center" if dc.role in ("title", "colhead") else "left")
                    if dc.colspan > 1 or dc.rowspan > 1:
                        ws.merge_cells(start_row=r0 + k, start_column=dc.col + 1,
                                       end_row=r0 + k + dc.rowspan - 1, end_column=dc.col + dc.colspan)
                    w = sum(col_pt[dc.col:dc.col + dc.colspan]) - 6
                    need = max(1, math.ceil(_em(dc.text) * fsize * 1.1 / max(w, 10))) * fsize / size
                    if dc.rowspan == 1:
                        lines[k] = max(lines.get(k, 1), need)
                if drow.kind == "table":
                    for c in range(NCOLS):
                        ws.cell(r0 + k, c + 1).border = border
            for k in range(len(rows)):
                ws.row_dimensions[r0 + k].height = round(lines.get(k, 1) * size * 1.35 + 5, 1)
            r0 += len(rows) + rng.choice([1, 2])
        i += n
    wb.save(path)


# --------------------------------------------------------------------------- Word


def render_docx(grids: Sequence[list[GRow]], path: Path, *, seed: int = 0) -> None:
    """Per form: title and year lines as paragraphs above a table (or the title in the table's
    first merged row), ``w:gridSpan`` and ``w:vMerge`` merges, a page break between forms."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    rng = random.Random(seed)
    document = docx.Document()
    for section in document.sections:
        section.left_margin = section.right_margin = Cm(1.8)
    font = rng.choice(FONTS)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = font, Pt(10)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), font)
    for g, grid in enumerate(grids):
        rows = doc_rows(grid)
        if g:
            if rng.random() < 0.6:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            else:
                document.add_paragraph("")
        head = 0
        while head < len(rows) and rows[head].kind != "table":
            cell = rows[head].cells[0]
            p = document.add_paragraph()
            run = p.add_run(cell.text)
            if cell.role == "title":
                run.bold, run.font.size = True, Pt(15 if head == 0 else 11)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            head += 1
        body = rows[head:]
        table = document.add_table(rows=len(body), cols=NCOLS)
        table.style = "Table Grid"
        flat = table._cells
        at = lambda r, c: flat[r * NCOLS + c]  # noqa: E731
        for r, drow in enumerate(body):
            for dc in drow.cells:
                cell = at(r, dc.col)
                if dc.colspan > 1 or dc.rowspan > 1:
                    cell = cell.merge(at(r + dc.rowspan - 1, dc.col + dc.colspan - 1))
                para = cell.paragraphs[0]
                run = para.add_run(dc.text)
                run.bold = dc.role == "colhead"
    document.save(str(path))


# --------------------------------------------------------------------------- HTML


def render_html(grids: Sequence[list[GRow]], path: Path, *, seed: int = 0, encoding: str = "utf-8") -> None:
    """A page per file: title lines as ``<h2>``/``<p>`` (or a ``<caption>``), one table per form
    with ``colspan``/``rowspan``, ``&nbsp;`` in blank cells, charset in a meta tag."""
    rng = random.Random(seed)
    esc = lambda t: _html.escape(t, quote=False)  # noqa: E731
    parts = []
    for grid in grids:
        rows = doc_rows(grid)
        out = []
        head = [r for r in rows if r.kind != "table" and rows.index(r) < 3]
        body = rows[len(head):]
        caption = rng.random() < 0.3 and len(head) == 1
        for drow in head if not caption else []:
            t = drow.cells[0].text
            out.append(f"<h2 style=\"text-align:center\">{esc(t)}</h2>" if drow.cells[0].role == "title"
                       else f"<p>{esc(t)}</p>")
        out.append('<table border="1" cellspacing="0" cellpadding="3">')
        if caption:
            out.append(f"<caption>{esc(head[0].cells[0].text)}</caption>")
        for drow in body:
            cells = []
            for dc in drow.cells:
                attrs = (f' colspan="{dc.colspan}"' if dc.colspan > 1 else "") + \
                        (f' rowspan="{dc.rowspan}"' if dc.rowspan > 1 else "")
                tag = "th" if dc.role == "colhead" else "td"
                cells.append(f"<{tag}{attrs}>{esc(dc.text) if dc.text else '&nbsp;'}</{tag}>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        parts.append("\n".join(out))
    page = (f'<!DOCTYPE html>\n<html><head><meta http-equiv="Content-Type" content="text/html; charset={encoding}">'
            "<title>绩效目标表</title></head>\n<body>\n" + "\n<p>&nbsp;</p>\n".join(parts) + "\n</body></html>\n")
    Path(path).write_bytes(page.encode(encoding))


# --------------------------------------------------------------------------- the set


def write_family_docs(out: Path, family: str, *, seed: int = 1, n: int = 10,
                      kinds: Sequence[str] = KINDS, scan_case: str = "office_300dpi_gray") -> dict[str, Path]:
    """``n`` forms of ``family`` drawn with ``seed``, as every kind asked: {kind: path, "truth": path}."""
    return write_family_batch(out, [family], seed=seed, n=n, kinds=kinds, scan_case=scan_case)[family]


def write_family_batch(out: Path, families: Sequence[str], *, seed: int = 1, n: int = 10,
                       kinds: Sequence[str] = KINDS, scan_case: str = "office_300dpi_gray",
                       seeds: Optional[dict[str, int]] = None) -> dict[str, dict[str, Path]]:
    """Every family's forms as every kind asked, with one ``soffice`` start for all the .xls
    files and one for all the PDFs: {family: {kind: path, "truth": path}}."""
    from .office import soffice_to_pdf
    from .workbook import to_xls

    out.mkdir(parents=True, exist_ok=True)
    want = set(kinds)
    made: dict[str, dict[str, Path]] = {}
    for family in families:
        fseed = (seeds or {}).get(family, seed)
        forms = random_family_forms(family, fseed, n)
        truths, grids = [t for t, _ in forms], [g for _, g in forms]
        stem = out / f"{family}-s{fseed}"
        paths: dict[str, Path] = {"truth": Path(f"{stem}.truth.jsonl")}
        paths["truth"].write_text("".join(json.dumps(_golden(t), ensure_ascii=False) + "\n" for t in truths),
                                  encoding="utf-8")
        if want & {"xlsx", "xls", "calc_pdf"}:
            paths["xlsx"] = Path(f"{stem}.xlsx")
            render_xlsx(grids, paths["xlsx"], seed=fseed)
        if want & {"docx", "writer_pdf", "scan"}:
            paths["docx"] = Path(f"{stem}.docx")
            render_docx(grids, paths["docx"], seed=fseed + 1)
        if "html" in want:
            paths["html"] = Path(f"{stem}.html")
            render_html(grids, paths["html"], seed=fseed + 2,
                        encoding=random.Random(fseed).choice(["utf-8", "gbk"]))
        made[family] = paths
    with tempfile.TemporaryDirectory(prefix="jixiao-famdocs-") as tmp:
        tmpdir = Path(tmp)
        if "xls" in want:
            for family, xls in zip(families, to_xls([made[f]["xlsx"] for f in families], tmpdir / "xls")):
                made[family]["xls"] = made[family]["xlsx"].with_suffix(".xls")
                shutil.move(str(xls), made[family]["xls"])
        srcs: list[tuple[str, str, Path]] = []  # (family, kind, copy to convert)
        for family in families:
            for kind, src in (("calc_pdf", "xlsx"), ("writer_pdf", "docx")):
                if kind in want or (kind == "writer_pdf" and "scan" in want):
                    dst = tmpdir / f"{family}-{kind}{made[family][src].suffix}"
                    shutil.copy(made[family][src], dst)
                    srcs.append((family, kind, dst))
        if srcs:
            for (family, kind, _), pdf in zip(srcs, soffice_to_pdf([d for _, _, d in srcs], tmpdir)):
                stem = str(made[family]["truth"]).removesuffix(".truth.jsonl")
                made[family][kind] = Path(f"{stem}.{kind.removesuffix('_pdf')}.pdf")
                shutil.move(str(pdf), made[family][kind])
    for family in families:
        paths = made[family]
        if "scan" in want:
            from .scanner import CASES, scan_pdf

            paths["scan"] = Path(str(paths["writer_pdf"]).removesuffix(".writer.pdf") + ".scan.pdf")
            scan_pdf(paths["writer_pdf"], paths["scan"], CASES[scan_case], seed=(seeds or {}).get(family, seed))
        for kind in [k for k in ("xlsx", "docx", "writer_pdf") if k in paths and k not in want]:
            paths.pop(kind).unlink()
    return made


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m synth.family_docs", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--family", action="append", choices=sorted(FAMILIES))
    ap.add_argument("--kind", action="append", choices=KINDS)
    args = ap.parse_args(argv)
    families = args.family or [f for f in FAMILIES if f != "futian_2level"]
    for family, paths in write_family_batch(args.out, families, seed=args.seed, n=args.forms,
                                            kinds=args.kind or KINDS).items():
        for kind, path in paths.items():
            print(f"{family} {kind}: {path}")
    return 0


__all__ = ["KINDS", "doc_rows", "render_docx", "render_html", "render_xlsx", "write_family_batch", "write_family_docs"]

if __name__ == "__main__":
    raise SystemExit(main())
