"""Text copied out of a PDF viewer or ``pdftotext``: no cell boundaries, only lines.

Two shapes, told apart by their spaces:

- **laid out** (``pdftotext -layout``, most viewers): one line a printed line, cells apart by
  runs of spaces, a cell's wrapped lines below it at the same offset (two columns' wrapped
  lines interleaved), table rows apart by blank lines;
- **flowing** (``pdftotext`` without ``-layout``, some viewers): each cell's text on its own
  lines, cells apart by blank lines, in the order the producer drew them.

Both are read label-anchored: a block of lines (between blank lines) is cut into pieces at
its runs of spaces (and at single spaces before a known label or level name), a piece's
wrapped lines are joined back by their offsets, and the pieces become cells of one row in
reading order — the assembler then takes what lies between known labels as their values,
as for any other reader. In the indicator table, pieces are placed in the columns of the
table's header line by their offsets (laid out), or by the closed 一级/二级 vocabularies and
the header's column count (flowing: a merged 一级/二级 cell prints once, so a row is known by
its 三级 name followed by its values).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pipeline.labels import Vocabulary, canonical, load_vocabulary
from pipeline.lexicon import join_texts
from pipeline.models import Cell, Row
from pipeline.settings import Settings

from .geometry import level_group as _group  # one table of the 一级/二级 groups, shared with the PDF geometry

_WORD = re.compile(r"\S+")
_VALUE_LIKE = re.compile(r"[\d%％≥≤<>=＜＞＝]")
STACKABLE = frozenset(("annual_goal", "long_term_goal"))


def _join(a: str, b: str) -> str:
    return join_texts((a, b))


@dataclass
class Piece:
    start: int
    text: str
    line: int
    end: int = -1  # where its first line ends
    last: int = -1  # the last line joined into it

    def __post_init__(self) -> None:
        if self.end < 0:
            self.end = self.start + len(self.text)


_ALONE = re.compile(r"^\s*[（(]\s*\d{4}\s*年度?\s*[）)]\s*$")


def _blocks(lines: Iterable[tuple[int, str]], vocab: Vocabulary) -> Iterator[list[tuple[int, str]]]:
    """Lines between blank lines (and page breaks); a title or year line is a block of its own."""
    block: list[tuple[int, str]] = []
    for lineno, line in lines:
        if len(line) < 80 and (_ALONE.match(line) or (line.strip() and vocab.is_title(line.strip())
                                                        and len(line.strip()) < 30)):
            if block:
                yield block
            yield [(lineno, line.replace("\f", "").strip())]
            block = []
            continue
        if "\f" in line:  # a page break ends a block
            if block:
                yield block
            block = []
            line = line.replace("\f", "")
        line = line.rstrip()
        if not line.strip():
            if block:
                yield block
            block = []
            continue
        block.append((lineno, line.expandtabs()))
    if block:
        yield block


def laid_out(lines: list[str], share: float = 0.2) -> bool:
    """Laid-out text: ``share`` of its lines or more hold a run of three or more spaces."""
    text_lines = [ln for ln in lines if ln.strip()]
    if not text_lines:
        return False
    spaced = sum(1 for ln in text_lines if re.search(r"\S {3,}\S", ln) or re.match(r" {4,}\S", ln))
    return spaced >= share * len(text_lines)


class _Known:
    """What a piece of text is, by the vocabulary: a header label, a column name, a level name."""

    def __init__(self, vocab: Vocabulary):
        self.vocab = vocab
        self.level1 = frozenset(vocab.level1_values)
        self.level2 = frozenset(vocab.level2_values)

    def label(self, text: str) -> Optional[str]:
        key = self.vocab.header_key(text)
        if key is None and ("：" in text or ":" in text):
            head = re.split(r"[:：]", text, maxsplit=1)[0]
            key = self.vocab.header_key(head) if len(head) >= 2 else None
        return key

    def column(self, text: str) -> Optional[str]:
        return self.vocab.column(text)

    def level(self, text: str) -> Optional[int]:
        bare = canonical(text)
        if bare in self.level1:
            return 1
        if bare in self.level2:
            return 2
        return None

    def anchor(self, text: str) -> bool:
        return bool(self.label(text) or self.column(text) or self.level(text))


def _split_words(piece: Piece, known: _Known) -> list[Piece]:
    """A piece holding single spaces is cut before a word that is a known label or level name
    (``服务对象满意度指标 成本控制情况``: two cells one space apart)."""
    if " " not in piece.text:
        return [piece]
    out: list[Piece] = []
    words = [(piece.start + m.start(), m.group(0)) for m in _WORD.finditer(piece.text)]
    cur_start, cur = words[0]
    for start, word in words[1:]:
        if known.anchor(cur) or known.anchor(word):
            out.append(Piece(cur_start, cur, piece.line))
            cur_start, cur = start, word
        else:
            cur = cur + " " + word
    out.append(Piece(cur_start, cur, piece.line))
    return out


def _line_pieces(lineno: int, line: str, known: _Known) -> list[Piece]:
    pieces = []
    for m in re.finditer(r"\S+(?: \S+)*", line):
        pieces.extend(_split_words(Piece(m.start(), m.group(0), lineno), known))
    return pieces


def _block_cells(block: list[tuple[int, str]], known: _Known) -> list[Piece]:
    """A laid-out block's pieces, a piece's wrapped lines joined by offset: a piece joins the
    cell at or left of it when it starts within that cell's first line (a wrapped line);
    past that end it is a cell of its own (a short cell printed lower, vertically centred)."""
    anchors: list[Piece] = []
    for lineno, line in block:
        for p in _line_pieces(lineno, line, known):
            target = None
            for a in anchors:
                if a.start <= p.start + 2:
                    target = a
            if target is None or p.start > target.end + 1 or target.last == lineno:
                p.last = lineno
                anchors.append(p)
                anchors.sort(key=lambda a: a.start)
            else:
                target.text = _join(target.text, p.text)
                target.last = lineno
    out: list[Piece] = []
    for a in anchors:  # a label completed by its wrapped line (其中：当年财政拨 / 款) is cut off now
        out.extend(_split_words(a, known) if " " in a.text else [a])
    return out


def _cells(pieces: list[Piece]) -> list[Cell]:
    return [Cell(p.text, p.start, 1, None, None, 1.0, "text", p.line) for p in pieces]


class _Table:
    """The indicator table being read: its columns (field names) and their offsets; a column
    ends half-way between its header's end and the next header's start (headers may be
    centred over their values)."""

    def __init__(self, names: list[str], pieces: list[Piece]):
        self.names = names
        self.bounds = [(a.end + b.start) // 2 for a, b in zip(pieces, pieces[1:])]

    def col_of(self, start: int) -> int:
        col = 0
        for b in self.bounds:
            if start >= b:
                col += 1
        return col

    def row(self, block: list[tuple[int, str]]) -> Row:
        """A laid-out table row: every word in the column its offset falls in, wrapped lines
        appended in order (``成本指标（反映项目 群众知晓率`` is two cells one space apart)."""
        cols: dict[int, Piece] = {}
        for lineno, line in block:
            for m in _WORD.finditer(line):
                c = self.col_of(m.start())
                if c in cols:
                    cols[c].text = _join(cols[c].text, m.group(0))
                else:
                    cols[c] = Piece(m.start(), m.group(0), lineno)
        return Row([Cell(p.text, c, 1, None, None, 1.0, "text", p.line) for c, p in sorted(cols.items())],
                   None, block[0][0])


def read_laid_out(lines: list[tuple[int, str]], vocab: Vocabulary) -> Iterator[Row]:
    known = _Known(vocab)
    table: Optional[_Table] = None
    for block in _blocks(lines, known.vocab):
        pieces = _block_cells(block, known)
        if not pieces:
            continue
        line = block[0][0]
        names = [known.column(p.text) for p in pieces]
        if sum(1 for n in names if n) >= 3 and all(names):
            table = _Table([n or "" for n in names], pieces)
            yield Row([Cell(p.text, i, 1, None, None, 1.0, "text", p.line) for i, p in enumerate(pieces)], None, line)
            continue
        first = pieces[0].text
        if table is not None and (known.label(first) or vocab.is_title(first) or len(pieces) == 1
                                  and vocab.periods.get(canonical(first))):
            table = None
        if table is not None:
            yield table.row(block)
            continue
        yield Row(_cells(pieces), None, line)


# --------------------------------------------------------------------------- flowing text


def _flow_tokens(lines: list[tuple[int, str]], known: _Known) -> list[Piece]:
    """Each block's lines joined (a wrapped cell), then cut before known labels and level names."""
    tokens: list[Piece] = []
    for block in _blocks(lines, known.vocab):
        cur: Optional[Piece] = None
        for lineno, line in block:
            line = line.strip()
            if cur is None or _starts_cell(line, known):
                if cur is not None:
                    tokens.extend(_split_words(cur, known))
                cur = Piece(0, line, lineno)
            elif _open_brackets(line) < 0 < _open_brackets(cur.text) and " " in cur.text[_last_open(cur.text):]:
                # 成本指标（反映项目 群众知晓率 / 产出情况）: the wrapped remark closes the first cell
                cut = cur.text.index(" ", _last_open(cur.text))
                tokens.append(Piece(0, _join(cur.text[:cut], line), cur.line))
                cur = Piece(0, cur.text[cut + 1:], cur.line)
            else:
                cur.text = _join(cur.text, line)
        if cur is not None:
            tokens.extend(_split_words(cur, known))
    return _rejoin_brackets(tokens)


