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
                                         "viewer's copy, pdfplumber extract_text)")
    tight_blank_share: float = Field(default=0.4, ge=0, le=1, description="laid-out copied text with fewer "
                                     "blank lines than this share of its text lines sets its rows tight (pdftotext "
                                     "-layout of an office export: 0.03-0.27 a page measured; of a drawn form with a "
                                     "blank line between rows: 0.61-0.88): read a line a row")


class AssemblySettings(_Settings):
    """How rows of cells become forms."""

    label_fuzzy_score: float = Field(
        default=84.0, ge=0, le=100, description="rapidfuzz score a noisy (OCR) label must reach"
    )
    label_max_chars: int = Field(default=24, ge=4, description="longer cells are never labels")
    label_fuzzy_min_chars: int = Field(default=3, ge=1, description="shorter labels are matched exactly only "
                                       "(a fuzzy match of two characters is a guess)")
    indicator_header_min: int = Field(default=3, ge=2, description="indicator column names in a header row")
    column_max_chars: int = Field(default=20, ge=4, description="a cell this long or longer never names an "
                                  "indicator column")
    single_row_max_chars: int = Field(default=16, ge=4, description="a lone cell longer than this is never a "
                                      "year line (（2026年度）) or a row naming an indicator set (长期绩效指标)")


class CalcSettings(_Settings):
    """How the 测算依据 text is read."""

    implicit_products: bool = True
    max_text_chars: int = Field(default=50_000, ge=100)
    term_window_chars: int = Field(default=40, ge=8, description="a term's first factor is looked for this many "
                                   "characters before its operator at most")


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
    unit_suspect_ratio: float = Field(default=1000.0, gt=1, description="UNIT_SUSPECT (warning) when 项目总金额 "
                                      "is this many times the year's amount or more: 元 written into a 万元 field")
    default_stated_unit_yuan: float = Field(default=0.01, gt=0, description="the precision of a stated result "
                                            "whose written precision is unknown, in 元")


