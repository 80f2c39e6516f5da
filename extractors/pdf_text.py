"""The digital-PDF reader: the text layer read by layout into rows of cells.

    open (password from ``settings.pdf.password``; encrypted or corrupt -> InputError)
      -> per page: triage (pdf_triage) -> text layer | OCR (extractors.ocr, consecutive pages
         in one call, page order kept)
      -> rules -> cells -> rows (pdf_grid), glyphs into cells, lines joined
      -> Rows: a row cut by the page break continues on the next page (``continuation``)

Text outside every table (the form title) comes out as one-cell rows, in reading order with
the table rows. Every cell has its page and box; origin ``pdf``, confidence 1.0.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterator, Optional

from pipeline.errors import InputError
from pipeline.labels import canonical, load_vocabulary
from pipeline.lexicon import join_texts, space_between_words
from pipeline.models import BBox, Cell, Row
from pipeline.settings import GridSettings, PdfSettings

from pipeline.readers import FunctionReader, ReadContext
from .geometry import BlockTolerances, PageGeometry, TableColumns, TextWord, blocks_to_rows
from .pdf_grid import GridCell, GridRow, PageGrid, page_grid
from .table import Box, group_lines
from .pdfium_lock import PDFIUM
from .pdf_triage import Triage, TriagePlan, page_facts, sane_text, triage_page, visible_rect

log = logging.getLogger("jixiao.pdf")


# --------------------------------------------------------------------------- text


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def chars_to_lines(chars: list[dict]) -> list[str]:
    """Glyphs -> lines in reading order: top to bottom, then left to right."""
    if not chars:
        return []
    out = []
    for line in _free_lines(chars):
        text = []
        prev: Optional[dict] = None
        for c in line:
            t = c["text"]
            if prev is not None and _ascii_alnum(t[:1]) and _ascii_alnum(prev["text"][-1:]) \
                    and c["x0"] - prev["x1"] > (c["bottom"] - c["top"]) * 0.25:
                text.append(" ")  # a gap between Latin words drawn without a space glyph
            text.append(t)
            prev = c
        s = " ".join("".join(text).split())
        if s:
            out.append(s)
    return out


def join_lines(lines: list[str]) -> str:
    """Wrapped lines as one text: no space between CJK, one space between Latin words."""
    return join_texts(lines, space_between_words)  # a digit run wrapped by the layout stays one number


# --------------------------------------------------------------------------- one page


@dataclass
class PageRow:
    top: float
    cells: list[Cell]
    table: Optional[GridRow] = None      # None for free text
    grid: list[GridCell] = field(default_factory=list)  # the grid cell of each of ``cells``
    continuation: bool = False           # geometry: the rest of a row the page break cut


def _chars_of(page, triage: Triage) -> list[dict]:
    if triage.doubled:
        page = page.dedupe_chars(tolerance=1)
    if page.rotation % 180 == 90:  # upright on the unrotated page: sideways as displayed
        return [c for c in page.chars if not c.get("upright", True)]
    return [c for c in page.chars if c.get("upright", True)]


def unrotate(objs: list[dict], rotation: int, width: float, height: float) -> list[dict]:
    """Objects of a page with ``/Rotate`` (pdfplumber gives them as displayed) in the page's
    own, unrotated frame, where its text runs left to right: a form printed on a portrait
    page that the producer turned to landscape (or back) reads as it was laid out."""
    r = rotation % 360
    if r == 0:
        return objs
    out = []
    for o in objs:
        x0, x1, top, bottom = o["x0"], o["x1"], o["top"], o["bottom"]
        if r == 90:
            box = (top, bottom, width - x1, width - x0)
        elif r == 270:
            box = (height - bottom, height - top, x0, x1)
        else:  # 180
            box = (width - x1, width - x0, height - bottom, height - top)
        out.append({**o, "x0": box[0], "x1": box[1], "top": box[2], "bottom": box[3]})
    return out


@dataclass
class GeometryCarry:
    """What a page read by geometry leaves to the next: the indicator columns of a table that
    runs on (its header row is not always repeated)."""

    columns: Optional[TableColumns] = None


@dataclass
class TextPage:
    """One text-layer page on its way through :data:`TEXT_PAGE_STEPS`."""

    page: object                      # the pdfplumber page
    number: int
    triage: Triage
    grid_settings: GridSettings
    carry: GeometryCarry = field(default_factory=GeometryCarry)
    chars: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    rects: list[dict] = field(default_factory=list)
    grid: Optional[PageGrid] = None
    free: list[dict] = field(default_factory=list)
    rows: list[PageRow] = field(default_factory=list)
    layout: str = "grid"              # "grid" | "geometry" (no reliable grid) | "mixed" (text outside it)


def page_objects(p: TextPage) -> None:
    """Glyphs (deduplicated when drawn twice), lines and visible rectangles, in the page's
    own frame when it carries ``/Rotate``."""
    page = p.page
    chars, lines, rects = _chars_of(page, p.triage), page.lines, [r for r in page.rects if visible_rect(r)]
    if page.rotation % 360:
        chars, lines, rects = (unrotate(o, page.rotation, float(page.width), float(page.height))
                               for o in (chars, lines, rects))
    p.chars, p.lines, p.rects = list(chars), list(lines), list(rects)


def page_rules(p: TextPage) -> None:
    """Rules -> cells -> rows (the table engine, ``pdf_grid.page_grid``)."""
    p.grid = page_grid(p.lines, p.rects, p.grid_settings)


def glyphs_into_cells(p: TextPage) -> None:
    """Each glyph into the cell holding its centre; the others are free text (vector rules
    are exact: any cell is reliable, unlike rules found in an image)."""
    pg = p.grid
    free: list[dict] = []
    for ch in p.chars:
        cell = pg.locate.find((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2)
        if cell is None:
            free.append(ch)
        else:
            cell.chars.append(ch)
    if free and pg.open:
        free = overflow_into_open_cells(free, pg.rows)
    p.free = free


def grid_rows(p: TextPage) -> None:
    """One row per grid row, the text of each cell's glyphs."""
    for gr in p.grid.rows:
        row_cells, grid = [], []
        for gc in gr.cells:
            text = join_lines(chars_to_lines(gc.chars))
            if text:
                row_cells.append(_cell(text, gc, p.number))
                grid.append(gc)
        if row_cells:
            p.rows.append(PageRow(gr.top, row_cells, gr, grid))


