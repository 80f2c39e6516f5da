"""PDF fixtures, generated into temporary folders by synth.pdf with their truth."""
from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from synth.pdf import PdfStyle, render_pdf
from synth.truth import load_golden, random_forms

INDICATOR_KEYS = ("level1", "level2", "core", "level3", "value", "explanation")


def norm(v):
    """As tests/golden/check_golden.py compares: NFKC, white space ignored, 4.0 == 4."""
    if isinstance(v, str):
        return "".join(unicodedata.normalize("NFKC", v).split())
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def differences(truths: list[dict], forms) -> list[str]:
    """Header and indicator differences between truth records and extracted forms."""
    got = [json.loads(f.model_dump_json()) for f in forms]
    diffs = [] if len(got) == len(truths) else [f"forms: expected {len(truths)}, got {len(got)}"]
    for i, (t, g) in enumerate(zip(truths, got)):
        for k, v in t["header"].items():
            if norm(v) != norm(g["header"].get(k)):
                diffs.append(f"form {i} header.{k}: expected {v!r}, got {g['header'].get(k)!r}")
        er = [tuple(norm(r[k]) for k in INDICATOR_KEYS) for r in t["indicators"]]
        gr = [tuple(norm(r[k]) for k in INDICATOR_KEYS) for r in g["indicators"]]
        if er != gr:
            diffs.append(f"form {i} indicators: expected {len(er)} rows, got {len(gr)}; "
                         f"first difference {next((a, b) for a, b in zip(er + [None] * len(gr), gr + [None] * len(er)) if a != b)}")
    return diffs


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="session")
def golden_pdf(pdf_dir) -> tuple[Path, list[dict]]:
    """The sample dump's ten forms as one PDF (repeated header rows, split rows)."""
    path = pdf_dir / "golden.pdf"
    return path, render_pdf(load_golden(), path, seed=1)


@pytest.fixture(scope="session")
def many_forms_pdf(pdf_dir) -> tuple[Path, list[dict]]:
    """32 random forms in one PDF: no repeated header, rows split at breaks, rectangles,
    narrow wrapped labels, a gap between the header block and the indicator table."""
    path = pdf_dir / "many.pdf"
    style = PdfStyle(fonts=("uming", "wqymono"), repeat_header=False, split_rows=True, narrow_labels=True,
                     rule_with="rects", gap_before_indicators=8.0, font_size=10.0)
    return path, render_pdf(list(random_forms(7, 32)), path, seed=7, style=style)


@pytest.fixture(scope="session")
def golden_result(golden_pdf):
    from pipeline.convert import convert

    return convert(golden_pdf[0])