def _last_open(text: str) -> int:
    return max(text.rfind("（"), text.rfind("("))


def _open_brackets(text: str) -> int:
    return text.count("（") + text.count("(") - text.count("）") - text.count(")")


def _rejoin_brackets(tokens: list[Piece]) -> list[Piece]:
    """A cell's wrapped remark drawn after its neighbour (``成本指标（反映项目 群众知晓率`` then
    ``产出情况）``): the text after the open bracket's first space is the neighbour, and the
    next piece that closes the bracket is joined back."""
    out: list[Piece] = []
    open_piece: Optional[Piece] = None
    for tok in tokens:
        if open_piece is not None and _open_brackets(tok.text) < 0:
            open_piece.text = _join(open_piece.text, tok.text)
            open_piece = None
            continue
        if _open_brackets(tok.text) > 0:
            at = max(tok.text.rfind("（"), tok.text.rfind("("))
            space = tok.text.find(" ", at)
            if space > 0:
                head = Piece(tok.start, tok.text[:space], tok.line)
                out += [head, Piece(tok.start + space + 1, tok.text[space + 1:], tok.line)]
                open_piece = head
                continue
            open_piece = tok
        out.append(tok)
    return out


def _starts_cell(line: str, known: _Known) -> bool:
    """A line inside a flowing block that begins a cell of its own: a label, a column or
    level name, a section row."""
    first = line.split(" ", 1)[0]
    return bool(known.anchor(line) or known.anchor(first) or known.vocab.periods.get(canonical(line)))




