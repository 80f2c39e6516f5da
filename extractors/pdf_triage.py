"""Per-page triage, as OCRmyPDF does it: read the text layer when it is sane, OCR otherwise.

A page goes to OCR when it has no text layer (fewer than ``min_chars_per_page`` glyphs but
images or rules on it), or when its layer is garbage: many ``(cid:N)`` glyphs (a font with
no Unicode map), private-use or replacement characters, or almost no CJK on a ruled page
(a form is Chinese). Doubled glyphs (text drawn twice for a bold effect) are kept and
de-duplicated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from pipeline.settings import PdfSettings

Verdict = Literal["text", "ocr", "blank"]


@dataclass(frozen=True)
class Triage:
    verdict: Verdict
    reason: str = ""
    doubled: bool = False  # glyphs drawn twice at the same place: de-duplicate before reading


def _is_cjk(ch: str) -> bool:
    o = ord(ch[0])
    return 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF


def _is_junk(text: str) -> bool:
    if text.startswith("(cid:"):
        return True
    o = ord(text[0])
    return 0xE000 <= o <= 0xF8FF or o == 0xFFFD or o < 0x20


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


def triage_page(chars: Sequence[dict], has_images: bool, has_rules: bool, settings: PdfSettings) -> Triage:
    """What to do with one page, from its glyphs and whether it shows images or ruling."""
    glyphs = [c for c in chars if c["text"] and not c["text"].isspace()]
    n = len(glyphs)
    if n < settings.min_chars_per_page:
        if has_images or has_rules:
            return Triage("ocr", f"no text layer ({n} glyphs)")
        return Triage("blank", "blank page")
    junk = sum(1 for c in glyphs if _is_junk(c["text"]))
    if junk / n > settings.max_cid_share:
        return Triage("ocr", f"garbage text layer: {junk} of {n} glyphs have no Unicode mapping")
    cjk = sum(1 for c in glyphs if _is_cjk(c["text"]))
    if has_rules and cjk / n < settings.min_cjk_share:
        return Triage("ocr", f"garbage text layer: {cjk} CJK of {n} glyphs on a ruled form page")
    return Triage("text", doubled=doubled_share(glyphs) > 0.05)
