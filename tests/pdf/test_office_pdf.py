"""The digital-PDF reader on forms laid out and exported by LibreOffice Writer and Calc
(synth.office), against the truth they were made from; one test per failure class met on
such exports (issue 14), named after it."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors import ReadContext
from extractors.pdf_text import join_lines, read_pdf, triage_pdf
from extractors import convert
from pipeline.settings import Settings

from .conftest import SHORT_LAST_PAGE, differences

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt"
LEVELS = {"产出指标", "效益指标", "满意度指标"}
LEVEL2 = {"数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
          "可持续影响指标", "服务对象满意度指标", "其他满意度指标"}


def rows_of(path: Path):
    return list(read_pdf(path, ReadContext(settings=Settings())))


def _last_page_text(path: Path) -> str:
    doc = pdfium.PdfDocument(str(path))
    try:
        return "".join(doc[len(doc) - 1].get_textpage().get_text_range().split())
    finally:
        doc.close()


def test_office_exports_have_every_header_field_and_indicator_row_exact(office_docs, office_results):
    forms = 0
    for name, (pdf, truth) in office_docs.items():
        result = office_results[name]
        assert result.status == "ok", (name, result.errors)
        assert result.kind == "pdf", name  # no page went to OCR
        assert differences(truth, result.forms) == [], name
        assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truth], name
        forms += len(truth)
    assert forms >= 30


def test_office_exports_give_the_calculation_terms_of_the_text_dump(office_results):
    """The sample's ten forms, exported by Writer and by Calc: terms and totals as read from
    the budget system's text dump of the same forms."""
    dump = convert(SAMPLE)
    expected = [f.model_dump(mode="json")["calculation"] for f in dump.forms]
    assert len(expected) == 10
    for name in ("writer", "calc"):
        got = [f.model_dump(mode="json")["calculation"] for f in office_results[name].forms[:10]]
        assert got == expected, name


def test_short_last_page_of_a_table_is_read_from_its_text_layer_not_ocred(office_docs, office_results):
    """The last row of a table runs onto a new page: that page holds a few glyphs
    (1 to 20 here), and a sane Unicode layer is read however short it is."""
    for seed, tail in SHORT_LAST_PAGE.items():
        pdf, truth = office_docs[f"short_last_page_{seed}"]
        assert _last_page_text(pdf) == tail, seed  # the document really ends with that short page
        assert triage_pdf(pdf, Settings()).ocr_pages == [], seed
        result = office_results[f"short_last_page_{seed}"]
        assert result.kind == "pdf"
        assert differences(truth, result.forms) == [], seed
        assert result.forms[0].source.pages == [1, 2]


def _indicator_misses(office_docs, office_results, names, key):
    out = []
    for name in names:
        _, truth = office_docs[name]
        for t, f in zip(truth, office_results[name].forms):
            got = [(i.model_dump()[key] if key != "level2" else ("*" if i.core else "") + i.level2) for i in f.indicators]
            want = [(r[key] if key != "level2" else ("*" if r["core"] else "") + r["level2"]) for r in t["indicators"]]
            if got != want:
                out.append((name, t["form_index"], [g for g, w in zip(got, want) if g != w][:2]))
    return out


def test_writer_row_cut_by_page_break_with_closed_rules_is_one_row(office_docs, office_results):
    """Writer closes the cells of a row it breaks: the rest of the text at the head of the
    next page (after the repeated header row) used to come out as a row of its own
    (``续引进高端、急需人才…`` with empty 指标值 and 指标解释)."""
    pdf, truth = office_docs["writer"]
    rows = rows_of(pdf)
    texts = [c.text for r in rows for c in r.cells]
    assert not any(t.startswith("续引进高端") for t in texts)
    expected = truth[0]["indicators"][11]["level3"]
    assert expected.endswith("提供智力支撑。") and expected in texts
    assert any(r.continuation and not r.cells for r in rows)  # the join notes the new page
    assert _indicator_misses(office_docs, office_results, ["writer", "writer_landscape"], "level3") == []


def test_label_cut_by_page_break_with_closed_rules_is_joined(office_docs, office_results):
    """A header label of a pair row cut by the break (``项目总金额（中期规划，`` / ``万元）：``),
    rules closed on both pages: the label is whole and the amounts beside it are read."""
    pdf, truth = office_docs["writer_landscape"]
    with pdfium.PdfDocument(str(pdf)) as doc:
        heads = ["".join(doc[k].get_textpage().get_text_range().split())[:4] for k in range(len(doc))]
    assert "万元）：" in heads  # the file really cuts that label
    forms = office_results["writer_landscape"].forms
    assert [float(f.header.total_amount) for f in forms] == [t["header"]["total_amount"] for t in truth]
    assert [f.header.allocation_method for f in forms] == [t["header"]["allocation_method"] for t in truth]