def read_flowing(lines: list[tuple[int, str]], vocab: Vocabulary) -> Iterator[Row]:
    known = _Known(vocab)
    tokens = _flow_tokens(lines, known)
    stray: list[Piece] = []
    level1_names: dict[str, str] = {}  # group -> the 一级 name this document prints for it
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        # an indicator header: three or more column names in a row (level names may sit between)
        names, j, level1s = [], i, []
        while j < len(tokens) and (known.column(tokens[j].text) or (names and known.level(tokens[j].text) == 1)):
            if known.column(tokens[j].text):
                names.append(tokens[j])
                last = j
            else:
                level1s.append(tokens[j])
            j += 1
        if names:  # level names after the last column name are the table's, not the header's
            level1s = [p for p in level1s if tokens.index(p, i) < last]
            j = last + 1
        if len(names) >= 3:
            fields = [known.column(p.text) or "" for p in names]
            for p in stray:  # a column name the producer drew elsewhere (备注 before the table)
                if known.column(p.text) not in fields:
                    names.append(p)
                    fields.append(known.column(p.text) or "")
            stray = []
            section = _section_ahead(tokens, i, j, vocab)
            if section is not None:  # the set's name drawn after its table (年度绩效指标)
                yield Row([Cell(section.text, 0, 1, None, None, 1.0, "text", section.line)], None, section.line)
            yield Row([Cell(p.text, c, 1, None, None, 1.0, "text", p.line) for c, p in enumerate(names)], None, tok.line)
            rows, i = _flow_table(tokens, j, fields, level1s, known, vocab, level1_names)
            yield from rows
            continue
        if names or known.column(tok.text):
            stray.append(tok)
            i += 1
            continue
        key = known.label(tok.text)
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if key in STACKABLE and nxt is not None and known.label(nxt.text) in STACKABLE and i + 3 < len(tokens):
            yield Row([Cell(tok.text, 0, 1, None, None, 1.0, "text", tok.line),
                       Cell(nxt.text, 1, 1, None, None, 1.0, "text", nxt.line)], None, tok.line)
            a, b = tokens[i + 2], tokens[i + 3]
            yield Row([Cell(a.text, 0, 1, None, None, 1.0, "text", a.line),
                       Cell(b.text, 1, 1, None, None, 1.0, "text", b.line)], None, a.line)
            i += 4
            continue
        yield Row([Cell(tok.text, 0, 1, None, None, 1.0, "text", tok.line)], None, tok.line)
        i += 1


def _section_ahead(tokens: list[Piece], i: int, j: int, vocab: Vocabulary) -> Optional[Piece]:
    """A second indicator header not preceded by its set's name (长期绩效指标 / 年度绩效指标): the
    name printed later in the same form, taken out of the token stream."""
    if not vocab.periods or (i > 0 and vocab.periods.get(canonical(tokens[i - 1].text))):
        return None
    seen_before = any(vocab.periods.get(canonical(t.text)) for t in tokens[max(0, i - 400):i])
    if not seen_before:
        return None
    for k in range(j, len(tokens)):
        text = tokens[k].text
        if vocab.is_title(text):
            return None
        if vocab.periods.get(canonical(text)):
            return tokens.pop(k)
    return None