def free_text_rows(p: TextPage) -> None:
    """Text outside the grid: cells from the words' geometry (``ocr.geometry.blocks_to_rows``:
    the same label vocabulary and column logic as scans, on the text layer's exact boxes)
    when the page has no reliable grid or a line of free text holds several cells (a header
    block without rules); else each line one cell (the title above a table)."""
    lines = _free_lines(p.free)
    if not lines:
        if not p.grid.rows:
            p.carry.columns = None
        return
    g = p.grid_settings
    words = [line_words(line, g.geometry_word_gap_em) for line in lines]
    no_grid = not p.grid.rows
    if no_grid or p.carry.columns is not None or any(len(ws) > 1 for ws in words):
        vocab = load_vocabulary()
        geo = PageGeometry(page=p.number, scale=1.0, origin="pdf")
        tol = BlockTolerances(line_gap=g.geometry_line_gap_em, align=g.geometry_align_em,
                              leading_margin=g.geometry_leading_margin_em, full_slack=g.geometry_full_slack_em,
                              label_tail_score=g.geometry_label_tail_score)
        rows, p.carry.columns = blocks_to_rows([w for w in words if w], geo, vocab, g.geometry_confidence,
                                               p.carry.columns, tol)
        if any(len(r.cells) > 1 for _, r in rows) or no_grid:
            p.layout = "geometry" if no_grid else "mixed"
            p.rows += [PageRow(top, r.cells, continuation=r.continuation) for top, r in rows]
            return
    p.carry.columns = None
    for line in lines:
        text = join_lines(chars_to_lines(line))
        if text:
            box = BBox(x0=min(c["x0"] for c in line), top=min(c["top"] for c in line),
                       x1=max(c["x1"] for c in line), bottom=max(c["bottom"] for c in line))
            p.rows.append(PageRow(box.top, [Cell(text=text, col=0, page=p.number, bbox=box, origin="pdf")]))


