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
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Protocol, Sequence

from pipeline.labels import Vocabulary
from pipeline.settings import GridSettings
from pipeline.lexicon import join_texts, level_group, space_between_letters
from pipeline.models import BBox, Cell, Row

from .table import Box, group_lines

COL_UNITS = 100
_GRID = GridSettings()  # the defaults, for callers that pass no settings


class Word(Protocol):
    """What the geometry steps read of a word: a recognised word (``ocr.engines.base.Word``)
    or a text-layer word (``pdf_text.line_words``); new pieces are made with ``type(w)``."""

    text: str
    box: Box
    confidence: float


@dataclass(frozen=True)
class TextWord:
    """A word of a PDF text layer: boxes in PDF points."""

    text: str
    box: Box
    confidence: float = 1.0


def _piece(w: Word, text: str, box: Box) -> Word:
    return type(w)(text, box, w.confidence)


def words_to_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Text lines top to bottom, each left to right: a word joins the line it overlaps
    vertically by more than half the smaller height (``table.group_lines``)."""
    return group_lines(words, lambda w: w.box.y0, lambda w: w.box.y1, lambda w: w.box.x0, by="overlap")


def join_pieces(pieces: Sequence[str]) -> str:
    """Texts run together: nothing between pieces where either side is a CJK (wide)
    character — wrapped lines and per-character words are one text — else one space."""
    return join_texts((p.strip() for p in pieces), space_between_letters)


@dataclass(frozen=True)
class PageGeometry:
    page: int
    scale: float  # page units -> output units (PDF points: 72/dpi; images: 1.0; text layers: 1.0)
    origin: str = "ocr"  # the cells' origin: "ocr" (scans) or "pdf" (a text layer)

    def bbox(self, box: Box) -> BBox:
        s = self.scale
        return BBox(x0=round(box.x0 * s, 2), top=round(box.y0 * s, 2), x1=round(box.x1 * s, 2), bottom=round(box.y1 * s, 2))


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


def is_label_tail(text: str, vocab: Vocabulary, score: float = _GRID.geometry_label_tail_score) -> bool:
    """The last line of a wrapped label (``规划，万元）：``, ``元）：``): short, ends with a
    colon, names no field at ``score`` (``grid.geometry_label_tail_score``) — never a value."""
    t = text.strip()
    return len(t) <= 8 and t.endswith(("：", ":")) and vocab.header_key(t, fuzzy_score=score) is None


def line_to_pieces(line: Sequence[Word], vocab: Vocabulary,
                   tail_score: float = _GRID.geometry_label_tail_score) -> list[Word]:
    """The line's words, each cut into label and value pieces (boxes by character share);
    a wrapped label's first line stands for the label, its last line is dropped."""
    out: list[Word] = []
    for w in line:
        if is_label_tail(w.text, vocab, tail_score):
            continue
        lab = wrapped_label(w.text, vocab)
        if lab is not None:
            out.append(_piece(w, lab, w.box))
            continue
        parts = [p for s in split_at_labels(w.text, vocab) for p in _label_value(s, vocab)]
        if len(parts) == 1:
            out.append(w)
            continue
        total = sum(len(p) for p in parts)
        x = float(w.box.x0)
        for p in parts:
            x1 = x + w.box.width * len(p) / total
            out.append(_piece(w, p.strip(), Box(int(x), w.box.y0, max(int(x) + 1, int(x1)), w.box.y1)))
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
                confidence=round(conf, 4), origin=geo.origin)


