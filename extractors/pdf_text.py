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
from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.models import BBox, Cell, Row
from pipeline.settings import PdfSettings

from . import FunctionReader, ReadContext, register
from .pdf_grid import (
    CellLocator,
    GridCell,
    GridRow,
    cells_to_rows,
    close_open_ends,
    merge_segments,
    objects_to_segments,
    segments_to_cells,
)
from .pdf_triage import Triage, triage_page

log = logging.getLogger("jixiao.pdf")


# --------------------------------------------------------------------------- text


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def chars_to_lines(chars: list[dict]) -> list[str]:
    """Glyphs -> lines in reading order: top to bottom, then left to right."""
    if not chars:
        return []
    chars = sorted(chars, key=lambda c: (c["top"], c["x0"]))
    lines: list[list[dict]] = [[chars[0]]]
    ref = chars[0]
    for c in chars[1:]:
        if c["top"] - ref["top"] > (ref["bottom"] - ref["top"]) * 0.5:
            lines.append([c])
            ref = c
        else:
            lines[-1].append(c)
    out = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
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
    out = ""
    for line in lines:
        if out and _ascii_alnum(out[-1]) and _ascii_alnum(line[0]):
            out += " "
        out += line
    return out


# --------------------------------------------------------------------------- one page


@dataclass
class PageRow:
    top: float
    cells: list[Cell]
    table: Optional[GridRow] = None  # None for free text


def _chars_of(page, triage: Triage) -> list[dict]:
    if triage.doubled:
        page = page.dedupe_chars(tolerance=1)
    return [c for c in page.chars if c.get("upright", True)]