def order_rows(p: TextPage) -> None:
    p.rows.sort(key=lambda r: r.top)


# The text-layer page, in order (one literal list; ``read_pdf_pages`` runs it per text page,
# then stitches pages: triage decides text or OCR before, ``Stitcher`` joins rows after).
TEXT_PAGE_STEPS: tuple[Callable[[TextPage], None], ...] = (
    page_objects,       # glyphs, lines, rectangles (unrotated)
    page_rules,         # rules -> cells -> rows (table engine)
    glyphs_into_cells,  # glyphs into cells; free text; no reliable grid -> all free
    grid_rows,          # a row per grid row
    free_text_rows,     # free text: geometry cells (no grid / cells outside it) or lines
    order_rows,         # top to bottom
)


def page_to_rows(page, number: int, triage: Triage, settings: PdfSettings,
                 grid: Optional[GridSettings] = None, carry: Optional[GeometryCarry] = None) -> list[PageRow]:
    """One page's table rows and free-text lines, top to bottom (:data:`TEXT_PAGE_STEPS`)."""
    return read_text_page(page, number, triage, grid, carry).rows


def read_text_page(page, number: int, triage: Triage, grid: Optional[GridSettings] = None,
                   carry: Optional[GeometryCarry] = None) -> TextPage:
    p = TextPage(page, number, triage, grid or GridSettings(), carry if carry is not None else GeometryCarry())
    for step in TEXT_PAGE_STEPS:
        step(p)
    return p


def line_words(line: list[dict], gap_em: float = 0.32) -> list[TextWord]:
    """A line's glyphs as words: split where the gap between glyphs is over ``gap_em`` of
    their height (cells side by side; a space glyph between two glyphs keeps them one word
    up to an em, Latin text), boxes in PDF points, confidence 1.0."""
    out: list[TextWord] = []
    cur: list[dict] = []
    spaced = False

    def flush() -> None:
        if cur:
            text = join_lines(chars_to_lines(cur))
            if text:
                out.append(TextWord(text, Box(min(c["x0"] for c in cur), min(c["top"] for c in cur),
                                          max(c["x1"] for c in cur), max(c["bottom"] for c in cur)), 1.0))
            cur.clear()

    last: Optional[dict] = None       # the last glyph that is not a space
    for c in sorted(line, key=lambda c: c["x0"]):
        if not c["text"].strip():
            spaced = True
            if cur:
                cur.append(c)         # kept: a space between two words of one cell
            continue
        if last is not None:
            em = max(c["bottom"] - c["top"], last["bottom"] - last["top"], 1e-6)
            if c["x0"] - last["x1"] > (1.0 if spaced else gap_em) * em:
                while cur and not cur[-1]["text"].strip():
                    cur.pop()
                flush()
        cur.append(c)
        last = c
        spaced = False
    flush()
    return out


def overflow_into_open_cells(free: list[dict], grid_rows: list[GridRow]) -> list[dict]:
    """Glyphs just past a cell's open edge belong to that cell: a spreadsheet prints a merged
    cell that a page break cuts with its whole text on both pages, clipped to the part each
    page shows, and the text layer keeps the clipped glyphs (``产出指标`` below the last rule).
    Returns the glyphs that stay free."""
    opens = [c for r in grid_rows for c in r.cells if c.open_top or c.open_bottom]
    rest = []
    for ch in free:
        x = (ch["x0"] + ch["x1"]) / 2
        # a merged cell's text is centred on the whole cell: it may lie far past the page's part
        home = next((c for c in opens if c.x0 < x < c.x1 and (
            (c.open_bottom and c.bottom - ch["bottom"] + ch["top"] <= ch["top"])
            or (c.open_top and ch["bottom"] <= c.top + ch["bottom"] - ch["top"]))), None)
        if home is None:
            rest.append(ch)
        else:
            home.chars.append(ch)
    return rest


def _cell(text: str, gc: GridCell, page: int) -> Cell:
    return Cell(text=text, col=gc.col, colspan=gc.colspan, page=page, origin="pdf", confidence=1.0,
                bbox=BBox(x0=round(gc.x0, 2), top=round(gc.top, 2), x1=round(gc.x1, 2), bottom=round(gc.bottom, 2)))


