"""Extraction in worker processes for ``ingest``: small files in batches, one task per batch.

This module imports only :mod:`pipeline` (not Prefect), so a worker process starts fast.
Results come back in the order the files were given, at most ``2 × workers`` batches ahead
of the caller (memory bounded whatever the number of files).
"""
from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import queue as queue_mod
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Optional, Union

from extractors import convert, iter_document
from extractors.text_dump import dump_spans, read_span
from flows.crossform import known_of_rows
from flows.db import table_rows, table_tuples
from pipeline.convert import Document
from pipeline.errors import Stage
from pipeline.models import DocumentResult, ErrorItem, Form
from pipeline.readers import ReadContext
from pipeline.settings import Settings, resolve
from flows.writers import csv_value_lines, form_json, write_json


class Part(NamedTuple):
    """A batch of one file's forms, made ready to write where they were extracted: their JSON
    texts, their table rows and their finding codes (cheap to send between processes)."""

    json: list[str]
    rows: dict[str, list[tuple]]  # per table, each row's values in the table's column order (flows.db.table_tuples)
    forms: int
    codes: dict[str, int]
    known: Optional[list] = None  # per form its crossform.Known (None without a 项目编码): checked unparsed
    csv: Optional[dict[str, str]] = None  # the rows as CSV lines per table (flows.writers.csv_value_lines)


class End(NamedTuple):
    """A file's outcome, once its last form is sent."""

    status: str
    kind: Optional[str]
    error: Optional[str]
    sha256: str
    json_tmp: Optional[str] = None  # the file's JSON, written by the worker to this temporary file (prewritten)


Item = Union[Part, End]


def make_part(forms: list[Form]) -> Part:
    """The forms' JSON texts, table rows (tuples in the tables' column order: cheap to send
    between processes, bound as they are), 项目编码 records for the checks across forms, and
    the rows' CSV lines."""
    codes = Counter(f.code for form in forms for f in form.findings)
    records = table_rows(forms)
    by_form: dict[str, list[dict]] = {}
    for r in records["indicators"]:
        by_form.setdefault(r["form_id"], []).append(r)
    known = [known_of_rows(r, by_form.get(r["id"], [])) for r in records["forms"]]
    rows = {name: table_tuples(name, recs) for name, recs in records.items()}
    return Part([form_json(f) for f in forms], rows, len(forms), dict(codes), known,
                {name: csv_value_lines(rows[name]) for name in rows})


def result_parts(result: DocumentResult, batch: int) -> Iterator[Item]:
    """A whole result as parts and its end."""
    for i in range(0, len(result.forms), batch):
        yield make_part(result.forms[i:i + batch])
    yield End(result.status, result.kind, result.error_line, result.sha256 or "")


def file_parts(path: str, settings: Optional[Settings], batch: int) -> Iterator[Item]:
    """One file's forms, streamed in parts of ``batch`` forms, then its end."""
    doc = iter_document(path, settings)
    held: list[Form] = []
    for form in doc.forms():
        held.append(form)
        if len(held) >= batch:
            yield make_part(held)
            held = []
    if held:
        yield make_part(held)
    end = doc.result([])
    yield End(end.status, end.kind, end.error_line, end.sha256 or "")


def extract_files(paths: list[str], settings: Optional[Settings] = None) -> list[DocumentResult]:
    """A batch of files through the pipeline, one result each (never raises for bad input)."""
    return [convert(p, settings) for p in paths]


def extract_parts(paths: list[str], settings: Optional[Settings] = None,
                  json_dir: Optional[str] = None, json_prefix: str = ".ingest.") -> list[Union[list[Item], Exception]]:
    """A batch of small files through the pipeline: each file's parts and end, or the
    exception that stopped it (a file gone meanwhile: the others of the batch still count).
    With ``json_dir``, a file that gave forms has its JSON written here too, to a temporary
    file named in its :class:`End` (``json_tmp``): the flow renames it into place at its
    commit instead of writing it itself (one process writes the database; the JSON of many
    small files is written side by side by the workers)."""
    batch = resolve(settings).ingest.batch_forms
    out: list[Union[list[Item], Exception]] = []
    for p in paths:
        try:
            items = list(file_parts(p, settings, batch))
        except Exception as exc:  # noqa: BLE001 - the flow records the file as failed, with the reason
            out.append(exc)
            continue
        if json_dir is not None:
            items = _prewrite_json(items, json_dir, json_prefix)
        out.append(items)
    return out


