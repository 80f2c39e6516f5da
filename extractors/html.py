"""The HTML reader (lxml): every table of a page into rows of cells, text outside tables (the
title in an ``<h1>``/``<p>``, a ``<caption>``) as rows of its own, in document order.

    bytes -> encoding: BOM, else the ``<meta charset>`` / ``http-equiv`` of the first bytes
             (GB2312 and GBK read as GB18030, their superset, as browsers do), else the first
             of ``office.html_encodings`` that decodes the whole page
          -> lxml.html; tables found in document order; a table holding tables (a layout
             table) is a container: its inner tables and text are read in order
          -> rows: ``colspan``/``rowspan`` placed on a grid (a cell under a rowspan from above
             moves right; the rowspan's later rows have no cell there: the assembler fills
             一级/二级指标 down), ``<br>`` and block elements inside a cell are line breaks,
             other white space folds to one space (none between CJK characters on two
             source lines, as browsers do)

``page`` is None; ``line`` is the source line of the row's ``<tr>`` (or text block).
"""
from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Iterator, Optional

from pipeline.errors import InputError
from pipeline.lexicon import WIDE as _CJK
from pipeline.models import Cell, Row

from pipeline.readers import FunctionReader, ReadContext
from .office import GridCell

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.]+)""", re.I)
_GB_ALIASES = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312",
               "iso-ir-58", "chinese", "gb18030"}
_BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt",
                    "dd", "blockquote", "pre", "center", "section", "article", "header", "footer", "form",
                    "fieldset", "address", "hr", "caption", "table", "thead", "tbody", "tfoot"})
_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "select", "option", "button"})
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\r\n\f]*(?=[{_CJK}])")
_WS = re.compile(r"[ \t\r\n\f]+")
_MAX_SPAN = 1000


def sniff_html_encoding(data: bytes, fallbacks: tuple[str, ...]) -> str:
    """The page's encoding: BOM, then its declared charset, then the first fallback that decodes."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if m:
        name = m.group(1).decode("ascii", "ignore").lower()
        if name in _GB_ALIASES:
            return "gb18030"
        try:
            codecs.lookup(name)
            # a page that declares UTF-8 but is not (saved by an old editor) falls through
            data.decode(name)
            return name
        except (LookupError, UnicodeDecodeError):
            pass
    for enc in fallbacks:
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
        except LookupError as exc:
            raise InputError(f"unknown encoding in settings: {enc}") from exc
    raise InputError(f"not text in any of {', '.join(fallbacks)} (and no charset declared)")


def _fold(text: str) -> str:
    """HTML white space: a line break between CJK characters vanishes, other runs are one space."""
    if "\n" in text:
        text = _CJK_BREAK.sub("", text)
    return _WS.sub(" ", text)


def _tag(el) -> str:
    tag = el.tag
    return tag.lower() if isinstance(tag, str) else ""


def element_text(el) -> str:
    """The text of an element as displayed: block boundaries and ``<br>`` as line breaks."""
    if len(el) == 0:  # the common cell: text only
        text = el.text
        if not text:
            return ""
        return " ".join(_fold(text).replace("\xa0", " ").split())
    parts: list[str] = []

    def walk(node) -> None:
        for child in node:
            tag = _tag(child)
            if not tag:  # comments and processing instructions: only their tail is text
                if child.tail:
                    parts.append(_fold(child.tail))
                continue
            if tag in _SKIP:
                pass
            elif tag == "br":
                parts.append("\n")
            elif tag in _BLOCK:
                parts.append("\n")
                if child.text:
                    parts.append(_fold(child.text))
                walk(child)
                parts.append("\n")
            else:
                if child.text:
                    parts.append(_fold(child.text))
                walk(child)
            if child.tail:
                parts.append(_fold(child.tail))

    if el.text:
        parts.append(_fold(el.text))
    walk(el)
    lines = [" ".join(line.split()) for line in "".join(parts).replace("\xa0", " ").split("\n")]
    return "\n".join(line for line in lines if line)


def _span(value: Optional[str]) -> int:
    if not value:
        return 1
    if value.isdigit():
        return max(1, min(int(value), _MAX_SPAN))
    m = re.match(r"\s*(\d+)", value)
    return max(1, min(int(m.group(1)), _MAX_SPAN)) if m else 1


def _own_rows(table) -> Iterator:
    """The ``<tr>`` of this table (in thead/tbody/tfoot or directly), not of tables inside it."""
    for child in table:
        tag = _tag(child)
        if tag == "tr":
            yield child
        elif tag in ("thead", "tbody", "tfoot"):
            for tr in child:
                if _tag(tr) == "tr":
                    yield tr


