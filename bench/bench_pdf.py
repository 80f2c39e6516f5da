"""Digital-PDF throughput: the layout reader's pages/s and its ratio to pdfplumber's own
``page.extract_words()`` over the same pages, measured in the same run (the floor: both
parse every glyph with pdfminer; the reader adds rules -> cells -> rows). Each side is
timed twice, alternately, and the faster run kept, so background load hits both alike.
Also the whole pipeline (reader, assembly, calculation, validation) in forms/s."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5


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


def _timed(fn, path: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    n = fn(path)
    return time.perf_counter() - t0, n


def run(quick: bool = False) -> list[dict]:
    from pipeline.convert import convert
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
    ]