def lines_to_rows(lines: Sequence[Sequence[Word]], geo: PageGeometry, vocab: Vocabulary,
                  factor: float = _GRID.geometry_confidence, grid: GridSettings = _GRID) -> list[tuple[float, Row]]:
    """(top, row) per text line of words outside any ruled cell, in order (label scores from
    ``grid``)."""
    if not lines:
        return []
    block = Box(min(w.box.x0 for ln in lines for w in ln), 0, max(w.box.x1 for ln in lines for w in ln), 1)
    out: list[tuple[float, Row]] = []
    bounds: Optional[list[float]] = None  # under an indicator header
    names: list[str] = []
    for line in lines:
        pieces = line_to_pieces(line, vocab, grid.geometry_label_tail_score)
        top = min(w.box.y0 for w in pieces) if pieces else line[0].box.y0
        header = [vocab.column(p.text) for p in pieces]
        if len(pieces) >= 3 and sum(h is not None for h in header) >= 3:
            bounds, names = column_bounds(pieces), [h or "" for h in header]
        elif bounds is not None and pieces and vocab.header_key(pieces[0].text, fuzzy_score=grid.geometry_table_end_score) is not None:
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


def words_to_rows(words: Sequence[Word], geo: PageGeometry, vocab: Vocabulary,
                  factor: float = _GRID.geometry_confidence, grid: GridSettings = _GRID) -> list[tuple[float, Row]]:
    return lines_to_rows(words_to_lines(words), geo, vocab, factor, grid)




# --------------------------------------------------------------------------- blocks (text-layer words)
#
# A text layer gives every glyph's box exactly, so where a page has no rules the cells can be
# rebuilt as *blocks*: the pieces of consecutive lines that start at the same x (a cell's
# wrapped lines) with no more than a line's leading between them. Then rows: in the header
# part, blocks that overlap vertically (a one-line label centred beside a five-line value);
# under an indicator header, one row per 三级指标 block, the other columns' blocks given to the
# row they overlap, a merged 一级/二级 cell's text (centred over its rows, or at their top)
# given to the first row of the rows it covers, as the assembler expects.


