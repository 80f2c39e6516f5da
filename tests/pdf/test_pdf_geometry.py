"""PDF pages whose table has its rules partly or wholly missing (issue 14): forms laid out by
LibreOffice Writer and Calc with borders off, or with only some of them (synth.office
``rules``), read from the text layer by the words' geometry. One test per failure met on
such exports, named after it; the truth is what the generator was given."""
from __future__ import annotations

import shutil

import pytest

from extractors import ReadContext
from extractors.geometry import PageGeometry, TextWord, blocks_to_rows, lines_to_blocks
from extractors.pdf_text import read_pdf
from extractors.table import Box
from extractors import convert
from flows.evaluate import score
from pipeline.labels import load_vocabulary
from pipeline.settings import Settings

NO_RULE_DOCS = {
    # name: (producer, golden forms first?, random forms, seed, rules)
    "writer_none": ("writer", True, 10, 51, "none"),
    "calc_none": ("calc", False, 12, 52, "none"),
    "writer_horizontal": ("writer", False, 8, 53, "horizontal"),
    "writer_indicators": ("writer", False, 8, 54, "indicators"),
}


@pytest.fixture(scope="session")
def no_rule_docs(tmp_path_factory):
    """name -> (pdf, truth, DocumentResult); one soffice call for all of them."""
    from synth.office import OfficeJob, OfficeStyle, render_office_batch
    from synth.truth import load_golden, random_forms

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = tmp_path_factory.mktemp("norules")
    jobs = []
    for name, (producer, golden, n, seed, rules) in NO_RULE_DOCS.items():
        truths = (load_golden() if golden else []) + list(random_forms(seed, n))
        for k, t in enumerate(truths):
            t["form_index"] = k
        jobs.append(OfficeJob(truths, out / f"{name}.pdf", producer, seed, OfficeStyle(rules=rules)))
    results = render_office_batch(jobs)
    return {name: (job.out_pdf, truth, convert(job.out_pdf)) for name, job, truth in zip(NO_RULE_DOCS, jobs, results)}


def _rates(truth, forms):
    r = score(truth, forms)
    return r.header_exact / r.header_fields, r.indicator_exact / r.indicator_rows


def test_form_exported_without_borders_gets_its_cells_from_the_words_geometry(no_rule_docs):
    """Writer and Calc exports with every border off used to give 17 % of header fields and
    no indicator row (every line one cell); now ≥ 99 % / ≥ 98 % on their 32 forms, read from
    the text layer (no page OCR'd), every page recorded as laid out by geometry."""
    header = rows = 0.0
    forms = 0
    for name in ("writer_none", "calc_none"):
        pdf, truth, result = no_rule_docs[name]
        assert result.status == "ok", (name, result.errors)
        assert result.kind == "pdf", name
        assert len(result.forms) == len(truth), name
        h, r = _rates(truth, result.forms)
        n = len(truth)
        header, rows, forms = header + h * n, rows + r * n, forms + n
        for f in result.forms:
            assert set(f.source.page_layouts.values()) == {"geometry"}, (name, f.source.page_layouts)
            assert sorted(f.source.page_layouts) == f.source.pages
    assert forms >= 20
    assert header / forms >= 0.99 and rows / forms >= 0.98, (header / forms, rows / forms)


def test_geometry_fields_have_lower_confidence_than_ruled_ones(no_rule_docs):
    """A value placed by geometry is less sure than one inside a ruled cell: the form's
    confidence shows grid.geometry_confidence (0.9) for it, 1.0 stays for ruled cells."""
    _, _, result = no_rule_docs["writer_none"]
    assert {c for f in result.forms for c in f.confidence.values()} == {Settings().grid.geometry_confidence}
    assert not any(f.findings and any(x.code == "LOW_CONFIDENCE" for x in f.findings) for f in result.forms)


def test_horizontal_rules_only_no_vertical_ones_is_read_by_geometry(no_rule_docs):
    """Only horizontal rules (no cell has four sides): no grid, cells from geometry."""
    pdf, truth, result = no_rule_docs["writer_horizontal"]
    h, r = _rates(truth, result.forms)
    assert h >= 0.99 and r >= 0.98, (h, r)


def test_header_block_without_rules_above_a_ruled_indicator_table_is_mixed(no_rule_docs):
    """A partial grid: the header block unruled, the indicator table ruled. The ruled rows
    stay the grid's; the text outside it gets geometry cells (a page with both is
    ``mixed``) — the header used to lose 82 % of its fields."""
    pdf, truth, result = no_rule_docs["writer_indicators"]
    layouts = [v for f in result.forms for v in f.source.page_layouts.values()]
    assert "mixed" in layouts and set(layouts) <= {"mixed", "geometry", "grid"}
    assert all(f.source.page_layouts for f in result.forms)
    h, r = _rates(truth, result.forms)
    assert h >= 0.97 and r == 1.0, (h, r)


