"""Per-page triage, as OCRmyPDF does it: read the text layer when it is sane, OCR otherwise.

A page with a sane Unicode text layer is read as text however short it is (the last row of a
table that ran onto a new page: ``其他满意度指标 不适用 不适用 不适用``, 16 glyphs). A page goes to
OCR when it has no text layer but shows something to recognise (an image, or glyphs drawn as
vector outlines), when a few glyphs sit on a page-sized image (a scan with a stamped page
number), or when its layer is garbage: many ``(cid:N)`` glyphs (a font with no Unicode map),
private-use or replacement characters, or, on a ruled page, little CJK together with mostly
letters of other scripts (a font mapped to the wrong characters). Pages of number tables —
digits, separators and a few CJK headings, as WPS prints budget books — are text. Only ink
counts as rules: WPS fills every cell with a white rectangle, which shows nothing.
Doubled glyphs (text drawn twice for a bold effect) are kept and de-duplicated.

    triage_page(chars, has_images, has_rules, settings) -> Triage    (one page, pure)
    page_facts(page) -> PageFacts                                    (what triage needs of a page)
    TriagePlan                                                       (every page of one PDF)
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Sequence

from pipeline.lexicon import is_ideograph as _is_cjk
from pipeline.settings import PdfSettings

Verdict = Literal["text", "ocr", "blank"]


@dataclass(frozen=True)
class Triage:
    verdict: Verdict
    reason: str = ""
    doubled: bool = False  # glyphs drawn twice at the same place: de-duplicate before reading


@dataclass(frozen=True)
class PageFacts:
    """What triage looks at besides the glyphs."""

    has_images: bool = False
    has_rules: bool = False        # visible ruling (stroked, or filled with a dark colour)
    image_share: float = 0.0       # the largest image's share of the page area
    curves: int = 0                # vector paths other than rules (text drawn as outlines)


@dataclass
class TriagePlan:
    """Every page's verdict, made once per PDF and shared by whoever reads it."""

    pages: int
    verdicts: dict[int, Triage] = field(default_factory=dict)   # 1-based page -> verdict

    @property
    def ocr_pages(self) -> list[int]:
        return sorted(p for p, t in self.verdicts.items() if t.verdict == "ocr")

    @property
    def text_pages(self) -> list[int]:
        return sorted(p for p, t in self.verdicts.items() if t.verdict == "text")


def _is_junk(text: str) -> bool:
    if text.startswith("(cid:"):
        return True
    o = ord(text[0])
    return 0xE000 <= o <= 0xF8FF or o == 0xFFFD or o < 0x20


def _is_letter(text: str) -> bool:
    """A letter that is not CJK: Latin, Greek, Cyrillic... (a wrong font map yields these)."""
    ch = text[0]
    return unicodedata.category(ch).startswith("L") and not _is_cjk(ch) and not 0x3000 <= ord(ch) <= 0x30FF


def doubled_share(chars: Sequence[dict]) -> float:
    """Share of glyphs that repeat an earlier glyph at the same place (±1 pt)."""
    seen: set[tuple[str, int, int]] = set()
    dup = 0
    for c in chars:
        key = (c["text"], round(c["x0"]), round(c["top"]))
        if key in seen:
            dup += 1
        else:
            seen.add(key)
    return dup / len(chars) if chars else 0.0


def _white(color) -> bool:
    if color is None:
        return False
    values = color if isinstance(color, (tuple, list)) else (color,)
    try:
        values = [float(v) for v in values]
    except (TypeError, ValueError):
        return False
    if len(values) == 4:  # CMYK: no ink
        return all(v <= 0.02 for v in values)
    return bool(values) and all(v >= 0.98 for v in values)


def visible_rect(r: dict) -> bool:
    """A rectangle that leaves ink: stroked, or filled with a colour that is not white."""
    return bool(r.get("stroke")) and not _white(r.get("stroking_color")) or \
        bool(r.get("fill")) and not _white(r.get("non_stroking_color"))


def page_facts(page) -> PageFacts:
    """The facts of a pdfplumber page that triage needs (objects only, no layout)."""
    area = float(page.width * page.height) or 1.0
    images = page.images
    share = max(((float(i["x1"]) - float(i["x0"])) * (float(i["bottom"]) - float(i["top"])) / area
                 for i in images), default=0.0)
    rules = bool(page.lines) or any(visible_rect(r) for r in page.rects)
    return PageFacts(has_images=bool(images), has_rules=rules, image_share=share, curves=len(page.curves))


def triage_page(chars: Sequence[dict], has_images: bool, has_rules: bool, settings: PdfSettings,
                facts: PageFacts | None = None) -> Triage:
    """What to do with one page, from its glyphs and whether it shows images or ruling."""
    facts = facts or PageFacts(has_images=has_images, has_rules=has_rules, image_share=1.0 if has_images else 0.0)
    glyphs = [c for c in chars if c["text"] and not c["text"].isspace()]
    n = len(glyphs)
    if n == 0:
        if facts.has_images or facts.curves >= settings.min_outline_curves:
            return Triage("ocr", "no text layer (0 glyphs)")
        return Triage("blank", "blank page" if not facts.has_rules else "rules only, no text")
    junk = sum(1 for c in glyphs if _is_junk(c["text"]))
    if junk / n > settings.max_cid_share:
        return Triage("ocr", f"garbage text layer: {junk} of {n} glyphs have no Unicode mapping")
    if n < settings.min_chars_per_page and facts.image_share >= settings.scan_image_share:
        return Triage("ocr", f"no text layer ({n} glyphs on a page-sized image)")
    cjk = sum(1 for c in glyphs if _is_cjk(c["text"]))
    letters = sum(1 for c in glyphs if _is_letter(c["text"]))
    if facts.has_rules and cjk / n < settings.min_cjk_share and letters / n > settings.max_letter_share:
        return Triage("ocr", f"garbage text layer: {cjk} CJK and {letters} other letters of {n} glyphs on a ruled page")
    return Triage("text", doubled=doubled_share(glyphs) > 0.05)


def sane_text(text: str, settings: PdfSettings) -> bool:
    """A page's plain text (from a fast text pass) that is a usable Unicode layer: some
    glyphs, few unmapped or private-use ones, not mostly letters of other scripts."""
    glyphs = [ch for ch in text if not ch.isspace()]
    if not glyphs:
        return False
    n = len(glyphs)
    if sum(1 for ch in glyphs if _is_junk(ch)) / n > settings.max_cid_share:
        return False
    cjk = sum(1 for ch in glyphs if _is_cjk(ch))
    letters = sum(1 for ch in glyphs if _is_letter(ch))
    return not (cjk / n < settings.min_cjk_share and letters / n > settings.max_letter_share)


__all__ = ["PageFacts", "Triage", "TriagePlan", "doubled_share", "page_facts", "sane_text", "triage_page",
           "visible_rect"]
