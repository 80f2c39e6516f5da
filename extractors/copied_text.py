"""Text copied out of a PDF viewer or ``pdftotext``: no cell boundaries, only lines.

Two shapes, told apart by their spaces:

- **laid out** (``pdftotext -layout``, most viewers): one line a printed line, cells apart by
  runs of spaces, a cell's wrapped lines below it at the same offset (two columns' wrapped
  lines interleaved), table rows apart by blank lines;
- **line text** (what a PDF viewer copies, pdfplumber ``extract_text()``; also laid-out text
  with no blank lines between its rows, an office suite's export): one printed line a line,
  words one space apart, read a line a row by :func:`read_lines` (labels and their wrapped
  heads cut a line, shorter lines complete the row above, level names spread over the rows
  they cover, printed on a group's first row or centred over it); an indicator table in
  column runs (``pdftotext`` without ``-layout`` of an office export: one cell a line, the
  level columns' names row by row, the value columns later as runs) pairs the values with
  the rows by count (:func:`_column_runs`);
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
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import permutations, takewhile
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from pipeline.assemble import AMOUNT_KEYS, HEADING_KEYS
from pipeline.labels import Vocabulary, canonical, load_vocabulary
from pipeline.lexicon import IDEOGRAPHS, LEVEL_FOLDS, join_texts
from pipeline.lexicon import level_group as _group  # one table of the 一级/二级 groups, shared with the PDF geometry
from pipeline.models import Cell, Row
from pipeline.normalize import parse_decimal
from pipeline.settings import Settings

_WORD = re.compile(r"\S+")
_VALUE_LIKE = re.compile(r"[\d%％≥≤<>=＜＞＝]")
_REMARK = re.compile(r"^[（(][^（）()\d]{1,12}[）)]$")  # a level name's remark alone: （定量）
STACKABLE = frozenset(("annual_goal", "long_term_goal"))
# the confidence of a cell whose place flowing text does not give (a 二级 group's rows shared
# out by count): the indicator's provenance shows the guess (a 备注 printed away from its row
# is not placed: the form lists it in a finding)
GUESSED = 0.5


def _join(a: str, b: str) -> str:
    return join_texts((a, b))


@dataclass
class Piece:
    start: int
    text: str
    line: int
    end: int = -1  # where its first line ends
    last: int = -1  # the last line joined into it
    parts: tuple[str, ...] = ()  # flowing text: the printed lines it was joined from, when more than one
    confidence: float = 1.0  # under 1 where the text does not say whose it is (an amount paired by the sums)

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

    def column_kind(self, text: str) -> str:
        """The indicator field a column name gives, its period aside (``value@年度`` is a value)."""
        return (self.vocab.column(text) or "").partition("@")[0]

    def level(self, text: str) -> Optional[int]:
        bare = canonical(text)
        if bare in self.level1:
            return 1
        if bare in self.level2:
            return 2
        return None

    def anchor(self, text: str) -> bool:
        return bool(self.label(text) or self.column(text) or self.level(text))

    def ends_table(self, text: str) -> bool:
        """A label, a title, a column name or an indicator set's name: no indicator row's."""
        return bool(self.label(text) or self.vocab.is_title(text) or self.column(text)
                    or self.vocab.periods.get(canonical(text)))

    def ends_row(self, text: str) -> bool:
        """Not a row's value: :meth:`ends_table`, or a level name."""
        return bool(self.ends_table(text) or self.level(text))


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

    def flush(cur: Piece, later: list[str]) -> None:
        pieces = _split_words(cur, known)
        last = pieces[-1]
        tail = join_texts(later) if later else ""
        if not later or not last.text.endswith(tail) or len(last.text) <= len(tail):
            tokens.extend(pieces)
            return
        head = last.text[:len(last.text) - len(tail)].strip()
        # ``服务对象满意度指标 调解案件数`` / ``（定量）``: the level name's remark wrapped under the
        # line it shares with its row's 三级 name (on one line or more) is the level name's
        close = next((m for m in range(len(later)) if _open_brackets("".join(later[:m + 1])) == 0), None)
        if len(pieces) >= 2 and known.level(pieces[-2].text) and close is not None \
                and _REMARK.match("".join(later[:close + 1])):
            pieces[-2].text += "".join(later[:close + 1])
            later = later[close + 1:]
            last.text = join_texts([head, *later])
        if later:  # which printed lines the last piece holds: a cell's wrapped lines, or stacked cells
            last.parts = (head, *later)
        tokens.extend(pieces)

    for block in (part for whole in _blocks(lines, known.vocab) for part in _unweave(whole, known)):
        cur: Optional[Piece] = None
        later: list[str] = []
        for lineno, line in block:
            line = line.strip()
            if cur is None or _starts_cell(line, known) or (known.column(cur.text) and line[:1] not in "（("):
                # a whole column name is a cell: the line after it starts the next (``三级指标`` /
                # ``资金支付及时率``, the first row's name printed under it)
                if cur is not None:
                    flush(cur, later)
                cur, later = Piece(0, line, lineno), []
            elif _open_brackets(line) < 0 < _open_brackets(cur.text) and " " in cur.text[_last_open(cur.text):]:
                # 成本指标（反映项目 群众知晓率 / 产出情况）: the wrapped remark closes the first cell
                # the neighbour after the space is whole: its wrapped line would print on this
                # line too, so the next line starts a cell (``纠纷调解成功率``, the next row's)
                cut = cur.text.index(" ", _last_open(cur.text))
                tokens.append(Piece(0, _join(cur.text[:cut], line), cur.line))
                tokens.extend(_split_words(Piece(0, cur.text[cut + 1:], cur.line), known))
                cur, later = None, []
            else:
                cur.text = _join(cur.text, line)
                later.append(line)
        if cur is not None:
            flush(cur, later)
    return _rejoin_brackets(tokens)


def _woven(first: str, middle: str, last: str, known: _Known) -> bool:
    """``first`` and ``last`` are one cell's two printed lines and ``middle`` its neighbour's one
    line, vertically centred beside it, so printed between them (office exports:
    ``年度资金申请总`` / ``4,019,573.86`` / ``额``, ``成本指标（反映项目`` / ``群众知晓率`` /
    ``产出情况）``, ``年度资金总额`` / ``505.06`` / ``（万元）``): the two lines make a label (the
    first alone none, or the last its unit in brackets) beside a value, or a level name or label
    whose bracket the last line closes; the middle line is no label, column or level name."""
    if " " in middle or known.anchor(middle) or _open_brackets(middle) != 0:
        return False
    whole = first + last
    if _open_brackets(first) > 0 > _open_brackets(last) and _open_brackets(whole) == 0:
        head = re.split(r"[（(]", first, maxsplit=1)[0]
        return bool(head and (known.level(head) or known.label(head) or known.label(whole)))
    unit = last[:1] in "（(" and _open_brackets(last) == 0  # 年度资金总额 / 505.06 / （万元）
    return bool(_VALUE_LIKE.search(middle) and known.label(whole) and (unit or not known.label(first)))


def _unweave(block: list[tuple[int, str]], known: _Known) -> Iterator[list[tuple[int, str]]]:
    """A block with a cell's two lines woven around its neighbour's line (:func:`_woven`): the
    cell's lines together, then the neighbour, then the rest of the block, each a block."""
    k = 0
    while k + 2 < len(block):
        (n1, a), (n2, b), (n3, c) = block[k:k + 3]
        if _woven(a.strip(), b.strip(), c.strip(), known):
            yield block[:k] + [(n1, a), (n3, c)]
            yield [(n2, b)]
            block, k = block[k + 3:], 0
            continue
        k += 1
    if block:
        yield block


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
    head = re.split(r"[（(]", first, maxsplit=1)[0] if _open_brackets(first) > 0 else ""
    return bool(known.anchor(line) or known.anchor(first) or known.vocab.periods.get(canonical(line))
                or (head and (known.level(head) or known.label(head))))
    # 经济效益指标（反映 … or 项目资金（元 …: a level name or label, its bracket wrapped


_BARE_AMOUNT = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?$")
_MONEY = re.compile(r"^\d[\d,，]*\.\d{2}$")  # an amount as forms print it (3005.59), not a target (100)


def _is_amount_key(key: Optional[str], vocab: Vocabulary) -> bool:
    return bool(key) and (key in AMOUNT_KEYS or any(
        AMOUNT_KEYS & set(lay.repeated.get(key or "", ())) for lay in vocab.layouts))


def _heading_before_label(tokens: list[Piece], known: _Known) -> list[Piece]:
    """A block's heading (项目资金（元）, merged down the block's rows) printed between its first
    label and that label's value (``项目资金总额 项目资金（元） 6,931,692.38``: an office export
    centres the heading beside the first row) is put before the label: a heading has no value."""
    for k in range(1, len(tokens) - 1):
        before, nxt = known.label(tokens[k - 1].text), tokens[k + 1].text
        if known.label(tokens[k].text) in HEADING_KEYS and before and before not in HEADING_KEYS \
                and not known.anchor(nxt) and not known.vocab.is_title(nxt):
            tokens[k - 1], tokens[k] = tokens[k], tokens[k - 1]
    return tokens


def _rehome_amount_labels(tokens: list[Piece], known: _Known) -> list[Piece]:
    """An amount label pdftotext emitted away from its value: the label stands with no value
    after it (the next piece is another label, a column or level name), while an amount
    earlier in the form follows another label's amount with no label of its own
    (``项目资金总额（万元） 3005.59 2994.26 其他资金 11.33 … 其中：财政资金 长期绩效指标``). The
    label is put back before that amount. Only amounts and amount labels, the nearest
    unlabelled amount before the label, within the form (no title between)."""
    vocab = known.vocab

    def valueless(k: int) -> bool:
        nxt = tokens[k + 1].text if k + 1 < len(tokens) else ""
        return not nxt or known.ends_row(nxt)

    k = 0
    while k < len(tokens):
        if _is_amount_key(known.label(tokens[k].text), vocab) and valueless(k):
            for m in range(k - 1, 1, -1):
                t = tokens[m].text
                if vocab.is_title(t):
                    break
                if _BARE_AMOUNT.match(t) and _BARE_AMOUNT.match(tokens[m - 1].text) \
                        and _is_amount_key(known.label(tokens[m - 2].text), vocab):
                    tokens.insert(m, tokens.pop(k))
                    break
        k += 1
    # an amount printed inside the 一级 column's run (``一级指标 产出指标 3005.59 效益指标``: a
    # Writer export's 项目资金总额 centred beside it) is the nearest valueless amount label's
    k = 1
    while k + 1 < len(tokens):
        if _MONEY.match(tokens[k].text) and known.level(tokens[k - 1].text) == 1 \
                and known.level(tokens[k + 1].text) == 1:
            for m in range(k - 1, -1, -1):
                if vocab.is_title(tokens[m].text):
                    break
                if _is_amount_key(known.label(tokens[m].text), vocab) and valueless(m):
                    tokens.insert(m + 1, tokens.pop(k))
                    break
        k += 1
    return tokens


