"""Triage of one page from its glyphs and facts (extractors.pdf_triage), on hand-made pages."""
from __future__ import annotations

from extractors.pdf_triage import PageFacts, sane_text, triage_page, visible_rect
from pipeline.settings import PdfSettings


def _chars(text: str) -> list[dict]:
    return [{"text": ch, "x0": 10.0 * i, "x1": 10.0 * i + 9, "top": 100.0, "bottom": 109.0}
            for i, ch in enumerate(text)]


RULED = PageFacts(has_rules=True)


def test_short_page_of_a_tables_last_row_is_text():
    """16 glyphs: 其他满意度指标 不适用 不适用 不适用 (the old min_chars_per_page sent it to OCR)."""
    chars = _chars("其他满意度指标 不适用 不适用 不适用")
    assert sum(not c["text"].isspace() for c in chars) == 16
    assert triage_page(chars, False, True, PdfSettings(), RULED).verdict == "text"
    assert triage_page(_chars("计"), False, True, PdfSettings(), RULED).verdict == "text"


def test_few_glyphs_on_a_page_sized_image_is_a_scan():
    facts = PageFacts(has_images=True, image_share=0.95)
    assert triage_page(_chars("第3页"), True, False, PdfSettings(), facts).verdict == "ocr"


def test_number_table_page_is_text_and_wrong_font_map_is_garbage():
    numbers = _chars("208 05 06 机关事业单位职业年金缴费支出 919739.00 919739.00 0.00 " * 3)
    assert triage_page(numbers, False, True, PdfSettings(), RULED).verdict == "text"
    latin = _chars("Ë¿ÏîÄ¿Ö§³ö¼¨Ð§Ä¿±êÉê±¨±í" * 3)  # GBK bytes read as Latin-1: a wrong map
    assert triage_page(latin, False, True, PdfSettings(), RULED).verdict == "ocr"
    assert not sane_text("".join(c["text"] for c in latin), PdfSettings())


def test_no_glyphs_ocr_only_with_something_to_recognise():
    s = PdfSettings()
    assert triage_page([], False, True, s, PageFacts(has_rules=True)).verdict == "blank"
    assert triage_page([], True, False, s, PageFacts(has_images=True, image_share=1.0)).verdict == "ocr"
    assert triage_page([], False, False, s, PageFacts(curves=400)).verdict == "ocr"  # outlined text


def test_white_cell_fill_is_no_rule():
    white = {"fill": True, "stroke": False, "non_stroking_color": (1.0, 1.0, 1.0)}
    black = {"fill": True, "stroke": False, "non_stroking_color": (0.0, 0.0, 0.0)}
    stroked = {"fill": False, "stroke": True, "stroking_color": (0,)}
    assert not visible_rect(white) and visible_rect(black) and visible_rect(stroked)
