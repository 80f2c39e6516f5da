"""The digital-PDF reader on PDFs drawn by synth.pdf, against the truth they were drawn from."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from extractors import ReadContext
from extractors.pdf_text import read_pdf
from extractors.pdf_triage import triage_page
from extractors import convert
from pipeline.settings import Limits, PdfSettings, Settings
from synth.pdf import PdfStyle, broken_text_layer_pdf, random_style, render_pdf
from synth.truth import random_forms

from .conftest import differences

ROOT = Path(__file__).resolve().parents[2]


def rows_of(path: Path, settings: Settings = Settings()):
    return list(read_pdf(path, ReadContext(settings=settings)))


def test_golden_forms_as_pdf_have_no_header_or_indicator_differences(golden_pdf, golden_result):
    _, truth = golden_pdf
    result = golden_result
    assert result.status == "ok", result.errors
    assert result.kind == "pdf"
    assert differences(truth, result.forms) == []
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truth]


def test_golden_pdf_keeps_page_and_box_on_every_value(golden_result):
    for form in golden_result.forms:
        assert form.provenance, "header provenance missing"
        for key, prov in form.provenance.items():
            assert prov.origin == "pdf" and prov.page in form.source.pages and prov.bbox is not None, key
            assert prov.confidence == 1.0
        for ind in form.indicators:
            assert ind.prov and ind.prov[0].page in form.source.pages and ind.prov[0].bbox is not None


def test_thirty_two_forms_in_one_file_all_found_and_exact(many_forms_pdf):
    path, truth = many_forms_pdf
    result = convert(path)
    assert result.status == "ok", result.errors
    assert len(result.forms) == 32
    assert differences(truth, result.forms) == []
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truth]
    # the file really exercises rows cut by page breaks and tables spanning pages
    assert sum(r.continuation for r in rows_of(path)) >= 3
    assert sum(len(t["source"]["pages"]) > 1 for t in truth) >= 10


@pytest.mark.parametrize("seed", [11, 12, 13, 14])
def test_random_styles(tmp_path, seed):
    import random

    style = random_style(random.Random(seed))
    path = tmp_path / "forms.pdf"
    truth = render_pdf(list(random_forms(seed, 6)), path, seed=seed, style=style)
    result = convert(path)
    assert result.status == "ok", result.errors
    assert differences(truth, result.forms) == [], style


def test_repeated_header_and_one_form_per_page(tmp_path):
    path = tmp_path / "forms.pdf"
    style = PdfStyle(fonts=("ukai", "wqy"), page_break_mode="form_per_page", repeat_header=True, font_size=10.0)
    truth = render_pdf(list(random_forms(3, 6)), path, seed=3, style=style)
    result = convert(path)
    assert differences(truth, result.forms) == []
    starts = [f.source.pages[0] for f in result.forms]
    assert len(set(starts)) == len(starts)


def test_label_wrapped_in_a_narrow_cell_is_read_whole(golden_pdf):
    path, _ = golden_pdf
    cells = [c for r in rows_of(path) for c in r.cells if c.text.startswith("项目总金")]
    assert cells
    for c in cells:
        assert re.fullmatch(r"项目总金额（中期规划，万元）[:：]", c.text), c.text
        assert c.bbox.x1 - c.bbox.x0 < 70 and c.bbox.bottom - c.bbox.top > 30  # it did wrap


def test_doubled_glyphs_are_deduplicated(tmp_path):
    path = tmp_path / "bold.pdf"
    truth = render_pdf(list(random_forms(4, 2)), path, seed=4, style=PdfStyle(double_glyphs=True))
    with pdfplumber.open(path) as pdf:
        verdict = triage_page(pdf.pages[0].chars, False, True, PdfSettings())
    assert verdict.verdict == "text" and verdict.doubled
    assert differences(truth, convert(path).forms) == []


def test_font_without_unicode_map_is_detected(tmp_path):
    path = tmp_path / "broken.pdf"
    broken_text_layer_pdf(list(random_forms(2, 1)), path)
    with pdfplumber.open(path) as pdf:
        verdict = triage_page(pdf.pages[0].chars, bool(pdf.pages[0].images), True, PdfSettings())
    assert verdict.verdict == "ocr" and "garbage text layer" in verdict.reason


def test_garbage_pages_are_reported_when_ocr_is_unavailable(tmp_path, monkeypatch):
    import extractors.ocr as ocr

    monkeypatch.setattr(ocr, "is_available", lambda engine=None: False)
    path = tmp_path / "broken.pdf"
    truth = broken_text_layer_pdf(list(random_forms(2, 2)), path)
    result = convert(path)
    pages = sorted({p for t in truth for p in t["source"]["pages"]})
    assert result.status == "failed" and not result.forms
    assert sorted(e.page for e in result.errors if e.stage == "triage") == pages
    assert all("no OCR engine" in e.message for e in result.errors if e.stage == "triage")


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")
def test_encrypted_pdf_needs_the_password(golden_pdf, tmp_path):
    path, truth = golden_pdf
    enc = tmp_path / "enc.pdf"
    subprocess.run(["qpdf", "--encrypt", "s3cret", "owner", "256", "--", str(path), str(enc)], check=True)
    locked = convert(enc)
    assert locked.status == "failed" and locked.error_line == "password-protected PDF (use --password)"
    wrong = convert(enc, Settings(pdf=PdfSettings(password="nope")))
    assert wrong.status == "failed" and "does not open it" in wrong.error_line
    opened = convert(enc, Settings(pdf=PdfSettings(password="s3cret")))
    assert differences(truth, opened.forms) == []


def test_truncated_and_fake_pdfs_fail_with_a_reason(golden_pdf, tmp_path):
    path, _ = golden_pdf
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(path.read_bytes()[:20000])
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 200)
    for p in (cut, fake):
        result = convert(p)
        assert result.status == "failed"
        assert "PDF" in result.error_line


def test_one_damaged_page_is_reported_and_the_others_read(golden_pdf, tmp_path):
    path, truth = golden_pdf
    data = path.read_bytes()
    refs = re.findall(rb"/Contents \d+ 0 R", data)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(data.replace(refs[1], b"/Contents 9999 0 R"))
    result = convert(bad)
    assert result.status == "partial"
    assert [(e.page, e.stage) for e in result.errors] == [(2, "pdf")]
    untouched = [i for i, t in enumerate(truth) if 2 not in t["source"]["pages"]]
    assert len(untouched) >= 7
    by_code = {f.header.project_code: f for f in result.forms}
    for i in untouched:
        form = by_code[truth[i]["header"]["project_code"]]
        assert differences([truth[i]], [form]) == []


def test_page_limit_is_respected(golden_pdf):
    path, truth = golden_pdf
    result = convert(path, Settings(limits=Limits(max_pages=2)))
    assert any("max_pages" in e.message for e in result.errors)
    assert all(p <= 2 for f in result.forms for p in f.source.pages)
    assert 1 <= len(result.forms) < len(truth)


def test_cli_extract_pdf_jsonl(golden_pdf):
    path, truth = golden_pdf
    exe = Path(sys.executable).with_name("jixiao")
    proc = subprocess.run([str(exe), "extract", str(path), "--format", "jsonl"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    forms = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [f["header"]["project_code"] for f in forms] == [t["header"]["project_code"] for t in truth]
    assert {f["source"]["kind"] for f in forms} == {"pdf"}


def test_label_cut_by_a_page_break_is_joined_back(tmp_path):
    path = tmp_path / "cut.pdf"
    style = PdfStyle(keep_labels_whole=False, narrow_labels=True, page_break_mode="flow", repeat_header=False)
    truth = render_pdf(list(random_forms(8, 6)), path, seed=8, style=style)
    rows = rows_of(path)
    # the file really cuts a label: one page ends inside "长期目标（跨度多年的项目需填）："
    with pdfplumber.open(path) as pdf:
        cut = any(re.search(r"长期目标（跨?$", "".join(c["text"] for c in sorted(p.chars, key=lambda c: (round(c["top"]), c["x0"])) if c["x0"] < 80)) for p in pdf.pages)
    assert cut
    assert any(c.text.startswith("长期目标（跨度多年的项目需填）") for r in rows for c in r.cells)
    result = convert(path)
    assert differences(truth, result.forms) == []
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truth]
