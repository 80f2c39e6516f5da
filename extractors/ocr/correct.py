"""Domain correction of recognised cell text on the page, where the image is needed, before
the assembler sees it. (Every correction of the text itself — closed vocabularies, misread
brackets, the × of calculation terms — is made per form, each a finding, in the OCR
text-correction stage ``pipeline.ocr_repair``; thresholds of both: ``Settings.ocr_text``.)

* Spurious spaces between CJK characters (per-character words, wrapped lines) removed.
* Digit-only fields — 项目编码 and the two 万元 amounts, found by the label cell to their
  left — checked against their pattern; a value that fails is first read again through a
  table of look-alike characters (O→0, l→1, S→5 …) and, if it still fails, the cell is
  recognised again with the engine restricted to digits (Tesseract's whitelist; RapidOCR's
  output filtered the same way). The re-read is kept only when it matches the pattern.

* The ``*`` of a core 二级指标 (a few pixels at 9 pt, which the recogniser drops) is found
  as a small mark just left of the first character of a cell reading as a 二级指标 name.

* A wrapped closing ）or 。 found as a lone mark on the cell's last line; label cells whose
  bracketed remark was misread cut back to the label and a misread indicator header cell
  snapped to its column name (the assembler finds the form's structure by them).
"""
from __future__ import annotations

import re
from typing import Optional, Sequence

import cv2
import numpy as np

from pipeline.labels import Vocabulary, snap
from pipeline.normalize import join_cjk_spaces
from pipeline.settings import OcrTextSettings

from .engines.base import OcrEngine
from .engines.rapidocr import CONFUSABLE_DIGITS
from .grid import Table
from .words_to_cells import CellWords, lines_text, words_to_lines

AMOUNT = re.compile(r"^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$")
PATTERNS: dict[str, re.Pattern] = {
    "project_code": re.compile(r"^\d{6,32}$"),
    "total_amount": AMOUNT,
    "annual_amount": AMOUNT,
}


def clean_cell_text(text: str) -> str:
    return join_cjk_spaces(text).strip()


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def digit_field_cells(cells: Sequence[CellWords], tables: Sequence[Table], texts: dict[int, str],
                      vocab: Vocabulary, label_score: float = OcrTextSettings().wrapped_label_score
                      ) -> list[tuple[int, str]]:
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
                key = vocab.header_key(texts[label], fuzzy_score=label_score)
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


def _first_text_line(ink: np.ndarray) -> Optional[tuple[int, int]]:
    """(top, bottom) of the first full text line in an ink band: runs of inked rows (gaps of
    one row bridged), the first at least 0.6 times as tall as the tallest (a loose detector
    box can take in the tops of the next line)."""
    runs = _ink_row_runs(ink)
    if not runs:
        return None
    tallest = max(b - a for a, b in runs)
    return next((a, b) for a, b in runs if b - a >= 0.6 * tallest)


def has_leading_mark(gray: np.ndarray, cw: CellWords) -> bool:
    """The ``*`` of a core 二级指标 before the first character of the cell's first line.

    At 9 pt the star is a blob a third of the line high, at its top, often touching the next
    character after blur; the recogniser drops it. Found as the leftmost ink component of
    the first line (with any pieces of it in the same columns) that is small, in the upper
    half, with no ink below the middle of the line in its columns (the left edge of a
    character such as 可 or 生 always reaches lower), and followed closely by more text."""
    lines = words_to_lines(cw.words)
    if not lines:
        return False
    b = cw.cell.box
    y0 = max(b.y0 + 2, min(w.box.y0 for w in lines[0]) - 3)
    y1 = min(b.y1 - 2, max(w.box.y1 for w in lines[0]) + 3)
    band = gray[y0:y1, b.x0 + 3:b.x1 - 3]
    if band.size == 0 or band.shape[0] < 8:
        return False
    ink = _ink_without_dust(band, 4)
    line = _first_text_line(ink)
    if line is None or line[1] - line[0] < 8:
        return False
    ink = ink[line[0]:line[1]]
    lh = line[1] - line[0]
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    comps = sorted((tuple(int(v) for v in stats[i][:4]) for i in range(1, n) if stats[i][4] >= 4), key=lambda c: c[0])
    if len(comps) < 2:
        return False
    x, y, w, h = comps[0]
    for x2, y2, w2, h2 in comps[1:]:  # a star broken into pieces by noise or JPEG
        if x2 < x + w and x2 + w2 <= x + 0.55 * lh:
            y_end, x_end = max(y + h, y2 + h2), max(x + w, x2 + w2)
            y, h, w = min(y, y2), y_end - min(y, y2), x_end - x
    below = bool(ink[int(np.ceil(0.55 * lh)):, x:x + w].any())
    nxt = next((c for c in comps if c[0] >= x + w), None)
    return bool(not below and 0.15 * lh <= w <= 0.55 * lh and 0.18 * lh <= h <= 0.55 * lh
                and y <= 0.25 * lh and nxt is not None and nxt[0] - (x + w) <= 0.6 * lh)


