"""Rows -> forms through the real assembler, and scoring against truth."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

from extractors import ReadContext
from extractors.ocr import jobs_for, read_pages
from pipeline.assemble import draft_to_form, rows_to_drafts
from pipeline.models import Form, Row, Source
from pipeline.ocr_repair import repair_ocr_text
from pipeline.settings import Limits, OcrSettings, Settings


def settings(workers: int = 1, engine: str = "rapidocr", **limits) -> Settings:
    return Settings(ocr=OcrSettings(workers=workers, engine=engine), limits=Limits(**limits))


def rows_to_forms(rows: Iterable[Row], s: Settings, path: str = "x", kind: str = "image") -> list[Form]:
    """Forms as the pipeline gives them before the calculation: assembled, then the OCR text
    corrected (``pipeline.ocr_repair``)."""
    return [repair_ocr_text(draft_to_form(d, Source(path=path, sha256="0", kind=kind, form_index=i)), s)
            for i, d in enumerate(rows_to_drafts(rows, s.assembly))]


def read_image_rows(path: Path, s: Settings, engine: Optional[str] = None, pages=(1,)) -> tuple[list[Row], ReadContext]:
    ctx = ReadContext(settings=s, kind="image")
    rows = list(read_pages(jobs_for(path, "image", list(pages), ctx, engine=engine), ctx))
    return rows, ctx
