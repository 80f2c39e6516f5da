"""Text dumps copied out of the budget system: tab-separated cells, many forms per file.

``sniff_encoding`` decides the encoding from the first bytes (BOM, UTF-16 without BOM,
UTF-8, GB18030); ``iter_lines`` streams decoded lines with CRLF/CR folded; ``line_to_row``
turns one line into a :class:`~pipeline.models.Row`. The file is never read whole.
"""
from __future__ import annotations

import codecs
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.errors import InputError
from pipeline.models import Cell, Row
from pipeline.normalize import strip_markup
from pipeline.readers import FunctionReader, ReadContext
from pipeline.settings import Settings, TextDumpSettings

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without a BOM: tabs, digits and line ends give it away (a zero byte beside each)."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd > len(odd) * 0.2 and zeros_even < len(even) * 0.05:
        return "utf-16-le"
    if zeros_even > len(even) * 0.2 and zeros_odd < len(odd) * 0.05:
        return "utf-16-be"
    return None


def sniff_encoding(head: bytes, settings: TextDumpSettings) -> str:
    """The encoding of a dump from its first bytes; :class:`InputError` for binary data."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    if b"\x00" in head:
        raise InputError("binary data, not a text dump (NUL bytes)")
    for enc in settings.encodings:
        try:
            # final=False: a character cut at the end of the sniffed block (or of a truncated
            # file) is not held against the encoding; the reader reports it where it is
            codecs.getincrementaldecoder(enc)().decode(head, final=False)
            return enc
        except UnicodeDecodeError:
            continue
        except LookupError as exc:
            raise InputError(f"unknown encoding in settings: {enc}") from exc
    raise InputError(f"not text in any of {', '.join(settings.encodings)}")


def iter_lines(path: Path, settings: TextDumpSettings) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded, universal newlines, streamed."""
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}") from exc
    with raw:
        head = raw.read(settings.sniff_bytes)
        if not head.strip():
            raise InputError("empty file")
        encoding = sniff_encoding(head, settings)
        raw.seek(0)
        yield from _decoded_lines(raw, encoding, settings, 1)


def _decoded_lines(raw, encoding: str, settings: TextDumpSettings, first: int) -> Iterator[tuple[int, str]]:
    """The lines of the binary stream ``raw`` (at its start), numbered from ``first``."""
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline=None)
    lineno = first - 1
    try:
        for lineno, line in enumerate(stream, first):  # the checks of _checked, inline on the hot path
            if len(line) > settings.max_line_chars:
                raise InputError(f"line {lineno} is longer than {settings.max_line_chars} characters")
            if "\x00" in line:
                raise InputError(f"binary data at line {lineno} (NUL bytes)")
            yield lineno, line.rstrip("\n")
    except UnicodeDecodeError as exc:
        if not _byte_lines_safe(encoding):
            raise InputError(f"invalid {encoding} at line {lineno + 1}: {exc.reason}") from exc
        # the wrapper decodes ahead in blocks of several KB: the lines of the failing block
        # before the bad bytes were never yielded. Read them one by one, up to the bad line.
        raw.seek(0)
        yield from _lines_until_invalid(raw, encoding, lineno - first + 1, settings, first)


def _checked(lineno: int, line: str, settings: TextDumpSettings) -> str:
    if len(line) > settings.max_line_chars:
        raise InputError(f"line {lineno} is longer than {settings.max_line_chars} characters")
    if "\x00" in line:
        raise InputError(f"binary data at line {lineno} (NUL bytes)")
    return line.rstrip("\n")


def _byte_lines_safe(encoding: str) -> bool:
    """Whether the encoding's line ends are the bytes \\n and \\r, which no multi-byte character
    contains (UTF-8, GB18030), so the raw bytes can be split into lines before decoding."""
    return not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _lines_until_invalid(raw, encoding: str, done: int, settings: TextDumpSettings,
                         first: int = 1) -> Iterator[tuple[int, str]]:
    """Lines after the first ``done``, each decoded alone, until the one that does not decode:
    :class:`InputError` naming that line (universal newlines, as the text wrapper counts them;
    the stream's first line is line ``first``)."""
    decode = codecs.getdecoder(encoding)
    lineno = first - 1
    for chunk in raw:
        for data in chunk.splitlines(keepends=True):  # \n, \r\n and a lone \r end a line
            lineno += 1
            if lineno - first + 1 <= done:
                continue
            try:
                line = decode(data)[0]
            except UnicodeDecodeError as exc:
                raise InputError(f"invalid {encoding} at line {lineno}: {exc.reason}") from exc
            yield lineno, _checked(lineno, line.rstrip("\r\n") + "\n", settings)
    raise InputError(f"invalid {encoding} at line {lineno}: the file ends inside a character")


def line_to_row(lineno: int, line: str, delimiter: str = "\t") -> Row | None:
    """One dump line as a row of cells; None for a blank line. Empty cells are kept out
    (their column index is what places the others)."""
    if not line.strip():
        return None
    parts = line.split(delimiter)
    if "<" in line or "&" in line:
        parts = [strip_markup(p) if "<" in p or "&" in p else p for p in parts]
    cells = []
    col = -1
    for text in parts:  # a million cells per big dump: positional, no enumerate
        col += 1
        text = text.strip()
        if text:
            cells.append(Cell(text, col, 1, None, None, 1.0, "text", lineno))
    return Row(cells, None, lineno) if cells else None


def _head(lines: Iterator[tuple[int, str]], settings: TextDumpSettings) -> list[tuple[int, str]]:
    """The first lines that tell a tab-separated dump from copied text, taken from ``lines``:
    up to the first holding the delimiter, or the ``copied_sniff_lines``-th non-blank one."""
    head: list[tuple[int, str]] = []
    seen = 0
    for lineno, line in lines:
        head.append((lineno, line))
        if settings.delimiter in line:
            break
        if line.strip():
            seen += 1
            if seen >= settings.copied_sniff_lines:
                break
    return head


