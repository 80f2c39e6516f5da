"""One settings object per heuristic, validated once, resolved at every entry point.

Defaults live here as constants; nothing downstream takes loose keyword arguments. The
:meth:`Settings.fingerprint` of the whole tree is part of every cache key, so changing a
setting re-processes files that were already ingested.
"""
from __future__ import annotations

import hashlib
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextDumpSettings(_Settings):
    """How text dumps are decoded and split into cells."""

    sniff_bytes: int = Field(default=64 * 1024, ge=1024, description="bytes read to detect the encoding")
    encodings: tuple[str, ...] = ("utf-8", "gb18030")
    delimiter: str = "\t"
    max_line_chars: int = Field(default=1_000_000, ge=1000, description="longer lines are an error")
    copied_sniff_lines: int = Field(default=50, ge=1, description="this many non-blank lines without the "
                                    "delimiter: text copied out of a PDF (extractors/copied_text.py)")
    laid_out_share: float = Field(default=0.2, ge=0, le=1, description="copied text with at least this share "
                                  "of lines holding a run of 3+ spaces is laid out (pdftotext -layout)")
    line_text_blank_share: float = Field(default=0.2, ge=0, le=1, description="copied text with fewer blank "
                                         "lines than this share of its text lines is line text, a line a row (a PDF "
                                         "viewer's copy, pdfplumber extract_text; -layout text set tight)")


class AssemblySettings(_Settings):
    """How rows of cells become forms."""

    label_fuzzy_score: float = Field(
        default=84.0, ge=0, le=100, description="rapidfuzz score a noisy (OCR) label must reach"
    )
    label_max_chars: int = Field(default=24, ge=4, description="longer cells are never labels")
    indicator_header_min: int = Field(default=3, ge=2, description="indicator column names in a header row")


class CalcSettings(_Settings):
    """How the 测算依据 text is read."""

    implicit_products: bool = True
    max_text_chars: int = Field(default=50_000, ge=100)


class ValidationSettings(_Settings):
    """When findings are raised."""

    low_confidence: float = Field(default=0.80, ge=0, le=1, description="LOW_CONFIDENCE under this")
    # TOTAL_MISMATCH tolerances come from how the two amounts are written (validate.total_tolerance):
    # half a unit of the coarser written precision, plus half a unit per further summed rounded amount.
    total_approx_rel_tolerance: float = Field(
        default=0.005, ge=0, description="only where the calculation text says 约/≈/左右: this share of "
        "the declared amount is tolerated too")
    total_abs_tolerance_yuan: float = Field(
        default=0.0, ge=0, description="an extra floor in 元 (0: none; the written precision decides)")
    unit_powers: tuple[int, ...] = (4, -4, 3, -3, 2, -2, 1, -1)


class PdfSettings(_Settings):
    """How PDF pages are triaged and read by layout."""

    min_chars_per_page: int = Field(default=20, ge=0, description="fewer glyphs on a page-sized image: a scan "
                                    "(a sane text layer is read however short)")
    scan_image_share: float = Field(default=0.5, ge=0, le=1, description="an image this share of the page: a scan")
    min_outline_curves: int = Field(default=50, ge=1, description="a page without glyphs but this many vector "
                                    "paths has its text drawn as outlines: OCR")
    max_cid_share: float = Field(default=0.10, ge=0, le=1, description="more (cid:N) glyphs: garbage layer")
    min_cjk_share: float = Field(default=0.20, ge=0, le=1, description="fewer CJK glyphs on a ruled page, with "
                                 "more than max_letter_share other letters: garbage layer")
    max_letter_share: float = Field(default=0.40, ge=0, le=1, description="non-CJK letters (a wrong font map); "
                                    "digits and separators of number tables do not count")
    skip_formless_text: bool = Field(default=True, description="a PDF whose text layer never names a form "
                                     "(title, indicator columns) is not laid out page by page: its sane text "
                                     "pages are known to hold no form from a fast text pass")
    password: Optional[SecretStr] = Field(
        default=None, description="for encrypted PDFs; masked wherever settings are serialised (e.g. by Prefect)"
    )


class OcrSettings(_Settings):
    """How scans and images are recognised."""

    engine: Literal["rapidocr", "tesseract"] = "rapidocr"
    dpi: int = Field(default=200, ge=72, le=600, description="resolution OCR works at")
    workers: int = Field(default=0, ge=0, description="page processes; 0 = one per core")
    page_timeout_s: float = Field(default=300.0, gt=0)
    task_pages: int = Field(default=8, ge=1, description="ingest: a PDF with more OCR pages than this is read "
                            "in chunks of about this many OCR pages, one task each (spread over workers)")
    repair_calculation: bool = Field(default=True, description="put back a * the recogniser dropped from "
                                     "the calculation text where the form's own arithmetic proves it "
                                     "(pipeline.ocr_repair; each repair is an OCR_REPAIRED finding)")


class OfficeSettings(_Settings):
    """How workbooks (.xlsx, .xls), Word documents (.docx) and web pages (HTML) are read."""

    max_cells: int = Field(default=1_000_000, ge=1, description="cells of one sheet or table; more: "
                           "that sheet or table is skipped with an error line")
    max_unzipped_bytes: int = Field(default=512 * 1024**2, ge=1, description="an .xlsx/.docx whose parts "
                                    "unpack to more is refused before it is parsed (zip bombs)")
    hidden_sheets: bool = Field(default=False, description="read hidden sheets too (lists behind drop-downs)")
    html_encodings: tuple[str, ...] = Field(default=("utf-8", "gb18030"), description="tried in order when "
                                            "a page has no BOM and no charset in its meta tag")
