"""Domain correction of recognised cell text, before the assembler sees it.

* Spurious spaces between CJK characters (per-character words, wrapped lines) removed.
* Digit-only fields — 项目编码 and the two 万元 amounts, found by the label cell to their
  left — checked against their pattern; a value that fails is first read again through a
  table of look-alike characters (O→0, l→1, S→5 …) and, if it still fails, the cell is
  recognised again with the engine restricted to digits (Tesseract's whitelist; RapidOCR's
  output filtered the same way). The re-read is kept only when it matches the pattern.

* The ``*`` of a core 二级指标 (a few pixels at 9 pt, which the recogniser drops) is found
  as a small mark just left of the first character of a cell reading as a 二级指标 name.

Closed vocabularies (一级/二级指标, 项目类型, 分配方式) are snapped later, in the assembler,
for every cell whose origin is ``ocr`` (``pipeline.labels.snap``); the calculation terms'
arithmetic is the cross-check of amounts (``pipeline.validate``).
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

import cv2
import numpy as np

from pipeline.labels import Vocabulary, snap
from pipeline.normalize import join_cjk_spaces

from .engines.base import OcrEngine
from .engines.rapidocr import CONFUSABLE_DIGITS
from .grid import Table
from .preprocess import binarize
from .words_to_cells import CellWords, lines_text, words_to_lines

AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
PATTERNS: dict[str, re.Pattern] = {
    "project_code": re.compile(r"^\d{6,32}$"),
    "total_amount": AMOUNT,
    "annual_amount": AMOUNT,
}
LABEL_FUZZY = 80.0


_CJK_CHAR = r"[\u4e00-\u9fff]"
# the × of a calculation term, written *, is a few pixels high: the recogniser drops it or
# reads it as a middle dot. "107份50元/份" and "25人·4500元/人" can only mean 107份*50元/份.
_DOT_TIMES = re.compile(rf"(?<={_CJK_CHAR})[·•∙⋅](?=\d)")
_MISSING_TIMES = re.compile(rf"(?<=\d{_CJK_CHAR})(?=\d+(?:\.\d+)?元/)|(?<=\d{_CJK_CHAR}{_CJK_CHAR})(?=\d+(?:\.\d+)?元/)"
                            rf"|(?<=元/{_CJK_CHAR})(?=\d+个月)|(?<=元/{_CJK_CHAR}{_CJK_CHAR})(?=\d+个月)")


_UNITS = "人次|批次|个月|平方米|人|家|份|台|场|天|次"
_MISSING_TIMES_UNIT = re.compile(rf"(?<=\d)({_UNITS})(?=\d+(?:\.\d+)?万?元(?!/))")
# a document number 〔2021〕 whose closing bracket was read as ）or ]
_DOC_YEAR = re.compile(r"〔(\d{4})[）)\]]")


def clean_cell_text(text: str) -> str:
    text = join_cjk_spaces(text).strip()
    if "元" in text:
        text = _MISSING_TIMES.sub("*", _DOT_TIMES.sub("*", text))
        text = _MISSING_TIMES_UNIT.sub(lambda m: m.group(1) + "*", text)
    if "〔" in text:
        text = _DOC_YEAR.sub(r"〔\1〕", text)
    return text


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def digit_field_cells(cells: Sequence[CellWords], tables: Sequence[Table], texts: dict[int, str],
                      vocab: Vocabulary) -> list[tuple[int, str]]:
    """(cell index, header key) of value cells right of a 项目编码 / amount label."""
    out = []
    for ti, _table in enumerate(tables):
        rows: dict[int, list[int]] = {}
        for i, cw in enumerate(cells):
            if cw.table == ti and i in texts:
                rows.setdefault(cw.cell.r0, []).append(i)
        for members in rows.values():
            members.sort(key=lambda i: cells[i].cell.c0)
            for label, value in zip(members, members[1:]):
                key = vocab.header_key(texts[label], fuzzy_score=LABEL_FUZZY)
                if key in PATTERNS:
                    out.append((value, key))
    return out


def _single_line_crop(gray: np.ndarray, cw: CellWords) -> Optional[np.ndarray]:
    lines = words_to_lines(cw.words)
    if len(lines) != 1:
        return None
    ws = lines[0]
    x0, x1 = min(w.box.x0 for w in ws), max(w.box.x1 for w in ws)
    y0, y1 = min(w.box.y0 for w in ws), max(w.box.y1 for w in ws)
    pad = max(2, (y1 - y0) // 5)
    b = cw.cell.box
    x0, x1 = max(b.x0 + 2, x0 - pad), min(b.x1 - 2, x1 + pad)
    y0, y1 = max(b.y0 + 2, y0 - pad), min(b.y1 - 2, y1 + pad)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    return gray[y0:y1, x0:x1]


def has_leading_mark(ink: np.ndarray, cw: CellWords) -> bool:
    """A small mark (the ``*`` of a core 二级指标, 9 pt: a few pixels) before the first
    character of the cell's first line, in its upper part. The recogniser drops it."""
    lines = words_to_lines(cw.words)
    if not lines:
        return False
    first = lines[0][0].box
    line_h = max(1, first.height)
    x0 = cw.cell.box.x0 + 4
    region = ink[first.y0:first.y1, x0:max(x0, first.x1)]
    if region.size == 0:
        return False
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    blobs = sorted((tuple(stats[i]) for i in range(1, n) if stats[i][4] >= 3), key=lambda b: b[0])
    if len(blobs) < 2:
        return False
    (x, y, w, h, _a), nxt = blobs[0], blobs[1]
    small = w <= 0.45 * line_h and h <= 0.45 * line_h and w >= 2 and h >= 2
    high = y + h / 2 < 0.6 * line_h
    close = 0 < nxt[0] - (x + w) < 0.8 * line_h and nxt[3] > 0.5 * line_h
    return bool(small and high and close)