def remote_extract_parts(paths: list[str], settings: Optional[Settings] = None, json_dir: Optional[str] = None,
                         json_prefix: str = ".ingest.", retries: int = 2, delay_s: float = 1.0,
                         live: Optional[str] = None) -> list[Union[list[Item], Exception]]:
    """:func:`extract_parts` on a worker of another machine or cluster (a Dask worker, handed
    the batch by the flow's ``distributed.Client``, or the ``extract-batch`` task): the JSON
    prewritten only when this worker sees ``json_dir`` (the flow checks that it sees each
    file, else writes it), and the batch tried again on an I/O error only, ``retries`` times
    after ``delay_s`` (as the Prefect tasks are: ``io_only``; Dask's own ``retries`` would
    repeat any error).

    ``live``: a file in ``json_dir`` that exists while the flow runs. A worker cannot be
    stopped mid-batch as the pool's processes are: once the file is gone (the run was stopped,
    and removes its temporary files right after removing it) the batch's other files are not
    read and a JSON file written meanwhile is removed here, so none is left behind."""
    if json_dir is not None and not os.path.isdir(json_dir):
        json_dir = live = None

    def over() -> bool:
        return live is not None and not os.path.exists(live)

    for attempt in range(retries + 1):
        try:
            if live is None:
                return extract_parts(paths, settings, json_dir, json_prefix)
            out: list[Union[list[Item], Exception]] = []
            for path in paths:
                if over():
                    break
                got = extract_parts([path], settings, json_dir, json_prefix)[0]
                if over():  # written after the flow's clean-up, or just before it: never taken
                    _drop_prewritten(got)
                out.append(got)
            return out + [RuntimeError("the run stopped")] * (len(paths) - len(out))
        except OSError:
            if attempt == retries:
                raise
            time.sleep(delay_s)
    raise AssertionError("unreachable")


def _drop_prewritten(items) -> None:
    end = items[-1] if isinstance(items, list) and items else None
    if isinstance(end, End) and end.json_tmp is not None:
        with contextlib.suppress(OSError):
            os.unlink(end.json_tmp)


def _prewrite_json(items: list[Item], json_dir: str, prefix: str) -> list[Item]:
    """``items`` with their JSON written to a temporary file in ``json_dir`` (not yet made
    durable: the flow syncs it before its commit), named in the end; unchanged when the file
    gave no form or the write failed (the flow writes it then)."""
    end = items[-1] if items else None
    parts = [i for i in items if isinstance(i, Part)]
    if not isinstance(end, End) or not any(part.json for part in parts):
        return items
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".json.tmp", dir=json_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            write_json((text for part in parts for text in part.json), f)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return items
    return [*items[:-1], end._replace(json_tmp=tmp)]


def _stream_into(path: str, settings: Optional[Settings], batch: int, q) -> None:
    """In a child process: the file's parts onto ``q`` (bounded: the child waits for the reader)."""
    try:
        for item in file_parts(path, settings, batch):
            q.put(item)
    except BaseException as exc:  # said to the reader, which records the file as failed
        q.put(RuntimeError(f"{type(exc).__name__}: {exc}"))


def streamed_parts(path: str, settings: Settings, ahead: int = 4) -> Iterator[Item]:
    """One (big) file's parts, extracted in a process of its own while the caller writes the
    parts already received (at most ``ahead`` parts in flight: memory flat)."""
    ctx = _context()
    q = ctx.Queue(maxsize=ahead)
    proc = ctx.Process(target=_stream_into, args=(path, settings, settings.ingest.batch_forms, q), daemon=True)
    proc.start()
    try:
        while True:
            try:
                item = q.get(timeout=1.0)
            except queue_mod.Empty:
                if not proc.is_alive():
                    raise RuntimeError(f"extraction process ended (exit status {proc.exitcode})")
                continue
            if isinstance(item, BaseException):
                raise item
            yield item
            if isinstance(item, End):
                return
    finally:
        if proc.is_alive():
            proc.terminate()
        proc.join(timeout=10)
        q.close()