def _ink_without_dust(band: np.ndarray, min_area: int) -> np.ndarray:
    """The band's ink (Otsu) as 0/1, without components smaller than ``min_area`` pixels
    (scanner dust)."""
    _, ink = cv2.threshold(band, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = np.zeros(n, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return keep[labels].astype(np.uint8)


def _ink_row_runs(ink: np.ndarray) -> list[tuple[int, int]]:
    rows = ink.any(axis=1)
    runs: list[tuple[int, int]] = []
    i, n = 0, len(rows)
    while i < n:
        if not rows[i]:
            i += 1
            continue
        j = i
        while j < n and (rows[j] or (j + 1 < n and rows[j + 1])):
            j += 1
        runs.append((i, j))
        i = j
    return runs


def trailing_mark(gray: np.ndarray, cw: CellWords) -> Optional[str]:
    """A closing ）or a 。 wrapped alone onto the last line of a cell, below every recognised
    line (the detector finds no text line in a single narrow mark): ``"）"`` for a tall thin
    blob, ``"。"`` for a small one on the baseline, else None."""
    b = cw.cell.box
    band = gray[b.y0 + 4:b.y1 - 4, b.x0 + 4:b.x1 - 4]
    if band.size == 0 or not cw.words:
        return None
    ink = _ink_without_dust(band, 6)
    runs = _ink_row_runs(ink)
    if len(runs) < 2:
        return None
    lh = max(b1 - a for a, b1 in runs)
    top, bottom = runs[-1]
    last_words = max(w.box.y1 + w.box.y0 for w in cw.words) / 2 - (b.y0 + 4)  # centre of the lowest word
    if top <= last_words or lh < 8:
        return None
    cols = np.flatnonzero(ink[top:bottom].any(axis=0))
    width, height = int(cols[-1] - cols[0] + 1), bottom - top
    if cols[0] > 1.5 * lh or width > 0.6 * lh:
        return None  # not a lone mark at the start of a line
    if height >= 0.6 * lh and width <= 0.45 * lh:
        return "）"
    if height <= 0.45 * lh and width <= 0.45 * lh:
        return "。"
    return None


_OPEN = re.compile(r"[（(]")


def _label_before_bracket(text: str, vocab: Vocabulary) -> Optional[str]:
    """A label cell whose bracketed remark was misread so that it no longer names its field:
    the text before the bracket, when that alone is a label exactly."""
    if len(text) > 40 or not _OPEN.search(text) or vocab.header_key(text):
        return None
    head = _OPEN.split(text, 1)[0].strip()
    return head + "：" if len(head) >= 2 and vocab.header_key(head) else None


def _unclosed(text: str) -> bool:
    return text.count("（") + text.count("(") > text.count("）") + text.count(")")


# what the recogniser makes of the small * before a core 二级指标, when it reads it at all
_STAR_LOOKALIKES = "·•∙.,，、"


def core_level2_candidate(text: str, vocab: Vocabulary,
                          score: float = OcrTextSettings().core_level2_score) -> Optional[str]:
    """A 二级指标 cell that may have lost its core ``*`` (or had it read as ``•``/``·``): the
    name without the look-alike, for the image check to decide; None for anything else."""
    if not text or text[0] in "*＊":
        return None
    bare = text.lstrip(_STAR_LOOKALIKES)
    return bare if bare and snap(bare, vocab.level2_values, score) in vocab.level2_values else None


def correct_cells(cells: Sequence[CellWords], tables: Sequence[Table], gray: np.ndarray,
                  engine: OcrEngine, vocab: Vocabulary, settings: Optional[OcrTextSettings] = None) -> dict[int, str]:
    """Corrected text of every cell that has words, by its index in ``cells`` ("" = drop it)."""
    s = settings or OcrTextSettings()
    texts = {i: clean_cell_text(lines_text(words_to_lines(cw.words))) for i, cw in enumerate(cells) if cw.words}
    for i, t in texts.items():
        # the last line of a label wrapped onto the next row or page ("需填）：", "："): never a value
        if len(t) <= 8 and t.endswith(("：", ":")) and vocab.header_key(t, fuzzy_score=s.wrapped_label_score) is None:
            texts[i] = ""
        elif (cut := _label_before_bracket(t, vocab)) is not None:
            texts[i] = cut  # 长期目标（跨(跨度多年…：with a doubled piece -> 长期目标：
        elif t and len(t) <= 8 and vocab.column(t) is None:
            # a (repeated) indicator header cell misread: 一级指标标 -> 一级指标
            near = snap(t, tuple(vocab.columns), s.column_snap_score)
            if near != t and near in vocab.columns:
                texts[i] = near
    dropped = {i for i, t in texts.items() if not t}
    texts = {i: t for i, t in texts.items() if t}
    for i, t in texts.items():
        bare = core_level2_candidate(t, vocab, s.core_level2_score)
        if bare is not None and has_leading_mark(gray, cells[i]):
            texts[i] = "*" + bare
    for i, t in texts.items():
        if _unclosed(t) or (len(t) >= 12 and t[-1] not in "。.；;"):
            mark = trailing_mark(gray, cells[i])
            if mark == "）" and _unclosed(t) or mark == "。" and t[-1] not in "。.；;":
                texts[i] = t + mark
    for i, key in digit_field_cells(cells, tables, texts, vocab, s.wrapped_label_score):
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
