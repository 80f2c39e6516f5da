"""Imported by the worker processes' fork server (:func:`flows.workers._context`) before it
forks a worker: the word list of the calculation lexicon (jieba's dictionary, seconds to load)
and the vocabulary are loaded once there, so every worker starts warm (shared, copy-on-write)
instead of each paying the load on its first file. Then all that is frozen out of the
garbage collector's scans (``gc.freeze``, right before the forks: the workers' collections
neither re-scan it nor copy its pages by touching it).

A Dask cluster's workers take it as their preload (``dask worker ... --preload
flows.worker_warmup``): each imports the extraction and loads the dictionary (~3 s of CPU)
while it starts, before it joins the scheduler, instead of during the first run it serves
(:func:`flows.workers.warm_dask_workers` otherwise does it then, beside the flow's own
start-up)."""
from __future__ import annotations

import gc

import flows.workers  # noqa: F401 - the small files' extraction (a Dask worker's tasks)
from pipeline.calc.lexicon import tokenizer
from pipeline.labels import load_vocabulary

tokenizer()
load_vocabulary()
gc.freeze()
