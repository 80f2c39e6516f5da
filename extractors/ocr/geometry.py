"""The geometry step of scans: cells from the words' geometry where a page has no reliable
grid. It lives in :mod:`extractors.geometry`, shared with the text-layer reader (a PDF page
whose rules are missing); this module keeps the names the OCR path imports."""
from __future__ import annotations

from ..geometry import (  # noqa: F401
    column_bounds,
    is_label_tail,
    line_to_pieces,
    lines_to_rows,
    split_at_labels,
    words_to_rows,
    wrapped_label,
)

__all__ = ["column_bounds", "is_label_tail", "line_to_pieces", "lines_to_rows", "split_at_labels", "words_to_rows",
           "wrapped_label"]
