"""Imported by the worker processes' fork server (:func:`flows.workers._context`) before it
forks a worker: the word list of the calculation lexicon (jieba's dictionary, seconds to load)
and the vocabulary are loaded once there, so every worker starts warm (shared, copy-on-write)
instead of each paying the load on its first file."""
from __future__ import annotations

from pipeline.calc.lexicon import tokenizer
from pipeline.labels import load_vocabulary

tokenizer()
load_vocabulary()
