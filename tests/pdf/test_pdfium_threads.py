"""pdfium from several threads at once: the crash ``ingest --workers 1`` hit on 1,000 one-form
PDFs (``malloc_consolidate(): unaligned fastbin chunk detected``, exit -6, 2026-12-02).

The ingest flow extracts PDFs on a thread pool; the triage's fast text pass
(``formless_text_pages``) and the OCR renderer (``pdf_page_image``) call pdfium, which is not
thread-safe even on different documents. The workload runs in a child process (a crash there
must fail this test, not kill pytest) and its results must equal those of the same calls made
one after another."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from synth.pdf import render_pdf
from synth.truth import random_forms

WORKLOAD = textwrap.dedent("""
    import hashlib, json, sys
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path
    from extractors.ocr.render import pdf_page_count, pdf_page_image
    from extractors.pdf_text import formless_text_pages
    from pipeline.settings import Settings

    settings = Settings()
    paths = [Path(p) for p in sys.argv[1:]]

    def work(path):
        out = [sorted(formless_text_pages(path, settings, 1, 99)), pdf_page_count(path)]
        image = pdf_page_image(path, 1, 60, 10**8)
        out.append(hashlib.sha256(image.gray.tobytes()).hexdigest())
        return out

    serial = [work(p) for p in paths]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(6):
            assert list(pool.map(work, paths)) == serial
    print(json.dumps(serial))
""")


def test_pdfium_from_eight_threads_gives_the_serial_results(tmp_path: Path):
    paths = []
    for i, truth in enumerate(random_forms(41, 12)):
        path = tmp_path / f"one_form_{i}.pdf"
        render_pdf([truth], path, seed=i)
        paths.append(str(path))
    proc = subprocess.run([sys.executable, "-c", WORKLOAD, *paths], capture_output=True, text=True, timeout=600,
                          cwd=Path(__file__).resolve().parents[2])
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-800:]}"
    serial = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(serial) == len(paths)
    assert all(pages >= 1 and len(digest) == 64 for _, pages, digest in serial)
    # a one-form PDF names its form on the text layer: no page is known to hold no form
    assert all(formless == [] for formless, _, _ in serial)