# --------------------------------------------------------------------------- a big dump, in spans

_SPAN_COUNTS = None  # in a span worker: per span the forms drafted in it (-1: not yet), then a stop flag


def tune_gc(young: int) -> None:
    """This process's garbage collector set for extraction: what exists now (modules, jieba's
    dictionary, the vocabulary) moved out of its scans for good (``gc.freeze``), and its young
    generation collected every ``young`` allocations (``run.gc_young``; 0: Python's own
    700). Extraction allocates many objects that live a little while (the forms of a span or
    a batch, held until sent): with 700, each young collection promoted some, and the full
    collections they set off re-scanned every held object (29 % of a span worker's CPU)."""
    gc.freeze()
    if young > 0:
        gc.set_threshold(young, *gc.get_threshold()[1:])


def _span_init(counts, gc_young: int = 0) -> None:
    global _SPAN_COUNTS
    _SPAN_COUNTS = counts
    tune_gc(gc_young)


def _span_first_index(k: int, drafted: int, wait_s: float) -> int:
    """Say that span ``k`` holds ``drafted`` forms; wait for the spans before it to say theirs:
    the file's index of span ``k``'s first form."""
    counts = _SPAN_COUNTS
    counts[k] = drafted
    stop = len(counts) - 1
    deadline = time.monotonic() + wait_s
    while True:
        if counts[stop]:
            raise RuntimeError("stopped: an earlier span of the file failed")
        before = counts[:k]
        if min(before, default=0) >= 0:
            return sum(before)
        if time.monotonic() > deadline:
            raise TimeoutError(f"span {k}: the spans before it were not drafted within {wait_s:.0f} s")
        time.sleep(0.002)


class SpanEnd(NamedTuple):
    """How one span's reading ended (:func:`extract_span`)."""

    forms: int
    broken: bool  # the rows stopped at an error: the file ends here
    failed: bool
    errors: list


def extract_span(path: str, sha: str, settings: Settings, spans: list, k: int) -> tuple[list[Part], SpanEnd]:
    """In a span worker: span ``k`` of a big dump through the pipeline (its forms numbered as
    in the whole file), as parts of ``ingest.batch_forms`` forms."""
    settings = resolve(settings)
    try:
        doc = Document(path=Path(path), settings=settings, sha256=sha)
        ctx = ReadContext(settings=settings)
        wait = settings.ingest.span_wait_s
        forms = doc.forms_from(lambda: read_span(Path(path), settings, spans[k]), ctx,
                               first_index=lambda n: _span_first_index(k, n, wait))
        parts, held, batch = [], [], settings.ingest.batch_forms
        for form in forms:
            held.append(form)
            if len(held) >= batch:
                parts.append(make_part(held))
                held = []
        if held:
            parts.append(make_part(held))
    except BaseException:
        if _SPAN_COUNTS is not None and _SPAN_COUNTS[k] < 0:
            _SPAN_COUNTS[k] = 0  # never keep the spans after it waiting
        raise
    return parts, SpanEnd(sum(p.forms for p in parts), doc.broken, doc.failed, doc.errors)