def _amounts_by_sums(tokens: list[Piece], known: _Known, most: int = 8) -> list[Piece]:
    """Amounts pdftotext printed away from their labels, put back by the sums the form's family
    declares (``[sums]``: 项目资金总额 = 其中：财政资金 + 其他资金, the year's request = 当年财政拨款 +
    上年结转资金 + 其他资金). A form's amount block (from its first amount label, with the
    amounts printed just before it, to its indicator table) holding as many amounts as amount
    labels (at most ``most``), whose reading (each label and the amount after it) leaves a label
    without an amount or breaks a sum: of the pairings that make every sum add up, the one that
    keeps most of the reading's pairs, then the amounts' printed order; left as read when none
    adds up. A sum's parts add up in any order: a label given an amount the reading did not pair
    with it, where another pairing that adds up gives it another, is a guess (``GUESSED``).
    Calc exports print the two amount columns row by row with the cells of a row in either
    order (``其他资金 上年结转资金 0.00 其他资金 0.00 46,065.73``)."""
    vocab = known.vocab
    titles = [k for k, t in enumerate(tokens) if vocab.is_title(t.text)] + [len(tokens)]
    for start, end in reversed(list(zip(titles, titles[1:]))):
        layout = vocab.layout_by_title(tokens[start].text)
        if layout is None or not layout.sums:
            continue
        stop = next((k for k in range(start, end) if known.column(tokens[k].text)), end)
        seen: dict[str, int] = {}
        labels: list[tuple[int, str]] = []
        for k in range(start, stop):
            draft = known.label(tokens[k].text)
            if not _is_amount_key(draft, vocab):
                continue
            n = seen[draft] = seen.get(draft, -1) + 1
            keys = layout.repeated.get(draft or "", (draft,) if n == 0 else ())
            if n < len(keys):
                labels.append((k, keys[n]))
        first = labels[0][0] if labels else stop
        while first > start + 1 and _MONEY.match(tokens[first - 1].text):
            first -= 1
        amounts = [k for k in range(first, stop) if _MONEY.match(tokens[k].text)]
        if not labels or len(amounts) != len(labels) or len(labels) > most \
                or len({key for _, key in labels}) < len(labels):
            continue
        value = {k: parse_decimal(tokens[k].text) for k in amounts}
        # the reading's pairs: a label and the amount after it, unless the label stands in a run of
        # labels (``其中：财政资金 其他资金 6,306,817.77``: the amount is the run's first label's, or none's)
        read = [k + 1 if k + 1 in value and not _is_amount_key(known.label(tokens[k - 1].text), vocab) else None
                for k, _ in labels]
        slot = {key: n for n, (_, key) in enumerate(labels)}
        sums = [(slot[t], [slot[p] for p in parts]) for t, parts in layout.sums.items()
                if t in slot and all(p in slot for p in parts)]

        def adds_up(pick: tuple[int, ...]) -> bool:
            return all(value[pick[t]] == sum((value[pick[p]] for p in parts), Decimal(0)) for t, parts in sums)

        as_read = tuple(k for k in read if k is not None)
        if not sums or (len(as_read) == len(read) and adds_up(as_read)):
            continue
        best: dict[tuple, set[tuple]] = {}
        for pick in permutations(amounts):
            if adds_up(pick):
                kept = sum(a == b for a, b in zip(pick, read))
                order = -sum(1 for x in range(len(pick)) for y in range(x + 1, len(pick)) if pick[x] > pick[y])
                best.setdefault((kept, order), set()).add(pick)
        if not best:
            continue
        top = max(best)
        pick = min(best[top])
        doubt = {n for picks in best.values() for other in picks for n, k in enumerate(other)
                 if pick[n] != read[n] and value[k] != value[pick[n]]}
        after = {labels[n][0]: replace(tokens[k], confidence=GUESSED) if n in doubt else tokens[k]
                 for n, k in enumerate(pick)}
        region: list[Piece] = []
        for k in range(first, stop):
            if k not in value:
                region.append(tokens[k])
                if k in after:
                    region.append(after[k])
        tokens[first:stop] = region
    return tokens


def _rehome_goal_label(tokens: list[Piece], known: _Known) -> list[Piece]:
    """A goal label pdftotext emitted away from the two goals' one block: a goal label with no
    text after it (the next piece is another label), while the other goal label, later in the
    form, is followed by a block of both texts woven (:func:`_woven_texts`; ``项目总目标 上年结转资金
    0.00 … 年度总体目标 A1 / B / A2``). The label is put back beside the other, first (the
    left column's label prints first)."""
    vocab = known.vocab
    k = 0
    while k + 1 < len(tokens):
        key = known.label(tokens[k].text)
        if key in STACKABLE and known.ends_row(tokens[k + 1].text) and known.label(tokens[k + 1].text) not in STACKABLE:
            for m in range(k + 1, len(tokens) - 1):
                if vocab.is_title(tokens[m].text) or known.column(tokens[m].text):
                    break
                other = known.label(tokens[m].text)
                if other in STACKABLE and other != key:
                    if _woven_texts(tokens[m + 1].parts) is not None:
                        tokens.insert(m - 1, tokens.pop(k))
                        k -= 1
                    break
        k += 1
    return tokens


def _goals_after_runs(tokens: list[Piece], known: _Known) -> list[Piece]:
    """The two goal labels side by side with their texts printed later (a Writer 项目绩效目标表,
    flowing text: ``长期目标 年度目标 长期绩效指标 一级指标 产出指标 … 其中：财政资金 项目属性 …
    其他资金 11.33 保障项目顺利实施… / 完成年度工作任务… 二级指标 …``, the texts one block of two
    lines after the tables' first columns and the second label column): when nothing follows
    the labels but set, column or level names or another label, the first block before the
    indicator table of two printed lines, each a text (no label, column or level name, no
    value), gives the two texts, in their printed order."""
    vocab = known.vocab

    def text(t: str) -> bool:
        return len(t) >= 4 and not known.anchor(t) and not vocab.is_title(t) and not _valueish(t)

    k = 0
    while k + 2 < len(tokens):
        nxt = tokens[k + 2].text
        if known.label(tokens[k].text) in STACKABLE and known.label(tokens[k + 1].text) in STACKABLE \
                and (known.anchor(nxt) or vocab.periods.get(canonical(nxt))):
            for m in range(k + 2, len(tokens)):
                t = tokens[m]
                if vocab.is_title(t.text) or known.column(t.text) in ("level2", "level3"):
                    break
                if len(t.parts) == 2 and all(text(p) for p in t.parts):
                    tokens.pop(m)
                    tokens[k + 2:k + 2] = [Piece(t.start, part, t.line + n) for n, part in enumerate(t.parts)]
                    break
        k += 1
    return tokens


def _value_inside_header(tokens: list[Piece], known: _Known) -> list[Piece]:
    """A header label's value printed inside the indicator header, between the 一级 column's
    names and ``二级指标`` (a Calc 批复表: ``预算单位 项目名称 档案数字化项目 … 一级指标 预期产出指标
    青岛市民政局 二级指标 …``; no row's cell prints before the 二级 column's name): put back after
    the nearest label before the table with no value (the next piece is a label), goal and
    amount labels aside."""
    vocab = known.vocab
    for k in range(len(tokens)):
        if known.column(tokens[k].text) != "level1":
            continue
        m = k + 1
        while m < len(tokens) and known.level(tokens[m].text):
            m += 1
        if m + 1 >= len(tokens) or known.column(tokens[m + 1].text) != "level2":
            continue
        word = tokens[m].text
        if known.anchor(word) or vocab.is_title(word) or vocab.periods.get(canonical(word)) or _valueish(word):
            continue
        for at in range(k - 1, 0, -1):
            if vocab.is_title(tokens[at].text):
                break
            key = known.label(tokens[at].text)
            if key and key not in STACKABLE and not _is_amount_key(key, vocab) and known.label(tokens[at + 1].text):
                tokens.insert(at + 1, tokens.pop(m))
                break
    return tokens


def read_flowing(lines: list[tuple[int, str]], vocab: Vocabulary) -> Iterator[Row]:
    known = _Known(vocab)
    tokens = _rehome_amount_labels(_heading_before_label(_flow_tokens(lines, known), known), known)
    tokens = _goals_after_runs(_rehome_goal_label(_amounts_by_sums(tokens, known), known), known)
    tokens = _value_inside_header(tokens, known)
    remarks = _remark_words(tokens, known)
    stray: list[Piece] = []
    form_start, block_tables = 0, 0  # where the form's title is; its tables read by column blocks
    level1_names: dict[str, str] = {}  # group -> the 一级 name this document prints for it
    last_fields: list[str] = []  # the columns of the form's indicator table before
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if vocab.is_title(tok.text):
            last_fields = []
            form_start, block_tables = i, 0
        blocks = _column_blocks(tokens, i, known) if known.column(tok.text) else None
        if blocks is not None:  # a table printed column after column (a Writer export's flowing text)
            sections = [t for t in tokens[form_start:i] if vocab.periods.get(canonical(t.text))]
            if block_tables < len(sections):  # its set's name: the sets' names print before both tables
                section = sections[block_tables]
                yield Row([Cell(section.text, 0, 1, None, None, 1.0, "text", section.line)], None, section.line)
            rows, i = blocks
            stray, block_tables = [], block_tables + 1
            yield from rows
            continue
        # an indicator header: three or more column names in a row (level names may sit between)
        names, j, level1s, inside = [], i, [], []
        while j < len(tokens):
            if known.column(tokens[j].text):
                if names and _column_blocks(tokens, j, known) is not None:
                    break  # the 一级 column's run, then the others column after column
                names.append(tokens[j])
                last = j
            elif names and known.level(tokens[j].text) == 1:
                level1s.append(tokens[j])
            elif names and (len(names) < 3 or all(known.column_kind(p.text) != "value" for p in names)) \
                    and (ahead := _column_within(tokens, j, known)):
                # the first row's 二级 and 三级 names drawn inside a header not yet complete (no
                # value column yet: ``一级指标 二级指标 预期产出指标 成本指标（…） 成本控制情况 效果指标 三级指标 …``)
                inside.extend(tokens[j:ahead])
                j = ahead
                continue
            else:
                break
            j += 1
        if names:  # level names after the last column name are the table's, not the header's
            level1s = [p for p in level1s if tokens.index(p, i) < last]
            j = last + 1
        if [known.column(p.text) for p in names] == ["level1", "level2"]:
            # 三级指标 and the value columns printed among the rows (a Calc export centres them
            # beside the table's middle): the header has them
            end = next((k for k in range(j, len(tokens)) if vocab.is_title(tokens[k].text)
                        or known.column(tokens[k].text) in ("level1", "level2")), len(tokens))
            ahead = [k for k in range(j, end) if known.column_kind(tokens[k].text) in ("level3", "value")]
            if [known.column(tokens[k].text) for k in ahead].count("level3") == 1 and len(ahead) > 1:
                names += [tokens[k] for k in ahead if known.column(tokens[k].text) == "level3"]
                names += [tokens[k] for k in ahead if known.column(tokens[k].text) != "level3"]
                for k in reversed(ahead):
                    del tokens[k]
        if len(names) >= 3 and inside:  # they come after the header, as the table's first
            head = [t for t in tokens[i:j] if all(t is not x for x in inside)]
            tokens[i:j] = head + inside
            j = i + len(head)
        if len(names) >= 3:
            fields = [known.column(p.text) or "" for p in names]
            for p in stray:  # a column name the producer drew elsewhere (备注 before the table)
                if known.column(p.text) not in fields:
                    names.append(p)
                    fields.append(known.column(p.text) or "")
            stray = []
            missing = [f for f in last_fields if f not in fields]
            if "level3" not in fields and {"level1", "level2"} <= set(fields):
                missing.append("level3")  # 三级指标 printed after the rows (the names run under it)
            for p in _columns_ahead(tokens, j, missing, known):
                names.append(p)  # 备注 printed after its table, as in the form's table before
                fields.append(known.column(p.text) or "")
            last_fields = fields
            section = _section_ahead(tokens, i, j, vocab)
            if section is not None:  # the set's name drawn after its table (年度绩效指标)
                yield Row([Cell(section.text, 0, 1, None, None, 1.0, "text", section.line)], None, section.line)
            yield Row([Cell(p.text, c, 1, None, None, 1.0, "text", p.line) for c, p in enumerate(names)], None, tok.line)
            by_columns = _flow_table_by_columns(tokens, j, fields, level1s, known, vocab)
            rows, end = by_columns or _flow_table(tokens, j, fields, level1s, known, vocab, level1_names, remarks)
            yield from _lost_level_names(rows, fields, level1s + tokens[j:end], known)
            i = end
            continue
        if names or known.column(tok.text):
            stray.append(tok)
            i += 1
            continue
        key = known.label(tok.text)
        stack = _label_stack(tokens, i, known) if key else None
        if stack is not None:  # labels printed one a line, their values one a line after them
            labels, heads, values, i = stack
            yield from (Row([Cell(h.text, 0, 1, None, None, 1.0, "text", h.line)], None, h.line) for h in heads)
            yield Row([Cell(p.text, c, 1, None, None, 1.0, "text", p.line) for c, p in enumerate(labels)], None, tok.line)
            yield Row([Cell(p.text, c, 1, None, None, 1.0, "text", p.line) for c, p in enumerate(values)], None,
                      values[0].line)
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if key in STACKABLE and nxt is not None and known.label(nxt.text) in STACKABLE and i + 3 < len(tokens):
            yield Row([Cell(tok.text, 0, 1, None, None, 1.0, "text", tok.line),
                       Cell(nxt.text, 1, 1, None, None, 1.0, "text", nxt.line)], None, tok.line)
            a, b = tokens[i + 2], tokens[i + 3]
            if known.anchor(b.text) or vocab.is_title(b.text):
                woven = _woven_texts(a.parts)
                if woven is not None:  # the two texts in one block, the one-line text between the other's lines
                    left, right = woven if known.label(tok.text) != "annual_goal" else woven[::-1]
                    yield Row([Cell(left, 0, 1, None, None, 1.0, "text", a.line),
                               Cell(right, 1, 1, None, None, 1.0, "text", a.line)], None, a.line)
                else:
                    # one text under the two labels (their wrapped lines interleaved): the next
                    # token is a column name or label, not the second value
                    yield Row([Cell(a.text, 0, 1, None, None, 1.0, "text", a.line)], None, a.line)
                i += 3
                continue
            yield Row([Cell(a.text, 0, 1, None, None, 1.0, "text", a.line),
                       Cell(b.text, 1, 1, None, None, 1.0, "text", b.line)], None, a.line)
            i += 4
            continue
        yield Row([Cell(tok.text, 0, 1, None, None, tok.confidence, "text", tok.line)], None, tok.line)
        i += 1


