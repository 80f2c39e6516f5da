"""Real WPS 表格 budget books (../shared/real/govbudgetchecker, see its README): budget tables,
no declaration form. Each must come out with no form, read from its text layer, without OCR
of any page that has one. The time per page is measured and printed here, not asserted (the
bench `bench/bench_pdf.py` reports it)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pdfplumber
import pytest

from extractors.pdf_text import triage_pdf_page
from extractors import convert
from pipeline.settings import PdfSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
# ../shared beside the repo (JIXIAO_SHARED names it elsewhere, e.g. from a worktree)
BOOKS = Path(os.environ.get("JIXIAO_SHARED", ROOT.parent / "shared")) / "real" / "govbudgetchecker"
NAMES = ["shpt_sfj_2026_budget.pdf", "sfj_2026_unit_budget.pdf", "putuo_shangwuwei_2025_budget.pdf",
         "putuo_qufuban_2025_budget.pdf"]
# pages of number tables (little CJK on a page ruled with thin filled rectangles) that the
# old triage took for a garbage layer and OCR'd, found by running it on the books
NUMBER_TABLE_PAGES = {"shpt_sfj_2026_budget.pdf": [13, 20], "sfj_2026_unit_budget.pdf": [10, 12, 19],
                      "putuo_shangwuwei_2025_budget.pdf": [20], "putuo_qufuban_2025_budget.pdf": [10, 12, 19]}

pytestmark = pytest.mark.skipif(not BOOKS.is_dir(), reason="../shared/real not beside the repo")


@pytest.fixture
def no_ocr(monkeypatch):
    import extractors.ocr as ocr

    def refuse(path, pages, ctx):
        raise AssertionError(f"OCR of pages {pages} of {path}")

    monkeypatch.setattr(ocr, "ocr_pdf_pages", refuse)


@pytest.mark.parametrize("name", NAMES)
def test_wps_budget_book_has_no_form_and_no_page_is_ocred(name, no_ocr):
    path = BOOKS / name
    with pdfplumber.open(path) as pdf:
        pages = len(pdf.pages)
        assert "WPS" in (pdf.metadata.get("Creator", "") + pdf.metadata.get("Producer", ""))
    start = time.perf_counter()
    result = convert(path)
    per_page = (time.perf_counter() - start) / pages
    print(f"{name}: {pages} pages, {per_page * 1000:.0f} ms a page")
    assert result.forms == []
    assert result.kind == "pdf"
    assert not [e for e in result.errors if e.stage in ("triage", "ocr", "pdf")]
    assert result.status == "no_form" and result.errors == []  # the outcome "no form in this document"


def test_number_table_pages_and_white_cell_fills_are_not_taken_for_a_garbage_layer():
    """WPS prints budget tables as digits with a few CJK headings, ruled with thin black
    rectangles, and fills cells with white ones: text pages, and a page of white fills is blank."""
    for name, numbers in NUMBER_TABLE_PAGES.items():
        with pdfplumber.open(BOOKS / name) as pdf:
            for p in numbers:
                verdict = triage_pdf_page(pdf.pages[p - 1], PdfSettings())
                assert verdict.verdict == "text", (name, p, verdict)
    with pdfplumber.open(BOOKS / "shpt_sfj_2026_budget.pdf") as pdf:
        page = pdf.pages[2]
        assert not page.chars and page.rects  # 20 white rectangles, nothing else
        assert triage_pdf_page(page, PdfSettings()).verdict == "blank"


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_wps_budget_book_laid_out_page_by_page_still_has_no_form(name, no_ocr):
    """The same without the fast text pass: every page triaged and laid out."""
    result = convert(BOOKS / name, Settings(pdf=PdfSettings(skip_formless_text=False)))
    assert result.forms == [] and result.kind == "pdf"