def _free_lines(chars: list[dict]) -> list[list[dict]]:
    """Glyphs grouped into visual lines, each left to right (``table.group_lines``: a glyph
    more than half the line's first glyph's height below it starts a new line)."""
    return group_lines(chars, itemgetter("top"), itemgetter("bottom"), itemgetter("x0"), by="first")


# --------------------------------------------------------------------------- across pages

_TOL = GridSettings().stitch_pt  # cells this close are the same column on both pages (grid.stitch_pt)


def _own_cells(gr: GridRow, tol: float = _TOL) -> list[GridCell]:
    """The row's own cells: those no taller than the row (a merged cell spans more)."""
    low = min(c.bottom for c in gr.cells)
    return [c for c in gr.cells if c.bottom <= low + tol]


def _tall_cells(gr: GridRow, tol: float = _TOL) -> list[GridCell]:
    low = min(c.bottom for c in gr.cells)
    return [c for c in gr.cells if c.bottom > low + tol]


def _same_layout(a: list[GridCell], b: list[GridCell], tol: float = _TOL) -> bool:
    """The same cells side by side (x extents within the tolerance)."""
    if len(a) != len(b):
        return False
    return all(_same_extent(x, y, tol) for x, y in zip(sorted(a, key=lambda c: c.x0), sorted(b, key=lambda c: c.x0)))


def _same_extent(a: GridCell, b: GridCell, tol: float = _TOL) -> bool:
    return abs(a.x0 - b.x0) <= tol and abs(a.x1 - b.x1) <= tol


def _text_of(gc: GridCell, row: PageRow) -> str:
    for c, g in zip(row.cells, row.grid):
        if g is gc:
            return c.text
    return ""


@dataclass
class PageEnd:
    """What the previous page left: its last table row and the cells along that table's
    bottom (merged cells included), with the IR cells that hold their text."""

    row: PageRow                       # the last table row
    index: int                         # its place among the held IR rows
    bottom: list[tuple[GridCell, Cell]]
    head: Optional[tuple[str, ...]]    # the first row of that table on the page (a header to skip)
    bottom_cells: list[GridCell] = field(default_factory=list)  # every cell along the bottom
    leaf: list[GridCell] = field(default_factory=list)  # cells every row of the table has
    tol: float = _TOL                  # grid.stitch_pt


def _is_repeated_header(row: PageRow, end: PageEnd) -> bool:
    texts = tuple(c.text for c in row.cells)
    if end.head is None:
        return False
    if texts == end.head:
        return True
    vocab = load_vocabulary()
    columns = lambda t: len(t) >= 3 and all(vocab.column(x) for x in t)  # noqa: E731
    return columns(texts) and columns(end.head)  # the indicator header again, as it wrapped here


@lru_cache(maxsize=1)
def _level_values() -> frozenset[str]:
    vocab = load_vocabulary()
    return frozenset(canonical(v) for v in vocab.level1_values + vocab.level2_values)


def _complete_value(text: str) -> bool:
    """A whole 一级/二级指标 value: the text of a merged cell, never the part of a cut one."""
    return canonical(text) in _level_values()


def row_continues(end: PageEnd, first: PageRow) -> bool:
    """Whether ``first`` (the first table row of a page) is the rest of ``end.row`` (the last
    row of the page before), cut inside its cells by the page break.

    Rules open at the break (no rule under a cell of the old row that holds a cut text, or none
    above such a cell of the new row) say so. With rules closed at the break, the new row
    continues the cells along the old table's bottom (same cells side by side), has text only
    in cells where the old row has text, and leaves empty at least one of its own cells where
    the old row has text (a merged cell's whole 一级/二级 value aside, which continues empty)."""
    last = end.row
    if last.table is None or first.table is None:
        return False
    if _repeated_merged_cell(end, first):
        return False
    if any(g.open_bottom and not _complete_value(c.text) for g, c in zip(last.grid, last.cells)):
        return True
    tol = end.tol
    own_first = _own_cells(first.table, tol)
    if any(g.open_top and g in own_first and not _complete_value(c.text) for g, c in zip(first.grid, first.cells)):
        return True
    if not first.grid or not _same_layout(end.bottom_cells, first.table.cells, tol):
        return False
    texts = dict(zip(map(id, last.grid), (c.text for c in last.cells)))
    tall = _tall_cells(first.table, tol)

    def old_text(g: GridCell) -> Optional[str]:
        return next((texts[id(o)] for o in last.grid if _same_extent(g, o, tol)), None)

    for g, c in zip(first.grid, first.cells):
        if old_text(g) is None and g not in tall:
            return False          # text where the old row had none: a new row
        if _complete_value(c.text) and _complete_value(old_text(g) or ""):
            return False          # a whole 一级/二级 name under another: the rest of a cut cell never is one
    return any(old_text(g) and not _complete_value(old_text(g)) for g in own_first
               if g not in first.grid)