class OcrTextSettings(_Settings):
    """How recognised text is corrected: on the page, where the image is needed
    (``extractors.ocr.correct``), and per form, in the OCR text-correction stage
    (``pipeline.ocr_repair``). Scores are rapidfuzz ratios (0-100)."""

    wrapped_label_score: float = Field(default=80.0, ge=0, le=100, description="page: a short cell ending in a "
                                       "colon that names no field at this score is the tail of a wrapped label "
                                       "(dropped); a digit field's label is found at this score too")
    column_snap_score: float = Field(default=80.0, ge=0, le=100, description="page: a short misread cell "
                                     "snapped to the indicator column name this near (一级指标标 -> 一级指标)")
    core_level2_score: float = Field(default=90.0, ge=0, le=100, description="page: a cell this near a 二级指标 "
                                     "name is checked on the image for the small * of a core indicator")
    level_snap_score: float = Field(default=70.0, ge=0, le=100, description="form: an OCR'd 一级/二级指标 "
                                    "snapped to the vocabulary's value this near")
    closed_snap_score: float = Field(default=80.0, ge=0, le=100, description="form: an OCR'd 项目类型 / 分配方式 "
                                     "snapped to the vocabulary's value this near")
    max_set: int = Field(default=4, ge=1, le=12, description="form, * evidence (3): at most this many places "
                         "tried in every combination against the year's amount (2^n parses)")
    max_options: int = Field(default=256, ge=1, description="form, * evidence (1): combinations of the "
                             "unexplained places of one clause tried, at most")
    max_group: int = Field(default=6, ge=1, le=12, description="form, * evidence (2): between two written "
                           "totals every combination of up to this many places; more: all at once")
    sum_tolerance_yuan: float = Field(default=0.005, ge=0, description="form, * evidence (2) and (3): sums "
                                      "equal to a written total within this many 元 (the floor for (3))")


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
    # --- engines (extractors/ocr/engines/): one onnxruntime / OpenMP thread per worker process
    engine_threads: int = Field(default=1, ge=1, description="engine threads per worker process (onnxruntime "
                                "intra-op, Tesseract's OpenMP): pages are parallelised by process")
    onnx_mem_arena: bool = Field(default=False, description="onnxruntime CPU memory arena (input shapes vary "
                                 "page to page: without it memory stays flat)")
    det_dpi: float = Field(default=120.0, gt=20, le=600, description="RapidOCR detects text lines on the page "
                           "scaled down to this resolution (boxes mapped back to the page)")
    det_limit_side_len: int = Field(default=736, ge=32, description="a detection input whose shorter side is "
                                    "under this is scaled up to it (RapidOCR's limit_type=min)")
    det_crop_ink_level: int = Field(default=0, ge=0, le=255, description="when > 0, the detector runs only on "
                                    "the part of the page holding pixels darker than this (plus det_crop_margin_in): "
                                    "less CPU on pages with blank margins, but every box moves a few pixels and "
                                    "the accuracy sets lost 2 rows (gained 1) at 200; 0: the whole page")
    det_crop_margin_in: float = Field(default=0.25, ge=0, description="blank margin kept around the page's ink "
                                      "for the detector (det_crop_ink_level), inches")
    det_thresh: float = Field(default=0.3, gt=0, lt=1, description="detector probability of a text pixel")
    det_box_thresh: float = Field(default=0.5, gt=0, lt=1, description="mean probability a line box must reach")
    det_unclip_ratio: float = Field(default=1.6, gt=0, description="how far a detected line box is grown")
    line_pad_heights: float = Field(default=0.8, ge=0, description="each text line widened by this many line "
                                    "heights each side (within its cell): the detector leaves out small "
                                    "marks such as the * of a core 二级指标")
    min_piece_heights: float = Field(default=0.6, ge=0, description="a piece of a line cut at a cell border "
                                     "narrower than this many line heights is the box's overhang, not text")
    rec_trim_heights: float = Field(default=-1.0, description="blank margin left of the first and right of "
                                    "the last inked column of a crop before recognition, in line heights "
                                    "(the model's time grows with the width; negative: no trimming)")
    rec_ink_level: int = Field(default=200, ge=1, le=255, description="darker pixels are ink when trimming crops")
    rec_x_scale: float = Field(default=0.75, gt=0.2, le=2, description="crops narrowed to this share of their "
                               "width before recognition (0.75 reads as well as 1.0, measured on 70 scanned "
                               "pages, at 20 % less model time; 0.55 loses characters)")
    rec_min_width: int = Field(default=160, ge=8, description="shorter recognition inputs padded to this "
                               "width, in model pixels (RapidOCR: 320)")
    rec_batch_slack: float = Field(default=1.1, ge=1, description="crops batched together when within this "
                                   "factor (+8 px) of the batch's narrowest")
    rec_logits: bool = Field(default=True, description="the recogniser's graph cut before its bias add and "
                             "softmax (one Gemm instead; arg-max of the logits, softmax only of the characters "
                             "kept): the same text, ~10 % less model time (extractors/ocr/engines/rec_head.py)")
    rec_int8_head: bool = Field(default=False, description="with rec_logits: the recogniser's last product "
                                "(120 features x 18,710 characters a step) in 8-bit integers")
    rec_batch_max: int = Field(default=32, ge=1, description="crops per recognition batch")
    leftover_ink_level: int = Field(default=170, ge=1, le=255, description="cell ink no detected line covers "
                                    "(a lone 是/否 or digit) is pixels darker than this")
    leftover_min_pixels: int = Field(default=15, ge=1, description="fewer leftover ink pixels: nothing to read")
    leftover_min_height: int = Field(default=12, ge=1, description="leftover ink lower than this (pixels) is not text")
    leftover_min_score: float = Field(default=0.6, ge=0, le=1, description="a leftover piece is kept only when "
                                      "read with at least this confidence")
    orientation_lines: int = Field(default=12, ge=1, description="longest text lines the angle classifier "
                                   "reads to tell an upside-down page")
    # --- cell lines (extractors/ocr/cell_lines.py): text lines of grid cells from ink projection
    cell_lines: bool = Field(default=True, description="on a page with a trusted grid, each cell's text lines "
                             "found from the horizontal ink projection of its interior instead of the detector; "
                             "the detector runs only on the page outside the grid and on the cells whose "
                             "projection is not clean (on the whole page when those cover too much of it or the "
                             "text is not upright)")
    cell_lines_ink_level: int = Field(default=170, ge=1, le=255, description="darker pixels are ink in a cell")
    cell_lines_inset_in: float = Field(default=0.02, ge=0, description="cell interior: this far inside its rules, inches")
    cell_lines_line_in: float = Field(default=0.16, gt=0, description="one text line's height, inches (11 pt ~0.15)")
    cell_lines_max_band_lines: float = Field(default=1.8, gt=0, description="a band taller than this many line "
                                             "heights is not clean (touching lines, a seal): the detector")
    cell_lines_min_band_lines: float = Field(default=0.25, ge=0, description="bands lower than this many line "
                                             "heights are specks")
    cell_lines_speck_join_lines: float = Field(default=0.45, ge=0, description="specks this many line heights "
                                               "apart or closer, overlapping in x, are one band (a colon's dots, a faint glyph's pieces)")
    cell_lines_glyph_gap_lines: float = Field(default=0.1, ge=0, description="bands this many line heights "
                                              "apart or closer are one band (a glyph a faint stroke cut in two)")
    cell_lines_glyph_piece_lines: float = Field(default=0.5, ge=0, description="...when one of them is lower "
                                                "than this many line heights")
    cell_lines_glyph_max_lines: float = Field(default=1.2, gt=0, description="...and together no taller than this")
    cell_lines_detect_share: float = Field(default=0.3, ge=0, le=1, description="cells not clean covering more "
                                           "than this share of the grid's area: the detector on the whole page, "
                                           "else on each such cell alone")
    cell_lines_min_wide_share: float = Field(default=0.5, ge=0, le=1, description="fewer of a page's bands "
                                             "twice as wide as tall: its text is not upright, the detector decides")
    cell_lines_max_specks: int = Field(default=1, ge=0, description="more specks in a cell: not clean")
    cell_lines_min_row_pixels: int = Field(default=1, ge=1, description="ink pixels a row needs to be in a band")
    cell_lines_edge_px: int = Field(default=1, ge=0, description="ink within this many pixels of the interior's "
                                    "edge (touching the rules): not clean")
    cell_lines_pad_lines: float = Field(default=0.2, ge=0, description="a band's box grown by this many line "
                                        "heights up and down (within the cell)")
    cell_lines_strip_margin_in: float = Field(default=0.1, ge=0, description="the page outside the grid is "
                                              "detected with this margin over the grid's edge, inches")
    tesseract_lang: str = Field(default="chi_sim", description="Tesseract language of page text")
    tesseract_psm: int = Field(default=6, ge=0, le=13, description="Tesseract page segmentation mode of a page")
    tesseract_gap: int = Field(default=24, ge=0, description="blank pixels between cells stacked for Tesseract")
    tesseract_inset: int = Field(default=3, ge=0, description="pixels trimmed off each cell edge (rule remnants)")
    tesseract_osd_min_confidence: float = Field(default=2.0, ge=0, description="Tesseract's orientation "
                                                "detection (--psm 0) turns a page only when this sure")


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
    """How tables are built from rules, on PDF pages and page images alike (the engine
    ``extractors.table``; rule detection on images ``extractors.ocr.grid``), and what is done
    where there is no grid. Image rule detection: lengths in inches, contrasts in gray levels;
    the engine: lengths in PDF points (``*_pt``), pixels = points × dpi / 72."""

    rule_min_contrast: float = Field(default=10.0, ge=1, le=255, description="a rule pixel is this much "
                                     "darker than the page around it and than the pixels beside the rule")
    rule_smooth_in: float = Field(default=0.08, gt=0, le=0.5, description="rule darkness averaged over this "
                                  "length along the rule (noise and JPEG averaged out)")
    rule_gap_in: float = Field(default=0.03, ge=0, le=0.5, description="gaps in a horizontal rule up to this long are bridged")
    rule_min_len_in: float = Field(default=0.8, gt=0, le=5, description="shorter thin horizontal runs are not "
                                   "rules (text makes short ones: the bottom strokes of a few characters)")
    rule_open_in: float = Field(default=0.4, gt=0, le=5, description="binarised page: horizontal runs this long "
                                "are rules (no run of text strokes is; every cell is wider)")
    rule_vlen_in: float = Field(default=0.25, gt=0, le=5, description="vertical runs this long are rules "
                                "(a one-line row is about this tall)")
    rule_end_tol_in: float = Field(default=0.06, ge=0, le=1, description="a rule's end meets a crossing rule "
                                   "within this (a ridge stops short of it)")
    rule_keep_long_in: float = Field(default=1.5, gt=0, le=20, description="runs of the binarised page longer "
                                     "than this need not meet crossing rules")
    rule_side_in: float = Field(default=0.03, gt=0, le=0.5, description="a vertical rule has paper this far "
                                "either side of it (past 0.01 in) on most of its rows")
    rule_side_ink_max: float = Field(default=0.3, gt=0, le=1, description="a vertical run with ink beside it "
                                     "on more than this share of its rows is characters' strokes, not a rule "
                                     "(1: no check)")
    rule_side_touch_max: float = Field(default=0.15, gt=0, le=1, description="...unless the ink beside it lies "
                                       "on both sides or joins it on at most this share of its rows (text set "
                                       "tight against a rule on one side; 1 turns this off)")
    orientation: bool = Field(default=True, description="pages fed sideways or upside down turned upright")
    separate_ink: bool = Field(default=True, description="colour scans: red seals and blue ink taken out "
                               "before recognition, each seal kept as a stamp on the form")
    min_grid_cells: int = Field(default=6, ge=1, description="fewer cells on a page with text: no reliable "
                                "grid, cells from the words' geometry instead")
    geometry_confidence: float = Field(default=0.9, gt=0, le=1, description="confidences of cells found by "
                                       "geometry (no grid) are multiplied by this")
    geometry_label_tail_score: float = Field(default=80.0, ge=0, le=100, description="cells from geometry: a "
                                             "short line ending in a colon that names no label at this rapidfuzz "
                                             "score is the tail of a wrapped label, never a value")
    geometry_table_end_score: float = Field(default=84.0, ge=0, le=100, description="cells from geometry: a "
                                            "header label at this score under the indicator table ends the table")
    # cells from geometry on a text layer (extractors/geometry.py blocks): lengths in ems
    geometry_word_gap_em: float = Field(default=0.32, gt=0, le=5, description="text layer without rules: "
                                        "glyphs further apart than this (of their height) are in different cells")
    geometry_line_gap_em: float = Field(default=0.53, gt=0, le=5, description="text layer without rules: a "
                                        "cell's wrapped lines are at most this far apart (more: the next row)")
    geometry_align_em: float = Field(default=0.5, ge=0, le=5, description="text layer without rules: a "
                                     "wrapped line starts (or is centred) this close to its cell's first line")
    geometry_leading_margin_em: float = Field(default=0.2, ge=0, le=5, description="text layer without rules: "
                                              "a wrapped line is at most the part's leading plus this below the last")
    geometry_full_slack_em: float = Field(default=3.0, ge=0, le=20, description="text layer without rules: a "
                                          "line that ends this close to the next column's text is full (wrapped)")
    # the table-structure engine (extractors/table.py), for PDF rules and image rules alike:
    # lengths in PDF points, turned into pixels by dpi / 72 on a page image
    rule_thin_pt: float = Field(default=2.0, gt=0, description="a PDF line or rectangle thinner than this is a rule")
    snap_pt: float = Field(default=1.5, ge=0, description="rules this close in position are one rule")
    join_pt: float = Field(default=1.5, ge=0, description="collinear rules with a gap up to this are joined")
    edge_pt: float = Field(default=1.5, ge=0, description="a rule ends on a crossing rule within this")
    row_pt: float = Field(default=1.5, ge=0, description="cells whose tops are this close are one row; "
                          "column rules this close are one grid column")
    open_min_width_pt: float = Field(default=20.0, ge=0, description="vertical rules left open at a page "
                                     "break over less than this width are not an open row")
    stitch_pt: float = Field(default=2.0, ge=0, description="page-break stitching: cells whose sides are "
                             "this close are the same column on both pages")
    lattice_min_rule_pt: float = Field(default=28.8, gt=0, description="image lattice: a rule position has "
                                       "at least this much rule (0.4 in)")
    lattice_merge_gap_pt: float = Field(default=2.16, ge=0, description="image lattice: rule positions this "
                                        "close are one rule (0.03 in)")
    lattice_band_pt: float = Field(default=1.44, ge=0, description="image lattice: a side's rule is looked "
                                   "for this far either side of its position (0.02 in)")
    lattice_min_coverage: float = Field(default=0.5, gt=0, le=1, description="image lattice: a side ruled "
                                        "over less than this share is a merged cell's inside")
    lattice_open_end_pt: float = Field(default=7.2, ge=0, description="image lattice: vertical rules running "
                                       "this far past the last horizontal one: a row open at a page break")
    table_min_width_pt: float = Field(default=36.0, gt=0, description="image: a group of rules narrower than "
                                      "this is no table (0.5 in)")
    table_min_height_pt: float = Field(default=10.8, gt=0, description="image: a group of rules lower than "
                                       "this is no table (0.15 in)")


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
    max_forms: int = Field(default=5000, ge=0, description="ingest writes jixiao.xlsx and report.html for runs of at "
                           "most this many forms (0: never): the workbook costs ~1 ms per row (measured 4.1 s for "
                           "300 forms, 3,897 rows) and the report holds every form in memory")