def _woven_texts(parts: tuple[str, ...]) -> Optional[tuple[str, str]]:
    """Two side-by-side texts printed as one block of three lines, the one-line text between
    the two lines of the other (an office export centres it beside them: ``…逐步完善服`` /
    ``保障项目顺利实施，按期完成各项指标。`` / ``务网络。``): the first and last line are the left
    text — its first line stops mid-sentence, the middle and last lines each end one — and the
    middle line the right one. (With the right text the wrapped one, the left's line prints
    first and the right's two lines after it: read as they come.) None for any other block."""
    if len(parts) != 3 or _TERMINAL.search(parts[0]) or not all(_TERMINAL.search(p) for p in parts[1:]):
        return None
    return _join(parts[0], parts[2]), parts[1]


def _values_fit(labels: list[str], values: list[str], known: _Known) -> bool:
    """Each value the value of its label, for a column of labels and the column of their values
    (:func:`_label_stack`, :func:`_label_columns`): as many values as labels, goals excepted
    (their texts wrap, a line is not a value), no value a label, column, level name or title,
    an amount for each amount label."""
    if len(values) != len(labels) or any(known.label(t) in STACKABLE for t in labels):
        return False
    return all(value and not known.anchor(value) and not known.label(value) and not known.vocab.is_title(value)
               and (_BARE_AMOUNT.match(value.strip()) or not _is_amount_key(known.label(label), known.vocab))
               for label, value in zip(labels, values))


def _label_stack(tokens: list[Piece], i: int, known: _Known
                 ) -> Optional[tuple[list[Piece], list[Piece], list[Piece], int]]:
    """Two or more labels from ``i``, each a piece of its own (a heading such as 项目资金（元）
    among them takes no value), then one block of as many lines, none a label, column or level
    name, an amount for each amount label: a column of labels and the column of their values
    beside it, printed one after the other (a Writer export: ``项目名称 项目性质 主管部门
    计划开始日期 项目资金（元）`` then ``图书采购经费`` / ``经常性项目`` / ``上海市静安区教育局`` /
    ``2025-01-01``). The last label's block may hold the first values after it (``年度资金总额`` /
    ``（万元）`` / ``2994.26``, then ``√新增 □延续`` / ``170669`` / ``李娜`` / ``3005.59``).
    (labels, headings, values, the index after the values), or None."""
    labels: list[Piece] = []
    heads: list[Piece] = []
    j = i
    while j < len(tokens) and (key := known.vocab.header_key(tokens[j].text)):
        (heads if key in HEADING_KEYS else labels).append(tokens[j])
        j += 1
    if not labels or heads and heads[0] is tokens[i] or j >= len(tokens):
        return None
    values: list[Piece] = []
    parts = tokens[j].parts
    for cut in range(len(parts) - 1, 0, -1):  # a label's lines, then values
        head = "".join(parts[:cut])
        if (key := known.vocab.header_key(head)) and key not in HEADING_KEYS:
            labels.append(Piece(0, head, tokens[j].line))
            values = [Piece(0, p, tokens[j].line + n) for n, p in enumerate(parts[cut:], cut)]
            j += 1
            break
    if j >= len(tokens) or len(labels) < 2 or not tokens[j].parts:
        return None
    block = tokens[j]
    values += [Piece(0, p, block.line + n) for n, p in enumerate(block.parts)]
    if not _values_fit([p.text for p in labels], [p.text for p in values], known):
        return None
    return labels, heads, values, j + 1


def _column_within(tokens: list[Piece], j: int, known: _Known) -> Optional[int]:
    """The index of the next column name after ``j`` when the tokens from ``j`` to it are a
    row's first cells: level names and at most one other (its 三级 name), none a label, a
    title, an indicator set's name or a value."""
    others = 0
    for m in range(j, len(tokens)):
        text = tokens[m].text
        if known.label(text) or known.vocab.is_title(text) or known.vocab.periods.get(canonical(text)):
            return None
        if m > j and known.column(text):
            return m
        if not known.level(text):
            others += 1
            if others > 1 or _valueish(text):
                return None
    return None


def _columns_ahead(tokens: list[Piece], j: int, missing: list[str], known: _Known) -> list[Piece]:
    """Column names of the form's table before that this table's header lacks, printed alone
    after its rows (``… 服务对象满意度指标 资金支付及时率 100% 备注``): taken out of the token
    stream, up to the next title or indicator header."""
    found: list[Piece] = []
    for field in missing:
        for k in range(j, len(tokens)):
            text = tokens[k].text
            if known.vocab.is_title(text) or known.column(text) in ("level1", "level2"):
                break  # the next form or indicator table
            if known.column(text) == field:
                found.append(tokens.pop(k))
                break
    return found


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


_QUALITATIVE = re.compile(r"^(可控|无|有|良好|优秀|合格|达标|不适用|是|否)$|(完成|提升|改善|提高|降低|减少|增加|增长|稳定)$")


def _valueish(text: str) -> bool:
    """A value cell's text: a number or target (``≥95%``, ``174人次``) or a word such as 可控."""
    return bool(_VALUE_LIKE.search(text) or _QUALITATIVE.search(text))


_BLOCK_FIELDS = ("level2", "level3", "value", "explanation")


def _column_blocks(tokens: list[Piece], i: int, known: _Known) -> Optional[tuple[list[Row], int]]:
    """An indicator table printed column after column (pdftotext without ``-layout`` of a Writer
    export: ``二级指标 时效指标 数量指标 … 指标内容 成本控制情况 … 指标值 109 人次 ≥95% … 备注 …``):
    each column name, then its cells, a printed line each. Read when the 二级, 三级 and value
    columns come in that order with as many cells each (a 二级 name wrapped over two lines is
    one: ``服务对象满意度`` / ``指标``); the 一级 names are those of the 二级 names' groups. A 备注
    column prints only its filled cells, both tables' after the second, so which rows they are
    is not in the text: they are listed, not placed (an ``unplaced`` row), as in other flowing
    text. None when the blocks do not fit that shape."""
    cols: list[tuple[str, Piece, list[Piece]]] = []
    j = i
    while j < len(tokens):
        t = tokens[j]
        lines = [Piece(t.start, part, t.line + k) for k, part in enumerate(t.parts if len(t.parts) > 1 else (t.text,))]
        field = known.column(lines[0].text)
        if field is not None:
            if len(cols) == len(_BLOCK_FIELDS) or field != _BLOCK_FIELDS[len(cols)]:
                break
            cols.append((field, lines[0], []))
            lines = lines[1:]
        elif not cols or known.ends_table(t.text):
            break
        cells = cols[-1][2]
        for piece in lines:
            if cols[-1][0] == "level2" and cells and not known.level(cells[-1].text) \
                    and known.level(_join(cells[-1].text, piece.text)):
                cells[-1] = Piece(cells[-1].start, _join(cells[-1].text, piece.text), cells[-1].line)
            else:
                cells.append(piece)
        j += 1
    if len(cols) < 3:
        return None
    (_, head, level2), (_, _, level3), (_, _, values) = cols[:3]
    # a 二级 name whose wrapped tail printed elsewhere (after the remarks): the one name it begins
    heads = {}
    for r, p in enumerate(level2):
        whole = [name for name in known.level2 if name.startswith(p.text) and name != p.text]
        if known.level(p.text) is None and len(whole) == 1:
            heads[whole[0][len(p.text):]] = p.text
            level2[r] = Piece(p.start, whole[0], p.line)
    n = len(level2)
    if not n or len(level3) != n or len(values) != n or not all(known.level(p.text) == 2 for p in level2):
        return None
    # (never placed, even one a row: both tables' remarks print after the second)
    remarks = [p for p in (cols[3][2] if len(cols) > 3 else []) if p.text not in heads]
    rows = [Row([Cell(t, c, 1, None, None, 1.0, "text", head.line)
                 for c, t in enumerate(["一级指标"] + [h.text for _, h, _ in cols])], None, head.line)]
    for r in range(n):
        value = _LATIN_CJK_SPACE.sub("", values[r].text)  # 109 人次: the suite's space before a unit
        texts = [_LEVEL1_OF.get(_group(level2[r].text) or "", ""), level2[r].text, level3[r].text, value]
        rows.append(Row([Cell(t, c, 1, None, None, 1.0, "text", level3[r].line) for c, t in enumerate(texts)],
                        None, level3[r].line))
    if remarks:
        rows.append(Row([Cell(p.text, 4, 1, None, None, GUESSED, "text", p.line) for p in remarks],
                        None, remarks[0].line, unplaced=True))
    return rows, j


def _lost_level_names(rows: list[Row], fields: list[str], span: list[Piece], known: _Known) -> list[Row]:
    """A table's rows checked against the level names printed among them: a 一级 or 二级 name
    the reading puts on no row (``生态效益指标 服务对象满意度指标`` printed after the last row,
    one 一级 name too many) says pdftotext moved cells in a way the reading did not follow.
    Which rows the name covers is not in the text, so it is listed, not placed (an
    ``unplaced`` row: one ``LOW_CONFIDENCE`` finding on the table), and every row's level
    names are a guess (confidence 0.5: a finding each). The rows themselves are checked by
    :func:`pipeline.validate.check_indicator_rows`, as every reader's are."""
    cols = {f: c for c, f in enumerate(fields) if f in ("level1", "level2")}
    used = {canonical(c.text) for r in rows for c in r.cells if c.col in cols.values()}
    lost = [p for p in span if known.level(p.text) and canonical(p.text) not in used]
    if not lost or not rows:
        return rows
    out = [replace(r, cells=[replace(c, confidence=min(c.confidence, GUESSED)) if c.col in cols.values() else c
                             for c in r.cells]) for r in rows]
    for field in ("level1", "level2"):
        apart = [p for p in lost if (known.level(p.text) == 1) == (field == "level1")]
        if apart and field in cols:
            out.append(Row([Cell(p.text, cols[field], 1, None, None, GUESSED, "text", p.line) for p in apart],
                           None, apart[0].line, unplaced=True))
    return out