def correct_cells(cells: Sequence[CellWords], tables: Sequence[Table], gray: np.ndarray,
                  engine: OcrEngine, vocab: Vocabulary) -> dict[int, str]:
    """Corrected text of every cell that has words, by its index in ``cells`` ("" = drop it)."""
    texts = {i: clean_cell_text(lines_text(words_to_lines(cw.words))) for i, cw in enumerate(cells) if cw.words}
    for i, t in texts.items():
        # the last line of a label wrapped onto the next row or page ("需填）：", "："): never a value
        if len(t) <= 8 and t.endswith(("：", ":")) and vocab.header_key(t, fuzzy_score=LABEL_FUZZY) is None:
            texts[i] = ""
        elif t and len(t) <= 8 and vocab.column(t) is None:
            # a (repeated) indicator header cell misread: 一级指标标 -> 一级指标
            near = snap(t, tuple(vocab.columns), 80)
            if near != t and near in vocab.columns:
                texts[i] = near
    dropped = {i for i, t in texts.items() if not t}
    texts = {i: t for i, t in texts.items() if t}
    ink = None
    for i, t in texts.items():
        if t[0] not in "*＊" and snap(t.lstrip("·.,，、"), vocab.level2_values, 90) in vocab.level2_values:
            if ink is None:
                ink = binarize(gray)
            if has_leading_mark(ink, cells[i]):
                texts[i] = "*" + t.lstrip("·.,，、")
    for i, key in digit_field_cells(cells, tables, texts, vocab):
        pattern = PATTERNS[key]
        text = _compact(texts[i])
        if pattern.match(text):
            continue
        mapped = text.translate(CONFUSABLE_DIGITS)
        if pattern.match(mapped):
            texts[i] = mapped
            continue
        crop = _single_line_crop(gray, cells[i])
        if crop is None:
            continue
        reread, _conf = engine.read_line(crop, digits=True)
        if pattern.match(_compact(reread)):
            texts[i] = _compact(reread)
    return {**texts, **{i: "" for i in dropped}}
