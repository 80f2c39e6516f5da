"""Helpers of the OCR tests: forms drawn with known words (layout.py), run through the
reader's page function and the real assembler."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


@pytest.fixture(scope="session")
def truth() -> dict:
    from synth.truth import random_forms

    return next(random_forms(5, 1))