def _repeated_merged_cell(end: PageEnd, first: PageRow) -> bool:
    """A cell open at the head of the page printing again the whole text of the cell open at
    the foot of the page before (same column): a spreadsheet's merged cell that the break cut,
    printed on both pages clipped to each part (``项目资金（元）``). A spreadsheet breaks pages
    between its rows, never inside one: the page's first row is a row of its own."""
    for g, c in zip(first.grid, first.cells):
        if not g.open_top:
            continue
        if any(o.open_bottom and _same_extent(o, g, end.tol) and oc.text == c.text for o, oc in end.bottom):
            return True
    return False


def _line_height(gc: GridCell) -> float:
    return max((c["bottom"] - c["top"] for c in gc.chars), default=10.0)


def merged_text_continues(before: str, prev: GridCell, after: str, cell: GridCell) -> bool:
    """Whether a merged cell's text at the head of a page (``after``) is the rest of the text
    of the same column's cell at the foot of the page before (``before``): never a repeat
    (a spreadsheet prints the whole text again); yes when the vocabulary knows the joined
    value (``满意度指`` + ``标``) and not the first part; else when the first part ran down to
    its cell's bottom and the rest starts at the top of its cell."""
    if not before or not after or before == after:
        return False
    vocab = load_vocabulary()
    if vocab.column(before) or vocab.column(after):
        return False  # a column header above the break, the table's first row below it
    known = {canonical(v) for v in vocab.level1_values + vocab.level2_values}
    whole, first = canonical(before + after), canonical(before)
    if first in known:
        return False
    if whole in known:
        return True
    ran_down = max((c["bottom"] for c in prev.chars), default=0) >= prev.bottom - 1.6 * _line_height(prev)
    starts_top = min((c["top"] for c in cell.chars), default=1e9) <= cell.top + 1.6 * _line_height(cell)
    return ran_down and starts_top


def _open_brackets(text: str) -> int:
    return text.count("（") + text.count("(") - text.count("）") - text.count(")")


def closes_bracket(before: str, after: str) -> bool:
    """Whether ``after`` (a cell's text at the head of a page) is the rest of ``before`` (the
    same column's cell at the foot of the page before): a bracket ``before`` leaves open is
    closed by ``after`` and ``after`` opens none of its own first (``成本指标（反映`` /
    ``项目产出情况）``: a merged cell that a word processor split between the two pages, the
    rows beside it whole on each). A text never starts inside a bracket."""
    if _open_brackets(before) <= 0:
        return False
    depth = 0
    for ch in after:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth < 0:
                return True
    return False


def join_split_row(held: Row, cont: Row) -> list[Row]:
    """The open row with the continuation's text appended cell by cell (by column), and an
    empty continuation row that still notes the new page."""
    cells = list(held.cells)
    for c in cont.cells:
        i = next((k for k, h in enumerate(cells) if h.col == c.col), None)
        if i is None:
            cells.append(c)
        else:
            cells[i] = cells[i].with_text(join_lines([cells[i].text, c.text]))
    return [replace(held, cells=cells), Row(cells=[], page=cont.page, continuation=True)]


