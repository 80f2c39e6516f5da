"""Issue 12 §4: a PDF mixing text-layer pages and a scanned page. Each form's ``source.kind``
and ``source.pages`` are its own (read from the text layer: ``pdf``; OCR'd: ``scan``), not the
reader's state when the assembler hands the form over — which is after it has pulled the next
form's title row. Before the fix the text form in front of the scan, and every form after
it, came out ``scan`` (and read in page chunks, the form after the scan came out ``pdf`` only
by the accident of the next chunk's reader state).

The PDF: form A drawn with a text layer (synth.pdf), then form B as a page image only (a
ruled table drawn by tests/ocr/layout.py, read by the fake engine that replays its words),
then form C with a text layer again. Expected kinds and pages come from how the file was
built, not from the reader."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from flows.chunks import assemble_chunks, plan_pdf, read_chunk
from pipeline.convert import file_sha256
from extractors import convert
from pipeline.settings import OcrSettings, Settings
from synth.pdf import PdfStyle, render_pdf
from synth.truth import random_forms
from tests.fakes.engines import ReplayEngine
from tests.ocr.layout import draw_form

DPI = 200
REPLAY = Settings(ocr=OcrSettings(workers=1, dpi=DPI, task_pages=1))  # read in this process


def image_pdf(img, path: Path, dpi: int) -> None:
    """One image-only page (no text layer), sized so that rendering at ``dpi`` gives ``img`` back."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    h_px, w_px = img.shape
    size = (w_px * 72 / dpi, h_px * 72 / dpi)
    c = canvas.Canvas(str(path), pagesize=size)
    c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 0, 0, width=size[0], height=size[1])
    c.showPage()
    c.save()


def join_pdfs(parts: list[Path], out: Path) -> list[int]:
    """``parts`` one after another in ``out`` (pypdfium2); returns each part's page count."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    counts = []
    for part in parts:
        src = pdfium.PdfDocument(str(part))
        counts.append(len(src))
        doc.import_pages(src)
        src.close()
    doc.save(str(out))
    doc.close()
    return counts


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory):
    """(path, truths, expected kinds, expected pages) of text form, scanned form, text form."""
    tmp = tmp_path_factory.mktemp("mixed")
    a, b, c = random_forms(12, 3)
    style = PdfStyle(fonts=("wqy",), page_break_mode="form_per_page")
    (ta,) = render_pdf([a], tmp / "a.pdf", seed=1, style=style)
    (tc,) = render_pdf([c], tmp / "c.pdf", seed=2, style=style)
    img, words = draw_form(b, dpi=DPI)
    image_pdf(img, tmp / "b.pdf", DPI)
    path = tmp / "mixed.pdf"
    na, nb, nc = join_pdfs([tmp / "a.pdf", tmp / "b.pdf", tmp / "c.pdf"], path)
    assert (nb, ta["source"]["pages"], tc["source"]["pages"]) == (1, list(range(1, na + 1)), list(range(1, nc + 1)))
    pages = [list(range(1, na + 1)), [na + 1], list(range(na + 2, na + 2 + nc))]
    return path, [a, b, c], ["pdf", "scan", "pdf"], pages, words


@pytest.fixture
def replay(mixed_pdf, monkeypatch):
    """The PDF reader's OCR pages read by the fake engine replaying form B's words (the
    settings only name built-in engines, so the engine is passed where the jobs are made)."""
    import extractors.ocr as ocr

    jobs_for = ocr.jobs_for
    monkeypatch.setattr(ocr, "jobs_for", lambda path, kind, pages, ctx, engine=None: jobs_for(
        path, kind, pages, ctx, engine=ReplayEngine.name))
    ReplayEngine.words, ReplayEngine.seed = mixed_pdf[4], 1
    yield
    ReplayEngine.words = []


def _check(result, mixed_pdf):
    path, truths, kinds, pages, _ = mixed_pdf
    assert result.status == "ok", result.errors
    assert [f.header.project_code for f in result.forms] == [t["header"]["project_code"] for t in truths]
    assert [f.source.kind for f in result.forms] == kinds
    assert [f.source.pages for f in result.forms] == pages
    assert [f.source.form_index for f in result.forms] == [0, 1, 2]
    assert result.kind == "scan"  # the file as a whole needed OCR


@pytest.mark.usefixtures("replay")
def test_text_form_before_a_scanned_page_keeps_kind_pdf(mixed_pdf):
    _check(convert(mixed_pdf[0], REPLAY), mixed_pdf)


@pytest.mark.usefixtures("replay")
def test_text_form_before_a_scanned_page_keeps_kind_pdf_in_page_chunks(mixed_pdf):
    path, _, _, pages, _ = mixed_pdf
    plan = plan_pdf(path, REPLAY, 1)
    scan_page = pages[1][0]
    assert plan.ocr_pages == (scan_page,)
    assert len(plan.ranges) == 2 and plan.ranges[1][0] == scan_page + 1  # the form after the scan in its own chunk
    chunks = [read_chunk(path, first, last, REPLAY) for first, last in reversed(plan.ranges)]
    chunked = assemble_chunks(path, file_sha256(path), chunks, REPLAY)
    _check(chunked, mixed_pdf)
    assert chunked == convert(path, REPLAY)  # and the very document a whole-file read gives


@pytest.mark.slow  # one real OCR page (RapidOCR, ~10-20 s on 2 cores): `make test-all`
def test_text_form_before_a_scanned_page_keeps_kind_pdf_with_rapidocr(tmp_path, mixed_pdf):
    """The same file through the default engine: the page image has no drawn text for an
    engine to read, so it is drawn again with its words."""
    path, truths, kinds, pages, _ = mixed_pdf
    img, _ = draw_form(truths[1], dpi=DPI, text=True)
    image_pdf(img, tmp_path / "b.pdf", DPI)
    parts = path.parent
    real = tmp_path / "mixed.pdf"
    join_pdfs([parts / "a.pdf", tmp_path / "b.pdf", parts / "c.pdf"], real)
    result = convert(real, Settings(ocr=OcrSettings(engine="rapidocr", workers=1, dpi=DPI)))
    assert result.status == "ok", result.errors
    assert len(result.forms) == 3
    assert [f.source.kind for f in result.forms] == kinds
    assert [f.source.pages for f in result.forms] == pages
    assert result.forms[1].header.project_code == truths[1]["header"]["project_code"]
