"""Render truth records as a web page, the way budget systems and government sites publish
tables: per form a title (``<h1>``, ``<p>``, ``<caption>`` or a merged first row) and a
``<table>`` with ``colspan``/``rowspan`` (一级/二级指标 merged down), long values with
``<br>`` or ``<p>`` inside the cell, source lines wrapped inside CJK text, ``&nbsp;`` in empty
cells; optionally all of it inside a layout table. Encodings: UTF-8 (with or without BOM or
meta), GB2312/GBK declared in a meta tag, GB18030 with no declaration at all.

    render_html(truths, path, seed=0, style=None, encoding="utf-8", meta=True) -> truths

    python -m synth.html OUT.html --forms 10 --seed 1 [--encoding gbk]   # + OUT.truth.jsonl
"""
from __future__ import annotations

import copy
import html as _html
import random
from pathlib import Path
from typing import Optional

from .grid import GridStyle, form_grid, shown

ENCODINGS = ("utf-8", "utf-8-sig", "gb2312", "gbk", "gb18030")


def _esc(text: str) -> str:
    return _html.escape(text, quote=False)


def _cell_html(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    if len(lines) > 1:
        if rng.random() < 0.5:
            return "<br>".join(_esc(x) for x in lines)
        return "".join(f"<p>{_esc(x)}</p>" for x in lines)
    text = _esc(text)
    if len(text) > 30 and rng.random() < 0.3:  # the source wrapped inside CJK text
        cut = len(text) // 2
        if "\u4e00" <= text[cut - 1] <= "\u9fff" and "\u4e00" <= text[cut] <= "\u9fff":
            text = text[:cut] + "\n        " + text[cut:]
    return text


def form_html(truth: dict, rng: random.Random, style: GridStyle) -> str:
    grid = form_grid(truth, rng, style)
    rows = grid.rows
    title_where = rng.choice(["h1", "p", "caption", "row"])
    out = []
    title = rows[0].cells[0].text
    if title_where == "h1":
        out.append(f"<h1 style=\"text-align:center\">{_esc(title)}</h1>")
    elif title_where == "p":
        out.append(f"<p align=\"center\"><b><span style=\"font-size:18pt\">{_esc(title)}</span></b></p>")
    out.append('<table border="1" cellspacing="0" cellpadding="4" class="form">')
    if title_where == "caption":
        out.append(f"<caption>{_esc(title)}</caption>")
    body_rows = rows if title_where == "row" else rows[1:]
    out.append("<tbody>")
    for grow in body_rows:
        cells = []
        cells_sorted = sorted(grow.cells, key=lambda c: c.col)
        # an indicator row starts where the 一级/二级 rowspans above leave room
        col = cells_sorted[0].col if grow.kind == "indicator" else 0
        for gc in cells_sorted:
            while col < gc.col:  # the empty cells a table writes out
                cells.append("<td>&nbsp;</td>")
                col += 1
            attrs = ""
            if gc.colspan > 1:
                attrs += f' colspan="{gc.colspan}"'
            if gc.rowspan > 1:
                attrs += f' rowspan="{gc.rowspan}"'
            tag = "th" if gc.role == "colhead" else "td"
            cells.append(f"<{tag}{attrs}>{_cell_html(shown(gc), rng)}</{tag}>")
            col = gc.col + gc.colspan
        if grow.kind != "indicator":
            while col < grid.width:
                cells.append("<td></td>")
                col += 1
        out.append("  <tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def render_html(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[GridStyle] = None,
                encoding: str = "utf-8", meta: bool = True, layout_table: Optional[bool] = None) -> list[dict]:
    rng = random.Random(seed)
    style = style or GridStyle()
    declared = {"utf-8-sig": "utf-8"}.get(encoding, encoding)
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if meta else ""
    forms = [form_html(t, rng, style) for t in truths]
    layout = rng.random() < 0.3 if layout_table is None else layout_table
    if layout:
        body = ('<table width="100%"><tr><td>导航：首页 &gt; 预算公开</td></tr><tr><td>\n'
                + "\n<br>\n".join(forms) + "\n</td></tr></table>")
    else:
        body = "\n<p>&nbsp;</p>\n".join(forms)
    page = (f"<!DOCTYPE html>\n<html>\n<head>\n{head}\n<title>绩效目标申报表</title>\n"
            f"<style>td {{ border: 1px solid #000 }}</style>\n</head>\n<body>\n{body}\n"
            "<script>var x = '<table>';</script>\n</body>\n</html>\n")
    Path(path).write_bytes(page.encode(encoding))
    return [copy.deepcopy(t) for t in truths]


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from .truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.html", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    ap.add_argument("--encoding", default="utf-8", choices=ENCODINGS)
    ap.add_argument("--no-meta", action="store_true", help="no charset declaration")
    args = ap.parse_args(argv)
    truths = load_golden() if args.golden else list(random_forms(args.seed, args.forms))
    rendered = render_html(truths, args.out, seed=args.seed, encoding=args.encoding, meta=not args.no_meta)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in rendered:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return 0


__all__ = ["ENCODINGS", "render_html"]

if __name__ == "__main__":
    raise SystemExit(main())
