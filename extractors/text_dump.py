"""Text dumps copied out of the budget system: tab-separated cells, many forms per file.

``sniff_encoding`` decides the encoding from the first bytes (BOM, UTF-16 without BOM,
UTF-8, GB18030); ``iter_lines`` streams decoded lines with CRLF/CR folded; ``line_to_row``
turns one line into a :class:`~pipeline.models.Row`. The file is never read whole.
"""
from __future__ import annotations

import codecs
import io
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
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline=None)
        lineno = 0
        try:
            for lineno, line in enumerate(stream, 1):  # the checks of _checked, inline on the hot path
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
            yield from _lines_until_invalid(raw, encoding, lineno, settings)


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


def _lines_until_invalid(raw, encoding: str, done: int, settings: TextDumpSettings) -> Iterator[tuple[int, str]]:
    """Lines after the first ``done``, each decoded alone, until the one that does not decode:
    :class:`InputError` naming that line (universal newlines, as the text wrapper counts them)."""
    decode = codecs.getdecoder(encoding)
    lineno = 0
    for chunk in raw:
        for data in chunk.splitlines(keepends=True):  # \n, \r\n and a lone \r end a line
            lineno += 1
            if lineno <= done:
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


def read_text_dump(path: Path, settings: Settings) -> Iterator[Row]:
    """A tab-separated dump's rows; text without a delimiter in its first non-blank lines is
    copied PDF text (:mod:`extractors.copied_text`: cells found between known labels)."""
    delimiter = settings.text.delimiter
    lines = iter_lines(path, settings.text)
    head: list[tuple[int, str]] = []
    for lineno, line in lines:
        head.append((lineno, line))
        if delimiter in line:
            break
        if line.strip() and sum(1 for _, ln in head if ln.strip()) >= settings.text.copied_sniff_lines:
            break
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


def _read(path: Path, ctx: ReadContext) -> Iterator[Row]:
    return read_text_dump(path, ctx.settings)


READER = FunctionReader(name="text-dump", kind="text", func=_read)