def _flow_table_by_columns(tokens: list[Piece], i: int, names: list[str], level1s: list[Piece], known: _Known,
                           vocab: Vocabulary) -> Optional[tuple[list[Row], int]]:
    """Indicator rows of flowing text with two value columns or more (中期指标值 | 年度指标值):
    pdftotext keeps each column's cells in their order down the page but interleaves the
    columns (a merged 二级 cell's name after rows it covers, a row's names after later rows'
    values). The 三级 names and the values make the rows in stream order
    (:func:`_pair_in_stream`), else by count when the counts agree; a 二级 name starts its
    group at the 三级 name after it, or shares rows read before it (:func:`_share_rows`); a
    一级 name starts at a 二级 group's start (of its own group where the names tell: 满意度指标
    → 服务对象满意度指标). None when neither pairs them or the table has a free-text column
    (指标解释, 备注)."""
    values = [n for n in names if n not in ("level1", "level2", "level3")]
    if len(values) < 2 or "explanation" in values or "level3" not in names:
        return None  # one value column: the names sit near their rows, read in turn (_flow_table)
    j = i
    level3: list[tuple[int, Piece]] = []
    vals: list[Piece] = []
    value_at: list[int] = []
    levels: list[tuple[int, int, str]] = [(1, i - 1, p.text) for p in level1s]  # (level, stream index, name)
    while j < len(tokens):
        t = tokens[j].text
        if known.ends_table(t):
            break
        lv = known.level(t) or (2 if "指标" in t and _group(t) and len(t) <= 24 and ("（" in t or "(" in t) else None)
        if lv:
            levels.append((lv, j, t))
        elif _valueish(t):
            vals.append(tokens[j])
            value_at.append(j)
        else:
            level3.append((j, tokens[j]))
        j += 1
    n = len(values)
    paired = _pair_in_stream(sorted([(k, "name", p) for k, p in level3]
                                    + [(k, "value", v) for k, v in zip(value_at, vals)], key=lambda e: e[0]), n)
    if paired is not None:
        rows_read, name_row = paired
        level3 = [(k, name) for k, name, _ in rows_read]
        vals = [v for _, _, vs in rows_read for v in vs]
    else:
        name_row = {}
        if level3 and len(vals) != n * len(level3):
            # two rows' 三级 names stacked in one block (``成本控制情况`` / ``项目完成率``): each
            # printed line a name, when that makes one value per column and row
            split = [(k, Piece(p.start, part, p.line)) for k, p in level3 for part in (p.parts or (p.text,))]
            if len(vals) == n * len(split):
                level3 = split
        if not level3 or len(vals) != n * len(level3):
            return None
    at = [k for k, _ in level3]

    def first_row_after(k: int) -> int:
        if name_row:  # the row the next 三级 name after it is (rows read in stream order)
            return next((name_row[idx] for idx in sorted(name_row) if idx > k), len(at))
        return next((r for r, idx in enumerate(at) if idx > k), len(at))

    # 成本指标 is a 一级 and a 二级 name: the 一级 one where the table has 二级 names of its group
    cost_level1 = any(lv == 2 and _group(t) == "成本" and canonical(t) not in known.level1 for lv, _, t in levels)
    resolved = [(2 if lv == 1 and canonical(t) in known.level2 and not cost_level1 else lv, k, t)
                for lv, k, t in levels]
    level2 = sorted(((first_row_after(k), t) for lv, k, t in resolved if lv == 2), key=lambda x: x[0])
    outer_names = [t for lv, _, t in resolved if lv == 1]
    outer = {_group(t) for t in outer_names}

    def within(name2: str, name1: str) -> bool:
        """A 二级 name's group under a 一级 name: its own, or the one a family folds it into
        when it prints no 一级 name of its own (the 批复表's 效果指标 holds 满意度 as well as 效益
        groups; 预期产出指标 holds 成本)."""
        inner, group = _group(name2), _group(name1)
        return inner == group or (inner not in outer and (inner, group) in LEVEL_FOLDS)

    def same_outer(a: int, b: int) -> bool:  # two 二级 names under one 一级 name
        return any(within(level2[a][1], t) and within(level2[b][1], t) for t in outer_names)

    # names after their rows, each shared with a group under its 一级 name
    shared_starts, guessed = _share_rows([r for r, _ in level2], len(at), same_outer if outer_names else None)
    starts2: list[tuple[int, str]] = []
    for r, t in sorted(((shared_starts.get(g, r), t) for g, (r, t) in enumerate(level2)), key=lambda x: x[0]):
        r = max(r, starts2[-1][0] + 1) if starts2 else 0
        starts2.append((min(r, len(at) - 1), t))
    l2_of = [""] * len(at)
    for m, (r, t) in enumerate(starts2):
        end = starts2[m + 1][0] if m + 1 < len(starts2) else len(at)
        for x in range(r, end):
            l2_of[x] = t
    group_starts = [r for r, _ in starts2] or [0]
    l1_of = [""] * len(at)
    prev = -1
    l1s = [(first_row_after(k), t) for lv, k, t in resolved if lv == 1]
    placed = []
    for r, t in l1s:
        cands = [g for g in group_starts if g > prev]
        if not cands:
            break
        start = next((g for g in cands if g >= r), cands[-1]) if placed else 0
        own = [g for g in cands if within(l2_of[g], t)]
        if placed and own:
            # (not the first: the table's first row has a 一级 name, whatever its 二级 name's
            # group — 成本指标（反映项目产出情况） is the 批复表's 预期产出指标's)
            start = own[0]
        placed.append((start, t))
        prev = start
    for m, (r, t) in enumerate(placed):
        end = placed[m + 1][0] if m + 1 < len(placed) else len(at)
        for x in range(r, end):
            l1_of[x] = t
    col = {name: c for c, name in enumerate(names)}
    rows = []
    for r, (_, tok) in enumerate(level3):
        texts = {"level1": l1_of[r], "level2": l2_of[r], "level3": tok.text}
        texts.update(zip(values, (v.text for v in vals[r * n:(r + 1) * n])))
        sure = GUESSED if r in guessed else 1.0
        cells = [Cell(t, col[f], 1, None, None, sure if f in ("level1", "level2") else 1.0, "text", tok.line)
                 for f, t in texts.items() if f in col]
        rows.append(Row(sorted(cells, key=lambda c: c.col), None, tok.line))
    return rows, j


def _pair_in_stream(entries: list[tuple[int, str, Piece]], n: int
                    ) -> Optional[tuple[list[tuple[int, Piece, list[Piece]]], dict[int, int]]]:
    """三级 names and values (``entries``: stream index, "name" or "value", piece) made into rows
    in stream order: a name's values follow it (names in a run, then their values in a run, in
    turn); values no name waits for are a row whose name comes later — pdftotext printed its
    二级 and 三级 names as one block after later rows (``道路养护里程 三年内完成 100% ≥95% 33人次
    … 服务对象满意度指标 项目完成率``) — and the next name with no values of its own is theirs. A
    name of several printed lines is that many rows' names when their values say so. Returns
    the rows in the order they begin in the stream (where: the name's index, or its first
    value's; the name; its values) and each name's row; None unless every row has a name and
    ``n`` values."""
    rows: list[list] = []  # [where it begins in the stream, name or None, values]
    wanting: list[int] = []  # rows still short of values, in order
    nameless: list[int] = []  # rows of values no name came for yet
    name_row: dict[int, int] = {}
    for e, (j, kind, p) in enumerate(entries):
        if kind == "value":
            while wanting and len(rows[wanting[0]][2]) >= n:
                wanting.pop(0)
            if not wanting:
                rows.append([j, None, []])
                wanting.append(len(rows) - 1)
                nameless.append(len(rows) - 1)
            rows[wanting[0]][2].append(p)
            continue
        following = next((m for m in range(e + 1, len(entries)) if entries[m][1] != "value"), len(entries)) - e - 1
        parts = list(p.parts) if len(p.parts) > 1 else [p.text]
        if len(parts) > 1 and (following == n * len(parts) or (following == 0 and len(nameless) >= len(parts))):
            names = [Piece(p.start, part, p.line) for part in parts]
        else:
            names = [p]
        for name in names:
            if following == 0 and nameless:
                r = nameless.pop(0)
                rows[r][1] = name
            else:
                rows.append([j, name, []])
                r = len(rows) - 1
                wanting.append(r)
            name_row.setdefault(j, r)
    if not rows or any(name is None or len(vs) != n for _, name, vs in rows):
        return None
    return [(j, name, vs) for j, name, vs in rows], name_row


def _remark_words(tokens: list[Piece], known: _Known) -> frozenset[str]:
    """Words the document prints where only a row's last column can be: after a row's value and
    before the next row's level name (``≥95% 第三方评价 数量指标``)."""
    return frozenset(
        tokens[m].text for m in range(1, len(tokens) - 1)
        if known.level(tokens[m + 1].text) and _valueish(tokens[m - 1].text) and not known.anchor(tokens[m].text)
        and not _valueish(tokens[m].text) and not known.vocab.is_title(tokens[m].text))


