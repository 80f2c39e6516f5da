"""``TesseractEngine.read_page`` (``--ocr-engine tesseract``) on real pixels: the README
publishes its accuracy, so a test runs it. Quick: the first three header rows of a drawn form,
each value cell read back (about a second). Slow: three generated forms scanned at 300 dpi
(three pages) through the whole reader, scored against their truth — the README's Tesseract
row (measured here: header fields 38/45 exact, indicator rows 17/32, long text 98.3 %)."""
from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from helpers import rows_to_forms, settings
from layout import draw_form, header_rows

from extractors.ocr.engines import create_engine, engine_available

pytestmark = pytest.mark.skipif(not engine_available("tesseract"), reason="tesseract chi_sim not installed")

DPI = 200


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_tesseract_read_page_reads_header_cells_where_they_are(truth):
    from extractors.ocr.grid import ink_to_line_masks, masks_to_tables, remove_lines
    from extractors.ocr.preprocess import prepare

    img, _ = draw_form(truth, dpi=DPI, text=True)
    top = int(0.7 * DPI)  # the title ends above; the table starts at 0.8 in
    crop = img[top:int(2.0 * DPI)]
    prepared = prepare(crop, deskew=False)
    horiz, vert = ink_to_line_masks(prepared.ink, DPI)
    tables = masks_to_tables(horiz, vert, DPI)
    clean = remove_lines(prepared.gray, horiz, vert)
    regions = sorted((c.box for t in tables for c in t.cells), key=lambda b: (b.y0, b.x0))
    rows = header_rows(truth["header"])[:3]
    assert len(regions) == 4 * len(rows)  # the grid (not under test here) found the three rows' cells

    words = create_engine("tesseract").read_page(clean, regions, DPI)

    def inside(w, r) -> bool:
        cx, cy = (w.box.x0 + w.box.x1) / 2, (w.box.y0 + w.box.y1) / 2
        return r.x0 <= cx < r.x1 and r.y0 <= cy < r.y1

    # every word is mapped back from the stacked strip into the cell it was read in
    assert words and all(any(inside(w, r) for r in regions) for w in words)
    assert all(0.0 <= w.confidence <= 1.0 for w in words)
    read = ["".join(w.text for w in words if inside(w, r)) for r in regions]  # in the engine's (strip) order
    values = [(read[4 * i + 1], row[1][2]) for i, row in enumerate(rows)] + \
             [(read[4 * i + 3], row[3][2]) for i, row in enumerate(rows)]
    assert _norm(read[1]) == truth["header"]["project_code"]  # 21 digits, exact
    exact = sum(_norm(got) == _norm(want) for got, want in values)
    assert exact >= 5, values  # measured: 6 of 6 (项目名称, 申请单位, 一级预算单位 (本级), 实施期限, 03 专项资金项目)


@pytest.mark.slow  # three 300-dpi pages through Tesseract, ~20 s on 2 cores: `make test-all`
def test_tesseract_reads_scanned_forms_about_as_the_readme_says(tmp_path):
    from extractors import ReadContext
    from extractors.ocr import ocr_pdf_pages
    from extractors.ocr.render import pdf_page_count
    from pipeline.convert import run_stages
    from flows.evaluate import score
    from synth.scan import SCAN_300, make_scanned_forms
    from synth.truth import random_forms

    path = Path(tmp_path) / "scan.pdf"
    truth = make_scanned_forms(list(random_forms(11, 3)), path, SCAN_300, seed=3)
    s = settings(workers=1, engine="tesseract")
    ctx = ReadContext(settings=s, kind="scan")
    rows = list(ocr_pdf_pages(path, list(range(1, pdf_page_count(path) + 1)), ctx))
    assert not ctx.errors
    assert {c.origin for r in rows for c in r.cells} == {"ocr"}
    forms = [run_stages(f, s) for f in rows_to_forms(rows, s, str(path), "scan")]
    report = score(truth, forms)
    print(report.summary())
    assert report.forms_found == 3
    assert [f.header.project_code for f in forms] == [t["header"]["project_code"] for t in truth]
    # measured 84.4 % / 53.1 % / 98.3 % (README: 82.7 % / 54.0 % / 96.2 % on ten forms)
    assert report.header_accuracy >= 0.75, report.misses[:10]
    assert report.indicator_accuracy >= 0.40, report.misses[:10]
    assert report.long_text_similarity >= 0.95


OSD = Path("/usr/share/tesseract-ocr/5/tessdata/osd.traineddata")


@pytest.mark.skipif(not OSD.exists(), reason="tesseract osd.traineddata not installed")
@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_tesseract_turns_a_page_fed_sideways_or_upside_down_upright(truth, rotation):
    """Tesseract has no detector for page_turn's line boxes: its orientation detection
    (--psm 0) says how to turn the page (before, a Tesseract run read such pages as fed)."""
    from extractors.ocr.preprocess import turn

    img, _ = draw_form(truth, dpi=150)
    engine = create_engine("tesseract")
    assert engine.page_turn(turn(img, rotation), 150) == (360 - rotation) % 360  # clockwise turn back