def page_to_rows(page, number: int, triage: Triage, settings: PdfSettings) -> list[PageRow]:
    """One page's table rows and free-text lines, top to bottom."""
    chars = _chars_of(page, triage)
    hs, vs = objects_to_segments(page.lines, page.rects)
    hs, vs = merge_segments(hs), merge_segments(vs)
    hs, open_top, open_bottom = close_open_ends(hs, vs)
    cells = segments_to_cells(hs, vs)
    for gc in cells:
        gc.open_top = open_top is not None and abs(gc.top - open_top) <= 1.5
        gc.open_bottom = open_bottom is not None and abs(gc.bottom - open_bottom) <= 1.5
    grid_rows = cells_to_rows(cells)
    locate = CellLocator(cells)
    free: list[dict] = []
    for ch in chars:
        cell = locate.find((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2)
        if cell is None:
            free.append(ch)
        else:
            cell.chars.append(ch)
    out: list[PageRow] = []
    for gr in grid_rows:
        row_cells = []
        for gc in gr.cells:
            text = join_lines(chars_to_lines(gc.chars))
            if text:
                row_cells.append(_cell(text, gc, number))
        if row_cells:
            out.append(PageRow(gr.top, row_cells, gr))
    for line in _free_lines(free):
        text = join_lines(chars_to_lines(line))
        if text:
            box = BBox(x0=min(c["x0"] for c in line), top=min(c["top"] for c in line),
                       x1=max(c["x1"] for c in line), bottom=max(c["bottom"] for c in line))
            out.append(PageRow(box.top, [Cell(text=text, col=0, page=number, bbox=box, origin="pdf")]))
    out.sort(key=lambda r: r.top)
    return out


def _cell(text: str, gc: GridCell, page: int) -> Cell:
    return Cell(text=text, col=gc.col, colspan=gc.colspan, page=page, origin="pdf", confidence=1.0,
                bbox=BBox(x0=round(gc.x0, 2), top=round(gc.top, 2), x1=round(gc.x1, 2), bottom=round(gc.bottom, 2)))


def _free_lines(chars: list[dict]) -> list[list[dict]]:
    """Glyphs outside tables grouped into visual lines."""
    lines: list[list[dict]] = []
    for c in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and c["top"] - lines[-1][0]["top"] <= (lines[-1][0]["bottom"] - lines[-1][0]["top"]) * 0.5:
            lines[-1].append(c)
        else:
            lines.append([c])
    return lines


# --------------------------------------------------------------------------- across pages


@dataclass
class Flow:
    """What carries from one page to the next: a table row left open at the page bottom."""

    open_row: bool = False
    band_head: Optional[tuple[str, ...]] = None  # the open table's first row, to spot its repeat
    last_band: Optional[int] = None
    last_table_index: int = -1
    heads: dict[int, tuple[str, ...]] = field(default_factory=dict)


def _texts(row: PageRow) -> tuple[str, ...]:
    return tuple(c.text for c in row.cells)


def mark_continuations(rows: list[PageRow], number: int, flow: Flow) -> list[Row]:
    """Rows of one page as IR rows; the first table row continuing an open row is marked."""
    out: list[Row] = []
    pending, head = flow.open_row, flow.band_head
    heads: dict[int, tuple[str, ...]] = {}
    last_table: Optional[PageRow] = None
    for r in rows:
        cont = False
        if r.table is not None:
            heads.setdefault(r.table.band, _texts(r))
            if pending or r.table.open_top:
                if head is not None and _texts(r) == head and not r.table.open_top:
                    pass  # the table's header row repeated on the new page: wait for the next row
                else:
                    cont, pending = True, False
            last_table = r
            flow.last_table_index = len(out)
        out.append(Row(cells=r.cells, page=number, continuation=cont))
    if last_table is not None and last_table.table is not None:
        flow.open_row = last_table.table.open_bottom
        flow.band_head = heads.get(last_table.table.band)
    else:
        flow.open_row, flow.band_head = False, None
    return out


def _splits_first_cell(held: Row, cont: Row) -> bool:
    """The continuation carries text in the column of the open row's first cell: a label (or
    first value) cut in two, which only makes sense once joined back."""
    first = next((c for c in held.cells if c.text.strip()), None)
    return first is not None and any(c.col == first.col and c.text.strip() for c in cont.cells)


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
    """Page row lists -> one stream. An open row at a page bottom is held until the next page
    shows its continuation; when the cut went through the row's first cell (a label split in
    two) the parts are joined here, else the continuation row is passed on as it is."""

    held: list[Row] = field(default_factory=list)

    def feed(self, rows: list[Row], open_at: Optional[int]) -> list[Row]:
        tail: list[Row] = []
        if open_at is not None:
            rows, tail = rows[:open_at], rows[open_at:]
        if self.held:
            k = next((i for i, r in enumerate(rows) if r.continuation), None)
            if k is not None and _splits_first_cell(self.held[0], rows[k]):
                joined, note = join_split_row(self.held[0], rows[k])
                rows = [joined] + self.held[1:] + rows[:k] + [note] + rows[k + 1:]
            else:
                rows = self.held + rows
        self.held = tail
        return rows

    def flush(self) -> list[Row]:
        rows, self.held = self.held, []
        return rows


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


def ocr_page_numbers(path: Path, settings) -> list[int]:
    """The 1-based pages :func:`read_pdf` would hand to OCR (same triage, same settings)."""
    pdf = _open_settings_pdf(path, settings)
    out: list[int] = []
    try:
        pages = _page_list(pdf)
        for index in range(min(len(pages), settings.limits.max_pages)):
            page = pages[index]
            try:
                triage = triage_page(page.chars, bool(page.images), bool(page.lines or page.rects), settings.pdf)
            except Exception:  # an unreadable page is reported by the reader, not OCRed
                continue
            finally:
                page.close()
            if triage.verdict == "ocr":
                out.append(index + 1)
    finally:
        pdf.close()
    return out


def read_pdf(path: Path, ctx: ReadContext) -> Iterator[Row]:
    return read_pdf_pages(path, ctx)


def read_pdf_pages(path: Path, ctx: ReadContext, first: int = 1, last: Optional[int] = None) -> Iterator[Row]:
    """Rows of pages ``first``..``last`` (1-based, inclusive; default: to the end). A range
    that starts on an OCR page or right after one reads exactly as those pages read inside the
    whole file (an OCR page ends every open text-layer row), so such ranges can be read apart
    and their rows concatenated (see :mod:`pipeline.chunks`)."""
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
        flow, stitch = Flow(), Stitcher()
        queue: list[int] = []
        reasons: dict[int, str] = {}
        end = ctx.pages if last is None else min(last, ctx.pages)
        for index in range(max(first, 1) - 1, end):
            number = index + 1
            page = pages[index]
            try:
                triage = triage_page(page.chars, bool(page.images), bool(page.lines or page.rects), settings.pdf)
                if triage.verdict == "ocr":
                    yield from stitch.flush()
                    queue.append(number)
                    reasons[number] = triage.reason
                    flow = Flow()
                    continue
                if triage.verdict == "blank" and _damaged_contents(page):
                    ctx.page_error(number, "pdf", "page content could not be decoded (damaged stream); nothing read")
                rows = page_to_rows(page, number, triage, settings.pdf) if triage.verdict == "text" else []
            except Exception as exc:  # one bad page: the others are still read
                log.debug("page %d failed", number, exc_info=True)
                ctx.page_error(number, "pdf", f"page unreadable: {type(exc).__name__}: {exc}")
                flow = Flow()
                continue
            finally:
                page.close()
            if queue:
                yield from _ocr_pages(path, queue, reasons, ctx)
                queue = []
            flow.last_table_index = -1
            marked = mark_continuations(rows, number, flow)
            yield from stitch.feed(marked, flow.last_table_index if flow.open_row else None)
        yield from stitch.flush()
        if queue:
            yield from _ocr_pages(path, queue, reasons, ctx)
    finally:
        pdf.close()


register("pdf", FunctionReader(name="pdf-text", kind="pdf", func=read_pdf))

__all__ = ["chars_to_lines", "join_lines", "mark_continuations", "ocr_page_numbers", "open_pdf", "page_to_rows",
           "pages_to_read", "read_pdf", "read_pdf_pages"]
