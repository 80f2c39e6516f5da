"""A declaration form drawn as a ruled table with OpenCV, and the words an engine would
return for it (text at known boxes) — for tests of the grid and the word placement that
need no OCR engine. Same layout as the forms: a title above the table, four header columns
with label cells, long-text rows spanning the value columns, the indicator table with
vertically merged 一级/二级指标 cells."""
from __future__ import annotations

import cv2
import numpy as np

from extractors.ocr.engines.base import Word
from extractors.ocr.grid import Box
from synth.fonts import font_file

COLS = (0.0, 0.16, 0.38, 0.60, 0.80, 1.0)  # share of the table width


def _amount(v: float) -> str:
    return f"{v:,.2f}"


def header_rows(h: dict) -> list[list[tuple[int, int, str]]]:
    """Rows of (first column, last column + 1, text)."""
    pairs = [
        ("项目编码：", h["project_code"], "项目名称：", h["project_name"]),
        ("申请单位：", h["applicant_unit"], "一级预算单位：", h["primary_budget_unit"]),
        ("实施期限：", str(h["implementation_period"]), "项目类型：", f"{h['project_type_code']} {h['project_type_name']}"),
        ("是否新增项目：", "是" if h["is_new_project"] else "否", "分配方式：", h["allocation_method"]),
        ("项目总金额（中期规划，万元）：", _amount(h["total_amount"]), "本年度项目金额（万元）：", _amount(h["annual_amount"])),
    ]
    rows = [[(0, 1, a), (1, 3, b), (3, 4, c), (4, 5, d)] for a, b, c, d in pairs]
    for label, key in (("政策依据：", "policy_basis"), ("测算依据：", "calculation_basis"),
                       ("年度目标：", "annual_goal"), ("长期目标：", "long_term_goal")):
        rows.append([(0, 1, label), (1, 5, h[key])])
    rows.append([(i, i + 1, t) for i, t in enumerate(("一级指标", "二级指标", "三级指标", "指标值", "指标解释"))])
    return rows


def draw_form(truth: dict, dpi: int = 200, angle: float = 0.0, text: bool = False) -> tuple[np.ndarray, list[Word]]:
    """(page image, words at their boxes). Long texts wrap at the cell width; ``text=True``
    also draws the words (WenQuanYi Zen Hei) so a real engine can read the page."""
    w_px, h_px = int(8.27 * dpi), int(11.69 * dpi)
    img = np.full((h_px, w_px), 255, np.uint8)
    x0, x1 = int(0.6 * dpi), w_px - int(0.6 * dpi)
    xs = [int(x0 + c * (x1 - x0)) for c in COLS]
    line_h = int(0.2 * dpi)
    words: list[Word] = [Word("二级项目支出绩效目标申报表", Box(w_px // 3, int(0.5 * dpi), 2 * w_px // 3, int(0.5 * dpi) + line_h), 0.99)]
    y = int(0.8 * dpi)
    cells: list[tuple[int, int, int, int, str]] = []  # c0, c1, r_top_y, r_bottom_y, text

    char_px = int(0.13 * dpi)

    def per_line(c0: int, c1: int) -> int:
        return max(1, (xs[c1] - xs[c0] - 16) // char_px)

    def add_row(spec):
        nonlocal y
        n_lines = max(1 + max(0, len(t) - 1) // per_line(c0, c1) for c0, c1, t in spec)
        bottom = y + n_lines * line_h + int(0.1 * dpi)
        for c0, c1, t in spec:
            cells.append((c0, c1, y, bottom, t))
        y = bottom

    for spec in header_rows(truth["header"]):
        add_row(spec)
    rows = truth["indicators"]
    start = len(cells)
    for r in rows:
        add_row([(0, 1, r["level1"]), (1, 2, ("*" if r["core"] else "") + r["level2"]), (2, 3, r["level3"]),
                 (3, 4, r["value"]), (4, 5, r["explanation"])])
    # merge equal level1 / level2 cells vertically: drop the lower cell and extend the upper
    ind = cells[start:]
    merged: list[tuple[int, int, int, int, str]] = []
    for col in (0, 1):
        column = [c for c in ind if c[0] == col]
        i = 0
        while i < len(column):
            j = i
            while j + 1 < len(column) and column[j + 1][4] == column[i][4] and (col == 0 or _same_l1(ind, column, i, j + 1)):
                j += 1
            merged.append((col, col + 1, column[i][2], column[j][3], column[i][4]))
            i = j + 1
    cells = cells[:start] + merged + [c for c in ind if c[0] >= 2]
    for c0, c1, top, bottom, text in cells:
        cv2.rectangle(img, (xs[c0], top), (xs[c1], bottom), 0, max(2, dpi // 100))
        n = per_line(c0, c1)
        chunks = [text[i:i + n] for i in range(0, len(text), n)]
        for k, chunk in enumerate(chunks):
            ty = top + int(0.05 * dpi) + k * line_h
            words.append(Word(chunk, Box(xs[c0] + 8, ty + 4, min(xs[c1] - 8, xs[c0] + 8 + char_px * len(chunk)), ty + line_h - 4), 0.97))
    if text:
        img = draw_words(img, words, char_px)
    if angle:
        m = cv2.getRotationMatrix2D((w_px / 2, h_px / 2), angle, 1.0)
        img = cv2.warpAffine(img, m, (w_px, h_px), borderValue=255)
    return img, words


def _same_l1(ind, column, i, j) -> bool:
    """Level-2 cells merge only inside one level-1 group (rows share the level-1 text)."""
    top_i, top_j = column[i][2], column[j][2]
    l1 = {c[2]: c[4] for c in ind if c[0] == 0}
    return l1.get(top_i) == l1.get(top_j)


FONT = font_file("wqy").path


def draw_words(img: np.ndarray, words: list[Word], size: int) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.fromarray(img)
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(FONT, size)
    title = ImageFont.truetype(FONT, int(size * 1.5))
    for i, w in enumerate(words):
        draw.text((w.box.x0, w.box.y0 - (size // 3 if i == 0 else 0)), w.text, fill=0, font=title if i == 0 else font)
    return np.array(im)
