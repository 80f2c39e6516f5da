"""Cells from the words' geometry where a page (or part of one) has no reliable ruled grid:
no rules, rules too faint to find, or words outside the tables that were found.

``split_at_labels``       a piece of text holding several ``label：value`` pairs
                          (``项目编码：4403…项目名称：英才荟经费``) cut before each label of the
                          vocabulary, so each label starts a cell of its own;
``line_to_pieces``        a text line's words as pieces, each cut at its labels (a piece's box is
                          shared out by character count);
``column_bounds``         the indicator header's column boundaries: the middle of the gap
                          between neighbouring column names;
``lines_to_rows``         lines -> rows of cells on the fixed column scale of the page's text
                          block; under an indicator header, each piece goes to the column whose
                          bounds hold its centre, and a line with no 三级指标 text under it is the
                          wrapped rest of the row above (a continuation row).

Pure functions over :class:`Word` boxes; the cells carry the engine's confidence times
``factor`` (a value placed by geometry is less sure than one inside a ruled cell).
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Optional, Sequence

from pipeline.labels import Vocabulary
from pipeline.models import Cell, Row

from .engines.base import Word
from .grid import Box
from .words_to_cells import COL_UNITS, PageGeometry, join_pieces, words_to_lines


@lru_cache(maxsize=4)
def _label_pattern(vocab: Vocabulary) -> re.Pattern:
    labels = sorted({lab for lab in vocab.header if len(lab) >= 2}, key=len, reverse=True)
    alt = "|".join(re.escape(lab) for lab in labels)
    return re.compile(rf"(?:{alt})(?:[（(][^）)]{{0,20}}[）)])?\s*[:：]")


def split_at_labels(text: str, vocab: Vocabulary) -> list[str]:
    """``text`` cut before every ``label：`` after its start; pieces keep their characters."""
    cuts = [m.start() for m in _label_pattern(vocab).finditer(text) if m.start() > 0]
    if not cuts:
        return [text]
    out, prev = [], 0
    for c in cuts + [len(text)]:
        if text[prev:c].strip():
            out.append(text[prev:c])
        prev = c
    return out


def _label_value(text: str, vocab: Vocabulary) -> list[str]:
    """``label：value`` as [label：, value] (a label with its value in one piece)."""
    m = _label_pattern(vocab).match(text)
    if m and m.end() < len(text) and text[m.end():].strip():
        return [text[:m.end()], text[m.end():]]
    return [text]


_OPEN_BRACKET = re.compile(r"^[（(][^）)]*$")


def wrapped_label(text: str, vocab: Vocabulary) -> Optional[str]:
    """A label whose bracketed remark wrapped onto the next lines (``项目总金额（中期``): the
    label itself, with a colon; None for anything else."""
    for lab in sorted((lab for lab in vocab.header if len(lab) >= 4), key=len, reverse=True):
        if text.startswith(lab) and _OPEN_BRACKET.match(text[len(lab):]):
            return lab + "："
    return None


def is_label_tail(text: str, vocab: Vocabulary) -> bool:
    """The last line of a wrapped label (``规划，万元）：``, ``元）：``): short, ends with a
    colon, names no field — never a value."""
    t = text.strip()
    return len(t) <= 8 and t.endswith(("：", ":")) and vocab.header_key(t, fuzzy_score=80) is None


def line_to_pieces(line: Sequence[Word], vocab: Vocabulary) -> list[Word]:
    """The line's words, each cut into label and value pieces (boxes by character share);
    a wrapped label's first line stands for the label, its last line is dropped."""
    out: list[Word] = []
    for w in line:
        if is_label_tail(w.text, vocab):
            continue
        lab = wrapped_label(w.text, vocab)
        if lab is not None:
            out.append(Word(lab, w.box, w.confidence))
            continue
        parts = [p for s in split_at_labels(w.text, vocab) for p in _label_value(s, vocab)]
        if len(parts) == 1:
            out.append(w)
            continue
        total = sum(len(p) for p in parts)
        x = float(w.box.x0)
        for p in parts:
            x1 = x + w.box.width * len(p) / total
            out.append(Word(p.strip(), Box(int(x), w.box.y0, max(int(x) + 1, int(x1)), w.box.y1), w.confidence))
            x = x1
    return [p for p in out if p.text]


