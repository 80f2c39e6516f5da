"""The label vocabulary: which cell text names which header field or indicator column.

Labels are compared in a canonical form (NFKC, no white space, no bracketed remarks, no
trailing colon), so ``项目总金\\n额（中期\\n规划，万\\n元）：`` and ``项目总金额(中期规划,万元):``
both read as ``项目总金额``. Noisy OCR labels fall back to a rapidfuzz match.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from rapidfuzz import fuzz, process

LEXICON_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"

_BRACKETED = re.compile(r"[（(【\[][^（）()【】\[\]]*[）)】\]]")
_DROP = re.compile(r"[\s:：*＊,，、.。;；]")


def canonical(text: str) -> str:
    """The comparison form of a label."""
    t = unicodedata.normalize("NFKC", text)
    t = _BRACKETED.sub("", t)
    return _DROP.sub("", t)


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Vocabulary:
    titles: tuple[str, ...]
    header: dict[str, str]            # canonical label -> header key
    columns: dict[str, str]           # canonical column name -> indicator field
    level1_values: tuple[str, ...]
    level2_values: tuple[str, ...]
    closed_values: dict[str, tuple[str, ...]]

    def header_key(self, text: str, *, fuzzy_score: Optional[float] = None, max_chars: int = 24) -> Optional[str]:
        """The header key a label cell names, or None. ``fuzzy_score`` enables noisy matching."""
        return _header_key(self, text, fuzzy_score, max_chars)

    def column(self, text: str) -> Optional[str]:
        return _column(self, text)

    def is_title(self, text: str) -> bool:
        c = canonical(text)
        return any(t in c for t in self.titles) if len(c) < 40 else False


@lru_cache(maxsize=65536)
def _header_key(vocab: Vocabulary, text: str, fuzzy_score: Optional[float], max_chars: int) -> Optional[str]:
    if len(text) > max_chars * 2:
        return None
    c = canonical(text)
    if not c or len(c) > max_chars:
        return None
    key = vocab.header.get(c)
    if key or fuzzy_score is None or len(c) < 3:
        return key
    match = process.extractOne(c, vocab.header.keys(), scorer=fuzz.ratio, score_cutoff=fuzzy_score)
    return vocab.header[match[0]] if match else None


@lru_cache(maxsize=4096)
def _column(vocab: Vocabulary, text: str) -> Optional[str]:
    return vocab.columns.get(canonical(text)) if len(text) < 40 else None


def snap(value: str, choices: tuple[str, ...], score: float) -> str:
    """The nearest valid value of a closed vocabulary (OCR correction); unchanged if none is near."""
    if not value or value in choices:
        return value
    match = process.extractOne(value, choices, scorer=fuzz.ratio, score_cutoff=score)
    return match[0] if match else value


@lru_cache(maxsize=1)
def load_vocabulary(path: Optional[str] = None) -> Vocabulary:
    data = json.loads(Path(path or LEXICON_DIR / "labels.json").read_text(encoding="utf-8"))
    header = {canonical(label): key for key, labels in data["header"].items() for label in labels}
    columns = {canonical(label): key for key, labels in data["indicator_columns"].items() for label in labels}
    return Vocabulary(
        titles=tuple(canonical(t) for t in data["title"]),
        header=header,
        columns=columns,
        level1_values=tuple(data["level1_values"]),
        level2_values=tuple(data["level2_values"]),
        closed_values={k: tuple(v) for k, v in data["closed_values"].items()},
    )
