"""Excel 2003 XML spreadsheets (SpreadsheetML: ``<Workbook xmlns="urn:schemas-microsoft-com:
office:spreadsheet">``), what many budget systems' "导出Excel" writes under an .xls name.
``source.kind`` is ``xls`` (it is what its users hold as one). The same rows as the other
workbook readers:

    <Worksheet ss:Name> (hidden ones skipped, ``page`` = position) -> <Table> -> <Row ss:Index>
      -> <Cell ss:Index ss:MergeAcross ss:MergeDown ss:StyleID> <Data ss:Type>:
         MergeAcross is the colspan; MergeDown covers the cells below (a later row's cells
         without ss:Index move past them, and the merge's text stays in its first row);
         Number and DateTime values shown by their style's <NumberFormat ss:Format>
         (named formats such as Fixed, Percent, Short Date included)
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import Row

from pipeline.readers import FunctionReader, ReadContext
from .numfmt import display
from .office import GridCell, clean_cell_text, grid_to_rows

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
X = "{urn:schemas-microsoft-com:office:excel}"
MARKS = (b"urn:schemas-microsoft-com:office:spreadsheet", b'progid="Excel.Sheet"')
NAMED_FORMATS = {
    "general": "General", "general number": "General", "fixed": "0.00", "standard": "#,##0.00",
    "percent": "0.00%", "scientific": "0.00E+00", "currency": "¥#,##0.00", "euro currency": "€#,##0.00",
    "general date": "yyyy/m/d h:mm", "long date": 'yyyy"年"m"月"d"日"', "medium date": "yyyy-mm-dd",
    "short date": "yyyy/m/d", "long time": "h:mm:ss", "medium time": "h:mm AM/PM", "short time": "h:mm",
    "yes/no": '"是";"是";"否"', "true/false": '"TRUE";"TRUE";"FALSE"', "on/off": '"On";"On";"Off"',
}


def is_xml_spreadsheet(head: bytes) -> bool:
    return head.lstrip()[:5] == b"<?xml" and any(m in head for m in MARKS)


def _int(el, name: str, default: Optional[int] = None) -> Optional[int]:
    v = el.get(SS + name)
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _styles(root) -> dict[str, str]:
    out: dict[str, str] = {}
    styles = root.find(SS + "Styles")
    for st in styles if styles is not None else ():
        nf = st.find(SS + "NumberFormat")
        if nf is not None and nf.get(SS + "Format"):
            fmt = nf.get(SS + "Format")
            out[st.get(SS + "ID", "")] = NAMED_FORMATS.get(fmt.lower(), fmt)
    return out


def _value(data, fmt: str) -> str:
    kind = data.get(SS + "Type", "String")
    raw = "".join(data.itertext())
    if kind == "Number":
        try:
            number: float | int = int(raw) if raw.strip().lstrip("-").isdigit() else float(raw)
        except ValueError:
            return clean_cell_text(raw)
        return display(number, fmt).strip()
    if kind == "DateTime":
        try:
            return display(dt.datetime.fromisoformat(raw.strip()[:19]), fmt if fmt != "General" else "yyyy-mm-dd")
        except ValueError:
            return clean_cell_text(raw)
    if kind == "Boolean":
        return "TRUE" if raw.strip() == "1" else "FALSE"
    return clean_cell_text(raw)


def sheet_cells(table, styles: dict[str, str], max_cells: int) -> Optional[list[GridCell]]:
    covered: dict[int, int] = {}  # column -> rows still covered by a MergeDown from above
    out: list[GridCell] = []
    r = 0
    seen = 0
    for row in table.iter(SS + "Row"):
        r = (_int(row, "Index") or r + 1)
        col = 0
        for cell in row.iter(SS + "Cell"):
            seen += 1
            if seen > max_cells:
                return None
            index = _int(cell, "Index")
            if index is not None:
                col = index
            else:
                col += 1
                while covered.get(col, 0) > 0:
                    col += 1
            across, down = _int(cell, "MergeAcross", 0) or 0, _int(cell, "MergeDown", 0) or 0
            data = cell.find(SS + "Data")
            if data is None:
                data = next((d for d in cell.iter() if isinstance(d.tag, str) and d.tag.endswith("}Data")), None)
            if data is not None:
                text = _value(data, styles.get(cell.get(SS + "StyleID", ""), "General"))
                if text:
                    out.append(GridCell(r - 1, col - 1, text, across + 1, r))
            if down:
                for c in range(col, col + across + 1):
                    covered[c] = max(covered.get(c, 0), down + 1)
            col += across
        covered = {c: n - 1 for c, n in covered.items() if n - 1 > 0}
    return out


def read_xml_spreadsheet(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import lxml.etree

    try:
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = lxml.etree.parse(str(path), parser).getroot()
    except (lxml.etree.XMLSyntaxError, OSError) as exc:
        raise InputError(f"corrupt Excel 2003 XML spreadsheet: {exc}") from exc
    if root.tag != SS + "Workbook":
        raise InputError("an XML file that is not an Excel 2003 spreadsheet (no ss:Workbook)")
    styles = _styles(root)
    office = ctx.settings.office
    any_value = False
    for page, ws in enumerate(root.iter(SS + "Worksheet"), 1):
        ctx.pages = page
        name = ws.get(SS + "Name", str(page))
        visible = ws.find(f"{X}WorksheetOptions/{X}Visible")
        if visible is not None and (visible.text or "").strip().lower().startswith("sheet") and not office.hidden_sheets:
            continue  # SheetHidden / SheetVeryHidden
        table = ws.find(SS + "Table")
        if table is None:
            continue
        cells = sheet_cells(table, styles, office.max_cells)
        if cells is None:
            ctx.page_error(page, "read", f"sheet {name!r} has more than {office.max_cells} cells "
                           "(office.max_cells); skipped")
            any_value = True
            continue
        any_value = any_value or bool(cells)
        yield from grid_to_rows(cells, page)
    if not any_value:
        raise InputError("empty workbook: no visible sheet holds a value")


READER = FunctionReader(name="xml-spreadsheet", kind="xls", func=read_xml_spreadsheet)