def test_row_cut_by_page_break_without_rules_is_not_a_row_of_its_own(no_rule_docs):
    """Writer breaks a row inside its cells; without rules the rest at the head of the next
    page (long texts only: no 一级/二级 name, the short value on one page) used to be an
    indicator row of its own, with an empty 指标值."""
    for name in ("writer_none", "writer_horizontal"):
        _, truth, result = no_rule_docs[name]
        assert sum(len(f.indicators) for f in result.forms) == sum(len(t["indicators"]) for t in truth), name
        assert all(i.value for f in result.forms for i in f.indicators), name


def test_ruled_office_exports_still_read_by_their_grid(office_docs):
    """The geometry step only takes text outside the grid that holds several cells a line:
    ruled exports are read by their grid, every page recorded as ``grid``."""
    pdf, _ = office_docs["writer"]
    ctx = ReadContext(settings=Settings())
    rows = list(read_pdf(pdf, ctx))
    assert rows and set(ctx.layouts.values()) == {"grid"}


# --------------------------------------------------------------------------- the steps alone


def _w(text, x0, y0, size=10.0, width=None):
    return TextWord(text, Box(x0, y0, x0 + (width if width is not None else size * len(text)), y0 + size))


def test_wrapped_value_beside_a_centred_label_is_one_cell_in_one_row():
    """A one-line label centred beside a three-line value (valign middle): the value's
    first line is above the label's line, its last below; one row, two cells."""
    vocab = load_vocabulary()
    lines = [[_w("政策依据的第一行文字很长很长很长很长", 100, 0, width=400)],
             [_w("政策依据：", 10, 14), _w("第二行文字很长很长很长很长很长很长很", 100, 14, width=400)],
             [_w("第三行。", 100, 28)]]
    rows, cols = blocks_to_rows(lines, PageGeometry(page=1, scale=1.0, origin="pdf"), vocab)
    assert cols is None
    assert [[c.text for c in r.cells] for _, r in rows] == [
        ["政策依据：", "政策依据的第一行文字很长很长很长很长第二行文字很长很长很长很长很长很长很第三行。"]]
    assert all(c.origin == "pdf" and c.confidence == 0.9 for _, r in rows for c in r.cells)


def test_one_line_cells_stacked_in_a_column_stay_apart():
    """Two rows' one-line values under each other (``5`` above ``否``): a short line is not
    wrapped, so the next row's value is a cell of its own even with a tight line gap."""
    vocab = load_vocabulary()
    lines = [[_w("实施期限：", 10, 0), _w("5", 100, 0, width=6)],
             [_w("是否新增项目：", 10, 15.5), _w("否", 100, 15.5)]]
    blocks, _ = lines_to_blocks(lines, vocab)
    assert sorted(b.text for b in blocks) == sorted(["实施期限：", "5", "是否新增项目：", "否"])


def test_merged_level_names_centred_over_their_rows_start_at_their_first_row():
    """一级/二级 names are centred over the rows of their merged cells; each goes to the first
    row it covers (the assembler fills it down), never to the middle one."""
    vocab = load_vocabulary()
    head = [_w("一级指标", 10, 0), _w("二级指标", 110, 0), _w("三级指标", 210, 0), _w("指标值", 310, 0),
            _w("指标解释", 410, 0)]
    lines = [head]
    y = 20
    for k in range(3):  # three rows of 数量指标, under 产出指标, all centred on the middle row
        line = [_w(f"三级{k}", 205, y), _w(f"{k}人", 305, y), _w(f"解释{k}", 405, y)]
        if k == 1:
            line = [_w("产出指标", 5, y), _w("*数量指标", 105, y)] + line
        lines.append(line)
        y += 20
    rows, cols = blocks_to_rows(lines, PageGeometry(page=1, scale=1.0, origin="pdf"), vocab)
    assert cols is not None and cols.names[:3] == ["level1", "level2", "level3"]
    texts = [[c.text for c in r.cells] for _, r in rows]
    assert texts == [["一级指标", "二级指标", "三级指标", "指标值", "指标解释"],
                     ["产出指标", "*数量指标", "三级0", "0人", "解释0"],
                     ["三级1", "1人", "解释1"], ["三级2", "2人", "解释2"]]