def table_grid(table) -> list[tuple[int, list[GridCell]]]:
    """A leaf table as (source line, cells) per row, spans placed on the grid."""
    taken: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    out: list[tuple[int, list[GridCell]]] = []
    for r, tr in enumerate(_own_rows(table)):
        col = 0
        cells: list[GridCell] = []
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            while taken.get(col, 0) > 0:
                col += 1
            colspan, rowspan = _span(td.get("colspan")), _span(td.get("rowspan"))
            text = element_text(td)
            if text:
                cells.append(GridCell(r, col, text, colspan, tr.sourceline))
            if rowspan > 1:
                for c in range(col, col + colspan):
                    taken[c] = max(taken.get(c, 0), rowspan)
            col += colspan
        taken = {c: n - 1 for c, n in taken.items() if n - 1 > 0}
        # a column covered from above keeps its count for the rows below
        out.append((tr.sourceline or 0, cells))
    return out


def _text_row(text: str, line: Optional[int]) -> Iterator[Row]:
    for part in text.split("\n"):
        part = part.strip()
        if part:
            yield Row([Cell(part, 0, 1, None, None, 1.0, "text", line)], None, line)


def document_rows(root, max_cells: int, ctx: ReadContext) -> Iterator[Row]:
    """Rows of the page in document order: leaf tables' rows and the text between them."""
    counter = [0]

    def has_table(el) -> bool:
        return next(el.iter("table"), None) is not None

    def walk(el) -> Iterator[Row]:
        pending: list[str] = []  # inline text between blocks, already folded
        where = [el.sourceline]

        def flush() -> Iterator[Row]:
            if pending:
                text = "\n".join(" ".join(x.split()) for x in "".join(pending).replace("\xa0", " ").split("\n"))
                pending.clear()
                yield from _text_row(text, where[0])

        if el.text:
            pending.append(_fold(el.text))
        for child in el:
            tag = _tag(child)
            if tag == "table":
                yield from flush()
                yield from table_rows(child)
            elif tag and tag not in _SKIP and has_table(child):
                yield from flush()
                yield from walk(child)
            elif tag in _BLOCK:
                yield from flush()
                yield from _text_row(element_text(child), child.sourceline)
            elif tag and tag not in _SKIP:
                if not pending:
                    where[0] = child.sourceline
                pending.append(element_text(child))
            if child.tail:
                pending.append(_fold(child.tail))
        yield from flush()

    def table_rows(table) -> Iterator[Row]:
        counter[0] += 1
        rows = list(_own_rows(table))
        nested = [t for t in table.iter("table") if t is not table]
        if nested:  # a layout table: read what is inside it, cell by cell
            for tr in rows:
                for td in tr:
                    if _tag(td) in ("td", "th"):
                        yield from walk(td)
            return
        for cap in table:
            if _tag(cap) == "caption":
                yield from _text_row(element_text(cap), cap.sourceline)
        size = sum(len(tr) for tr in rows)
        if size > max_cells:
            ctx.page_error(None, "read", f"table {counter[0]} has {size} cells, over the limit of {max_cells} "
                           "(office.max_cells); skipped")
            return
        for line, cells in table_grid(table):
            if cells:
                yield Row([Cell(c.text, c.col, c.colspan, None, None, 1.0, "text", line or None) for c in cells],
                          None, line or None)

    body = root.find("body")
    yield from walk(body if body is not None else root)


def read_html(path: Path, ctx: ReadContext) -> Iterator[Row]:
    import lxml.etree

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc
    encoding = sniff_html_encoding(data, ctx.settings.office.html_encodings)
    text = data.decode(encoding, errors="strict")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses a str with an encoding declaration
    if "\x00" in text:
        raise InputError("binary data in a web page (NUL bytes)")
    try:
        # plain etree elements (lxml.html's element classes cost a lookup per node visited)
        root = lxml.etree.fromstring(text, lxml.etree.HTMLParser(remove_comments=True, remove_pis=True))
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"not a readable web page: {exc}") from exc
    if root is None:
        raise InputError("empty web page: no text")
    any_row = False
    for row in document_rows(root, ctx.settings.office.max_cells, ctx):
        any_row = True
        yield row
    if not any_row and not ctx.errors:
        raise InputError("empty web page: no text")


READER = FunctionReader(name="html", kind="html", func=read_html)