@dataclass
class Block:
    """A cell recovered from geometry: its lines of pieces, top to bottom."""

    lines: list[list[Word]]

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]

    @property
    def x0(self) -> float:
        return min(w.box.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.box.x1 for w in self.words)

    @property
    def y0(self) -> float:
        return min(w.box.y0 for w in self.words)

    @property
    def y1(self) -> float:
        return max(w.box.y1 for w in self.words)

    @property
    def em(self) -> float:
        return max(1e-6, min(w.box.height for w in self.lines[-1]))

    @property
    def text(self) -> str:
        return join_pieces([join_pieces([w.text for w in line]) for line in self.lines])

    @property
    def box(self) -> Box:
        return Box(self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class BlockTolerances:
    """Lengths in ems (a glyph's height): ``line_gap`` the most a cell's wrapped lines are
    apart (more: the next row's cell), ``align`` how far a wrapped line may start from the
    first one, ``leading_margin`` and ``full_slack`` (see :func:`lines_to_blocks`); from the
    ``grid.geometry_*_em`` settings."""

    line_gap: float = _GRID.geometry_line_gap_em
    align: float = _GRID.geometry_align_em
    leading_margin: float = _GRID.geometry_leading_margin_em  # a wrapped line's gap: at most the part's leading plus this
    full_slack: float = _GRID.geometry_full_slack_em          # a full line ends at most this short of the next column's text
    label_tail_score: float = _GRID.geometry_label_tail_score


def lines_to_blocks(lines: Sequence[Sequence[Word]], vocab: Vocabulary,
                    tol: BlockTolerances = BlockTolerances(), leading: Optional[float] = None,
                    columns: Optional["TableColumns"] = None) -> tuple[list[Block], Optional[float]]:
    """Pieces of consecutive lines -> blocks (cells). A piece continues the block above it
    when it is that cell's wrapped next line: it starts where the block starts (or is centred
    where it is centred), the block's last line is *full* (it reaches the next cell on its
    line, or the right end of its column: the text wrapped for want of room), the gap is at
    most the part's leading plus a quarter em (the leading: the least gap under a full line;
    ``line_gap`` em when there is none), and neither is a whole label (ends with a colon, or
    starts with a label of the vocabulary) or a whole 一级/二级 name or column name.

    ``leading`` (em) is what the form's earlier part measured (an indicator part has few
    wrapped lines to measure); under an indicator header (``columns``) a line is full when
    it reaches the next column's first text. Returns the blocks and the leading used."""
    rows = [sorted((p for w in line for p in _pieces_of(w, vocab)), key=lambda p: p.box.x0) for line in lines]
    if columns is not None:
        rows = [[q for p in pieces for q in _split_level_name(p, vocab)] for pieces in rows]
    right: dict[int, float] = {}      # a column's right end: the widest line starting there
    for pieces in rows:
        for p in pieces:
            k = round(p.box.x0)
            right[k] = max(right.get(k, p.box.x1), p.box.x1)

    starts: dict[int, float] = {}     # under an indicator header: each column's leftmost text
    if columns is not None:
        for pieces in rows:
            for p in pieces:
                k = columns.index_x(p.box.x0, p.box.height)
                starts[k] = min(starts.get(k, p.box.x0), p.box.x0)

    def limit(p: Word, pieces: Sequence[Word]) -> float:
        if columns is not None:
            k = columns.index_x(p.box.x0, p.box.height)
            if k + 1 in starts:
                return starts[k + 1]
        else:
            nxt = [q.box.x0 for q in pieces if q.box.x0 > p.box.x1]
            if nxt:
                return min(nxt)
        return max(v for k, v in right.items() if abs(k - p.box.x0) <= 2)

    def full(p: Word, pieces: Sequence[Word]) -> bool:
        em = max(1e-6, p.box.height)
        return p.box.x1 >= limit(p, pieces) - tol.full_slack * em

    # the part's leading: the least gap between lines starting at the same place
    for i, pieces in enumerate(rows[:-1]):
        for p in pieces:
            em = max(1e-6, p.box.height)
            below = next((q for later in rows[i + 1:i + 4] for q in later
                          if abs(q.box.x0 - p.box.x0) <= tol.align * em), None)
            if below is not None:
                gap = (below.box.y0 - p.box.y1) / em
                if -0.3 <= gap and (leading is None or gap < leading):
                    leading = gap
    limit_em = min(tol.line_gap, leading + tol.leading_margin) if leading is not None else tol.line_gap
    blocks: list[Block] = []
    open_: list[tuple[Block, bool]] = []   # (block, its last line is full)
    for pieces in rows:
        taken: set[int] = set()
        nxt: list[tuple[Block, bool]] = []
        for p in pieces:
            em = max(1e-6, p.box.height)
            home = None
            if not _label_start(p.text, vocab) and not _whole_name(p.text, vocab):
                for k, (b, was_full) in enumerate(open_):
                    if k in taken or _ends_label(b) or _whole_name(b.text, vocab) or (
                            columns is not None and not was_full):
                        continue
                    gap = p.box.y0 - b.y1
                    # a label whose bracketed remark is still open goes on (长期目标（跨 / 度多年的项目)
                    reach = tol.line_gap if _open_label(b.text, vocab) else limit_em
                    if gap < -0.3 * em or gap > reach * max(em, b.em):
                        continue
                    last = b.lines[-1]
                    lx0, lx1 = min(w.box.x0 for w in last), max(w.box.x1 for w in last)
                    aligned = abs(p.box.x0 - b.x0) <= tol.align * em
                    centred = abs((p.box.x0 + p.box.x1) / 2 - (lx0 + lx1) / 2) <= tol.align * em
                    if aligned or centred:
                        home = k
                        break
            if home is None:
                b = Block([[p]])
                blocks.append(b)
            else:
                b = open_[home][0]
                taken.add(home)
                b.lines.append([p])
            nxt.append((b, full(p, pieces)))
        # blocks not continued on this line stay open while they are near (a neighbour
        # cell's lines are offset when it is centred)
        top = min((p.box.y0 for p in pieces), default=0.0)
        done = {id(b) for b, _ in nxt}
        open_ = nxt + [(b, f) for k, (b, f) in enumerate(open_)
                       if k not in taken and id(b) not in done and top - b.y1 <= 2 * b.em]
    return blocks, leading


def _open_label(text: str, vocab: Vocabulary) -> bool:
    """A label not finished on its line: its bracketed remark still open, or the first part of
    a label of the vocabulary (``一级预算单`` / ``位：``)."""
    if text.count("（") + text.count("(") > text.count("）") + text.count(")") and (
            wrapped_label(text, vocab) is not None or _label_start(text, vocab)):
        return True
    return len(text) >= 3 and not text.endswith(("：", ":")) and text in _label_prefixes(vocab)


@lru_cache(maxsize=4)
def _label_prefixes(vocab: Vocabulary) -> frozenset[str]:
    return frozenset(lab[:k] for lab in vocab.header if len(lab) >= 4 for k in range(3, len(lab)))


def _ends_label(b: Block) -> bool:
    return b.lines[-1][-1].text.rstrip().endswith(("：", ":"))


def _whole_name(text: str, vocab: Vocabulary) -> bool:
    """A whole 一级/二级指标 name or indicator column name: a cell of its own."""
    t = text.strip().lstrip("*＊")
    return t in _level_names(vocab) or (len(t) < 8 and vocab.column(t) is not None)


@lru_cache(maxsize=4)
def _level_names(vocab: Vocabulary) -> frozenset[str]:
    return frozenset(vocab.level1_values) | frozenset(vocab.level2_values)


def _pieces_of(w: Word, vocab: Vocabulary) -> list[Word]:
    parts = [p for s in split_at_labels(w.text, vocab) for p in _label_value(s, vocab)]
    if len(parts) == 1:
        return [w]
    total = sum(len(p) for p in parts)
    out, x = [], float(w.box.x0)
    for p in parts:
        x1 = x + w.box.width * len(p) / total
        out.append(_piece(w, p.strip(), Box(x, w.box.y0, x1, w.box.y1)))
        x = x1
    return [p for p in out if p.text]


def _split_level_name(w: Word, vocab: Vocabulary) -> list[Word]:
    """Under an indicator header a piece that starts with a whole 一级/二级 name and goes on
    (``*社会效益指标政策知晓率``: a name wider than its column runs into the next one's text)
    is two cells: the name, then the rest."""
    t = w.text
    star = 1 if t[:1] in "*＊" else 0
    name = next((n for n in sorted(_level_names(vocab), key=len, reverse=True)
                 if t.startswith(n, star) and len(t) > star + len(n)), None)
    if name is None:
        return [w]
    cut = star + len(name)
    x = w.box.x0 + w.box.width * cut / len(t)
    return [_piece(w, t[:cut], Box(w.box.x0, w.box.y0, x, w.box.y1)),
            _piece(w, t[cut:], Box(x, w.box.y0, w.box.x1, w.box.y1))]


def _label_start(text: str, vocab: Vocabulary) -> bool:
    return bool(_label_pattern(vocab).match(text)) or vocab.header_key(text) is not None


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


@dataclass
class TableColumns:
    """An indicator table's columns, carried across pages (a table that runs on without its
    header row repeated): the header names' centres, left to right, and their fields."""

    centres: list[float]
    names: list[str]
    leading: Optional[float] = None   # the form's leading (em), for the next page
    open_row: bool = False            # the last row on the page has no value yet (cut by the break)

    def index(self, block: Block, em: float) -> int:
        """A block's column: the first whose header centre is right of the block's start
        (left-aligned and centred cells both start left of their column's centre)."""
        return self.index_x(block.x0, em)

    def index_x(self, x0: float, em: float) -> int:
        for k, c in enumerate(self.centres):
            if x0 <= c + 0.5 * em:
                return k
        return len(self.centres) - 1


def _header_of(pieces: Sequence[Word], vocab: Vocabulary) -> Optional[TableColumns]:
    names = [vocab.column(p.text) for p in pieces]
    if len(pieces) >= 3 and sum(n is not None for n in names) >= 3:
        ps = sorted(zip(pieces, names), key=lambda t: t[0].box.x0)
        return TableColumns([(p.box.x0 + p.box.x1) / 2 for p, _ in ps], [n or "" for _, n in ps])
    return None


def blocks_to_rows(lines: Sequence[Sequence[Word]], geo: PageGeometry, vocab: Vocabulary,
                   factor: float = _GRID.geometry_confidence, columns: Optional[TableColumns] = None,
                   tol: BlockTolerances = BlockTolerances()) -> tuple[list[tuple[float, Row]], Optional[TableColumns]]:
    """(top, row) per row of cells recovered from the blocks of ``lines`` (text lines of
    words with exact boxes: a PDF's text layer), and the indicator columns in force at the
    page's end (``columns``: those in force at its start, from the page before)."""
    out: list[tuple[float, Row]] = []
    part: list[Sequence[Word]] = []
    part_columns = columns
    leading = [columns.leading if columns is not None else None]

    def flush(cols: Optional[TableColumns]) -> None:
        if part:
            blocks, leading[0] = lines_to_blocks(part, vocab, tol, leading[0], cols)
            head_of_page = not any(r.cells and not _is_header_row(r, vocab) for _, r in out)
            # the table went on from the page before (its header row repeated here, or not)
            continued = head_of_page and columns is not None
            out.extend(_part_rows(blocks, cols, geo, vocab, factor, head_of_page, continued, tol.label_tail_score))
            part.clear()

    lines = list(lines)
    skip: set[int] = set()
    for i, line in enumerate(lines):
        if i in skip:
            continue
        head = _header_of(line, vocab)
        if head is not None and i + 1 < len(lines):
            joined = _header_wrapped(line, lines[i + 1], vocab)
            if joined is not None:  # a column name wrapped in a narrow column: 一级指 / 标
                line, skip = joined, skip | {i + 1}
                head = _header_of(line, vocab)
        first = min(line, key=lambda w: w.box.x0)
        ends_table = part_columns is not None and head is None and (
            _label_start(first.text, vocab) or vocab.is_title(first.text))
        if head is not None or ends_table:
            flush(part_columns)
            if vocab.is_title(first.text):
                leading[0] = None  # a new form, perhaps in another font
            part_columns = head
            if head is not None:
                out.append(_header_row(line, head, geo, factor))
                continue
        part.append(line)
    flush(part_columns)
    if part_columns is not None:
        part_columns.leading = leading[0]
    return sorted(out, key=lambda t: t[0]), part_columns


def _header_wrapped(line: Sequence[Word], below: Sequence[Word], vocab: Vocabulary) -> Optional[list[Word]]:
    """The header line with the next line's pieces joined to the header names above them, when
    every such piece completes a column name (``一级指`` + ``标``); else None."""
    out = list(line)
    used = 0
    for q in below:
        em = max(1e-6, q.box.height)
        k = next((j for j, w in enumerate(out) if w.box.x0 - em <= q.box.x0 and q.box.x1 <= w.box.x1 + em
                  and q.box.y0 - w.box.y1 <= em), None)
        if k is None or vocab.column(out[k].text) is not None or vocab.column(out[k].text + q.text) is None:
            return None
        w = out[k]
        out[k] = _piece(w, w.text + q.text, Box(min(w.box.x0, q.box.x0), w.box.y0, max(w.box.x1, q.box.x1), q.box.y1))
        used += 1
    return out if used else None


def _unit_cols(n: int) -> int:
    return COL_UNITS // max(1, n)


def _block_cell(b: Block, col: int, colspan: int, geo: PageGeometry, factor: float) -> Cell:
    return _cell(b.text, col, colspan, b.box, min(w.confidence for w in b.words) * factor, geo)


def _header_row(line: Sequence[Word], cols: TableColumns, geo: PageGeometry, factor: float) -> tuple[float, Row]:
    width = _unit_cols(len(cols.centres))
    cells = []
    for w in sorted(line, key=lambda w: w.box.x0):
        k = min(range(len(cols.centres)), key=lambda i: abs(cols.centres[i] - (w.box.x0 + w.box.x1) / 2))
        cells.append(_cell(w.text, k * width + 1, width - 1, w.box, w.confidence * factor, geo))
    return min(w.box.y0 for w in line), Row(cells=cells, page=geo.page)


def _is_header_row(row: Row, vocab: Vocabulary) -> bool:
    return sum(vocab.column(c.text) is not None for c in row.cells) >= 3


def _part_rows(blocks: list[Block], cols: Optional[TableColumns], geo: PageGeometry, vocab: Vocabulary,
               factor: float, head_of_page: bool = False, continued: bool = False,
               tail_score: float = _GRID.geometry_label_tail_score) -> list[tuple[float, Row]]:
    if not blocks:
        return []
    if cols is None:
        return _band_rows(blocks, geo, factor, vocab, head_of_page, tail_score)
    return _indicator_rows(blocks, cols, geo, vocab, factor, head_of_page and continued)


def _band_rows(blocks: list[Block], geo: PageGeometry, factor: float, vocab: Vocabulary,
               head_of_page: bool = False, tail_score: float = _GRID.geometry_label_tail_score) -> list[tuple[float, Row]]:
    """Header part: blocks overlapping vertically are one row; columns by where blocks start."""
    blocks = sorted(blocks, key=lambda b: b.y0)
    bands: list[list[Block]] = []
    lo = hi = 0.0
    for b in blocks:
        if bands and _overlap(lo, hi, b.y0, b.y1) > 0.2 * b.em:
            bands[-1].append(b)
            hi = max(hi, b.y1)
        else:
            bands.append([b])
            lo, hi = b.y0, b.y1
    starts = sorted({round(b.x0) for b in blocks})
    edges: list[float] = []
    for x in starts:
        if not edges or x - edges[-1] > 2:
            edges.append(x)
    left, right = min(b.x0 for b in blocks), max(b.x1 for b in blocks)
    out = []
    for band in bands:
        cells = []
        for b in sorted(band, key=lambda b: b.x0):
            col = max(0, int((b.x0 - left) / max(1.0, right - left) * COL_UNITS) + 1)
            end = max(col + 1, int((b.x1 - left) / max(1.0, right - left) * COL_UNITS) + 1)
            cell = _block_cell(b, col, end - col, geo, factor)
            lab = wrapped_label(cell.text, vocab)  # a label cut by the page break: 长期目标（跨度多年的项目
            cells.append(cell.with_text(lab) if lab else cell)
        if head_of_page and not out and len(cells) == 1 and is_label_tail(cells[0].text, vocab, tail_score):
            continue  # the rest of that label at the head of the next page: 需填）：
        out.append((min(b.y0 for b in band), Row(cells=cells, page=geo.page)))
    return out


def _indicator_rows(blocks: list[Block], cols: TableColumns, geo: PageGeometry, vocab: Vocabulary,
                    factor: float, head_of_page: bool = False) -> list[tuple[float, Row]]:
    """Under an indicator header: one row per 三级指标 block (the row's anchor); value and
    explanation blocks to the anchor they overlap most (else the nearest above); 一级/二级
    blocks (merged cells) to the first row of the rows they cover; blocks above the first
    anchor are the rest of a row the page break cut (a continuation row)."""
    em = min(b.em for b in blocks)
    names = cols.names
    k3 = names.index("level3") if "level3" in names else min(2, len(names) - 1)
    by_col: dict[int, list[Block]] = {}
    for b in blocks:
        by_col.setdefault(cols.index(b, em), []).append(b)
    anchors = sorted(by_col.get(k3, []), key=lambda b: b.y0)
    head: dict[int, list[Block]] = {}
    kv = names.index("value") if "value" in names else None

    def beside(a: Block, ks) -> bool:
        return any(_overlap(a.y0, a.y1, b.y0, b.y1) > 0 for k in by_col if k in ks for b in by_col[k])

    levels = [k for k in by_col if k < k3]
    if head_of_page and anchors and kv is not None and not beside(anchors[0], levels) and (
            cols.open_row or not beside(anchors[0], [kv])):
        # the page opens with the rest of a row the break cut: its long texts ran on, its
        # 一级/二级 names did not, and its short value is on one of the pages only (the row
        # at the foot of the page before had none, or this one has none)
        head[k3] = [anchors.pop(0)]
    rows: list[dict[int, list[Block]]] = [{k3: [a]} for a in anchors]
    spans = [[a.y0, a.y1] for a in anchors]
    for k, bs in by_col.items():
        if k == k3 or k < k3:
            continue
        for b in bs:
            r = _row_of(b, anchors)
            if r is None:
                head.setdefault(k, []).append(b)
            else:
                rows[r].setdefault(k, []).append(b)
                spans[r] = [min(spans[r][0], b.y0), max(spans[r][1], b.y1)]
    # cells' text at the top of their rows or centred: told by rows whose cells differ in height
    votes = [abs(min(b.y0 for b in bs) - max(b.y0 for b in bs)) <= 0.3 * em
             for row in rows for bs in [[b for k in row for b in row[k]]]
             if len({len(b.lines) for b in bs}) > 1]
    top_aligned = bool(votes) and sum(votes) > len(votes) / 2
    inner: list[tuple[Optional[int], Block]] = []   # the 二级 cells' first rows
    for k in reversed(range(k3)):  # merged 一级/二级 cells, the inner column first
        placed = _merged_starts(sorted(by_col.get(k, []), key=lambda b: b.y0), spans, head_of_page, top_aligned)
        if k < k3 - 1 and inner:
            placed = [(_outer_start(b, r, inner, placed[:i]), b) for i, (r, b) in enumerate(placed)]
        for r, b in placed:
            if r is None:
                if not _whole_name(b.text, vocab):  # a cut merged cell's name printed again
                    head.setdefault(k, []).append(b)
            else:
                rows[r].setdefault(k, []).append(b)
        if k == k3 - 1:
            inner = placed
    cols.open_row = bool(rows) and kv is not None and kv not in rows[-1]
    width = _unit_cols(len(cols.centres))
    out: list[tuple[float, Row]] = []
    for cont, groups in ([(True, head)] if head else []) + [(False, g) for g in rows]:
        cells = []
        for k in sorted(groups):
            bs = sorted(groups[k], key=lambda b: b.y0)
            if k < k3:  # a spreadsheet prints a merged cell cut by a page break on both pages
                bs = [b for i, b in enumerate(bs) if all(b.text != o.text for o in bs[:i])]
            merged = Block([line for b in bs for line in b.lines])
            cells.append(_block_cell(merged, k * width + 1, width - 1, geo, factor))
        top = min(b.y0 for bs in groups.values() for b in bs)
        out.append((top, Row(cells=cells, page=geo.page, continuation=cont)))
    return out


def _within(inner: Optional[str], outer: Optional[str]) -> bool:
    return inner == outer or (inner == "成本" and outer == "产出")  # 成本指标 is 产出's (or 一级 itself)


def _outer_start(b: Block, fitted: Optional[int], inner: Sequence[tuple[Optional[int], Block]],
                 before: Sequence[tuple[Optional[int], Block]]) -> Optional[int]:
    """A 一级 cell starts on a row where a 二级 cell of its group starts (its rows are the
    union of theirs): the first such row after the 一级 cell before it; else as fitted."""
    if fitted is None:
        return None
    g = level_group(b.text)
    last = max((r for r, _ in before if r is not None), default=-1)
    starts = [r for r, ib in inner if r is not None and r > last and _within(level_group(ib.text), g)]
    return starts[0] if g is not None and starts else fitted


def _row_of(b: Block, anchors: Sequence[Block]) -> Optional[int]:
    """The anchor row a value/explanation block belongs to: most vertical overlap, else the
    nearest anchor above it; None above the first anchor."""
    best, score = None, 0.0
    for i, a in enumerate(anchors):
        ov = _overlap(a.y0, a.y1, b.y0, b.y1)
        if ov > score:
            best, score = i, ov
    if best is not None:
        return best
    above = [i for i, a in enumerate(anchors) if a.y0 <= b.y0]
    return above[-1] if above else None


def _merged_starts(bs: Sequence[Block], spans: Sequence[Sequence[float]],
                   continued: bool = False, top_aligned: bool = False) -> list[tuple[Optional[int], Block]]:
    """The first row of each merged cell's rows. The cells of one column partition the rows;
    each cell's text is at the top of its rows or centred over them: the cell holding the
    next text starts after the rows whose middle best matches this text's centre (or, top
    aligned, at the row holding the next text's top)."""
    if not bs or not spans:
        return [(None, b) for b in bs]
    n = len(spans)

    def row_at(y: float) -> int:
        inside = [i for i, s in enumerate(spans) if s[0] - 1 <= y <= s[1] + 1]
        if inside:
            return inside[0]
        return max([i for i, s in enumerate(spans) if s[0] <= y] or [0])

    # row boundaries: the middle of the gap between neighbouring rows' texts (a row's text
    # is centred in it, or at its top); the outer ones half a typical gap out
    gaps = sorted(max(0.0, spans[i][0] - spans[i - 1][1]) for i in range(1, n))
    half = (gaps[len(gaps) // 2] / 2) if gaps else 0.0
    bounds = [spans[0][0] - half] + [(spans[i - 1][1] + spans[i][0]) / 2 for i in range(1, n)] + [spans[-1][1] + half]
    out: list[tuple[Optional[int], Block]] = []
    start: Optional[int] = None
    for j, b in enumerate(bs):
        if b.y1 < spans[0][0]:
            out.append((None, b))  # above the first row: a cut merged cell's text
            continue
        centre = (b.y0 + b.y1) / 2
        at = row_at(b.y0 if top_aligned else centre)
        nxt = bs[j + 1] if j + 1 < len(bs) else None
        hi = n - 1 if nxt is None else max(at, row_at(nxt.y0 if top_aligned else (nxt.y0 + nxt.y1) / 2) - 1)
        if top_aligned:
            s0 = at if start is None else max(start, at)
            out.append((s0, b))
            start = s0 + 1
            continue
        # the first text of the part may follow rows of a cell the page break cut (their text
        # is on the page before): its rows start where its centre fits best
        def fit(firsts):
            return min(((abs(centre - (bounds[s0] + bounds[e + 1]) / 2), s0, e)
                        for s0 in firsts for e in range(max(s0, at), min(hi, n - 1) + 1)), default=(0.0, at, at))

        err, s0, e = fit([0 if start is None else min(start, at)])
        if start is None and continued and err > b.em:
            err, s0, e = fit(range(0, at + 1))
        out.append((s0, b))
        start = min(n - 1, e + 1)
    return out


__all__ = ["COL_UNITS", "Block", "BlockTolerances", "PageGeometry", "TableColumns", "TextWord", "blocks_to_rows",
           "column_bounds", "join_pieces", "line_to_pieces", "lines_to_blocks", "lines_to_rows", "split_at_labels",
           "words_to_lines", "words_to_rows"]
