"""The label vocabulary: which cell text names which header field or indicator column.

Labels are compared in a canonical form (NFKC, no white space, no bracketed remarks, no
trailing colon), so ``项目总金\\n额（中期\\n规划，万\\n元）：`` and ``项目总金额(中期规划,万元):``
both read as ``项目总金额``. Noisy OCR labels fall back to a rapidfuzz match.
"""
from __future__ import annotations

import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

from rapidfuzz import fuzz, process

from .lexicon import LEXICON_DIR

LAYOUTS_DIR = Path(__file__).resolve().parent.parent / "data" / "layouts"

_BRACKETED = re.compile(r"[（(【\[][^（）()【】\[\]]*[）)】\]]")
_DROP = re.compile(r"[\s:：*＊,，、.。;；]")


def canonical(text: str) -> str:
    """The comparison form of a label."""
    t = unicodedata.normalize("NFKC", text)
    t = _BRACKETED.sub("", t)
    return _DROP.sub("", t)


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Layout:
    """One form family, as declared in ``data/layouts/<name>.toml``."""

    name: str
    titles: tuple[str, ...]                 # canonical title patterns that name this family
    amount_unit: str                        # 万元 or 元: the unit its amounts are printed in
    fields: tuple[str, ...]                 # header keys it prints (MISSING_FIELD for these only)
    extra_fields: tuple[str, ...]           # header_extra keys it prints
    labels: frozenset[str]                  # draft keys its labels give
    repeated: dict[str, tuple[str, ...]]    # a label printed n times: key of each occurrence
    closed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # its own closed vocabularies (项目类别)
    sums: dict[str, tuple[str, ...]] = field(default_factory=dict)  # an amount -> the amounts it is the sum of


UNKNOWN = Layout("unknown", (), "", (), (), frozenset(), {})


@dataclass(frozen=True, eq=False)  # hashed by identity: one per process
class Vocabulary:
    titles: tuple[str, ...]
    header: dict[str, str]            # canonical label -> header key
    columns: dict[str, str]           # canonical column name -> indicator field
    level1_values: tuple[str, ...]
    level2_values: tuple[str, ...]
    closed_values: dict[str, tuple[str, ...]]
    layouts: tuple[Layout, ...] = ()
    periods: dict[str, str] = field(default_factory=dict)   # canonical section row -> indicator period
    repeatable: frozenset[str] = frozenset()                # keys whose label may be printed again

    def header_key(self, text: str, *, fuzzy_score: Optional[float] = None, max_chars: int = 24,
                   fuzzy_min_chars: int = 3) -> Optional[str]:
        """The header key a label cell names, or None. ``fuzzy_score`` enables noisy matching
        (of labels of ``fuzzy_min_chars`` or more: ``AssemblySettings``)."""
        return _header_key(self, text, fuzzy_score, max_chars, fuzzy_min_chars)

    def column(self, text: str) -> Optional[str]:
        return _column(self, text)

    def is_title(self, text: str) -> bool:
        c = canonical(text)
        return any(t in c for t in self.titles) if len(c) < 40 else False

    def layout(self, title: Optional[str], keys: Iterable[str]) -> Layout:
        """The family of a form: the one owning the longest title pattern in its title, else
        the one whose labels explain its keys (at least three, four in five), else UNKNOWN."""
        return _layout(self, title, frozenset(k.partition("#")[0] for k in keys))

    def closed_for(self, layout: str, key: str) -> tuple[str, ...]:
        """The closed vocabulary of ``key`` in family ``layout``: the family's own (``[closed]``
        in its file: the Shanghai 项目类别 is 特定目标类, not the Futian 项目类型's 特定目标类项目),
        else the shared one (``labels.json``)."""
        own = self.layout_named(layout)
        return (own.closed if own else {}).get(key, self.closed_values.get(key, ()))

    def layout_named(self, name: str) -> Optional[Layout]:
        """The family called ``name`` (a form's ``layout``), or None (``unknown``)."""
        return next((lay for lay in self.layouts if lay.name == name), None)

    def layout_by_title(self, title: str) -> Optional[Layout]:
        """The family a title alone names (its longest title pattern), or None."""
        return _layout_by_title(self, title)