class GridSettings(_Settings):
    """How ruled tables are found on page images (``extractors.ocr.grid``) and what is done
    where none is found. Lengths in inches, contrasts in gray levels."""

    rule_min_contrast: float = Field(default=10.0, ge=1, le=255, description="a rule pixel is this much "
                                     "darker than the page around it and than the pixels beside the rule")
    rule_smooth_in: float = Field(default=0.08, gt=0, le=0.5, description="rule darkness averaged over this "
                                  "length along the rule (noise and JPEG averaged out)")
    rule_gap_in: float = Field(default=0.03, ge=0, le=0.5, description="gaps in a horizontal rule up to this long are bridged")
    rule_min_len_in: float = Field(default=0.8, gt=0, le=5, description="shorter thin horizontal runs are not "
                                   "rules (text makes short ones: the bottom strokes of a few characters)")
    orientation: bool = Field(default=True, description="pages fed sideways or upside down turned upright")
    separate_ink: bool = Field(default=True, description="colour scans: red seals and blue ink taken out "
                               "before recognition, each seal kept as a stamp on the form")
    min_grid_cells: int = Field(default=6, ge=1, description="fewer cells on a page with text: no reliable "
                                "grid, cells from the words' geometry instead")
    geometry_confidence: float = Field(default=0.9, gt=0, le=1, description="confidences of cells found by "
                                       "geometry (no grid) are multiplied by this")


class Limits(_Settings):
    """Hard limits that protect the machine from hostile inputs."""

    max_file_bytes: int = Field(default=2 * 1024**3, ge=1)
    max_pages: int = Field(default=2000, ge=1)
    max_pixels: int = Field(default=120_000_000, ge=1, description="pixels per page or image")


class ReportSettings(_Settings):
    """How the reviewers' report (report.html) shows pages. Not part of the fingerprint: it
    changes no extracted value."""

    crop_dpi: int = Field(default=120, ge=50, le=300, description="resolution page crops are rendered at")
    margin_pt: float = Field(default=14.0, ge=0, description="context kept around a field's box, in PDF points")
    label_pt: float = Field(default=170.0, ge=0, description="extra room on the left of a box (the field's label)")
    jpeg_quality: int = Field(default=82, ge=30, le=95)
    workers: int = Field(default=0, ge=0, description="crop processes; 0 = one per core")
    parallel_min_pages: int = Field(default=6, ge=1, description="fewer pages to render: no process pool")
class IngestSettings(_Settings):
    """How ``jixiao ingest`` batches its work (not part of the fingerprint: results do not change)."""

    batch_forms: int = Field(default=200, ge=1, description="forms per bulk insert; a file with more is "
                             "streamed into its own transaction in batches of this many")
    batch_files: int = Field(default=100, ge=1, description="small files committed together (whole files)")
    stream_bytes: int = Field(default=4 * 1024**2, ge=0, description="text dumps over this size are streamed "
                              "in the flow's process; smaller ones go to the worker processes in batches")
    task_files: int = Field(default=64, ge=1, description="small files per worker task")
    pool_min_files: int = Field(default=1000, ge=1, description="fewer small files than this are read in the "
                                "flow's process: starting the worker pool costs seconds (measured 300 "
                                "one-form dumps: 1.7 s in-process, 9.0 s with 2 pool workers)")
    workers: int = Field(default=0, ge=0, description="extraction processes; 0 = one per core")


class Settings(_Settings):
    text: TextDumpSettings = TextDumpSettings()
    assembly: AssemblySettings = AssemblySettings()
    calc: CalcSettings = CalcSettings()
    validation: ValidationSettings = ValidationSettings()
    pdf: PdfSettings = PdfSettings()
    ocr: OcrSettings = OcrSettings()
    office: OfficeSettings = OfficeSettings()
    grid: GridSettings = GridSettings()
    limits: Limits = Limits()
    report: ReportSettings = ReportSettings()
    ingest: IngestSettings = IngestSettings()

    def with_overrides(self, assignments: list[str]) -> "Settings":
        """Settings with ``section.key=value`` assignments applied (``limits.max_pages=50``),
        validated like everything else: an unknown key or a bad value raises ``ValueError``."""
        data = self.model_dump()
        for item in assignments:
            key, sep, value = item.partition("=")
            section, _, name = key.strip().partition(".")
            if not sep or not name or section not in data or name not in data[section]:
                raise ValueError(f"not a setting: {key!r} (use section.key=value, e.g. limits.max_pages=50)")
            data[section][name] = value.strip()
        if self.pdf.password is not None:
            data["pdf"]["password"] = self.pdf.password  # model_dump masks it
        return Settings.model_validate(data)

    def fingerprint(self) -> str:
        """A short content hash of every setting that changes what is extracted."""
        data = self.model_dump_json(exclude={"pdf": {"password"}, "report": True, "ingest": True})
        return hashlib.sha256(data.encode()).hexdigest()[:16]


DEFAULT_SETTINGS = Settings()


def resolve(settings: Optional[Settings] = None) -> Settings:
    """Every entry point calls this first: None means the defaults."""
    return DEFAULT_SETTINGS if settings is None else settings
