"""The .docx reader (python-docx opens the package; the body is walked as WordprocessingML):
tables into rows of cells, paragraphs outside tables (the title line) as rows of their own.

    body, in document order (content controls ``w:sdt`` entered):
      w:p   -> one row; a paragraph with tabs (``申请单位：X<tab>单位：万元``) -> one cell per part
      w:tbl -> one row per ``w:tr``: ``w:gridBefore`` skips grid columns, ``w:gridSpan`` is the
               colspan, a ``w:vMerge`` continuation cell is left out (its text is in the
               merge's first row: the assembler fills 一级/二级指标 down), ``w:hMerge``
               continuations widen the cell before them
      cell text: its paragraphs joined with ``\\n`` (``w:br``/``w:cr`` are line breaks too;
               deleted text and the fallback copy of a text box are not read)

There are no pages in a .docx (Word lays them out when it prints): ``page`` is None and
``line`` is the row's 1-based position in the document's stream of rows.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import Cell, Row

from . import FunctionReader, ReadContext, register
from .office import GridCell, check_zip, clean_cell_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (W + n for n in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_T, _TAB, _BR, _CR, _NBH = (W + n for n in ("t", "tab", "br", "cr", "noBreakHyphen"))
_SKIP = frozenset({W + "del", W + "delText", W + "instrText", W + "pPr", W + "rPr", W + "tcPr",
                   W + "trPr", W + "tblPr", W + "tblGrid", MC_FALLBACK})
_VAL = W + "val"


def _walk_text(el, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _T:
            if child.text:
                out.append(child.text)
        elif tag == _TAB:
            out.append("\t")
        elif tag in (_BR, _CR):
            if child.get(W + "type") not in ("page", "column"):
                out.append("\n")
        elif tag == _NBH:
            out.append("-")
        elif tag == _P:  # a paragraph inside a text box
            sub: list[str] = []
            _walk_text(child, sub)
            out.append("".join(sub) + "\n")
        else:
            _walk_text(child, out)


def paragraph_text(p) -> str:
    out: list[str] = []
    _walk_text(p, out)
    return "".join(out)


def _cell_lines(el, lines: list[str]) -> None:
    for child in el:
        if child.tag == _P:
            lines.append(paragraph_text(child))
        elif child.tag in (_TBL, _TR, _TC):  # a nested table: its cells' paragraphs, in order
            _cell_lines(child, lines)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _cell_lines(content, lines)


def cell_text(tc) -> str:
    """A cell's paragraphs joined with line breaks (a nested table's paragraphs included)."""
    lines: list[str] = []
    _cell_lines(tc, lines)
    return clean_cell_text("\n".join(line for line in lines if line.strip()))


def _int(el, default: int = 1) -> int:
    if el is None:
        return default
    try:
        return max(1, min(int(el.get(_VAL, default)), 1000))
    except ValueError:
        return default


def _cells_of(tr) -> Iterator:
    for child in tr:
        if child.tag == _TC:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _cells_of(content)


def _rows_of(tbl) -> Iterator:
    for child in tbl:
        if child.tag == _TR:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _rows_of(content)


def table_cells(tbl) -> list[list[GridCell]]:
    """A ``w:tbl`` as grid rows (row index within the table)."""
    rows: list[list[GridCell]] = []
    for r, tr in enumerate(_rows_of(tbl)):
        trpr = tr.find(W + "trPr")
        col = _int(trpr.find(W + "gridBefore"), 0) if trpr is not None else 0
        out: list[GridCell] = []
        for tc in _cells_of(tr):
            tcpr = tc.find(W + "tcPr")
            span, vcont, hcont = 1, False, False
            if tcpr is not None:
                span = _int(tcpr.find(W + "gridSpan"))
                vm = tcpr.find(W + "vMerge")
                vcont = vm is not None and vm.get(_VAL, "continue") == "continue"
                hm = tcpr.find(W + "hMerge")
                hcont = hm is not None and hm.get(_VAL, "continue") == "continue"
            if hcont and out:
                out[-1].colspan += span
            elif not vcont:
                text = cell_text(tc)
                if text:
                    out.append(GridCell(r, col, text, span))
            col += span
        rows.append(out)
    return rows


def body_rows(body, max_cells: int, ctx: ReadContext) -> Iterator[Row]:
    """The document body's rows in order (tables and paragraphs)."""
    line = 0
    table_no = 0

    def blocks(el) -> Iterator:
        for child in el:
            if child.tag == _SDT:
                content = child.find(_SDT_CONTENT)
                if content is not None:
                    yield from blocks(content)
            elif child.tag in (_P, _TBL):
                yield child

    for block in blocks(body):
        if block.tag == _P:
            text = paragraph_text(block)
            parts = [clean_cell_text(t) for t in text.split("\t")]
            cells = [Cell(t, i, 1, None, None, 1.0, "text", line + 1) for i, t in enumerate(parts) if t]
            if cells:
                line += 1
                yield Row(cells, None, line)
            continue
        table_no += 1
        size = sum(1 for _ in block.iter(_TC))
        if size > max_cells:
            ctx.page_error(None, "read", f"table {table_no} has {size} cells, over the limit of {max_cells} "
                           "(office.max_cells); skipped")
            continue
        for grid_row in table_cells(block):
            if grid_row:
                line += 1
                yield Row([Cell(c.text, c.col, c.colspan, None, None, 1.0, "text", line) for c in grid_row],
                          None, line)


def read_docx(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import docx

    check_zip(path, "Word document (.docx)", "word/document.xml", ctx.settings.office)
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on a broken package
        raise InputError(f"corrupt Word document (.docx): {type(exc).__name__}: {exc}") from exc
    body: Optional[object] = document.element.body
    if body is None:
        raise InputError("corrupt Word document (.docx): no body")
    any_row = False
    for row in body_rows(body, ctx.settings.office.max_cells, ctx):
        any_row = True
        yield row
    if not any_row and not ctx.errors:
        raise InputError("empty Word document: no text")


register("docx", FunctionReader(name="docx", kind="docx", func=read_docx))
