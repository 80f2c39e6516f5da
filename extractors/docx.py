"""The .docx reader (python-docx opens the package; the body is walked as WordprocessingML):
tables into rows of cells, paragraphs outside tables (the title line) as rows of their own.

    body, in document order (content controls ``w:sdt`` entered):
      w:p   -> one row; a paragraph with tabs (``申请单位：X<tab>单位：万元``) -> one cell per part
      w:tbl -> one row per ``w:tr``: ``w:gridBefore`` skips grid columns, ``w:gridSpan`` is the
               colspan, a ``w:vMerge`` continuation cell is left out (its text is in the
               merge's first row: the assembler fills 一级/二级指标 down), ``w:hMerge``
               continuations widen the cell before them
      cell text: its paragraphs joined with ``\\n`` (``w:br``/``w:cr`` are line breaks too;
               deleted text and the fallback copy of a text box are not read), each with
               the automatic list number Word shows before it (``1、``, ``（一）``, ``①``)

There are no pages in a .docx (Word lays them out when it prints): ``page`` is None and
``line`` is the row's 1-based position in the document's stream of rows.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import Cell, Row

from pipeline.readers import FunctionReader, ReadContext
from .office import GridCell, check_zip, clean_cell_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC, _SDT, _SDT_CONTENT = (W + n for n in ("p", "tbl", "tr", "tc", "sdt", "sdtContent"))
_T, _TAB, _BR, _CR, _NBH = (W + n for n in ("t", "tab", "br", "cr", "noBreakHyphen"))
_SKIP = frozenset({W + "del", W + "delText", W + "instrText", W + "pPr", W + "rPr", W + "tcPr",
                   W + "trPr", W + "tblPr", W + "tblGrid", MC_FALLBACK})
_VAL = W + "val"


_CN = "零一二三四五六七八九"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"


def _cn_number(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[ones] if ones else "")
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                           (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def format_number(n: int, fmt: str) -> str:
    """A list counter in a WordprocessingML ``w:numFmt``."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "chineseLegalSimplified", "taiwaneseCounting"):
        return _cn_number(n)
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n).upper() if fmt == "upperRoman" else _roman(n)
    if fmt == "decimalEnclosedCircle" or fmt == "decimalEnclosedCircleChinese":
        return chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n)
    if fmt == "decimalFullWidth":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("none", "bullet"):
        return ""
    return str(n)


class Numbering:
    """Word's automatic list numbers (``word/numbering.xml``): the ``1、`` or ``（一）`` a
    paragraph shows but does not hold as text. Counters run per list in document order."""

    def __init__(self, element=None):
        self.levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId -> ilvl -> (fmt, text, start)
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}         # numId -> (abstractNumId, start overrides)
        self.counters: dict[str, list[int]] = {}
        if element is None:
            return
        for an in element.iter(W + "abstractNum"):
            levels = {}
            for lvl in an.iter(W + "lvl"):
                fmt_el, text_el, start_el = lvl.find(W + "numFmt"), lvl.find(W + "lvlText"), lvl.find(W + "start")
                levels[int(lvl.get(W + "ilvl", "0"))] = (
                    fmt_el.get(_VAL, "decimal") if fmt_el is not None else "decimal",
                    text_el.get(_VAL, "") if text_el is not None else "",
                    _plain_int(start_el, 1))
            self.levels[an.get(W + "abstractNumId", "")] = levels
        for num in element.iter(W + "num"):
            ref = num.find(W + "abstractNumId")
            overrides = {}
            for ov in num.iter(W + "lvlOverride"):
                start = ov.find(W + "startOverride")
                if start is not None:
                    overrides[int(ov.get(W + "ilvl", "0"))] = _plain_int(start, 1)
            self.nums[num.get(W + "numId", "")] = (ref.get(_VAL, "") if ref is not None else "", overrides)

    def label(self, p) -> str:
        """The list number of paragraph ``p`` (its ``w:numPr``), counted; "" when it has none."""
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        if numpr is None:
            return ""
        num_id_el, ilvl_el = numpr.find(W + "numId"), numpr.find(W + "ilvl")
        num_id = num_id_el.get(_VAL, "") if num_id_el is not None else ""
        ilvl = _plain_int(ilvl_el, 0)
        if num_id not in self.nums or not 0 <= ilvl <= 8:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        if ilvl not in levels:
            return ""
        counts = self.counters.setdefault(num_id, [0] * 9)
        if counts[ilvl] == 0:
            counts[ilvl] = overrides.get(ilvl, levels[ilvl][2])
        else:
            counts[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        fmt, text, _ = levels[ilvl]
        if fmt == "bullet":
            return ""
        for k in range(ilvl + 1):
            kfmt = levels.get(k, ("decimal", "", 1))[0]
            text = text.replace(f"%{k + 1}", format_number(max(counts[k], levels.get(k, ("", "", 1))[2]), kfmt))
        return text


NO_NUMBERING = Numbering()


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


def paragraph_text(p, numbering: Numbering = NO_NUMBERING) -> str:
    out: list[str] = [numbering.label(p)] if numbering.nums else []
    _walk_text(p, out)
    return "".join(out)


def _plain_int(el, default: int) -> int:
    try:
        return int(el.get(_VAL)) if el is not None and el.get(_VAL) is not None else default
    except ValueError:
        return default


def _cell_lines(el, lines: list[str], numbering: Numbering) -> None:
    for child in el:
        if child.tag == _P:
            lines.append(paragraph_text(child, numbering))
        elif child.tag in (_TBL, _TR, _TC):  # a nested table: its cells' paragraphs, in order
            _cell_lines(child, lines, numbering)
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                _cell_lines(content, lines, numbering)


def cell_text(tc, numbering: Numbering = NO_NUMBERING) -> str:
    """A cell's paragraphs joined with line breaks (a nested table's paragraphs included),
    each with its automatic list number."""
    lines: list[str] = []
    _cell_lines(tc, lines, numbering)
    return clean_cell_text("\n".join(line for line in lines if line.strip()))


def _int(el, default: int = 1) -> int:
    if el is None:
        return default
    try:
        return max(1, min(int(el.get(_VAL, default)), 1000))
    except ValueError:
        return default


def _children(parent, tag: str) -> Iterator:
    """The ``tag`` children of ``parent``, those wrapped in content controls (w:sdt) included."""
    for child in parent:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)


def _cells_of(tr) -> Iterator:
    return _children(tr, _TC)


def _rows_of(tbl) -> Iterator:
    return _children(tbl, _TR)


def table_cells(tbl, numbering: Numbering = NO_NUMBERING) -> list[list[GridCell]]:
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
                text = cell_text(tc, numbering)
                if text:
                    out.append(GridCell(r, col, text, span))
            col += span
        rows.append(out)
    return rows


def body_rows(body, max_cells: int, ctx: ReadContext, numbering: Numbering = NO_NUMBERING) -> Iterator[Row]:
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
            text = paragraph_text(block, numbering)
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
        for grid_row in table_cells(block, numbering):
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
    try:
        numbering = Numbering(document.part.numbering_part.element)
    except (KeyError, NotImplementedError, AttributeError, ValueError):  # no numbering part
        numbering = NO_NUMBERING
    any_row = False
    for row in body_rows(body, ctx.settings.office.max_cells, ctx, numbering):
        any_row = True
        yield row
    if not any_row and not ctx.errors:
        raise InputError("empty Word document: no text")


READER = FunctionReader(name="docx", kind="docx", func=read_docx)