def _flow_table(tokens: list[Piece], i: int, names: list[str], level1s: list[Piece], known: _Known,
                vocab: Vocabulary, level1_names: dict[str, str],
                remarks: frozenset[str] = frozenset()) -> tuple[list[Row], int]:
    """Indicator rows from flowing tokens: 一级/二级 names by vocabulary (a 二级 name picks the
    pending 一级 name of its group), then a 三级 name and one token per value column (an
    optional last column, 备注, when the next tokens read as a new row). 二级 names printed
    after the rows they cover are placed by :func:`_place_deferred_groups`."""
    rows: list[Row] = []
    groups: list[tuple[int, str, str]] = []  # each 二级 name: (rows read before it, its 一级, it)
    orphans: list[list[Piece]] = []  # values (and 备注) read where a 三级 name belongs
    loose: list[tuple[int, list[Cell]]] = []  # 备注 read away from their rows: (rows read before, as read)
    pending = list(level1s)
    for p in level1s:
        level1_names[_group(p.text) or p.text] = p.text
    level1 = level2 = ""
    values = [n for n in names[2:] if n != "level3"]
    optional_last = values and values[-1] == "explanation"
    remark_col = 2 + len(values) if optional_last else -1
    doubt: set[int] = set()  # rows whose group is a guess

    def held_as_remark(word: str) -> bool:  # the 备注 of a row read above
        return any(c.col == remark_col and c.text == word for r in rows for c in r.cells)

    early_at: set[int] = set()  # rows read before level names emitted between a row and its value
    early: set[int] = set()  # those names' groups
    while i < len(tokens):
        tok = tokens[i]
        t = tok.text
        if known.ends_table(t):
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
            if len(rows) in early_at:
                early.add(len(groups))
            groups.append((len(rows), level1, level2))
            i += 1
            continue
        if pending and not level1:
            level1 = pending.pop(0).text
        nxt_text = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if _valueish(t) and not _valueish(nxt_text):
            # a value where a 三级 name belongs: a row pdftotext printed value first (its 二级 and
            # 三级 names one block, drawn later: ``按期完成 第三方评价 … 服务对象满意度指标 纠纷调解成功率``);
            # held for the next 三级 name that has no value
            held = [tok]
            i += 1
            if optional_last and len(values) > 1 and i < len(tokens) and not known.ends_row(tokens[i].text) \
                    and not (i + 1 < len(tokens) and _valueish(tokens[i + 1].text)):
                held.append(tokens[i])  # and its 备注 (not a 三级 name: no value follows)
                i += 1
            orphans.append(held)
            continue
        stacked = _stacked_rows(tok, tokens[i + 1] if i + 1 < len(tokens) else None) if len(values) == 1 else None
        if stacked:
            for name, value in stacked:
                rows.append(Row([Cell(level1, 0, 1, None, None, 1.0, "text", tok.line),
                                 Cell(level2, 1, 1, None, None, 1.0, "text", tok.line),
                                 Cell(name, 2, 1, None, None, 1.0, "text", tok.line),
                                 Cell(value, 3, 1, None, None, 1.0, "text", tokens[i + 1].line)], None, tok.line))
            i += 2
            continue
        cells = [Cell(level1, 0, 1, None, None, 1.0, "text", tok.line), Cell(level2, 1, 1, None, None, 1.0, "text", tok.line),
                 Cell(t, 2, 1, None, None, 1.0, "text", tok.line)]
        under_level2 = i > 0 and known.level(tokens[i - 1].text) == 2
        i += 1
        for n, _name in enumerate(values):
            if i >= len(tokens):
                break
            nxt = tokens[i].text
            run = _level_run(tokens, i, known) if n == 0 else 0
            if run and i + run < len(tokens) and _valueish(tokens[i + run].text):
                # level names emitted between a 三级 name and its value (``服务对象满意度指标 培训人次
                # 生态环境成本指标 =100.00(%) 项目完成率``, or a 一级 and its 二级 name: ``资金支付及时率
                # 成本指标 社会成本指标 可控``): the value is the row's, the names the rows' after
                tokens.insert(i, tokens.pop(i + run))
                nxt = tokens[i].text
                doubt.add(len(rows) + 1)  # whether its group starts on the next row is a guess
                early_at.add(len(rows) + 1)
            if known.ends_row(nxt):
                break
            if optional_last and n == len(values) - 1:
                after = tokens[i + 1].text if i + 1 < len(tokens) else ""
                if _VALUE_LIKE.search(after) and not _VALUE_LIKE.search(nxt) and not known.level(after) \
                        and not held_as_remark(nxt) \
                        and not _value_of_last_name(tokens, i + 1, known):
                    # the next row's 三级 name and its value: this row's 备注 is blank (unless
                    # the word is a 备注 of a row above: ``按期完成 按年度统计 160人次 按年度统计``,
                    # or the value is the table's last row's, its name printed at the end)
                    break
            cells.append(Cell(nxt, 3 + n, 1, None, None, 1.0, "text", tokens[i].line))
            i += 1
        if optional_last and orphans and under_level2 and len(cells) == 4 and not _valueish(cells[3].text) \
                and _ends_table(tokens, i, known):
            # the table's last 三级 name, its value printed before it and a word after it: a 备注
            # printed away from its row (``… ≥95% 按年度统计 … 服务对象满意度指标 培训人次 按年度统计``)
            loose.append((len(rows), cells[:2] + [cells.pop()]))
        if len(cells) == 3 and orphans and not (optional_last and not under_level2 and _names_to_end(tokens, i, known)):
            # (a word with no value not under a 二级 name, with another such word before the
            # table's end, is a 备注 printed away from its row: the later word takes the value)
            for n, piece in enumerate(orphans.pop(0)):
                cells.append(Cell(piece.text, 3 + n, 1, None, None, 1.0, "text", piece.line))
        two_words = len(cells) == 4 and not _valueish(t) and not _valueish(cells[3].text)
        if optional_last and len(values) > 1 and not _VALUE_LIKE.search(t) and (
                len(cells) == 3 or (two_words and (
                    _ends_table(tokens, i, known) or t == cells[3].text
                    or (i < len(tokens) and known.level(tokens[i].text) and {t, cells[3].text} <= remarks)))):
            # a 三级 name with no value where every row has one: a 备注 pdftotext printed after
            # level names or later rows (``… 329人次 效益指标 满意度指标 按年度统计 …``). So are two
            # such words closing the table, the same word twice (``第三方评价 第三方评价``), or two
            # words the document prints only as 备注 before a level name (``按年度统计 第三方评价
            # 服务对象满意度指标``): listed after the table is read, not placed
            waiting = sum(len(c) - 2 for r, c in loose if r == len(rows)) + len(cells) - 2
            if sum(1 for r in rows if _remark_blank(r, remark_col)) >= waiting or held_as_remark(t):
                # (else a row of its own, as read, unless the rows above hold the word as a 备注)
                loose.append((len(rows), cells))
                continue
        rows.append(Row(cells, None, tok.line))
    # 备注 read away from their rows: which rows' is not in the text (the same words come from
    # row 3's 备注 in one form and row 4's in another). A guess (the latest blank rows, in order)
    # left 22 of the 99 rows it gave one exact over 16 seeds of synthetic forms: they are listed
    # for a reviewer instead (one LOW_CONFIDENCE finding), the rows' 备注 left blank
    unplaced = [Cell(c.text, remark_col, 1, None, None, GUESSED, "text", c.line) for _, cells in loose for c in cells[2:]]
    for held in orphans:  # values no 三级 name took: rows of their own, as printed
        rows.append(Row([Cell(level1, 0, 1, None, None, 1.0, "text", held[0].line),
                         Cell(level2, 1, 1, None, None, 1.0, "text", held[0].line)]
                        + [Cell(p.text, 2 + n, 1, None, None, 1.0, "text", p.line) for n, p in enumerate(held)],
                        None, held[0].line))
    rows = [_with_levels(r, (r.cells[0].text, r.cells[1].text), GUESSED) if k in doubt and len(r.cells) > 2 else r
            for k, r in enumerate(rows)]
    rows = _share_with_early_group(_place_deferred_groups(rows, groups), groups, early)
    if unplaced:
        rows.append(Row(unplaced, None, unplaced[0].line, unplaced=True))
    return rows, i


