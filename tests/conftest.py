"""Fixtures shared by every test folder: the real sample, its golden truth, synthetic dumps."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # synth/ and bench/ import from the repo root
    sys.path.insert(0, str(ROOT))

SAMPLE = ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt"
GOLDEN = ROOT / "tests" / "golden" / "futian_hr_2025_declarations.expected.jsonl"


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def golden() -> list[dict]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def write_dump(tmp_path):
    """Write truth records as a dump in a given style and encoding; returns the path."""
    from synth.dump import DumpStyle, render_dump

    def write(truths, name="dump.txt", style=None, encoding="utf-8", bom=b""):
        path = tmp_path / name
        text = render_dump(truths, style or DumpStyle())
        path.write_bytes(bom + text.encode(encoding))
        return path

    return write