class RunSettings(_Settings):
    """How a run treats errors, and its processes' garbage collector (not part of the
    fingerprint: results do not change)."""

    strict: bool = Field(default=False, description="stop at the first error, with its traceback, instead "
                         "of recording it on the result and going on (--strict)")
    gc_young: int = Field(default=50_000, ge=0, description="objects allocated between two collections of "
                          "the garbage collector's young generation, in jixiao's own processes (the command "
                          "and its worker processes; Python's default is 700; 0 leaves Python's): at 700 the "
                          "collector took 29 % of a worker's CPU on a big dump, re-scanning the forms a span "
                          "holds until it is sent, and ~8 % at 50,000")


class IngestSettings(_Settings):
    """How ``jixiao ingest`` batches its work (not part of the fingerprint: results do not change)."""

    batch_forms: int = Field(default=200, ge=1, description="forms per bulk insert; a file with more is "
                             "streamed into its own transaction in batches of this many")
    batch_files: int = Field(default=100, ge=1, description="small files committed together (whole files)")
    stream_bytes: int = Field(default=4 * 1024**2, ge=0, description="text dumps over this size are streamed "
                              "in the flow's process; smaller ones go to the worker processes in batches")
    task_files: int = Field(default=64, ge=1, description="small files per worker task")
    remote_task_files: int = Field(default=500, ge=1, description="on a task runner other than the flow's own "
                                   "and Dask, small files per Prefect task: about two tasks per worker, at most "
                                   "this many files (each task is a round trip to the Prefect API); on Dask the "
                                   "batches are task_files files, handed to the cluster by its client")
    dask_ahead: int = Field(default=2, ge=1, description="on Dask, batches of small files handed to the cluster "
                            "and not yet loaded, per cluster worker (their forms are held in the flow's "
                            "process until loaded: memory; more hides a slower network)")
    pool_min_files: int = Field(default=1000, ge=1, description="fewer small text dumps than this (and fewer PDFs "
                                "than pool_min_pdfs) are read in the flow's process: starting the worker "
                                "processes costs seconds")
    pool_min_pdfs: int = Field(default=48, ge=1, description="from this many PDFs of at most pool_pdf_pages pages, "
                               "the worker processes read them (in batches, uncached, like text dumps); a cold "
                               "pool cost ~20 s to start on a heavily loaded 2-core machine, 2-7 s warm")
    pool_pdf_pages: int = Field(default=4, ge=0, description="PDFs of more pages stay on the flow's cached tasks "
                                "(long scans in page chunks)")
    workers: int = Field(default=0, ge=0, description="extraction processes; 0 = one per core")
    span_bytes: int = Field(default=1024**2, ge=0, description="a text dump over stream_bytes is cut into spans "
                            "of about this size at title rows, read by the worker processes side by side "
                            "(0: one process reads it whole); each span's forms are held until loaded")
    check_memory_forms: int = Field(default=20_000, ge=0, description="forms the checks across forms "
                                    "(DUPLICATE_CODE) hold in memory, ~1.4 kB each; past this many they move "
                                    "to a private temporary SQLite file, so memory stays flat in the run's forms")
    span_wait_s: float = Field(default=600.0, gt=0, description="how long a span's reader waits for the spans "
                               "before it to be drafted (their forms number its forms)")


class Settings(_Settings):
    text: TextDumpSettings = TextDumpSettings()
    assembly: AssemblySettings = AssemblySettings()
    calc: CalcSettings = CalcSettings()
    validation: ValidationSettings = ValidationSettings()
    pdf: PdfSettings = PdfSettings()
    ocr: OcrSettings = OcrSettings()
    ocr_text: OcrTextSettings = OcrTextSettings()
    office: OfficeSettings = OfficeSettings()
    grid: GridSettings = GridSettings()
    limits: Limits = Limits()
    report: ReportSettings = ReportSettings()
    ingest: IngestSettings = IngestSettings()
    run: RunSettings = RunSettings()

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
        data = self.model_dump_json(exclude={"pdf": {"password"}, "report": True, "ingest": True, "run": True})
        return hashlib.sha256(data.encode()).hexdigest()[:16]


DEFAULT_SETTINGS = Settings()


def resolve(settings: Optional[Settings] = None) -> Settings:
    """Every entry point calls this first: None means the defaults."""
    return DEFAULT_SETTINGS if settings is None else settings