def span_parts(path: str, sha: str, settings: Settings) -> Iterator[Item]:
    """One big text dump's parts, read in spans (:func:`extractors.text_dump.dump_spans`) by
    ``ingest.workers`` processes side by side, in order, at most ``workers + 1`` spans held;
    a file that cannot be cut is streamed by one process (:func:`streamed_parts`)."""
    spans = dump_spans(Path(path), settings, settings.ingest.span_bytes)
    workers = min(worker_count(settings), len(spans))
    if workers < 2:
        yield from streamed_parts(path, settings)
        return
    ctx = _context()
    counts = ctx.RawArray("q", [-1] * len(spans) + [0])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_span_init,
                               initargs=(counts, settings.run.gc_young))
    errors: list = []
    failed = False
    forms = 0
    finished = False
    try:
        todo = iter(range(len(spans)))
        running: deque = deque()
        for k in todo:
            running.append(pool.submit(extract_span, path, sha, settings, spans, k))
            if len(running) > workers:
                break
        while running:
            try:
                parts, end = running.popleft().result()
            except Exception as exc:  # the span's process died, or its reading raised: the file ends here
                errors.append(ErrorItem(stage=Stage.READ, message=f"read failed: {type(exc).__name__}: {exc}"))
                failed = forms == 0
                break
            yield from parts
            forms += end.forms
            errors.extend(end.errors)
            if end.broken:
                failed = end.failed
                break
            nxt = next(todo, None)
            if nxt is not None:
                running.append(pool.submit(extract_span, path, sha, settings, spans, nxt))
        finished = True
    finally:
        counts[len(spans)] = 1  # spans still waiting stop
        stop_pool(pool, now=not finished)  # stopped (SIGTERM, Ctrl-C, a failed load): no span waited for
    status = "failed" if failed else "partial" if errors else "ok" if forms else "no_form"
    result = DocumentResult(path=path, sha256=sha, kind="text", status=status, forms=[], errors=errors)
    yield End(status, "text", result.error_line, sha)


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pipeline.convert", "extractors", "flows.workers", "flows.worker_warmup"])
    return ctx


def pool_pays(n_text: int, n_pdf: int, settings: Optional[Settings] = None) -> bool:
    """Worker processes pay for their start-up (seconds) from ``ingest.pool_min_files`` small
    text dumps or ``ingest.pool_min_pdfs`` PDFs (each PDF is far more work than a dump)."""
    settings = resolve(settings)
    return (worker_count(settings) > 1
            and (n_text >= settings.ingest.pool_min_files or n_pdf >= settings.ingest.pool_min_pdfs))


def warm_fork_server() -> threading.Thread:
    """The workers' fork server started now, on a thread: it imports the pipeline and loads
    jieba's dictionary (~2 s) while the caller starts its flow, instead of after it."""
    def start() -> None:
        from multiprocessing import forkserver

        _context()  # its preload list
        with contextlib.suppress(Exception):  # the pool starts it itself, and says what is wrong
            forkserver.ensure_running()

    thread = threading.Thread(target=start, name="jixiao-forkserver", daemon=True)
    thread.start()
    return thread


def warm_task_imports() -> int:
    """On a Dask worker (``Client.run``): the small files' extraction (:func:`extract_parts`,
    handed over by the flow's ``distributed.Client``) imported and jieba's dictionary loaded,
    before the first batch needs them. Not Prefect (``flows.ingest``): small files never run
    as Prefect tasks on the cluster, and its import (seconds of CPU, on the worker's event
    loop, which ``Client.run`` blocks) would hold the first batches back; the first Prefect
    task (a long PDF, an image) imports it."""
    import flows.worker_warmup  # noqa: F401 - extract_parts' imports, jieba's dictionary, the vocabulary

    return os.getpid()


def warm_dask_workers(address: str, timeout_s: float = 30.0) -> threading.Thread:
    """The workers of the Dask cluster at ``address`` warmed (:func:`warm_task_imports`) on a
    thread, beside the caller's own start-up; a cluster that cannot be reached is said by
    the flow's task runner, not here."""
    def warm() -> None:
        with contextlib.suppress(Exception):
            from distributed import Client

            with Client(address, timeout=timeout_s) as client:
                client.run(warm_task_imports)

    thread = threading.Thread(target=warm, name="jixiao-dask-warm", daemon=True)
    thread.start()
    return thread


def worker_count(settings: Optional[Settings] = None) -> int:
    """``ingest.workers``, 0 meaning one per core."""
    return resolve(settings).ingest.workers or os.cpu_count() or 1


def batches(paths: list[str], workers: int, most: int, sizes: Optional[dict[str, int]] = None,
            most_bytes: int = 0) -> list[list[str]]:
    """``paths`` cut into batches of at most ``most`` files, at least one batch per worker;
    given ``sizes`` (bytes per path), a batch also ends before it exceeds ``most_bytes`` (a
    batch's forms are held whole until it is loaded: memory bounded by bytes, not files)."""
    if not paths:
        return []
    size = max(1, min(most, math.ceil(len(paths) / max(1, workers))))
    out: list[list[str]] = []
    group: list[str] = []
    held = 0
    for path in paths:
        got = (sizes or {}).get(path, 0)
        if group and (len(group) >= size or (most_bytes and held + got > most_bytes)):
            out.append(group)
            group, held = [], 0
        group.append(path)
        held += got
    out.append(group)
    return out


