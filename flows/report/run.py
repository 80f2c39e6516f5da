"""What the ingest flow writes for reviewers at the end of a run: the workbook beside the CSV
tables and report.html. A failure here is logged and never fails the run (the data is in)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Optional

from pipeline.settings import Settings

log = logging.getLogger("jixiao")


def reviewer_outputs(out: Path, tables: dict[str, list[dict]], settings: Optional[Settings] = None) -> None:
    from ..writers.xlsx import XLSX_NAME, write_xlsx_records
    from . import write_report

    for name, write in ((XLSX_NAME, lambda: write_xlsx_records(tables, out / XLSX_NAME)),
                        ("report.html", lambda: write_report(out, settings))):
        try:
            write()
        except Exception as exc:  # noqa: BLE001 - one line naming the output, the run stands
            print(f"{out / name}: not written: {type(exc).__name__}: {exc}", file=sys.stderr)
            log.debug("reviewer output failed", exc_info=True)
