"""Render truth records as a Word document (python-docx): per form a title paragraph (or the
title in the table's merged first row), a table with merged value cells (``w:gridSpan``) and
一级/二级指标 merged down (``w:vMerge``), long values as several paragraphs or line breaks
inside a cell, numbered lines (``一、`` ``1、`` ``（1）`` running 1, 2, 3…) often as Word's
automatic lists (the number is then not in the text: the reader must show it), and a page
break or a blank paragraph between forms.

    render_docx(truths, path, seed=0, style=None) -> truths

    python -m synth.docx OUT.docx --forms 10 --seed 1   # + OUT.truth.jsonl beside it
"""
from __future__ import annotations

import copy
import random
import re
from pathlib import Path
from typing import Optional

from .grid import GridStyle, form_grid, shown


_PATTERNS = (  # (regex of a written list number, w:numFmt, w:lvlText, its value)
    (re.compile(r"^([一二三四五六七八九十]+)、"), "chineseCounting", "%1、", lambda m: _CN_VALUE.get(m.group(1))),
    (re.compile(r"^(\d+)、"), "decimal", "%1、", lambda m: int(m.group(1))),
    (re.compile(r"^（(\d+)）"), "decimal", "（%1）", lambda m: int(m.group(1))),
)
_CN_VALUE = {c: i for i, c in enumerate("一二三四五六七八九十", 1)}


class _Lists:
    """Automatic list numbers added to a document's numbering part, one list per use."""

    def __init__(self, document):
        from docx.oxml import parse_xml
        from docx.oxml.ns import nsdecls

        self.parse, self.ns = parse_xml, nsdecls("w")
        self.numbering = document.part.numbering_part.element
        self.next_id = 1000

    def new_list(self, fmt: str, text: str) -> int:
        self.next_id += 1
        n = self.next_id
        abstract = self.parse(
            f'<w:abstractNum {self.ns} w:abstractNumId="{n}"><w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
            '<w:lvlJc w:val="left"/></w:lvl></w:abstractNum>')
        first_num = self.numbering.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}num")
        if first_num is not None:
            first_num.addprevious(abstract)  # abstractNum elements come before num elements
        else:
            self.numbering.append(abstract)
        self.numbering.append(self.parse(f'<w:num {self.ns} w:numId="{n}"><w:abstractNumId w:val="{n}"/></w:num>'))
        return n

    def number(self, paragraph, num_id: int) -> None:
        ppr = paragraph._p.get_or_add_pPr()
        ppr.append(self.parse(f'<w:numPr {self.ns}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'))


def _auto_numbers(lines: list[str], lists: Optional[_Lists]) -> list[tuple[str, Optional[int]]]:
    """Lines whose written numbers run 1, 2, 3… in one pattern lose them to a Word list that
    shows the same numbers (the reader must put them back); other lines stay as written."""
    out: list[tuple[str, Optional[int]]] = [(line, None) for line in lines]
    if lists is None:
        return out
    for regex, fmt, text, value in _PATTERNS:
        hits = [(i, regex.match(line)) for i, line in enumerate(lines)]
        hits = [(i, m) for i, m in hits if m]
        if len(hits) < 2 or [value(m) for _, m in hits] != list(range(1, len(hits) + 1)):
            continue
        num_id = lists.new_list(fmt, text)
        for i, m in hits:
            out[i] = (lines[i][m.end():], num_id)
    return out


def _fill(cell, text: str, rng: random.Random, bold: bool = False, lists: Optional[_Lists] = None) -> None:
    """A cell's text: each line a paragraph (numbered lines maybe as a Word list), or line
    breaks in one paragraph."""
    lines = text.split("\n")
    as_breaks = rng.random() < 0.5 and lists is None
    para = cell.paragraphs[0]
    if as_breaks:
        run = para.add_run(lines[0])
        run.bold = bold
        for line in lines[1:]:
            run.add_break()
            run = para.add_run(line)
            run.bold = bold
        return
    for k, (line, num_id) in enumerate(_auto_numbers(lines, lists)):
        para = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
        para.add_run(line).bold = bold
        if num_id is not None:
            lists.number(para, num_id)


def render_docx(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[GridStyle] = None) -> list[dict]:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    rng = random.Random(seed)
    style = style or GridStyle()
    document = docx.Document()
    lists = _Lists(document)
    out: list[dict] = []
    for i, truth in enumerate(truths):
        grid = form_grid(truth, rng, style)
        rows = grid.rows
        title_in_table = rng.random() < 0.3
        if i:
            if rng.random() < 0.5:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            else:
                document.add_paragraph("")
        if not title_in_table:
            title = document.add_paragraph()
            run = title.add_run(rows[0].cells[0].text)
            run.bold, run.font.size = True, Pt(16)
            rows = rows[1:]
        table = document.add_table(rows=len(rows), cols=grid.width)
        table.style = "Table Grid"
        flat = table._cells  # every cell once, before any merge (table.cell() recomputes this each call)
        at = lambda r, c: flat[r * grid.width + c]  # noqa: E731
        for r, grow in enumerate(rows):
            for gc in grow.cells:
                cell = at(r, gc.col)
                if gc.colspan > 1 or gc.rowspan > 1:
                    cell = cell.merge(at(r + gc.rowspan - 1, gc.col + gc.colspan - 1))
                text = shown(gc)
                if gc.role == "long" and rng.random() < 0.6:  # calculation items as paragraphs
                    text = re.sub(r"；(?=\d+、)", "；\n", text)
                _fill(cell, text, rng, bold=gc.role in ("title", "colhead"),
                      lists=lists if gc.role == "long" and rng.random() < 0.7 else None)
        rec = copy.deepcopy(truth)
        out.append(rec)
    document.save(str(path))
    return out


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from .truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.docx", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    args = ap.parse_args(argv)
    truths = load_golden() if args.golden else list(random_forms(args.seed, args.forms))
    rendered = render_docx(truths, args.out, seed=args.seed)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in rendered:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return 0


__all__ = ["render_docx"]

if __name__ == "__main__":
    raise SystemExit(main())