@lru_cache(maxsize=4096)
def _layout_by_title(vocab: Vocabulary, title: str) -> Optional[Layout]:
    best, best_len = None, 0
    c = canonical(title)
    for layout in vocab.layouts:
        for t in layout.titles:
            if len(t) > best_len and t in c:
                best, best_len = layout, len(t)
    return best


@lru_cache(maxsize=4096)
def _layout(vocab: Vocabulary, title: Optional[str], keys: frozenset[str]) -> Layout:
    best = _layout_by_title(vocab, title) if title else None
    if best is not None:
        return best
    scored = []
    for layout in vocab.layouts:
        hits = len(keys & layout.labels)
        scored.append((hits - (len(keys) - hits), hits, layout))
    margin, hits, layout = max(scored, key=lambda s: (s[0], s[1]))
    return layout if hits >= 3 and hits * 5 >= len(keys) * 4 else UNKNOWN


@lru_cache(maxsize=65536)
def _header_key(vocab: Vocabulary, text: str, fuzzy_score: Optional[float], max_chars: int,
                fuzzy_min_chars: int = 3) -> Optional[str]:
    if len(text) > max_chars * 2:
        return None
    c = canonical(text)
    if not c or len(c) > max_chars:
        return None
    key = vocab.header.get(c)
    if key or fuzzy_score is None or len(c) < fuzzy_min_chars:
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


def load_layout(path: Path) -> tuple[Layout, dict[str, str], dict[str, str], dict[str, str]]:
    """A family file: the layout, and its (canonical label -> key), (canonical column -> field)
    and (canonical section row -> period) maps."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    header = {canonical(label): key for key, labels in data["labels"].items() for label in labels}
    columns = {canonical(label): key for key, labels in data["columns"].items() for label in labels}
    periods = {canonical(label): period for label, period in data.get("periods", {}).items()}
    layout = Layout(
        name=data["name"], titles=tuple(canonical(t) for t in data["titles"]),
        amount_unit=data["amount_unit"], fields=tuple(data["fields"]),
        extra_fields=tuple(data.get("extra_fields", ())), labels=frozenset(header.values()),
        repeated={k: tuple(v) for k, v in data.get("repeated", {}).items()},
        closed={k: tuple(v) for k, v in data.get("closed", {}).items()},
        sums={k: tuple(v) for k, v in data.get("sums", {}).items()},
    )
    known = set(layout.fields) | set(layout.extra_fields)
    for total, parts in layout.sums.items():
        if not {total, *parts} <= known or len(parts) < 2:
            raise ValueError(f"layout {layout.name}: [sums] {total} = {parts} names a field the family does not have")
    return layout, header, columns, periods


def _merge(into: dict[str, str], more: dict[str, str], what: str, family: str) -> None:
    for label, key in more.items():
        if into.setdefault(label, key) != key:
            raise ValueError(f"layout {family}: {what} {label!r} is {key!r} here but {into[label]!r} elsewhere")


@lru_cache(maxsize=1)
def load_vocabulary(path: Optional[str] = None, layouts_dir: Optional[str] = None) -> Vocabulary:
    """The shared lexicon and every family of ``data/layouts/``, merged: a label names the same
    key in every family that prints it (checked here); what differs per family is which
    fields it has, its unit and its titles (:meth:`Vocabulary.layout`)."""
    data = json.loads(Path(path or LEXICON_DIR / "labels.json").read_text(encoding="utf-8"))
    header: dict[str, str] = {}
    columns: dict[str, str] = {}
    periods: dict[str, str] = {}
    layouts = []
    titles = [canonical(t) for t in data["title"]]
    for file in sorted(Path(layouts_dir or LAYOUTS_DIR).glob("*.toml")):
        layout, h, c, p = load_layout(file)
        _merge(header, h, "label", layout.name)
        _merge(periods, p, "section", layout.name)
        for label, name in c.items():  # 年度指标值 is a period column in one family, the value in another
            if columns.setdefault(label, name) != name and name.startswith("value@"):
                columns[label] = name
        layouts.append(layout)
        titles.extend(layout.titles)
    repeatable = frozenset(k for layout in layouts for k in layout.repeated)
    return Vocabulary(
        titles=tuple(titles),
        header=header,
        columns=columns,
        level1_values=tuple(data["level1_values"]),
        level2_values=tuple(data["level2_values"]),
        closed_values={k: tuple(v) for k, v in data["closed_values"].items()},
        layouts=tuple(layouts),
        periods=periods,
        repeatable=repeatable,
    )
