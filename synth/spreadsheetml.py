"""Render truth records as an Excel 2003 XML spreadsheet (SpreadsheetML), the "Excel" many
budget systems export: cells written as Excel writes them (``ss:Index`` where cells are
skipped, including the columns a ``ss:MergeDown`` from above covers; ``ss:MergeAcross``;
numbers as ``ss:Type="Number"`` under a style's ``<NumberFormat>``), one or more forms per
worksheet, a hidden worksheet of drop-down lists. (LibreOffice's own export of this format
fails on these sheets: its XSLT recurses past its depth limit, so it is written here.)

    render_spreadsheetml(truths, path, seed=0, style=None) -> truths
"""
from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path
from typing import Optional
from xml.sax.saxutils import escape

from .grid import GridStyle, form_grid

_NAMED = {"#,##0.00": "Standard", "0.00": "Fixed"}  # Excel writes some formats by name


def render_spreadsheetml(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[GridStyle] = None) -> list[dict]:
    rng = random.Random(seed)
    style = style or GridStyle(numeric_code=False)
    formats: dict[str, str] = {}
    sheets: list[str] = []
    out: list[dict] = []
    i = 0
    while i < len(truths):
        n = rng.randint(1, 3)
        rows_xml: list[str] = []
        for truth in truths[i:i + n]:
            grid = form_grid(truth, rng, style)
            for grow in grid.rows:
                cells_xml = []
                expected_col = 1
                for gc in sorted(grow.cells, key=lambda c: c.col):
                    col = gc.col + 1
                    attrs = f' ss:Index="{col}"' if col != expected_col else ""
                    if gc.colspan > 1:
                        attrs += f' ss:MergeAcross="{gc.colspan - 1}"'
                    if gc.rowspan > 1:
                        attrs += f' ss:MergeDown="{gc.rowspan - 1}"'
                    if isinstance(gc.value, str):
                        data = f'<Data ss:Type="String">{escape(gc.value).replace(chr(10), "&#10;")}</Data>'
                    else:
                        fmt = gc.number_format or "General"
                        sid = formats.setdefault(fmt, f"s{62 + len(formats)}")
                        attrs += f' ss:StyleID="{sid}"'
                        data = f'<Data ss:Type="Number">{Decimal(gc.value).normalize():f}</Data>'
                    cells_xml.append(f"<Cell{attrs}>{data}</Cell>")
                    expected_col = col + gc.colspan
                rows_xml.append("<Row>" + "".join(cells_xml) + "</Row>")
            rows_xml.append('<Row ss:Index="{}"/>')  # a blank row between forms (index filled below)
            rec = copy.deepcopy(truth)
            rec["source"] = {**rec.get("source", {}), "pages": [len(sheets) + 1]}
            out.append(rec)
        sheets.append(f'<Worksheet ss:Name="申报表{len(sheets) + 1}"><Table>{"".join(numbered_with_gaps(rows_xml))}'
                      "</Table></Worksheet>")
        i += n
    sheets.append('<Worksheet ss:Name="lists"><Table><Row><Cell><Data ss:Type="String">是</Data></Cell></Row>'
                  '</Table><WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden'
                  "</Visible></WorksheetOptions></Worksheet>")
    styles = "".join(f'<Style ss:ID="{sid}"><NumberFormat ss:Format="{escape(_NAMED.get(fmt, fmt), {chr(34): "&quot;"})}"/>'
                     "</Style>" for fmt, sid in formats.items())
    doc = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"'
           ' xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"'
           ' xmlns:html="http://www.w3.org/TR/REC-html40">\n'
           f"<Styles><Style ss:ID=\"Default\" ss:Name=\"Normal\"/>{styles}</Styles>\n" + "\n".join(sheets) + "\n</Workbook>\n")
    Path(path).write_text(doc, encoding="utf-8")
    return out


def numbered_with_gaps(rows_xml: list[str]) -> list[str]:
    """Rows with the blank rows between forms written as a jump of ``ss:Index`` on the next row."""
    out, r, jump = [], 0, False
    for row in rows_xml:
        if row == '<Row ss:Index="{}"/>':
            r += 1
            jump = True
            continue
        r += 1
        out.append(row.replace("<Row>", f'<Row ss:Index="{r}">', 1) if jump else row)
        jump = False
    return out


__all__ = ["render_spreadsheetml"]
