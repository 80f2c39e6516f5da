"""Workbook and web-page readers: forms/s of the .xlsx and HTML readers (rows of cells out of
the file) and of the whole pipeline on them, each against the library's bare read of the
same file in the same run: openpyxl's read-only load with every cell iterated (values), and
lxml's HTML parse of the decoded page with every cell's text joined (itertext). Each side is timed three
times, alternately, and the fastest run kept, so background load hits both alike. Also the
.docx reader against python-docx opening the document and reading every cell's text."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Callable

RUNS = 3


def _bare_xlsx(path: Path) -> int:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            n += sum(1 for v in row if v is not None)
    wb.close()
    return n


def _bare_html(path: Path) -> int:
    import lxml.etree

    root = lxml.etree.fromstring(path.read_bytes().decode("utf-8"), lxml.etree.HTMLParser())
    return sum(1 for td in root.iter("td", "th") if "".join(td.itertext()))


def _bare_docx(path: Path) -> int:
    import docx

    n = 0
    for table in docx.Document(str(path)).tables:
        for row in table.rows:
            n += sum(1 for c in row.cells if c.text)
    return n


def _reader(path: Path) -> int:
    from extractors import ReadContext, reader_for
    from pipeline.settings import Settings

    reader = reader_for(path, path.read_bytes()[:4096])
    ctx = ReadContext(settings=Settings())
    return sum(len(r.cells) for r in reader.read(path, ctx))


def _pipeline(path: Path) -> int:
    from extractors import convert

    return len(convert(path).forms)


def _best(fn: Callable[[Path], int], path: Path) -> float:
    t0 = time.perf_counter()
    fn(path)
    return time.perf_counter() - t0


def _measure(kind: str, path: Path, forms: int, bare: Callable[[Path], int], bare_name: str) -> list[dict]:
    _reader(path), bare(path), _pipeline(path)  # warm imports and caches
    tb, tr, tp = [], [], []
    for _ in range(RUNS):
        tb.append(_best(bare, path))
        tr.append(_best(_reader, path))
        tp.append(_best(_pipeline, path))
    b, r, p = min(tb), min(tr), min(tp)
    return [
        {"name": f"{kind} reader forms/s", "value": round(forms / r, 1), "unit": "forms/s",
         "baseline": round(forms / b, 1), "ratio": round(r / b, 3),
         "note": f"{forms} forms, {path.stat().st_size // 1024} KB; baseline {bare_name} (ratio = reader time / bare time)"},
        {"name": f"{kind} pipeline forms/s", "value": round(forms / p, 1), "unit": "forms/s",
         "note": "reader + assembly + calculation + validation"},
    ]


def run(quick: bool = False) -> list[dict]:
    from synth.docx import render_docx
    from synth.html import render_html
    from synth.truth import random_forms
    from synth.workbook import render_workbook

    n = 30 if quick else 300
    truths = list(random_forms(31, n))
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        xlsx, html, docx = Path(tmp) / "forms.xlsx", Path(tmp) / "forms.html", Path(tmp) / "forms.docx"
        render_workbook(truths, xlsx, seed=31)
        render_html(truths, html, seed=31, encoding="utf-8")
        render_docx(truths[: n // 3], docx, seed=31)
        rows += _measure("xlsx", xlsx, n, _bare_xlsx, "openpyxl read-only load + every cell's value")
        rows += _measure("html", html, n, _bare_html, "lxml.etree HTMLParser parse + every cell's itertext()")
        rows += _measure("docx", docx, n // 3, _bare_docx, "python-docx open + every cell's .text")
    return rows