def column_bounds(header: Sequence[Word]) -> list[float]:
    """Boundaries between the header's columns (left to right): the middle of each gap."""
    hs = sorted(header, key=lambda w: w.box.x0)
    return [(a.box.x1 + b.box.x0) / 2 for a, b in zip(hs, hs[1:])]


def _col(x: float, block: Box) -> int:
    return max(0, int((x - block.x0) / max(1, block.width) * COL_UNITS) + 1)


def _cell(text: str, col: int, colspan: int, box: Box, conf: float, geo: PageGeometry) -> Cell:
    return Cell(text=text, col=col, colspan=max(1, colspan), page=geo.page, bbox=geo.bbox(box),
                confidence=round(conf, 4), origin="ocr")


def lines_to_rows(lines: Sequence[Sequence[Word]], geo: PageGeometry, vocab: Vocabulary,
                  factor: float = 0.9) -> list[tuple[float, Row]]:
    """(top, row) per text line of words outside any ruled cell, in order."""
    if not lines:
        return []
    block = Box(min(w.box.x0 for ln in lines for w in ln), 0, max(w.box.x1 for ln in lines for w in ln), 1)
    out: list[tuple[float, Row]] = []
    bounds: Optional[list[float]] = None  # under an indicator header
    names: list[str] = []
    for line in lines:
        pieces = line_to_pieces(line, vocab)
        top = min(w.box.y0 for w in pieces) if pieces else line[0].box.y0
        header = [vocab.column(p.text) for p in pieces]
        if len(pieces) >= 3 and sum(h is not None for h in header) >= 3:
            bounds, names = column_bounds(pieces), [h or "" for h in header]
        elif bounds is not None and pieces and vocab.header_key(pieces[0].text, fuzzy_score=84) is not None:
            bounds = None  # a header label again: the indicator table is over
        cells: list[Cell] = []
        continuation = False
        if bounds is not None:
            # one cell per header column, its pieces joined, on the columns' own scale
            width = COL_UNITS // (len(bounds) + 1)
            groups: dict[int, list[Word]] = {}
            for p in pieces:
                cx = (p.box.x0 + p.box.x1) / 2
                k = sum(cx >= b for b in bounds)
                groups.setdefault(k, []).append(p)
            for k in sorted(groups):
                ws = groups[k]
                box = Box(min(w.box.x0 for w in ws), min(w.box.y0 for w in ws),
                          max(w.box.x1 for w in ws), max(w.box.y1 for w in ws))
                cells.append(_cell(join_pieces([w.text for w in ws]), k * width + 1, width - 1, box,
                                   min(w.confidence for w in ws) * factor, geo))
            is_header = sum(h is not None for h in header) >= 3
            level3 = names.index("level3") if "level3" in names else 2
            continuation = (not is_header and bool(out) and level3 not in groups
                            and not any(vocab.column(c.text) for c in cells))
        else:
            for p in pieces:
                col = _col(p.box.x0, block)
                span = max(1, _col(p.box.x1, block) - col)
                cells.append(_cell(p.text, col, span, p.box, p.confidence * factor, geo))
        if cells:
            out.append((top, Row(cells=cells, page=geo.page, continuation=continuation)))
    return out


def words_to_rows(words: Sequence[Word], geo: PageGeometry, vocab: Vocabulary, factor: float = 0.9) -> list[tuple[float, Row]]:
    return lines_to_rows(words_to_lines(words), geo, vocab, factor)


__all__ = ["column_bounds", "line_to_pieces", "lines_to_rows", "split_at_labels", "words_to_rows", "replace"]
