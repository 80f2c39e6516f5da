"""jieba, loaded once per process with the domain user dictionary, over the unit vocabulary of
``pipeline.lexicon`` (units.txt).

jieba decides where a unit ends and a word begins after a number (``1000年终考核`` is 1000
with no unit, ``12个月`` is 12 个月) and which words name a term (``分别为大专生`` -> 大专生).
Only the short runs around a term are tokenised, never the whole text.
"""
from __future__ import annotations

import logging
import re
import warnings
from functools import lru_cache
from typing import Optional

with warnings.catch_warnings():  # jieba 0.42 imports pkg_resources, which now warns on import
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import jieba

from ..lexicon import LEXICON_DIR, MULTIPLIERS, unit_multiplier, units  # noqa: F401 (re-exported)

_STOP_WORDS = frozenset("为 是 含 按 其中 包括 分别 分别为 共 约 预计 需 需要 按照 每 每人 给予 用于 即 的 和 及 与 等 已 其 对".split())


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """The process-wide jieba tokenizer with the user dictionary (loaded once)."""
    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    tk.load_userdict(str(LEXICON_DIR / "jieba_user.txt"))
    return tk


@lru_cache(maxsize=8192)
def tokens(text: str) -> tuple[str, ...]:
    return tuple(tokenizer().lcut(text, HMM=False))


@lru_cache(maxsize=8192)
def unit_prefix(run: str) -> Optional[str]:
    """The unit at the start of the text that follows a number, or None.

    ``元/平方米/月，`` -> 元/平方米/月; ``个月=`` -> 个月; ``年终考核`` -> None;
    ``台复印机`` -> 台; ``万元/人`` -> 万元/人."""
    if not run:
        return None
    vocab = units()
    out: list[str] = []
    toks = tokens(run)
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok in ("/", "／") and out and i + 1 < len(toks) and _is_unit(toks[i + 1], vocab):
            out.append("/" + toks[i + 1])
            i += 2
            continue
        if not out and _is_unit(tok, vocab):
            out.append(tok)
            i += 1
            continue
        if not out and not tokenizer().FREQ.get(tok):
            # jieba may glue a unit to an unknown word (人参加): accept a known unit prefix,
            # but never split a real word (年终考核 is not 年 + 终考核)
            for n in (3, 2, 1):
                if len(tok) > n and tok[:n] in vocab and _word_after_unit(tok[n:]):
                    return tok[:n]
        break
    return "".join(out) or None


def _is_unit(tok: str, vocab: frozenset[str]) -> bool:
    return tok in vocab


def _word_after_unit(rest: str) -> bool:
    return bool(rest) and not rest[0].isdigit()


_AFTER_LAST_NUMBER = re.compile(r"[\d.]*\d[\d.]*[^\d]*$")
_LEADING_NUMBER = re.compile(r"^[\d.]+")
_NUMBERING = re.compile(r"^(?:[（(]?\d{1,2}[）)]|\d{1,2}[、.．]|[一二三四五六七八九十]+、|[①-⑳])+")


def label_of(prefix: str, max_chars: int = 20) -> Optional[str]:
    """The words naming a term, from the text just before its first number.

    ``分别为大专生`` -> 大专生; ``4、产业空间扶持2024年已出租面积`` -> 出租面积."""
    prefix = prefix.strip()
    prefix = _NUMBERING.sub("", prefix)
    m = _AFTER_LAST_NUMBER.search(prefix)
    if m:  # words after the last number (2024年已出租面积)
        prefix = _LEADING_NUMBER.sub("", prefix[m.start():])
    prefix = prefix.strip(" ：:，,、（）()")
    if not prefix:
        return None
    toks = list(tokens(prefix))
    vocab = units()
    while toks and (toks[0] in _STOP_WORDS or toks[0] in vocab or not toks[0].strip()):
        toks.pop(0)
    for i in range(len(toks) - 1, -1, -1):  # cut at the last stop word
        if toks[i] in _STOP_WORDS:
            toks = toks[i + 1:]
            break
    label = "".join(toks).strip(" ：:，,、")
    if not label:
        return None
    return label[-max_chars:]

