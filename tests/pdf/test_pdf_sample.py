"""The committed sample PDF (data/samples/synthetic_forms.pdf, used by `make run`) against its
reviewed truth (tests/golden/synthetic_forms.expected.jsonl). Both were made by::

    render_pdf(list(random_forms(2025, 4)), path, seed=2025,
               style=PdfStyle(fonts=("wqy", "uming"), repeat_header=True, split_rows=True, narrow_labels=True))

The truth is kept outside data/samples so that `jixiao extract data/samples` reads only inputs."""
from __future__ import annotations

import json
from pathlib import Path

from extractors import convert

from .conftest import differences

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "synthetic_forms.pdf"
TRUTH = ROOT / "tests" / "golden" / "synthetic_forms.expected.jsonl"


def test_sample_pdf_matches_its_truth():
    truth = [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines() if line.strip()]
    result = convert(SAMPLE)
    assert result.status == "ok", result.errors
    assert differences(truth, result.forms) == []
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truth]
