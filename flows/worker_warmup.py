"""Imported by the worker processes' fork server (:func:`flows.workers._context`) before it
forks a worker: the word list of the calculation lexicon (jieba's dictionary, seconds to load)
and the vocabulary are loaded once there, so every worker starts warm (shared, copy-on-write)
instead of each paying the load on its first file. Then all that is frozen out of the
garbage collector's scans (``gc.freeze``, right before the forks: the workers' collections
neither re-scan it nor copy its pages by touching it)."""
from __future__ import annotations

import gc

from pipeline.calc.lexicon import tokenizer
from pipeline.labels import load_vocabulary

tokenizer()
load_vocabulary()
gc.freeze()