def _share_with_early_group(rows: list[Row], groups: list[tuple[int, str, str]], early: set[int]) -> list[Row]:
    """The table's last group, when its names were emitted between a row's 三级 name and its
    value (``服务对象满意度指标 调解案件数 社会成本指标 有所提升 项目完成率 … 项目完成率 …``): where it
    starts is not in the text, only that it is after that row. Its rows and those of the group
    before it, from that group's start, are shared evenly (the earlier group takes the odd
    row), as for names emitted after their rows (:func:`_share_rows`); marked as a guess."""
    last = len(groups) - 1
    if last not in early or last == 0:
        return rows
    start = groups[last][0]
    before = max((g[0] for g in groups[:last] if g[0] < start), default=None)
    if before is None or not 0 < start <= len(rows):
        return rows
    at = max(start, before + (len(rows) - before + 1) // 2)
    names = (rows[start - 1].cells[0].text, rows[start - 1].cells[1].text) if len(rows[start - 1].cells) > 1 else None
    if names is None or at >= len(rows):
        return rows
    out = [_with_levels(r, names, GUESSED) if start <= k < at and len(r.cells) > 2 else r for k, r in enumerate(rows)]
    first = out[at]  # where the group now starts: a guess too
    out[at] = _with_levels(first, (first.cells[0].text, first.cells[1].text), GUESSED) if len(first.cells) > 2 else first
    return out


def _names_to_end(tokens: list[Piece], k: int, known: _Known) -> Optional[int]:
    """How many words other than level names lie from ``k`` to the table's end, when none of
    them is a value (None when one is)."""
    names = 0
    for m in range(k, len(tokens)):
        text = tokens[m].text
        if known.ends_table(text):
            break
        if _valueish(text):
            return None
        if not known.level(text):
            names += 1
    return names


def _value_of_last_name(tokens: list[Piece], k: int, known: _Known) -> bool:
    """``tokens[k]`` is the value of the table's last row, printed before its name: a value,
    then no other value up to the table's end, where a word follows level names (``… 项目完成率
    ≥95% 第三方评价 100% 第三方评价 效益指标 满意度指标 服务对象满意度指标 道路养护里程`` then the
    next table or form; 备注 printed away from their rows may lie between)."""
    if k >= len(tokens) or not _valueish(tokens[k].text):
        return False
    named = False
    for m in range(k + 1, len(tokens)):
        text = tokens[m].text
        if known.ends_table(text):
            break
        if _valueish(text):
            return False
        named = named or (m > k + 1 and bool(known.level(tokens[m - 1].text)) and not known.level(text))
    return named


def _level_run(tokens: list[Piece], i: int, known: _Known) -> int:
    """How many level names start at ``i``: a 一级 or 二级 name, or a 一级 name then a 二级 name
    (0 when ``tokens[i]`` is none)."""
    first = known.level(tokens[i].text) if i < len(tokens) else None
    if not first:
        return 0
    if first == 1 and i + 1 < len(tokens) and known.level(tokens[i + 1].text) == 2:
        return 2
    return 1


def _ends_table(tokens: list[Piece], i: int, known: _Known) -> bool:
    """Nothing of the table's rows after ``i``: the end, or only level names before the next
    label, title, column or indicator set's name."""
    for k in range(i, len(tokens)):
        if known.ends_table(tokens[k].text):
            return True
        if not known.level(tokens[k].text):
            return False
    return True


def _remark_blank(row: Row, col: int) -> bool:
    """A row with a value whose 备注 (column ``col``) is blank."""
    return len(row.cells) > 3 and not any(c.col == col and c.text for c in row.cells)


def _stacked_rows(name: Piece, value: Optional[Piece]) -> Optional[list[tuple[str, str]]]:
    """Two or more rows' cells pdftotext printed as one block each (``调解案件数`` / ``环境影响``
    then ``有所提升`` / ``有所提升``): the 三级 block's lines are as many as the value block's, and
    every value line is a whole value (a number, a target, a word such as 可控 or 有所提升; a
    wrapped value's second line, ``日)``, is not), no name line one. Each line pair is a row."""
    if value is None or len(name.parts) < 2 or len(value.parts) != len(name.parts):
        return None
    if not all(p and _valueish(p) and _open_brackets(p) == 0
               for p in value.parts):
        return None
    if any(not p or _VALUE_LIKE.search(p) for p in name.parts):
        return None
    return list(zip(name.parts, value.parts))


def _share_rows(ats: list[int], n: int, compat: Optional[Callable[[int, int], bool]] = None
                ) -> tuple[dict[int, int], set[int]]:
    """Where each 二级 name's group starts, for names pdftotext emitted after the rows they cover
    (a merged cell's name drawn beside a later row of its group): ``… 环境影响 ≤3.00 项目完成率
    ≤8.00 效益指标 经济效益指标 生态效益指标 满意度指标 服务对象满意度指标 培训人次 …``. ``ats[g]``
    is how many of the table's ``n`` rows were read before name ``g``. Of names with no row
    between them only the last can start the rows that follow (a group has a row); the others
    cover rows read before them, after a group that started in place: the latest such group
    ``compat`` (names' indices) allows — one under the same 一级 name — else the latest. Where
    in those rows each starts is not in the text: the rows are shared out evenly (the earlier
    groups take the odd rows). Returns the start of every group placed so, or in place, and the
    rows whose group is a guess (a run of names longer than its rows is left out: placed as
    read)."""
    starts: dict[int, int] = {}
    deferred: list[int] = []
    k = 0
    while k < len(ats):
        m = k
        while m + 1 < len(ats) and ats[m + 1] == ats[k]:
            m += 1
        if ats[k] < n:
            starts[m] = ats[k]
            deferred += range(k, m)
        else:
            deferred += range(k, m + 1)
        k = m + 1
    in_place = sorted((start, g) for g, start in starts.items())
    runs: list[tuple[int, Optional[int], int]] = []  # (first row, the group started there, end)
    if not in_place or in_place[0][0] > 0:
        runs.append((0, None, in_place[0][0] if in_place else n))
    runs += [(start, g, in_place[x + 1][0] if x + 1 < len(in_place) else n) for x, (start, g) in enumerate(in_place)]
    shares: dict[int, list[int]] = {}
    for d in deferred:
        before = [x for x, (start, _, _) in enumerate(runs) if start < ats[d]]
        if not before:
            continue
        fits = [x for x in before if compat is None or runs[x][1] is None or compat(d, runs[x][1])]
        shares.setdefault((fits or before)[-1], []).append(d)
    guessed: set[int] = set()
    for x, ds in shares.items():
        start, g, end = runs[x]
        names = ([g] if g is not None else []) + ds
        if end - start < len(names):
            continue
        size, odd = divmod(end - start, len(names))
        r = start
        for idx, name in enumerate(names):
            starts[name] = r
            r += size + (1 if idx < odd else 0)
        guessed.update(range(start, end))
    return starts, guessed


def _place_deferred_groups(rows: list[Row], groups: list[tuple[int, str, str]],
                           guessed: float = GUESSED) -> list[Row]:
    """Rows read one by one, relabelled where :func:`_share_rows` places 二级 names emitted after
    the rows they cover; their level names carry confidence ``guessed``."""
    starts, shared = _share_rows([g[0] for g in groups], len(rows))
    out = list(rows)
    for r in sorted(shared):
        g = max((g for g, start in starts.items() if start <= r), key=lambda g: (starts[g], g))
        out[r] = _with_levels(out[r], groups[g][1:], guessed)
    return out


def _with_levels(row: Row, names: tuple[str, str], confidence: float) -> Row:
    cells = list(row.cells)
    for c, text in enumerate(names):
        cells[c] = Cell(text, c, 1, None, None, confidence, "text", cells[c].line)
    return Row(cells, row.page, row.line, row.continuation)


# --------------------------------------------------------------------------- line text (a viewer's copy)

_TERMINAL = re.compile(r"[。；！？;!?]$")
_OPEN_TAIL = re.compile(r"[（(][^（）()]*$")


def line_text(lines: list[str], share: float = 0.2) -> bool:
    """Line text: copied text whose blank lines are fewer than ``share`` of its text lines (a
    PDF viewer's copy, pdfplumber ``extract_text``: one printed line a line, words apart by
    single spaces; pdftotext without ``-layout`` puts a blank line between nearly all cells)."""
    text = sum(1 for ln in lines if ln.strip())
    blank = sum(1 for ln in lines if not ln.strip())
    return text > 0 and blank < share * text


class _LineKnown(_Known):
    """The vocabulary for line text: also the head of a label wrapped inside its cell
    (``其中：当年财政拨`` / ``款``, ``中期资金总额（万`` / ``元）``) and of a level name
    (``*服务对象满意度指`` / ``标``)."""

    def __init__(self, vocab: Vocabulary):
        super().__init__(vocab)
        self.label_names = tuple(vocab.header)
        self.level2_names = tuple(canonical(v) for v in vocab.level2_values)

    def label_head(self, text: str) -> bool:
        if self.label(text):
            return True
        c = canonical(_OPEN_TAIL.sub("", text))
        if len(c) < 4 or _VALUE_LIKE.search(c):
            return False
        return c in self.vocab.header or any(n.startswith(c) for n in self.label_names)

    def level2_head(self, text: str) -> bool:
        c = canonical(_OPEN_TAIL.sub("", text))
        return len(c) >= 3 and any(n.startswith(c) and n != c for n in self.level2_names)

    def anchor(self, text: str) -> bool:
        return super().anchor(text) or self.label_head(text)


def _is_level2(known: _LineKnown, text: str) -> bool:
    return known.level(text) == 2 or (("指标" in text or known.level2_head(text)) and _group(text) is not None
                                      and len(text) <= 24 and ("（" in text or "(" in text)) \
        or known.level2_head(text)


class _LineTable:
    """An indicator table of line text: rows of words (一级/二级 names by vocabulary, then the
    三级 name and one word per value column), wrapped words joined to the cell they continue,
    and the 一级/二级 names spread over the rows they cover — printed on the first row of
    their group (a drawn form) or centred over it (a merged cell: on a middle row, or on a line
    of its own between two rows)."""

    def __init__(self, names: list[str], known: _LineKnown, carry: tuple[str, str], doc: Optional[dict] = None):
        self.names, self.known = names, known
        self.doc = doc if doc is not None else {}  # {"centred": a level name seen on a line of its own}
        self.values = [n for n in names if n not in ("level1", "level2", "level3")]
        self.optional = 1 if self.values and self.values[-1] == "explanation" else 0
        self.rows: list[dict] = []          # {"line", "level3", "values", "l1", "l2"}
        self.levels: list[tuple[int, float, str]] = []  # (level, position, name)
        self.last: dict[int, float] = {}  # a wrapped name's last line (index into levels -> position)
        self.carry = carry

    def _level_words(self, words: list[str]) -> tuple[list[tuple[int, str]], list[str]]:
        levels: list[tuple[int, str]] = []
        need = 1 + len(self.values) - self.optional
        # a 二级 name's first line still waiting for its rest (``服务对象满意度指`` / a row / ``标``):
        # a 三级 name that starts like a 二级 name on the row beside it is the row's
        waiting = any(lv == 2 and pos >= len(self.rows) - 1 and not self.known.level(name)
                      and self.known.level2_head(name) for lv, pos, name in self.levels)
        i = 0
        while i < len(words) and len(levels) < 2:
            w = words[i]
            lv = self.known.level(w)
            nxt = words[i + 1] if i + 1 < len(words) else None
            if lv == 1 and canonical(w) in self.known.level2 and (
                    levels or "（" in w or "(" in w
                    or (not (nxt and self.known.level(nxt) == 2) and self._latest_level1_group() == "产出")):
                lv = 2  # 成本指标 is a 一级 and a 二级 name: after a 一级 name, with a remark, or under 产出指标
            if lv is None and not (waiting and self.known.level2_head(w)) and _is_level2(self.known, w) and (
                    len(words) - i - 1 >= need or all(
                    self.known.level(x) or _is_level2(self.known, x) for x in words[i:])):
                lv = 2  # a wrapped or remarked 二级 name, when the 三级 name and values follow, or alone
            if lv is None or (levels and lv <= levels[-1][0]):
                break
            levels.append((lv, w))
            i += 1
        return levels, words[i:]

    def _completes(self, name: str, w: str) -> bool:
        """``w`` is the wrapped rest of the level name ``name``: it closes its bracket, adds a
        remark in brackets to it, or makes it a known name."""
        if _open_brackets(name) > 0 > _open_brackets(w):
            return True
        if w[0] in "（(" and self.known.level(name) and _open_brackets(name) == 0 and not re.search(r"[（(]", name):
            return True
        return not self.known.level(name) and _open_brackets(name) == 0 \
            and bool(self.known.level(_OPEN_TAIL.sub("", _join(name, w))))

    def _latest_level1_group(self) -> Optional[str]:
        for lv, _, name in reversed(self.levels):
            if lv == 1:
                return _group(name)
        return None

    def add(self, lineno: int, line: str) -> None:
        words = line.split()
        if len(words) > 1 and self.rows:  # a wrapped level name's tail beside the next row (服务对象满意度 / 指标)
            last = len(self.rows) - 1
            for k in range(len(self.levels) - 1, -1, -1):
                lv, pos, name = self.levels[k]
                if pos < last - 0.5:
                    break
                if self._completes(name, words[0]):
                    self.levels[k] = (lv, pos, _join(name, words[0]))
                    self.last[k] = float(len(self.rows))
                    words = words[1:]
                    break
        levels, rest = self._level_words(words)
        # a merged cell cut by a page break is printed on both pages: its name again, the
        # latest name of its level (``产出指标`` / ``质量指标`` at the next page's head)
        levels = [(lv, w) for lv, w in levels if w != next((n for v, _, n in reversed(self.levels) if v == lv), None)]
        need = 1 + len(self.values) - self.optional
        if levels and len(rest) > need and self.rows:
            # the same, after a 一级 name centred on this row (``效果指标 标 资金支付及时率 …``,
            # ``预期产出指标 目产出情况） 培训人次 …``): one word more than the row's cells
            last = len(self.rows) - 1
            k = next((k for k in range(len(self.levels) - 1, -1, -1) if self.levels[k][1] >= last - 0.5
                      and self._completes(self.levels[k][2], rest[0])), None)
            if k is not None:
                lv, pos, name = self.levels[k]
                self.levels[k] = (lv, pos, _join(name, rest[0]))
                self.last[k] = float(len(self.rows))
                rest = rest[1:]
        if rest and len(rest) < need and self.rows:
            self._continue(levels, rest)
            return
        if rest and len(rest) < need:  # a first row missing a value: read what is there
            need = len(rest)
        pos = float(len(self.rows)) if rest else len(self.rows) - 0.5
        if levels and not rest:
            self.doc["centred"] = True
        for lv, w in levels:
            self.levels.append((lv, pos, w))
        if not rest:
            return
        n = len(self.values)
        if len(rest) > 1 + n:  # spaces inside a cell: the explanation (free text), else the 三级 name
            if self.optional:
                rest = rest[:n] + [" ".join(rest[n:])]
            else:
                rest = [" ".join(rest[:len(rest) - n])] + rest[len(rest) - n:]
        self.rows.append({"line": lineno, "level3": rest[0], "values": rest[1:] + [""] * (1 + n - len(rest))})

    def _continue(self, levels: list[tuple[int, str]], words: list[str]) -> None:
        """Words of a line that completes the row above (a wrapped 二级 name, 三级 name, value
        or explanation): each to the cell whose bracket it closes, the 二级 name it adds a
        remark to (``（定量）``) or completes (``满意度指`` / ``标``), else to the explanation,
        else the 三级 name."""
        row = self.rows[-1]
        last = len(self.rows) - 1
        for lv, w in levels:
            self.levels.append((lv, len(self.rows) - 0.5, w))
        recent = [k for k, (_, pos, name) in enumerate(self.levels)
                  if pos >= last - 0.5 or (pos >= last - 1 and _open_brackets(name) > 0)]
        # a merged cell's name wrapped over three lines or more, centred over its rows: its
        # bracket stays open over a row (``可持续影响指标（`` / a row / ``反映项目产出情况`` / a row
        # / ``）``), and the words inside it are its, not the row's
        opened = [k for k, (_, pos, name) in enumerate(self.levels) if pos >= last - 2 and _open_brackets(name) > 0]
        for w in words:
            closes = _open_brackets(w) < 0
            target = None
            for k in reversed(recent):
                name = self.levels[k][2]
                if self._completes(name, w) or (self.known.level2_head(name) and not self.known.level(name)):
                    target = k
                    break
            if target is None and opened and _open_brackets(self.levels[opened[-1]][2]) > 0 \
                    and _open_brackets(w) <= 0 and not _valueish(w):
                target = opened[-1]
            if target is None and w[0] in "（(" and not closes:
                target = next((k for k in reversed(recent) if self.levels[k][0] == 2), None)
            if target is not None:
                lv, pos, name = self.levels[target]
                self.levels[target] = (lv, pos, _join(name, w))
                self.last[target] = len(self.rows) - 0.5
                continue
            cells = ["level3"] + list(range(len(row["values"])))
            text = lambda c: row["level3"] if c == "level3" else row["values"][c]  # noqa: E731
            open_ = [c for c in cells if closes and _open_brackets(text(c)) > 0]
            c = open_[0] if open_ else ("level3" if not self.optional else len(row["values"]) - 1)
            if c == "level3":
                row["level3"] = _join(row["level3"], w)
            else:
                row["values"][c] = _join(row["values"][c], w)

    def _spans(self, level: int, allowed: Optional[set[int]]) -> list[Optional[str]]:
        """Each row's name at ``level``: the names' positions give their groups' starts."""
        top_at = [(pos, name) for lv, pos, name in self.levels if lv == level]
        n = len(self.rows)
        if not top_at or not n:
            return [None] * n
        top = all(p == int(p) for p, _ in top_at) and top_at[0][0] == 0 and not self.doc.get("centred")
        # centred: a wrapped name stands half-way between its first and last line
        anchors = top_at if top else [((pos + self.last.get(k, pos)) / 2, name)
                                      for k, (lv, pos, name) in enumerate(self.levels) if lv == level]
        starts = [0]
        for k in range(1, len(anchors)):
            a_prev, a = anchors[k - 1][0], anchors[k][0]
            lo, hi = int(a_prev + 0.5) + 1, int(a)
            if top:
                est = a
            else:
                est = 2 * a_prev - starts[-1] + 1  # the centred group's end, plus one
            cands = [b for b in range(max(lo, starts[-1] + 1), max(hi, lo) + 1) if allowed is None or b in allowed]
            b = min(cands, key=lambda b: (abs(b - est), b)) if cands else max(lo, starts[-1] + 1)
            starts.append(min(b, n))
        out: list[Optional[str]] = [None] * n
        for k, (_, name) in enumerate(anchors):
            end = starts[k + 1] if k + 1 < len(starts) else n
            for r in range(starts[k], end):
                out[r] = name
        return out

    def emit(self) -> tuple[list[Row], tuple[str, str]]:
        # 成本指标 read as a 一级 name (no 一级 name before it: the group's is centred lower)
        # with no 二级 name of its group under it, in a table with a 产出 一级 name, or with a
        # 二级 name of another group under it, was the 二级 one (成本指标 / 预期产出指标 / 数量指标)
        outputs = any(lv == 1 and _group(n) == "产出" for lv, _, n in self.levels)
        for k, (lv, pos, name) in enumerate(self.levels):
            if lv == 1 and canonical(name) in self.known.level2:
                under = [_group(n) for _, _, n in takewhile(lambda e: e[0] != 1, self.levels[k + 1:])]
                # its group's 二级 names may print above it (centred: ``生态环境成本指`` / ``成本指标 …``)
                above = [_group(n) for _, _, n in takewhile(lambda e: e[0] != 1, reversed(self.levels[:k]))]
                near = under + above
                if any(g not in (None, _group(name)) for g in under) or (outputs and _group(name) not in near):
                    self.levels[k] = (2, pos, name)
        level2 = self._spans(2, None)
        starts = {r for r in range(len(self.rows)) if r == 0 or level2[r] != level2[r - 1]}
        level1 = self._spans(1, starts)
        l1, l2 = self.carry
        col = {name: i for i, name in enumerate(self.names)}
        out = []
        for r, row in enumerate(self.rows):
            l1 = level1[r] or l1
            l2 = level2[r] or l2
            texts = {"level1": l1, "level2": l2, "level3": row["level3"]}
            texts.update(zip(self.values, row["values"]))
            cells = [Cell(t, col[f], 1, None, None, 1.0, "text", row["line"]) for f, t in texts.items() if f in col]
            out.append(Row(sorted(cells, key=lambda c: c.col), None, row["line"]))
        return out, (l1, l2)


def _continues(cells: list[Piece], words: list[str], known: _LineKnown) -> None:
    """A header line that completes the row above: an amount to the amount label with none
    after it, each other word to the cell whose bracket it closes, whose label it completes,
    else to the first long text still open (no 。 at its end), else the last value."""
    taken: set[int] = set()
    for w in words:
        if _MONEY.match(w):  # an amount on a line of its own under a wrapped label's tail (``其中：当年财政拨``
            # / ``项目资金（元） 其中：财政资金 6,306,817.77`` / ``款`` / ``5,130,137.01``): that label's
            free = next((k for k, c in enumerate(cells) if _is_amount_key(known.label(c.text), known.vocab)
                         and (k + 1 == len(cells) or known.label(cells[k + 1].text))), None)
            if free is not None:
                cells.insert(free + 1, Piece(cells[free].end + 1, w, cells[free].line))
                taken = {k + (k > free) for k in taken} | {free + 1}
                continue
        target = None
        for k, c in enumerate(cells):
            if k not in taken and _open_brackets(c.text) > 0 > _open_brackets(w):
                target = k
                break
        if target is None and w[0] in "（(" and _open_brackets(w) == 0:  # a label's unit: （万元）
            target = next((k for k, c in enumerate(cells) if k not in taken and known.label(c.text)
                           and not re.search(r"[（(]", c.text)), None)
        if target is None:
            for k, c in enumerate(cells):
                if k not in taken and not known.label(c.text) and known.label_head(c.text) \
                        and known.label(_join(c.text, w)):
                    target = k
                    break
        if target is None:
            values = [k for k, c in enumerate(cells) if not known.label_head(c.text)]
            open_ = [k for k in values if k not in taken and not _TERMINAL.search(cells[k].text)
                     and not re.fullmatch(r"[\d,.%]+", cells[k].text)]
            target = open_[0] if open_ else (values[-1] if values else len(cells) - 1)
        cells[target].text = _join(cells[target].text, w)
        taken.add(target)


_NUMBER = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?$")


_GLUED = re.compile(r"^([^\d\s]{2,}?)([-+]?\d[\d,]*(?:\.\d+)?)$")


def _unglue(word: str, known: _LineKnown) -> list[str]:
    m = _GLUED.match(word)
    return [m.group(1), m.group(2)] if m and known.label(m.group(1)) else [word]


def _unglue_heading(word: str, known: _LineKnown) -> list[str]:
    """A heading glued to the label beside it (``项目资金（元）其中：财政资金``: a viewer copy
    of a Calc export drops the space): two words."""
    cut = word.find("）") + 1
    if 0 < cut < len(word) and known.label(word[:cut]) in HEADING_KEYS and (
            known.label(word[cut:]) or known.label_head(word[cut:])):
        return [word[:cut], word[cut:]]
    return [word]


def _gaps(words: list[str], known: _LineKnown) -> list[int]:
    """Where a line's values stand without their label: before a first word that is no label,
    and before an amount that follows another value."""
    out = []
    for i, w in enumerate(words):
        if known.label_head(w):
            continue
        if i == 0 or (_NUMBER.match(w) and not known.label_head(words[i - 1])):
            out.append(i)
    return out


def _fill_gaps(words: list[str], gaps: list[int], heads: list[Piece], lineno: int, known: _LineKnown) -> list[Piece]:
    """The line's cells with the held label heads put into its gaps (the last head into the
    last gap; heads beyond the gaps go first: a block's label merged down the first column)."""
    fill: dict[int, list[Piece]] = {}
    hs = list(heads)
    for g in reversed(gaps):
        if not hs:
            break
        fill[g] = [hs.pop()]
    if hs:
        fill[gaps[0]] = hs + fill.get(gaps[0], [])
    words = list(words)
    for g, placed in fill.items():  # 其中：当年财政拨 / … 款 3,901,476.34: the tail just before the gap
        h = placed[-1]
        if g > 0 and words[g - 1] and not known.label_head(words[g - 1]) and not known.label(h.text) \
                and known.label(_join(h.text, words[g - 1])):
            placed[-1] = Piece(h.start, _join(h.text, words[g - 1]), h.line)
            words[g - 1] = ""
    cells: list[Piece] = []
    cuts = sorted(set(gaps) | {0, len(words)})
    for a, b in zip(cuts, cuts[1:]):
        cells.extend(Piece(h.start, h.text, h.line) for h in fill.get(a, []))
        if b > a and any(words[a:b]):
            cells.extend(_split_words(Piece(0, " ".join(w for w in words[a:b] if w), lineno), known))
    return cells


@dataclass
class _ColumnRun:
    """An indicator table that line text gives in column runs (pdftotext without ``-layout``
    of an office export: one cell a line, the left columns row by row, the value columns
    later, each a run): the header's names, the block of level/三级 lines, the value columns'
    names and the values, row by row."""

    names: list[str]
    block: list[tuple[int, str]]
    value_names: list[str]
    values: list[str]
    lines: frozenset[int] = frozenset()  # the indexes of the lines it takes


def _is_stop(line: str, known: _LineKnown) -> bool:
    if not line:
        return True
    vocab = known.vocab
    first = line.split()[0]
    return bool(known.column(line) or vocab.is_title(line) or _ALONE.match(line)
                or vocab.periods.get(canonical(line))
                or known.label(first) or (known.label_head(first) and not _VALUE_LIKE.search(first)))


def _column_runs(lines: list[str], known: _LineKnown) -> tuple[dict[int, _ColumnRun], set[int]]:
    """Tables in column runs, by the index of their header's first line, and the lines they
    take. A header is two or more lines each one column name holding the 三级 column and no
    value column; its block runs to the next blank line, label, title or column name; the
    value columns are the next lines that are column names not in the header, their values
    the lines after them up to a stop. Paired only when the values count one per row and
    column (:func:`_run_rows` makes the rows), else left to the line reader."""
    runs: dict[int, _ColumnRun] = {}
    taken: set[int] = set()
    i, n = 0, len(lines)
    while i < n:
        names = []
        j = i
        while j < n and known.column(lines[j]) and len(lines[j].split()) == 1:
            names.append(known.column(lines[j]))
            j += 1
        levels = {"level1", "level2", "level3"}
        if len(names) < 2 or "level3" not in names or not set(names) <= levels:
            i = max(j, i + 1)
            continue
        k = j
        while k < n and not _is_stop(lines[k], known):
            k += 1
        block = list(range(j, k))
        v = k
        while v < n and not (known.column(lines[v]) and known.column(lines[v]) not in levels):
            if known.column(lines[v]) in levels or known.vocab.is_title(lines[v]):
                v = n
                break
            v += 1
        vnames = []
        while v < n and known.column(lines[v]) and known.column(lines[v]) not in levels:
            vnames.append(v)
            v += 1
        w = v
        while w < n and (not lines[w] or not _is_stop(lines[w], known)):
            w += 1  # blank lines part the value runs of two columns
        while w > v and not lines[w - 1]:
            w -= 1
        if not block or not vnames or "explanation" in {known.column(lines[x]) for x in vnames}:
            i = k
            continue
        values = [_LATIN_CJK_SPACE.sub("", lines[x]) for x in range(v, w) if lines[x]]  # 118 米 -> 118米
        runs[i] = _ColumnRun([lines[x] for x in range(i, j)], [(x, lines[x]) for x in block],
                             [lines[x] for x in vnames], values, frozenset([*range(i, k), *vnames, *range(v, w)]))
        taken |= runs[i].lines
        i = k
    return runs, taken


def _label_columns(lines: list[str], known: _LineKnown) -> tuple[dict[int, list[tuple[int, Optional[int]]]], set[int]]:
    """A column of labels, a line each, then (after blank lines) the column of their values, a
    line each (a Writer export: ``项目名称`` / ``项目性质`` / ``主管部门`` / ``计划开始日期`` /
    ``项目资金（元）`` then ``图书采购经费`` / ``经常性项目`` / …), by the index of the first label:
    the (label, value) pairs of line indexes (a heading such as 项目资金（元）, which takes no
    value, alone), and the lines they take. Paired when the value lines end at a blank line,
    a label or the end and fit their labels (:func:`_values_fit`; :func:`_label_stack` in
    flowing text)."""
    found: dict[int, list[tuple[int, Optional[int]]]] = {}
    taken: set[int] = set()
    i, n = 0, len(lines)
    while i < n:
        labels: list[int] = []
        heads: list[int] = []
        j = i
        while j < n and (key := known.vocab.header_key(lines[j])):
            (heads if key in HEADING_KEYS else labels).append(j)
            j += 1
        if len(labels) < 2:
            i = max(j, i + 1)
            continue
        v = j
        while v < n and not lines[v]:
            v += 1
        values = list(range(v, min(v + len(labels), n)))
        end = v + len(labels)
        fits = (end >= n or not lines[end] or bool(known.label(lines[end]))) \
            and _values_fit([lines[x] for x in labels], [lines[y] for y in values], known)
        if fits:
            found[i] = [(h, None) for h in heads] + list(zip(labels, values))
            taken |= set(range(i, end))
        i = end if fits else j
    return found, taken


def _run_rows(block: list[tuple[int, str]], known: _LineKnown) -> list[tuple[int, str, str, str]]:
    """The block of a table in column runs as rows (line, 一级, 二级, 三级): the left columns
    come row by row, a merged name once, before the first row of its group; a 二级 name
    wrapped in its cell has its tail after that row's 三级 name (``服务对象满意度`` /
    ``成本控制情况`` / ``指标``)."""
    texts = [t for _, t in block]
    rows: list[list] = []
    l1 = l2 = ""
    since = 0  # the first row under the current 二级 name
    head: Optional[int] = None  # the first row under a wrapped 二级 name still missing its tail

    def named(t: str) -> Optional[int]:  # a level name, or one whose remark's bracket wraps on
        bare = _OPEN_TAIL.sub("", t)
        if bare != t and known.level(bare):
            return 2 if canonical(bare) in known.level2 else known.level(bare)
        return known.level(t)

    for k, (ln, t) in enumerate(block):
        lv = named(t)
        if lv == 1 and canonical(t) in known.level2 and k > 0 and known.level(texts[k - 1]) == 1:
            lv = 2  # 成本指标 after a 一级 name: the 二级 one
        if lv == 1:
            l1, l2, head, since = t, "", None, len(rows)
            continue
        if lv == 2:
            l2, head, since = t, None, len(rows)
            continue
        if l2 and ((_open_brackets(l2) > 0 > _open_brackets(t))
                   or (t[0] in "（(" and _open_brackets(t) >= 0 and not re.search(r"[（(]", l2))):
            # the rest of its bracket (``成本指标（反映`` / ``项目产出情况）``), a remark, or a remark's
            # first line (``可持续影响指标`` / ``纠纷调解成功率`` / ``（反映项目产出`` / … / ``情况）``)
            l2 = _join(l2, t)
            for row in rows[since:]:
                row[2] = l2
            continue
        if head is not None and named(_join(l2, t)):
            l2 = _join(l2, t)
            for row in rows[head:]:
                row[2] = l2
            head = None
            continue
        if known.level2_head(t) and not known.level(t) and any(
                named(_join(t, x)) for x in texts[k + 2:k + 3]):
            l2, head, since = t, len(rows), len(rows)
            continue
        rows.append([ln, l1, l2, t])
    return [tuple(r) for r in rows]


def _read_column_run(run: _ColumnRun, known: _LineKnown, lineno: int) -> Optional[list[Row]]:
    names = [known.column(t) or "" for t in run.names]
    rows = _run_rows(run.block, known)
    m = len(run.value_names)
    if not rows or len(run.values) != m * len(rows):
        return None
    col = {name: c for c, name in enumerate(names)}
    out = [Row([Cell(t, c, 1, None, None, 1.0, "text", lineno)
                for c, t in enumerate(run.names + run.value_names)], None, lineno)]
    # two value columns or more over two rows or more: the run prints some rows' values row by
    # row and others column by column (a cell's lines centred against its neighbour's move it);
    # which, is not in the text, so the values are paired row by row as a guess
    sure = GUESSED if m > 1 and len(rows) > 1 else 1.0
    for r, (ln, l1, l2, l3) in enumerate(rows):
        texts = {"level1": l1, "level2": l2, "level3": l3}
        cells = [Cell(t, col[f], 1, None, None, 1.0, "text", ln) for f, t in texts.items() if f in col]
        cells += [Cell(t, len(names) + c, 1, None, None, sure, "text", ln)
                  for c, t in enumerate(run.values[r * m:(r + 1) * m])]
        out.append(Row(cells, None, ln))
    return out


# a date pdftotext printed with spaces between its numbers and 年/月/日 (``2025 年 12 月 31 日``):
# one value, not six words
_SPACED_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?")


def read_lines(lines: list[tuple[int, str]], vocab: Vocabulary) -> Iterator[Row]:
    """Rows of cells from line text: a line is a row of words, cut before every known label
    (or a label's wrapped head); a line that does not start with a label completes the row
    above, unless that row held labels only (their values follow, one word each); the
    indicator table by :class:`_LineTable`."""
    known = _LineKnown(vocab)
    pending: Optional[list[Piece]] = None
    pending_line = 0
    table: Optional[_LineTable] = None
    carry = ("", "")
    doc: dict = {}
    expect = 0  # the values a row of stacked labels has (one each)
    texts = [raw.replace("\f", " ").strip() for _, raw in lines]
    runs, taken = _column_runs(texts, known)
    stacks, stacked_lines = _label_columns(texts, known)
    taken |= stacked_lines
    later: dict[int, list[Row]] = {}  # rows of a table in column runs, by the line they follow

    def flush() -> Iterator[Row]:
        nonlocal pending, table, carry
        if pending:
            yield Row(_cells([Piece(i, p.text, p.line) for i, p in enumerate(pending)]), None, pending_line)
        pending = None
        if table is not None:
            rows, carry = table.emit()
            yield from rows
            table = None

    for index, (lineno, raw) in enumerate(lines):
        if index in runs:
            read = _read_column_run(runs[index], known, lineno)
            if read is None:
                taken -= runs[index].lines  # the counts disagree: the line reader reads it all
            else:  # the rows where their values end: after the labels printed beside the table
                later[max(runs[index].lines)] = read
        if index in later:
            yield from flush()
            yield from later.pop(index)
        if index in stacks:
            yield from flush()
            for x, y in stacks.pop(index):
                cells = [Cell(texts[x], 0, 1, None, None, 1.0, "text", lines[x][0])]
                if y is not None:
                    cells.append(Cell(texts[y], 1, 1, None, None, 1.0, "text", lines[y][0]))
                yield Row(cells, None, lines[x][0])
        if index in taken:
            continue
        line = _SPACED_DATE.sub(lambda m: re.sub(r"\s", "", m.group(0)), raw.replace("\f", " ").strip())
        if not line:
            continue
        words = line.split()
        if any(_GLUED.match(w) or "）" in w[:-1] for w in words):
            # 年度资金申请总额3,901,476.34: a label glued to its amount; 项目资金（元）其中：财政资金
            words = [part for w in words for glued in _unglue(w, known) for part in _unglue_heading(glued, known)]
            line = " ".join(words)
        if (_ALONE.match(line) or vocab.is_title(line)) and len(line) < 40:
            yield from flush()
            carry = ("", "")
            yield Row([Cell(line, 0, 1, None, None, 1.0, "text", lineno)], None, lineno)
            continue
        names = [known.column(w) for w in words]
        if len(words) >= 3 and all(names):
            yield from flush()
            table = _LineTable([n or "" for n in names], known, carry, doc)
            yield Row([Cell(w, i, 1, None, None, 1.0, "text", lineno) for i, w in enumerate(words)], None, lineno)
            continue
        if pending is not None and len(words) > 1 and known.label(words[0]) in HEADING_KEYS:
            # a heading centred beside a wrapped label's last line (``其中：当年财`` / ``其中：财政资金
            # … `` / ``项目资金（元） 政拨款``): the word after it completes the label above
            head = next((p for p in pending if not known.label(p.text) and known.label_head(p.text)
                         and known.label(_join(p.text, words[1]))), None)
            if head is not None:
                head.text = _join(head.text, words[1])
                words = [words[0]] + words[2:]
                line = " ".join(words)
        one_label = len(words) > 1 and bool(known.vocab.header_key(line))  # 中期目标（2020-2022 年）: a space inside
        first_label = known.label(words[0]) or (known.label_head(words[0]) and not _VALUE_LIKE.search(words[0])) \
            or one_label
        if table is not None and not first_label and not vocab.periods.get(canonical(line)):
            table.add(lineno, line)
            continue
        if vocab.periods.get(canonical(line)):
            yield from flush()
            yield Row([Cell(line, 0, 1, None, None, 1.0, "text", lineno)], None, lineno)
            continue
        heads = pending is not None and all(known.label_head(p.text) for p in pending)
        gaps = _gaps(words, known) if heads and pending is not None and (
            len(pending) == 1 or any(not known.label(p.text) for p in pending)
            or any(known.label_head(w) for w in words)) else []
        if heads and gaps and pending is not None:
            # labels printed above their row's middle line (a centred row: 年度资金申请总 / 项目资金总额
            # 4,445,286.12 4,019,573.86 / 额): each goes where its value follows no label
            held, pending = pending, None
            yield from flush()
            pending = _fill_gaps(words, gaps, held, lineno, known)
            pending_line = lineno
            continue
        if heads and pending is not None and first_label and not one_label \
                and not any(known.label(p.text) for p in pending):
            # a label's wrapped head above a row with no gap for it (``其中：当年财政拨`` / ``项目资金（元）
            # 其中：财政资金 6,306,817.77`` / ``款`` / ``5,130,137.01``): it waits at the row's end for its
            # tail and its amount, the lines after the row
            held, pending = pending, None
            yield from flush()
            pending = _split_words(Piece(0, line, lineno), known) + held
            pending_line = lineno
            continue
        stacked = heads and pending is not None and len(pending) >= 2
        if pending is not None and table is None and (known.column(line) or known.level(line)):
            # a column or level name alone on its line (a Writer export's table in column runs
            # after a goal: ``保障项目顺利实施，…。`` / ``一级指标`` / ``二级指标``) ends the row above
            yield from flush()
            yield Row([Cell(line, 0, 1, None, None, 1.0, "text", lineno)], None, lineno)
            continue
        if pending is not None and not first_label and not stacked:
            if expect > len(pending) and _TERMINAL.search(line) and not _TERMINAL.search(pending[-1].text):
                # a stacked label's short value centred beside the wrapped one on its left
                pending.append(Piece(len(pending), line, lineno))
                continue
            _continues(pending, words, known)
            continue
        k = len(pending) if stacked and not first_label and pending is not None else 0
        yield from flush()
        expect = k
        if k:  # the values of labels printed above them: a word each (more words: the last one's)
            ws = words[:k - 1] + [" ".join(words[k - 1:])] if len(words) >= k else words
            pending = [Piece(i, w, lineno) for i, w in enumerate(ws)]
        elif one_label:
            pending = [Piece(0, line, lineno)]
        else:
            pending = _split_words(Piece(0, line, lineno), known)
        pending_line = lineno
    yield from flush()


_LATIN_CJK_SPACE = re.compile(rf"(?<=[0-9A-Za-z%])\s(?=[{IDEOGRAPHS}]{{1,3}}(?:[^{IDEOGRAPHS}]|$))")


def _tight(line: str) -> str:
    """A laid-out line as line text: cells one space apart, the single space an office suite
    sets between a number and its unit dropped (``174 人次``, ``（2020 年）``; not ``14214.54
    年度资金总额``: a value and the next label)."""
    return " ".join(_LATIN_CJK_SPACE.sub("", part) for part in re.split(r"\s{2,}", line.strip()) if part)


def read_copied_text(numbered_lines: Iterable[tuple[int, str]], settings: Settings,
                     vocab: Optional[Vocabulary] = None) -> Iterator[Row]:
    """Rows of cells from copied text (laid out or flowing, decided from the text itself)."""
    vocab = vocab or load_vocabulary()
    lines = list(numbered_lines)
    texts = [ln for _, ln in lines]
    if laid_out(texts, settings.text.laid_out_share):
        if line_text(texts, settings.text.tight_blank_share):
            # laid out without a blank line between rows (pdftotext -layout of an office suite's
            # export: rows set tight, a blank line here and there): the spaces tell no rows,
            # read it a line a row
            yield from read_lines([(n, _tight(ln)) for n, ln in lines], vocab)
            return
        yield from read_laid_out(lines, vocab)
    elif line_text(texts, settings.text.line_text_blank_share):
        yield from read_lines(lines, vocab)
    else:
        yield from read_flowing(lines, vocab)


__all__ = ["laid_out", "line_text", "read_copied_text", "read_flowing", "read_laid_out", "read_lines"]


def _debug(path: str) -> None:  # pragma: no cover - a look at what the reader makes of a file
    from pipeline.settings import DEFAULT_SETTINGS

    text = Path(path).read_text(encoding="utf-8").splitlines()
    for row in read_copied_text(enumerate(text, 1), DEFAULT_SETTINGS):
        print(" | ".join(f"{c.col}:{c.text}" for c in row.cells))


if __name__ == "__main__":  # pragma: no cover
    import sys

    _debug(sys.argv[1])
