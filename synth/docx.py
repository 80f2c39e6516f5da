"""Render truth records as a Word document (python-docx): per form a title paragraph (or the
title in the table's merged first row), a table with merged value cells (``w:gridSpan``) and
一级/二级指标 merged down (``w:vMerge``), long values as several paragraphs or line breaks
inside a cell, and a page break or a blank paragraph between forms.

    render_docx(truths, path, seed=0, style=None) -> truths

    python -m synth.docx OUT.docx --forms 10 --seed 1   # + OUT.truth.jsonl beside it
"""
from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Optional

from .grid import GridStyle, form_grid, shown


def _fill(cell, text: str, rng: random.Random, bold: bool = False) -> None:
    """A cell's text: each line a paragraph, or line breaks in one paragraph."""
    lines = text.split("\n")
    as_breaks = rng.random() < 0.5
    para = cell.paragraphs[0]
    if as_breaks:
        run = para.add_run(lines[0])
        run.bold = bold
        for line in lines[1:]:
            run.add_break()
            run = para.add_run(line)
            run.bold = bold
        return
    para.add_run(lines[0]).bold = bold
    for line in lines[1:]:
        cell.add_paragraph().add_run(line).bold = bold


def render_docx(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[GridStyle] = None) -> list[dict]:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    rng = random.Random(seed)
    style = style or GridStyle()
    document = docx.Document()
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
                _fill(cell, shown(gc), rng, bold=gc.role in ("title", "colhead"))
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