@dataclass
class Stitcher:
    """Page row lists -> one stream, with rows that a page break cut joined back.

    A page's rows are held until the next page is read: a row whose cells the break cut is
    joined with its rest (:func:`row_continues`), and a merged cell whose text ran onto the next
    page gets that text back (:func:`merged_text_continues`); the rest is replaced by an empty
    continuation row that notes the page. An OCR page or the end of the range flushes."""

    held: list[Row] = field(default_factory=list)
    end: Optional[PageEnd] = None
    tol: float = _TOL                  # grid.stitch_pt: the same column on both pages

    def feed(self, page_rows: list[PageRow], number: int) -> list[Row]:
        rows = [Row(cells=list(r.cells), page=number, continuation=r.continuation) for r in page_rows]
        end = self.end
        first = next((i for i, r in enumerate(page_rows) if r.table is not None), None)
        if end is not None and self.held and first is not None and all(
                r.table is not None for r in page_rows[:first]):
            if _is_repeated_header(page_rows[first], end) and first + 1 < len(page_rows) \
                    and page_rows[first + 1].table is not None:
                first += 1
            pr = page_rows[first]
            self._merged_tails(pr, rows[first], end)
            if rows[first].cells and row_continues(end, pr):
                joined, note = join_split_row(self.held[end.index], rows[first])
                self.held[end.index] = joined
                rows[first] = note
        out, self.held = self.held, rows
        self.end = _page_end(page_rows, rows, self.tol)
        return out

    def _merged_tails(self, pr: PageRow, row: Row, end: PageEnd) -> None:
        """Merged cells of the page's first table row whose text is the rest of the text of
        the merged cell above the break: that text goes back to the cell above."""
        tall = _tall_cells(pr.table, self.tol) if pr.table is not None else []
        for gc in list(pr.grid):
            after = _text_of(gc, pr)
            prev = next(((g, c) for g, c in end.bottom if _same_extent(g, gc, self.tol)), None)
            if not after or prev is None:
                continue
            if gc in tall:
                if not merged_text_continues(prev[1].text, prev[0], after, gc):
                    continue
            elif not closes_bracket(prev[1].text, after):
                continue
            prev[1].text = join_lines([prev[1].text, after])
            k = next(i for i, g in enumerate(pr.grid) if g is gc)
            row.cells = [c for i, c in enumerate(row.cells) if i != k]
            pr.grid = [g for i, g in enumerate(pr.grid) if i != k]
            pr.cells = [c for i, c in enumerate(pr.cells) if i != k]

    def flush(self) -> list[Row]:
        rows, self.held, self.end = self.held, [], None
        return rows


def _page_end(page_rows: list[PageRow], rows: list[Row], tol: float = _TOL) -> Optional[PageEnd]:
    k = next((i for i in range(len(page_rows) - 1, -1, -1) if page_rows[i].table is not None), None)
    if k is None:
        return None
    last = page_rows[k]
    band = last.table.band
    bottom_y = max(c.bottom for c in last.table.cells)
    bottom: list[tuple[GridCell, Cell]] = []
    bottom_cells: list[GridCell] = []
    leaf: Optional[list[GridCell]] = None
    head = None
    for pr, row in zip(page_rows, rows):
        if pr.table is None or pr.table.band != band:
            continue
        if head is None:
            head = tuple(c.text for c in pr.cells)
        cells = pr.table.cells
        leaf = list(cells) if leaf is None else [g for g in leaf if any(_same_extent(g, c, tol) for c in cells)]
        bottom_cells += [g for g in cells if abs(g.bottom - bottom_y) <= tol]
        for g, c in zip(pr.grid, row.cells):
            if abs(g.bottom - bottom_y) <= tol:
                bottom.append((g, c))
    return PageEnd(last, k, bottom, head, bottom_cells, leaf or [], tol)


# --------------------------------------------------------------------------- file


def open_pdf(path: Path, password: Optional[str]):
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        return pdfplumber.open(str(path), password=password or "")
    except Exception as exc:  # pdfplumber wraps pdfminer's errors
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(inner, PDFPasswordIncorrect) or "password" in str(inner).lower():
            if password:
                raise InputError("password-protected PDF: the password given does not open it") from exc
            raise InputError("password-protected PDF (use --password)") from exc
        raise InputError(f"damaged or truncated PDF ({type(inner).__name__}: {inner or 'unreadable'})") from exc