def test_wrapped_text_of_merged_cell_across_page_break_is_one_value(office_docs, office_results):
    """A narrow 二级指标 cell wraps its value and the page breaks between the lines
    (``可持续影响指`` / ``标``): one value, not a stub and a stray row."""
    for name in ("narrow_writer", "narrow_calc"):
        values = {("*" if i.core else "") + i.level2 for f in office_results[name].forms for i in f.indicators}
        assert {v.lstrip("*") for v in values} <= LEVEL2, name
    assert _indicator_misses(office_docs, office_results, ["narrow_writer", "narrow_calc"], "level2") == []


def test_spreadsheet_merged_cell_clipped_at_page_break_is_not_a_row(office_docs, office_results):
    """Calc prints a merged cell that the break cuts with its whole text on both pages,
    clipped to each page's part: the clipped glyphs (``产出指标`` below the last rule) used to
    come out as one-cell rows and shift every 一级指标 after them."""
    assert _indicator_misses(office_docs, office_results, ["calc", "calc_sheets", "narrow_calc"], "level1") == []


def test_spreadsheet_merged_cell_open_at_break_does_not_join_the_rows_beside_it(office_docs, office_results):
    """A 一级指标 cell merged across the break is left open by Calc while the row beside it
    is closed: the next page's first row is a new row (``*数量指标`` and ``*质量指标`` used to
    be joined into one)."""
    for name in ("calc", "calc_sheets", "narrow_calc"):
        _, truth = office_docs[name]
        assert [len(f.indicators) for f in office_results[name].forms] == [len(t["indicators"]) for t in truth]
    assert _indicator_misses(office_docs, office_results, ["calc", "calc_sheets", "narrow_calc"], "level3") == []


def test_spreadsheet_merged_cell_wrapped_and_clipped_at_break_keeps_rows_apart(office_docs, office_results):
    """A wrapped merged 二级指标 (``服务对象满意度`` / ``指标``) that the break cuts in one of its
    lines: Calc prints the whole text on both pages, each clipped to its part; the clipped
    lines belong to the open cell (the rows beside it were joined as one cut row)."""
    pdf, truth = office_docs["calc"]
    form = office_results["calc"].forms[28]
    assert truth[28]["source"]["pages"] == [28, 29, 30]
    assert [i.level3 for i in form.indicators] == [r["level3"] for r in truth[28]["indicators"]]
    assert {i.level1 for i in form.indicators} <= LEVELS


def test_column_header_above_break_is_not_joined_with_merged_cell_below(office_docs, office_results):
    """The indicator header row ends a page and the table goes on with a merged 一级指标 at
    the head of the next (and a table's first header row at the head of a page is no
    repeated header): ``一级指标`` and ``产出指标`` stay apart, 长期目标 keeps its own text."""
    _, truth = office_docs["narrow_calc"]
    forms = office_results["narrow_calc"].forms
    assert [f.header.long_term_goal for f in forms] == [t["header"]["long_term_goal"] for t in truth]
    assert _indicator_misses(office_docs, office_results, ["narrow_calc"], "level1") == []


def test_digit_run_wrapped_by_the_layout_stays_one_number():
    assert join_lines(["大学生实习补贴4", "00万元，分别为"]) == "大学生实习补贴400万元，分别为"
    assert join_lines(["see the", "manual"]) == "see the manual"


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_page_turned_by_rotate_reads_as_laid_out(office_docs, office_results, tmp_path, turn):
    """A producer turns pages with /Rotate: the text then runs sideways as displayed (and
    pdfplumber's upright filter dropped every glyph: no form at all)."""
    pdf, truth = office_docs["writer_small"]
    turned = tmp_path / f"turned{turn}.pdf"
    subprocess.run(["qpdf", f"--rotate=+{turn}", str(pdf), str(turned)], check=True)
    result = convert(turned)
    assert result.status == "ok" and result.kind == "pdf"
    assert differences(truth, result.forms) == []


def test_office_export_whose_fonts_lost_their_unicode_map_goes_to_ocr(office_docs, tmp_path):
    """The same export with every /ToUnicode removed: garbage layer, every page to OCR (the
    fast text pass for formless documents must not take it for a text page without a form)."""
    from extractors.pdf_text import formless_text_pages
    from synth.pdf import strip_unicode_maps

    pdf, _ = office_docs["writer_small"]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(strip_unicode_maps(pdf.read_bytes()))
    with pdfium.PdfDocument(str(broken)) as doc:
        pages = len(doc)
    assert triage_pdf(broken, Settings()).ocr_pages == list(range(1, pages + 1))
    assert formless_text_pages(broken, Settings(), 1, pages) == set()
