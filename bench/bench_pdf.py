"""Digital-PDF throughput: the layout reader's pages/s and its ratio to pdfplumber's own
``page.extract_words()`` over the same pages, measured in the same run (the floor: both
parse every glyph with pdfminer; the reader adds rules -> cells -> rows). Each side is
timed twice, alternately, and the faster run kept, so background load hits both alike.
Also the whole pipeline (reader, assembly, calculation, validation) in forms/s.

Office exports (issue 14): the sample's ten forms and twenty random ones laid out by
LibreOffice Writer and by Calc (synth.office), whole ``convert`` per page against
``extract_words`` per page on the same files, beyond start-up (imports warmed first). And the
real WPS budget books of ``../shared/real/govbudgetchecker`` (no form): ``convert`` per page,
target under 0.2 s a page."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5
BOOK_TARGET_S = 0.2
ROOT = Path(__file__).resolve().parent.parent
BOOKS = Path(os.environ.get("JIXIAO_SHARED", ROOT.parent / "shared")) / "real" / "govbudgetchecker"


def _words(path: Path) -> int:
    import pdfplumber

    n = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            page.extract_words()
            page.close()
            n += 1
    return n


def _reader(path: Path) -> int:
    from extractors import ReadContext
    from extractors.pdf_text import read_pdf
    from pipeline.settings import Settings

    ctx = ReadContext(settings=Settings())
    for _ in read_pdf(path, ctx):
        pass
    return ctx.pages


def _convert(path: Path) -> int:
    import pdfplumber

    from extractors import convert

    convert(path)
    with pdfplumber.open(str(path)) as pdf:
        return len(pdf.pages)


def _office(quick: bool) -> list[dict]:
    from synth.office import OfficeJob, OfficeStyle, render_office_batch
    from synth.truth import load_golden, random_forms

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        truths = load_golden() + list(random_forms(33, 4 if quick else 20))
        jobs = [OfficeJob(truths, Path(tmp) / f"{p}.pdf", p, 33, OfficeStyle()) for p in ("writer", "calc")]
        render_office_batch(jobs)
        _convert(jobs[0].out_pdf)  # warm imports (beyond start-up)
        for job in jobs:
            words, whole = [], []
            for _ in range(2):
                words.append(_timed(_words, job.out_pdf))
                whole.append(_timed(_convert, job.out_pdf))
            pages = whole[0][1]
            tw, tc = min(t for t, _ in words), min(t for t, _ in whole)
            ratio = tc / tw
            rows.append({"name": f"office {job.producer} convert s/page", "value": round(tc / pages, 4),
                         "unit": "s/page", "baseline": round(tw / pages, 4), "ratio": round(ratio, 3),
                         "target": f"<= {TARGET_RATIO}x", "ok": ratio <= TARGET_RATIO,
                         "note": f"{len(truths)} forms, {pages} pages (LibreOffice {job.producer}); "
                                 "baseline pdfplumber extract_words"})
    return rows


def _books() -> list[dict]:
    rows = []
    for path in sorted(BOOKS.glob("*.pdf")):
        t, pages = min(_timed(_convert, path) for _ in range(2))
        rows.append({"name": f"budget book {path.stem[:24]} s/page", "value": round(t / pages, 4), "unit": "s/page",
                     "target": f"< {BOOK_TARGET_S} s/page", "ok": t / pages < BOOK_TARGET_S,
                     "note": f"{pages} pages, WPS, no form"})
    return rows


def _timed(fn, path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = fn(path)
    return time.perf_counter() - t0, n


def run(quick: bool = False) -> list[dict]:
    from extractors import convert
    from synth.pdf import render_pdf
    from synth.truth import random_forms

    n_forms = 10 if quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forms.pdf"
        render_pdf(list(random_forms(21, n_forms)), path, seed=21)
        _reader(path)  # warm imports
        words, reader = [], []
        for _ in range(2):
            words.append(_timed(_words, path))
            reader.append(_timed(_reader, path))
        pages = reader[0][1]
        tw, tr = min(t for t, _ in words), min(t for t, _ in reader)
        t0 = time.perf_counter()
        forms = len(convert(path).forms)
        tc = time.perf_counter() - t0
    ratio = tr / tw
    return [
        {"name": "pdf reader pages/s", "value": round(pages / tr, 2), "unit": "pages/s",
         "baseline": round(pages / tw, 2), "ratio": round(ratio, 3), "target": f"<= {TARGET_RATIO}x",
         "ok": ratio <= TARGET_RATIO, "note": f"{pages} pages; baseline pdfplumber extract_words"},
        {"name": "pdf pipeline forms/s", "value": round(forms / tc, 2), "unit": "forms/s",
         "note": f"{forms} forms, {pages} pages, reader + assembly + calculation + validation"},
    ] + _office(quick) + _books()