_LEVEL1_OF = {"产出": "产出指标", "效益": "效益指标", "满意度": "满意度指标", "成本": "成本指标"}


def _flow_table(tokens: list[Piece], i: int, names: list[str], level1s: list[Piece], known: _Known,
                vocab: Vocabulary, level1_names: dict[str, str]) -> tuple[list[Row], int]:
    """Indicator rows from flowing tokens: 一级/二级 names by vocabulary (a 二级 name picks the
    pending 一级 name of its group), then a 三级 name and one token per value column (an
    optional last column, 备注, when the next tokens read as a new row)."""
    rows: list[Row] = []
    pending = list(level1s)
    for p in level1s:
        level1_names[_group(p.text) or p.text] = p.text
    level1 = level2 = ""
    values = [n for n in names[2:] if n != "level3"]
    optional_last = values and values[-1] == "explanation"
    while i < len(tokens):
        tok = tokens[i]
        t = tok.text
        if known.label(t) or vocab.is_title(t) or vocab.periods.get(canonical(t)) or known.column(t):
            break
        lv = known.level(t) or (2 if "指标" in t and _group(t) and len(t) <= 20 and "（" in t else None)
        if lv == 1 and canonical(t) in known.level2 and (level1 or pending) and i + 1 < len(tokens) \
                and not known.level(tokens[i + 1].text):
            lv = 2  # 成本指标 is a 一级 and a 二级 name: followed by a 三级 name, it is the 二级 one
        if lv == 1:
            pending.append(tok)
            level1_names[_group(t) or t] = t
            i += 1
            continue
        if lv == 2:
            group = _group(t)
            match = next((p for p in pending if _group(p.text) == group), None)
            if pending and tokens[i - 1] is pending[-1] and canonical(t) in known.level1:
                match = pending[-1]  # 产出指标 | 成本指标: the row printed its 一级 name just before
            if match is not None:
                pending.remove(match)
                level1 = match.text
            elif _group(level1) != group:  # its 一级 name was drawn elsewhere: the group's name
                level1 = level1_names.get(group or "", _LEVEL1_OF.get(group or "", level1))
            level2 = t
            i += 1
            continue
        if pending and not level1:
            level1 = pending.pop(0).text
        cells = [Cell(level1, 0, 1, None, None, 1.0, "text", tok.line), Cell(level2, 1, 1, None, None, 1.0, "text", tok.line),
                 Cell(t, 2, 1, None, None, 1.0, "text", tok.line)]
        i += 1
        for n, _name in enumerate(values):
            if i >= len(tokens):
                break
            nxt = tokens[i].text
            if known.label(nxt) or vocab.is_title(nxt) or known.level(nxt) or known.column(nxt) \
                    or vocab.periods.get(canonical(nxt)):
                break
            if optional_last and n == len(values) - 1:
                after = tokens[i + 1].text if i + 1 < len(tokens) else ""
                if _VALUE_LIKE.search(after) and not _VALUE_LIKE.search(nxt) and not known.level(after):
                    break  # the next row's 三级 name and its value: this row's 备注 is blank
            cells.append(Cell(nxt, 3 + n, 1, None, None, 1.0, "text", tokens[i].line))
            i += 1
        rows.append(Row(cells, None, tok.line))
    return rows, i


def read_copied_text(numbered_lines: Iterable[tuple[int, str]], settings: Settings,
                     vocab: Optional[Vocabulary] = None) -> Iterator[Row]:
    """Rows of cells from copied text (laid out or flowing, decided from the text itself)."""
    vocab = vocab or load_vocabulary()
    lines = list(numbered_lines)
    if laid_out([ln for _, ln in lines], settings.text.laid_out_share):
        yield from read_laid_out(lines, vocab)
    else:
        yield from read_flowing(lines, vocab)


__all__ = ["laid_out", "read_copied_text", "read_flowing", "read_laid_out"]


def _debug(path: str) -> None:  # pragma: no cover - a look at what the reader makes of a file
    from pipeline.settings import DEFAULT_SETTINGS

    text = Path(path).read_text(encoding="utf-8").splitlines()
    for row in read_copied_text(enumerate(text, 1), DEFAULT_SETTINGS):
        print(" | ".join(f"{c.col}:{c.text}" for c in row.cells))


if __name__ == "__main__":  # pragma: no cover
    import sys

    _debug(sys.argv[1])
