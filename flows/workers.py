"""Extraction in worker processes for ``ingest``: small files in batches, one task per batch.

This module imports only :mod:`pipeline` (not Prefect), so a worker process starts fast.
Results come back in the order the files were given, at most ``2 × workers`` batches ahead
of the caller (memory bounded whatever the number of files).
"""
from __future__ import annotations

import math
import multiprocessing
import os
from collections import deque
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Callable, Iterator, Optional

from pipeline.convert import convert
from pipeline.models import DocumentResult
from pipeline.settings import Settings, resolve


def extract_files(paths: list[str], settings: Optional[Settings] = None) -> list[DocumentResult]:
    """A batch of files through the pipeline, one result each (never raises for bad input)."""
    return [convert(p, settings) for p in paths]


def worker_count(settings: Optional[Settings] = None) -> int:
    """``ingest.workers``, 0 meaning one per core."""
    return resolve(settings).ingest.workers or os.cpu_count() or 1


def batches(paths: list[str], workers: int, most: int) -> list[list[str]]:
    """``paths`` cut into batches of at most ``most`` files, at least one batch per worker."""
    if not paths:
        return []
    size = max(1, min(most, math.ceil(len(paths) / max(1, workers))))
    return [paths[i:i + size] for i in range(0, len(paths), size)]


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes started from a fork server (never forked from the threaded flow
    process), the pipeline imported once in the server."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.convert", "extractors", "flows.workers"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


Submit = Callable[[list[str]], "object"]  # a batch -> a future with .result()


def results_in_order(groups: list[list[str]], submit: Submit, ahead: int) -> Iterator[tuple[str, object]]:
    """(path, result) of every file of ``groups``, in order, with at most ``ahead`` batches
    submitted and not yet consumed; the result is the exception for the files of a batch
    that raised."""
    queue: deque = deque()
    todo = iter(groups)
    for group in todo:
        queue.append((group, submit(group)))
        if len(queue) >= ahead:
            break
    while queue:
        group, fut = queue.popleft()
        try:
            results = fut.result()
        except Exception as exc:  # the batch was lost (a worker died): each file says why
            results = [exc] * len(group)
        nxt = next(todo, None)
        if nxt is not None:
            queue.append((nxt, submit(nxt)))
        yield from zip(group, results)


def pool_results(paths: list[str], settings: Settings, workers: int,
                 executor: Optional[Executor] = None) -> Iterator[tuple[str, DocumentResult]]:
    """The results of ``paths`` extracted by ``workers`` processes (a pool of its own unless
    ``executor`` is given), in order."""
    groups = batches(paths, workers, settings.ingest.task_files)
    own = executor is None
    pool = process_pool(workers) if own else executor
    try:
        yield from results_in_order(groups, lambda g: pool.submit(extract_files, g, settings), 2 * workers)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["batches", "extract_files", "pool_results", "process_pool", "results_in_order", "worker_count"]