def _damaged_contents(page) -> bool:
    """A page that shows nothing although it declares content: a stream that is missing or
    failed to decode (pdfminer only logs those)."""
    from pdfminer.pdftypes import PDFStream, resolve1

    if page.objects:
        return False
    declared = page.page_obj.attrs.get("Contents")
    if declared is None:
        return False
    streams = resolve1(declared)
    streams = streams if isinstance(streams, list) else [streams]
    size = 0
    for s in streams:
        s = resolve1(s)
        if not isinstance(s, PDFStream):
            return True  # a reference to nothing
        size += int(resolve1(s.attrs.get("Length", 0)) or 0)
    return size > 200


def _ocr_pages(path: Path, pages: list[int], reasons: dict[int, str], ctx: ReadContext) -> Iterator[Row]:
    """Hand pages without a usable text layer to the OCR reader, or say why they were not read."""
    try:
        from . import ocr
    except ImportError as exc:
        for p in pages:
            ctx.page_error(p, "triage", f"{reasons[p]}; OCR is not installed ({exc})")
        return
    if not ocr.is_available():
        for p in pages:
            ctx.page_error(p, "triage", f"{reasons[p]}; no OCR engine available")
        return
    ctx.kind = "scan"
    yield from ocr.ocr_pdf_pages(path, pages, ctx)


def _open_settings_pdf(path: Path, settings):
    secret = settings.pdf.password
    return open_pdf(path, secret.get_secret_value() if secret else None)


def _page_list(pdf) -> list:
    try:
        pages = pdf.pages
    except Exception as exc:
        raise InputError(f"not a readable PDF (page tree: {exc})") from exc
    if len(pages) == 0:
        raise InputError("PDF has no pages")
    return pages


def pages_to_read(path: Path, settings) -> int:
    """How many pages :func:`read_pdf` reads (the page count capped by ``limits.max_pages``),
    from the page tree only. Raises InputError like the reader."""
    pdf = _open_settings_pdf(path, settings)
    try:
        return min(len(_page_list(pdf)), settings.limits.max_pages)
    finally:
        pdf.close()


def triage_pdf_page(page, settings: PdfSettings) -> Triage:
    """One pdfplumber page's verdict (see :mod:`extractors.pdf_triage`)."""
    facts = page_facts(page)
    return triage_page(page.chars, facts.has_images, facts.has_rules, settings, facts)


def triage_pdf(path: Path, settings) -> TriagePlan:
    """Every page's verdict, with one opening of the file: the plan :func:`read_pdf_pages`
    follows when it is given one (so the chunked ingest path triages each PDF once). Raises
    InputError like the reader; an unreadable page gets no verdict (the reader reports it)."""
    pdf = _open_settings_pdf(path, settings)
    try:
        pages = _page_list(pdf)
        plan = TriagePlan(pages=min(len(pages), settings.limits.max_pages))
        for index in range(plan.pages):
            page = pages[index]
            try:
                plan.verdicts[index + 1] = triage_pdf_page(page, settings.pdf)
            except Exception:  # an unreadable page is reported by the reader, not OCRed
                continue
            finally:
                page.close()
    finally:
        pdf.close()
    return plan


def ocr_page_numbers(path: Path, settings) -> list[int]:
    """The 1-based pages :func:`read_pdf` would hand to OCR (same triage, same settings)."""
    return triage_pdf(path, settings).ocr_pages


def _form_words() -> tuple[str, ...]:
    vocab = load_vocabulary()
    return tuple(vocab.titles) + tuple(vocab.columns) + ("绩效指标", "申报表")


