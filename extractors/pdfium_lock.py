"""One lock for every pdfium call in the process.

PDFium is not thread-safe: two calls at once crash or corrupt the process, even on different
documents (pypdfium2's documentation, "Incompatibility with Threading"). jixiao calls it from
threads — the ingest flow extracts PDFs on a thread pool (``--workers 1``), the triage's fast
text pass and the OCR renderer run inside those tasks — so every use of pypdfium2 opens,
reads and closes its document while holding :data:`PDFIUM`, and copies what it keeps (a
rendered bitmap's pixels) before the document is closed, so that no pdfium object outlives
the lock and is freed later by the garbage collector in another thread. Work in separate
processes (the OCR pool, the report's crop pool) is unaffected; the lock only orders
threads of one process.
"""
from __future__ import annotations

import threading

PDFIUM = threading.RLock()

__all__ = ["PDFIUM"]