def read_text_dump(path: Path, settings: Settings) -> Iterator[Row]:
    """A tab-separated dump's rows; text without a delimiter in its first non-blank lines is
    copied PDF text (:mod:`extractors.copied_text`: cells found between known labels)."""
    delimiter = settings.text.delimiter
    lines = iter_lines(path, settings.text)
    head = _head(lines, settings.text)
    if head and not any(delimiter in ln for _, ln in head):
        from .copied_text import read_copied_text

        yield from read_copied_text([*head, *lines], settings)
        return
    for lineno, line in head:
        row = line_to_row(lineno, line, delimiter)
        if row is not None:
            yield row
    for lineno, line in lines:
        row = line_to_row(lineno, line, delimiter)
        if row is not None:
            yield row


# --------------------------------------------------------------------------- spans of a big dump


@dataclass(frozen=True)
class DumpSpan:
    """Lines of a tab-separated dump read apart from the rest (:func:`dump_spans`): bytes
    ``start``..``end``, the first line's number in the file, the encoding to decode them with."""

    start: int
    end: int
    first_line: int
    encoding: str


def _is_tab_dump(head: bytes, encoding: str, settings: TextDumpSettings) -> bool:
    """What :func:`read_text_dump` decides from the first lines (:func:`_head`): a delimiter
    in them (else copied text, which is read across lines); undecided within ``head``: no."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    lines = enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)
    return any(settings.delimiter in line for _, line in _head(lines, settings))


def _first_line(text: str) -> str:
    """The first line of ``text`` as universal newlines cut it (\\r, \\r\\n, \\n: not str.splitlines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]


def _form_start_after(f, at: int, limit: int, encoding: str, delimiter: str, starts_form) -> int | None:
    """The offset of the first line starting at or after byte ``at`` (and before ``limit``)
    whose row starts a form, or None."""
    f.seek(max(0, at - 1))
    if at > 0 and f.read(1) != b"\n":
        f.readline()  # the rest of the line ``at`` falls in
    while True:
        pos = f.tell()
        if pos >= limit:
            return None
        data = f.readline()
        if not data:
            return None
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue  # the reader reports it where it is
        row = line_to_row(0, _first_line(text), delimiter)
        if row is not None and starts_form(row):
            return pos


def _line_numbers(f, cuts: list[int]) -> list[int]:
    """The file's line number (universal newlines, from 1) of the line starting at each cut
    (ascending offsets, each right after a ``\\n``, so no ``\\r\\n`` straddles one)."""
    out, ends, pos, last_cr = [], 0, 0, False
    f.seek(0)
    for cut in cuts:
        while pos < cut:
            chunk = f.read(min(1 << 20, cut - pos))
            if not chunk:
                break
            ends += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
            if last_cr and chunk.startswith(b"\n"):
                ends -= 1  # a \r\n cut between two reads
            last_cr = chunk.endswith(b"\r")
            pos += len(chunk)
        out.append(ends + 1)
    return out


def dump_spans(path: Path, settings: Settings, span_bytes: int) -> list[DumpSpan]:
    """A big tab-separated dump cut into spans of about ``span_bytes``, each beginning at a
    form's title row, so that the spans can be read apart (by several processes) and their
    forms, in span order, are the forms of the whole file: the assembler starts a new form at
    every title row whatever came before it (:func:`pipeline.assemble.rows_to_drafts`), and a
    tab-separated line is read alone. Empty (read the file whole) when it cannot be cut so:
    smaller than two spans, copied text (read across lines), an encoding whose line ends are
    not single bytes (UTF-16/32), or no title row where a cut should go."""
    from pipeline.assemble import row_is_title
    from pipeline.labels import load_vocabulary

    vocab = load_vocabulary()
    text = settings.text
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if span_bytes <= 0 or size < 2 * span_bytes:
                return []
            head = f.read(text.sniff_bytes)
            encoding = sniff_encoding(head, text)
            if not _byte_lines_safe(encoding) or not _is_tab_dump(head, encoding, text):
                return []
            rest = "utf-8" if encoding == "utf-8-sig" else encoding  # the BOM is the first span's
            cuts = [0]
            at = span_bytes
            while at < size:
                cut = _form_start_after(f, at, min(size, at + span_bytes), rest, text.delimiter,
                                        lambda row: row_is_title(row, vocab) is not None)
                if cut is None:
                    at += span_bytes
                    continue
                if cut > cuts[-1]:
                    cuts.append(cut)
                at = cut + span_bytes
            if len(cuts) < 2:
                return []
            lines = _line_numbers(f, cuts)
    except (OSError, InputError):
        return []  # the reader says why, reading the file whole
    ends = [*cuts[1:], size]
    return [DumpSpan(start, end, line, encoding if i == 0 else rest)
            for i, (start, end, line) in enumerate(zip(cuts, ends, lines))]


def read_span(path: Path, settings: Settings, span: DumpSpan) -> Iterator[Row]:
    """The rows of one span of a tab-separated dump (line numbers as in the whole file)."""
    try:
        with open(path, "rb") as f:
            f.seek(span.start)
            data = f.read(span.end - span.start)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}") from exc
    delimiter = settings.text.delimiter
    for lineno, line in _decoded_lines(io.BytesIO(data), span.encoding, settings.text, span.first_line):
        row = line_to_row(lineno, line, delimiter)
        if row is not None:
            yield row


def _read(path: Path, ctx: ReadContext) -> Iterator[Row]:
    return read_text_dump(path, ctx.settings)


READER = FunctionReader(name="text-dump", kind="text", func=_read)