def formless_text_pages(path: Path, settings, first: int, end: int) -> set[int]:
    """Pages ``first``..``end`` known to hold no form without laying them out: when the text
    layer of no page in the range names a form (a title, an indicator column), the pages whose
    text is sane (:func:`~extractors.pdf_triage.sane_text`). Empty when any page names one, or
    when the fast pass (pypdfium2, ~5 ms a page) cannot read the file. Pages without a sane
    layer are triaged as usual (a scan is still OCR'd)."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - pypdfium2 is a dependency of pdfplumber's stack
        return set()
    secret = settings.pdf.password
    words = _form_words()
    sane: set[int] = set()
    with PDFIUM:  # pdfium is not thread-safe (extractors/pdfium_lock.py)
        try:
            doc = pdfium.PdfDocument(str(path), password=secret.get_secret_value() if secret else None)
        except Exception:
            return set()
        try:
            for index in range(first - 1, min(end, len(doc))):
                page = doc[index]
                try:
                    textpage = page.get_textpage()
                    text = textpage.get_text_range()
                    textpage.close()
                finally:
                    page.close()
                flat = "".join(text.split())
                if any(w in flat for w in words):
                    return set()
                if sane_text(text, settings.pdf):
                    sane.add(index + 1)
        except Exception:
            return set()
        finally:
            doc.close()
    return sane


def read_pdf(path: Path, ctx: ReadContext) -> Iterator[Row]:
    return read_pdf_pages(path, ctx)


def read_pdf_pages(path: Path, ctx: ReadContext, first: int = 1, last: Optional[int] = None,
                   plan: Optional[TriagePlan] = None) -> Iterator[Row]:
    """Rows of pages ``first``..``last`` (1-based, inclusive; default: to the end). A range
    that starts on an OCR page or right after one reads exactly as those pages read inside the
    whole file (an OCR page ends every open text-layer row), so such ranges can be read apart
    and their rows concatenated (see :mod:`flows.chunks`). With a ``plan`` (from
    :func:`triage_pdf`, same settings) its verdicts are used instead of triaging again."""
    settings = ctx.settings
    pdf = _open_settings_pdf(path, settings)
    ctx.kind = "pdf"
    try:
        pages = _page_list(pdf)
        total = len(pages)
        limit = settings.limits.max_pages
        if total > limit and first <= 1:
            ctx.page_error(limit + 1, "read", f"{total} pages; only the first {limit} read (limits.max_pages)")
        ctx.pages = min(total, limit)
        stitch = Stitcher(tol=settings.grid.stitch_pt)
        carry = GeometryCarry()
        queue: list[int] = []
        reasons: dict[int, str] = {}
        end = ctx.pages if last is None else min(last, ctx.pages)
        formless = formless_text_pages(path, settings, max(first, 1), end) if settings.pdf.skip_formless_text else set()
        for index in range(max(first, 1) - 1, end):
            number = index + 1
            if number in formless:
                continue  # a text page of a document that names no form: nothing to lay out
            page = pages[index]
            try:
                verdict = plan.verdicts.get(number) if plan is not None else None
                triage = verdict or triage_pdf_page(page, settings.pdf)
                if triage.verdict == "ocr":
                    yield from stitch.flush()
                    queue.append(number)
                    reasons[number] = triage.reason
                    continue
                if triage.verdict == "blank" and _damaged_contents(page):
                    ctx.page_error(number, "pdf", "page content could not be decoded (damaged stream); nothing read")
                rows = []
                if triage.verdict == "text":
                    read = read_text_page(page, number, triage, settings.grid, carry)
                    rows = read.rows
                    if rows:
                        ctx.layouts[number] = read.layout
            except Exception as exc:  # one bad page: the others are still read
                log.debug("page %d failed", number, exc_info=True)
                ctx.page_error(number, "pdf", f"page unreadable: {type(exc).__name__}: {exc}")
                yield from stitch.flush()
                continue
            finally:
                page.close()
            if queue:
                yield from _ocr_pages(path, queue, reasons, ctx)
                queue = []
            yield from stitch.feed(rows, number)
        yield from stitch.flush()
        if queue:
            yield from _ocr_pages(path, queue, reasons, ctx)
    finally:
        pdf.close()


READER = FunctionReader(name="pdf-text", kind="pdf", func=read_pdf)

__all__ = ["Stitcher", "triage_pdf", "triage_pdf_page", "chars_to_lines", "join_lines", "merged_text_continues", "ocr_page_numbers", "open_pdf", "overflow_into_open_cells", "closes_bracket",
           "page_to_rows", "pages_to_read", "read_pdf", "read_pdf_pages", "row_continues", "unrotate"]