def process_pool(workers: int, gc_young: int = 0) -> ProcessPoolExecutor:
    """Worker processes started from a fork server (never forked from the threaded flow
    process), the pipeline imported and warmed once in the server (:mod:`flows.worker_warmup`),
    their garbage collector set by :func:`tune_gc` (``run.gc_young``)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=tune_gc,
                               initargs=(gc_young,))


def _ready() -> int:
    return os.getpid()


def stop_pool(pool: ProcessPoolExecutor, now: bool = False) -> None:
    """Shut the pool down; ``now`` (the run is being stopped): its processes are terminated
    instead of finishing their batch (their results would be thrown away)."""
    starter = getattr(pool, "_jixiao_starter", None)
    if starter is not None:
        starter.join()
    if now:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def start_pool(workers: int, gc_young: int = 0) -> ProcessPoolExecutor:
    """A :func:`process_pool` whose processes are being started now (one no-op task each), so
    that the start-up overlaps what the caller does next (hashing, database look-ups)."""
    pool = process_pool(workers, gc_young)

    def start() -> None:  # the fork server's start (the pipeline imported, jieba loaded) blocks its caller
        with contextlib.suppress(RuntimeError):  # shut down before it started
            for _ in range(workers):
                pool.submit(_ready)

    pool._jixiao_starter = threading.Thread(target=start, name="jixiao-pool-start", daemon=True)
    pool._jixiao_starter.start()
    return pool


Submit = Callable[[list[str]], "object"]  # a batch -> a future with .result()


def results_in_order(groups: list[list[str]], submit: Submit, ahead: int,
                     on_batch: Optional[Callable[[list], None]] = None) -> Iterator[tuple[str, object]]:
    """(path, result) of every file of ``groups``, in order, with at most ``ahead`` batches
    submitted and not yet consumed; the result is the exception for the files of a batch
    that raised. ``on_batch`` is told each batch's results before they are yielded."""
    queue: deque = deque()
    todo = iter(groups)
    try:
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
            if on_batch is not None:
                on_batch(results)
            nxt = next(todo, None)
            if nxt is not None:
                queue.append((nxt, submit(nxt)))
            yield from zip(group, results)
    finally:  # stopped early (SIGTERM, a failed load): batches not yet started are not run
        for _, fut in queue:
            with contextlib.suppress(Exception):
                fut.cancel()


def project_codes(results: list) -> set[str]:
    """The 项目编码 of the forms of a batch's results (lists of items; exceptions skipped)."""
    return {k.code for items in results if isinstance(items, list) for item in items
            if isinstance(item, Part) and item.known for k in item.known if k is not None}


def pool_results(paths: list[str], settings: Settings, workers: int, executor: Optional[Executor] = None,
                 on_batch: Optional[Callable[[list], None]] = None,
                 sizes: Optional[dict[str, int]] = None, json_dir: Optional[str] = None,
                 json_prefix: str = ".ingest.") -> Iterator[tuple[str, object]]:
    """The parts (:func:`extract_parts`) of ``paths`` extracted by ``workers`` processes (a
    pool of its own unless ``executor`` is given), in order; with ``json_dir``, each file's
    JSON prewritten there by the workers."""
    groups = batches(paths, workers, settings.ingest.task_files, sizes, settings.ingest.stream_bytes)
    own = executor is None
    pool = process_pool(workers, settings.run.gc_young) if own else executor
    try:
        yield from results_in_order(groups, lambda g: pool.submit(extract_parts, g, settings, json_dir, json_prefix), 2 * workers, on_batch)
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["End", "Part", "batches", "extract_files", "extract_parts", "file_parts", "make_part", "pool_pays", "project_codes", "result_parts",
           "span_parts", "streamed_parts", "pool_results", "process_pool", "remote_extract_parts", "results_in_order", "start_pool", "stop_pool", "tune_gc", "warm_dask_workers", "warm_fork_server", "warm_task_imports",
           "worker_count"]
