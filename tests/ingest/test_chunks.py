"""A PDF read in page chunks (one task per chunk for long scans) gives exactly the document
``convert`` gives: same forms, errors and status, a form cut by a chunk boundary whole."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from flows.chunks import assemble_chunks, plan_pdf, read_chunk, split_ranges
from extractors import convert
from pipeline.settings import OcrSettings, Settings
from synth.scan import ScanStyle, make_scanned_forms
from synth.truth import random_forms

ROOT = Path(__file__).resolve().parents[2]
LOW_DPI = 100  # enough for the engine to find the forms; the test compares two reads, not truth


def test_ranges_cover_every_page_once_and_cut_only_at_ocr_pages():
    rng = random.Random(3)
    for _ in range(300):
        pages = rng.randint(1, 30)
        ocr = sorted(rng.sample(range(1, pages + 1), rng.randint(0, pages)))
        size = rng.randint(1, 5)
        ranges = split_ranges(pages, ocr, size)
        assert ranges[0][0] == 1 and ranges[-1][1] == pages
        assert all(a <= b for a, b in ranges)
        assert all(nxt[0] == prev[1] + 1 for prev, nxt in zip(ranges, ranges[1:]))
        for first, _ in ranges[1:]:  # a cut never separates two text-layer pages
            assert first in ocr or first - 1 in ocr
        if len(ocr) > size:
            assert len(ranges) > 1


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A two-page scanned PDF whose second form runs over the page break."""
    path = tmp_path_factory.mktemp("scan") / "scan.pdf"
    truth = make_scanned_forms(list(random_forms(3, 3)), path, ScanStyle(
        dpi=LOW_DPI, max_skew_deg=0.3, noise_sigma=2.0, speckle=0.0, jpeg_quality=85), seed=1)
    return path, truth


SETTINGS = Settings(ocr=OcrSettings(dpi=LOW_DPI, workers=1, task_pages=1))


@pytest.mark.slow  # ~45 s of OCR on 2 cores (six page reads at 100 dpi): `make test-all`
@pytest.mark.usefixtures("prefect_api")
def test_scan_read_in_page_chunks_is_the_same_document_as_convert(scan, tmp_path):
    """One test (one OCR engine load, one worker): the chunks read directly, then by the flow."""
    path, truth = scan
    assert any(len(t["source"]["pages"]) > 1 for t in truth), "the test needs a form across the page break"
    settings = SETTINGS
    whole = convert(path, settings)
    assert whole.status == "ok" and len(whole.forms) == len(truth)

    plan = plan_pdf(path, settings, settings.ocr.task_pages)
    assert plan.ocr_pages == (1, 2) and plan.ranges == ((1, 1), (2, 2))
    chunks = [read_chunk(path, first, last, settings) for first, last in reversed(plan.ranges)]
    chunked = assemble_chunks(path, whole.sha256, chunks, settings)
    assert chunked == whole  # forms (the spanning one whole), errors, status, kind
    assert [f.source.pages for f in chunked.forms] == [f.source.pages for f in whole.forms]
    flow_reads_the_scan_in_page_tasks(path, whole, tmp_path)


def flow_reads_the_scan_in_page_tasks(path, whole, tmp_path):
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.ingest import ingest

    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "scan.pdf").write_bytes(path.read_bytes())
    summary = ingest([str(inbox)], out=str(tmp_path / "out"), db_url=f"sqlite:///{tmp_path / 'j.db'}",
                     settings=SETTINGS)
    assert summary.by_status() == {"ok": 1}
    got = json.loads((tmp_path / "out" / "scan.pdf.json").read_text(encoding="utf-8"))
    want = json.loads(whole.model_copy(update={"forms": [f.model_copy(update={"source": f.source.model_copy(
        update={"path": str(inbox / "scan.pdf")})}) for f in whole.forms]}).model_dump_json())["forms"]
    assert got == want

    async def task_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=[summary.outcomes[0].entry.run_id])))
            return sorted(r.name.split("-")[0] + "-" + r.name.split("-")[1] for r in runs)

    deadline = time.monotonic() + 30  # task runs reach the API through events, a moment later
    while True:
        names = asyncio.run(task_names())
        if sum(n == "read-pages" for n in names) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert sum(n == "read-pages" for n in names) == 2, names  # one task per page chunk
    assert any(n.startswith("assemble") for n in names)


DIGITAL = ROOT / "data" / "samples" / "synthetic_forms.pdf"


def test_pdf_triaged_once_when_planned_and_read_in_chunks(monkeypatch):
    """plan_pdf triages every page once; the chunks follow its verdicts (no page judged
    twice) and give the document convert gives."""
    import extractors.pdf_text as pdf_text

    whole = convert(DIGITAL)
    calls: list[int] = []
    real = pdf_text.triage_pdf_page
    monkeypatch.setattr(pdf_text, "triage_pdf_page", lambda page, s: calls.append(page.page_number) or real(page, s))
    plan = plan_pdf(DIGITAL, None, 1)
    ranges = [(p, p) for p in range(1, plan.pages + 1)]  # one chunk per page: the most reads
    chunks = [read_chunk(DIGITAL, first, last, None, plan.triage) for first, last in ranges]
    assert sorted(calls) == list(range(1, plan.pages + 1))
    assert assemble_chunks(DIGITAL, whole.sha256, chunks) == whole


def test_chunk_follows_the_plan_it_is_given():
    """A plan saying every page is blank: the chunk lays out nothing (its verdicts are used)."""
    from extractors.pdf_triage import Triage, TriagePlan

    plan = plan_pdf(DIGITAL, None, 1)
    assert read_chunk(DIGITAL, 1, plan.pages, None, plan.triage).rows
    blank = TriagePlan(pages=plan.pages, verdicts={p: Triage("blank") for p in range(1, plan.pages + 1)})
    assert read_chunk(DIGITAL, 1, plan.pages, None, blank).rows == []


def test_seals_found_in_a_chunk_reach_the_forms_of_their_pages():
    """Page chunks used to drop the seals (ctx.stamps) an OCR'd chunk found: assembled, each
    form carries the seals of its own pages, as a whole-file read gives them."""
    whole = convert(DIGITAL)
    plan = plan_pdf(DIGITAL, None, 1)
    chunks = [read_chunk(DIGITAL, p, p, None, plan.triage) for p in range(1, plan.pages + 1)]
    seal = {"page": 2, "bbox": [100.0, 200.0, 210.0, 310.0], "color": "red"}
    chunks[1].stamps = [seal]
    got = assemble_chunks(DIGITAL, whole.sha256, chunks)
    on_page_2 = [f for f in got.forms if 2 in f.source.pages]
    assert on_page_2, "the sample needs a form on page 2"
    for form in got.forms:
        want = [seal] if 2 in form.source.pages else []
        assert [s.model_dump() for s in form.stamps] == want, form.source.pages
