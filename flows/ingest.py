"""The ``ingest`` Prefect flow: files, folders and globs -> JSON, CSV, manifest, database.

    discover -> hash (in the flow's process, retried on I/O) -> skip content already loaded
    with the same settings by the same extractor version -> extract (small text dumps in
    batches on worker processes or Dask; a big dump in spans read side by side by the
    worker processes (one process of its own when it cannot be cut), streamed; PDFs
    and images as tasks cached by sha256 + settings fingerprint + extractor version) ->
    per batch of forms: JSON per source, CSV rows, bulk inserts (whole files per
    transaction, see :class:`flows.db.Loader`) -> manifest lines per commit

Content loaded by another extractor version (:func:`pipeline.version.extractor_version`, a
hash of the code and data that make results) or with other settings is *stale*: it is
extracted again and its rows replaced, or, with ``stale="report"``, reported as ``stale``
and left alone. ``refresh`` extracts every file again (cache ignored), loaded or not. Every
input gets a ``sources`` row: failed ones too (keyed by content, or by path when it could
not be read at all).

Tasks are thin wrappers over :mod:`pipeline`; the database is written only from the flow's
own process, one source at a time, so SQLite never sees two writers. With
``DaskTaskRunner`` the extraction runs on the Dask workers (they must see the same files,
e.g. a shared mount): the batches of small files handed over by the runner's
``distributed.Client`` (no Prefect task per batch), the other files as Prefect tasks; files
are hashed in the flow's process either way.
"""
from __future__ import annotations

import contextlib
import math
from concurrent.futures import ThreadPoolExecutor
import errno
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Literal, Optional

from prefect import flow, task
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from flows.workers import (End, Item, batches, extract_parts, file_parts, make_part, pool_pays, pool_results,
                           project_codes, remote_extract_parts, result_parts, results_in_order, span_parts, start_pool,
                           stop_pool, worker_count)
from flows.discover import discover
from flows import crossform, db
from flows.report.run import reviewer_outputs
from flows.chunks import PdfPlan, RowChunk, assemble_chunks, plan_pdf, read_chunk
from pipeline.convert import file_sha256_head
from extractors import convert
from flows.manifest import ManifestEntry, append_entries
from pipeline.models import DocumentResult, ErrorItem
from pipeline.settings import Settings, resolve
from pipeline.version import extractor_version
from flows.writers import TableWriter, write_json, write_tables

StaleMode = Literal["reextract", "report"]
STALE_MODES: tuple[str, ...] = ("reextract", "report")


def io_only(_task, _run, state) -> bool:
    """Retry condition: only errors of I/O (files, network, database connections)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception as exc:  # sqlalchemy's OperationalError wraps a lost connection
        return type(exc).__name__ == "OperationalError"
    return False


def content_key(_ctx: TaskRunContext, params: dict[str, Any]) -> str:
    """Cache key of an extraction: content hash, settings fingerprint, extractor version (a
    hash of the code and data that make results). Never the path or an object's identity (a
    file moved or copied is still the same content)."""
    settings: Settings = resolve(params.get("settings"))
    return f"jixiao-extract-{params['sha256']}-{settings.fingerprint()}-{extractor_version()}"


def pages_key(_ctx: TaskRunContext, params: dict[str, Any]) -> str:
    """Cache key of a page chunk: content hash, settings fingerprint, page range, extractor version."""
    settings: Settings = resolve(params.get("settings"))
    return (f"jixiao-pages-{params['sha256']}-{settings.fingerprint()}-{params['first']}-{params['last']}"
            f"-{extractor_version()}")


class FileId(BaseModel):
    """What the flow needs to route a file: its content hash, its type (text, pdf, image) and,
    for a PDF, how many pages the reader would read (0 when unknown or unreadable)."""

    sha256: str
    file_type: str
    pages: int = 0


def identify_file(path: str, settings: Optional[Settings] = None) -> FileId:
    from extractors import detect_type

    p = Path(path)
    sha, head = file_sha256_head(p)
    file_type = detect_type(p, head)
    pages = 0
    if file_type == "pdf":
        from extractors.pdf_text import pages_to_read
        from pipeline.errors import JixiaoError

        try:
            pages = pages_to_read(p, resolve(settings))
        except JixiaoError:  # the extract task says what is wrong with it
            pages = 0
    return FileId(sha256=sha, file_type=file_type, pages=pages)


def _identify(path: str, settings: Settings, retries: int = 2, delay: float = 1.0) -> FileId:
    """:func:`identify_file`, tried again on an I/O error (as the ``hash`` task is)."""
    for attempt in range(retries + 1):
        try:
            return identify_file(path, settings)
        except OSError:
            if attempt == retries or not os.path.lexists(path):
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


@task(name="hash", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only,
      persist_result=False)
def hash_file(path: str, settings: Optional[Settings] = None) -> FileId:
    """Content hash and routing facts of one file (retried on I/O)."""
    return identify_file(path, settings)


def with_path(result: DocumentResult, path: str) -> DocumentResult:
    """A (possibly cached) result re-labelled with the path it was found at this time."""
    if result.path == path:
        return result
    forms = [f.model_copy(update={"source": f.source.model_copy(update={"path": path})}) for f in result.forms]
    return result.model_copy(update={"path": path, "forms": forms})


@task(name="extract", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only,
      cache_key_fn=content_key, cache_expiration=timedelta(days=7), persist_result=True)
def extract(path: str, sha256: str, settings: Optional[Settings] = None) -> DocumentResult:
    """One file through the pipeline. A file that could not be opened raises OSError (retried,
    never cached); every other failure is on the result."""
    result = convert(path, settings)
    if result.status == "failed":
        raise_if_unreadable(path)
    return result


def raise_if_unreadable(path: str) -> None:
    """Raise the real OSError when the file is gone or cannot be opened, so that the task
    retries it and no failed result is cached for content that simply was not read. The
    file is opened, not its mode asked (``os.access``): root passes every mode check, yet
    NFS, an LSM or a file removed meanwhile still refuse it."""
    if not os.path.lexists(path):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", path)
    if Path(path).is_file():  # never open a FIFO or device: it could block
        with open(path, "rb"):
            pass


# A text dump converts faster (>2,000 forms/s) than its pickled result is written and read
# back, so its extraction is neither cached nor persisted; PDFs and images (layout, OCR) are.
@task(name="extract-text", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only, persist_result=False)
def extract_uncached(path: str, sha256: str, settings: Optional[Settings] = None) -> DocumentResult:
    return extract.fn(path, sha256, settings)


@task(name="plan-pages", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only,
      persist_result=False)
def plan_pages(path: str, settings: Optional[Settings] = None) -> PdfPlan:
    """Triage a long PDF's pages and cut it into chunks of about ``ocr.task_pages`` OCR pages."""
    settings = resolve(settings)
    return plan_pdf(path, settings, settings.ocr.task_pages)


@task(name="read-pages", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only,
      cache_key_fn=pages_key, cache_expiration=timedelta(days=7), persist_result=True)
def read_pages(path: str, sha256: str, first: int, last: int, settings: Optional[Settings] = None,
               plan: Optional[PdfPlan] = None) -> RowChunk:
    """Rows of one page range (text layer or OCR): one task per chunk of a long scan, following
    the plan's page verdicts (the PDF triaged once, by ``plan-pages``)."""
    return read_chunk(path, first, last, settings, plan.triage if plan is not None else None)


@task(name="assemble", persist_result=False)
def assemble(path: str, sha256: str, chunks: list[RowChunk], settings: Optional[Settings] = None) -> DocumentResult:
    """The chunks' rows in page order -> the document, as ``convert`` gives it."""
    return assemble_chunks(path, sha256, chunks, settings)


def submit_extraction(path: str, fid: FileId, settings: Settings, refresh: bool,
                      plan: Optional[PdfPlan] = None) -> PrefectFuture:
    """The task(s) extracting one file: page chunks when the plan has more OCR pages than
    ``ocr.task_pages``, else one extract task (cached unless it is a text dump)."""
    if plan is not None and len(plan.ocr_pages) > settings.ocr.task_pages and len(plan.ranges) > 1:
        reader = read_pages.with_options(refresh_cache=True) if refresh else read_pages
        chunks = [reader.submit(path, fid.sha256, first, last, settings, plan) for first, last in plan.ranges]
        return assemble.submit(path, fid.sha256, chunks, settings)
    if fid.file_type == "text":
        return extract_uncached.submit(path, fid.sha256, settings)
    task_ = extract.with_options(refresh_cache=True) if refresh else extract
    return task_.submit(path, fid.sha256, settings)


class FileOutcome(BaseModel):
    entry: ManifestEntry
    findings: dict[str, int] = Field(default_factory=dict)


class IngestSummary:
    """What a run did, file by file. A plain class, not a model: Prefect walks a flow's return
    value looking for futures in every list, dict, dataclass and model inside it: 1.2 CPU-s
    for the outcomes of 10,000 files, at the end of the run, after the last file."""

    __slots__ = ("outcomes", "out", "db")

    def __init__(self, outcomes: Optional[list[FileOutcome]] = None, out: str = "", db: str = ""):
        self.outcomes: list[FileOutcome] = list(outcomes or [])
        self.out, self.db = out, db

    def __repr__(self) -> str:
        return f"IngestSummary({len(self.outcomes)} files, out={self.out!r}, db={self.db!r})"

    @property
    def failed(self) -> list[ManifestEntry]:
        return [o.entry for o in self.outcomes if o.entry.status == "failed"]

    @property
    def no_form(self) -> list[ManifestEntry]:
        return [o.entry for o in self.outcomes if o.entry.status == "no_form"]

    @property
    def stale(self) -> list[ManifestEntry]:
        return [o.entry for o in self.outcomes if o.entry.status == "stale"]

    def by_status(self) -> Counter:
        return Counter(o.entry.status for o in self.outcomes)

    def forms(self) -> int:
        return sum(o.entry.forms for o in self.outcomes)

    def findings(self) -> Counter:
        total: Counter = Counter()
        for o in self.outcomes:
            total.update(o.findings)
        return total


def json_target(out: Path, path: str, sha256: str, used: set[str]) -> Path:
    """``<out>/<name>.json``; a second file of the same name in one run gets its hash in the name."""
    name = Path(path).name
    if name in used:
        name = f"{Path(path).stem}.{sha256[:8]}{Path(path).suffix}"
    used.add(name)
    return out / f"{name}.json"


ProgressHook = Callable[[ManifestEntry], None]


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class _JsonOut:
    """``<out>/<name>.json`` written as the forms arrive: to a temporary file, renamed into
    place by :meth:`keep` (only a file that gave forms has one), dropped by :meth:`drop`."""

    def __init__(self, out: Path, prefix: str = ".ingest.", prewritten: Optional[str] = None):
        if prewritten is not None:  # written by a worker process (closed, not yet made durable)
            self.tmp, self.f = prewritten, None
            return
        fd, self.tmp = tempfile.mkstemp(prefix=prefix, suffix=".json.tmp", dir=out)
        self.f = os.fdopen(fd, "w", encoding="utf-8")

    def keep(self, target: Path, durable: Optional["_Durable"] = None) -> None:
        """Flushed to disk and renamed into place — now, or with ``durable``, before the next
        database commit (with the other files of that commit)."""
        if self.f is not None:
            self.f.flush()
        if durable is not None:
            durable.add(self.f, self.tmp, target)
            return
        _fsync(self.f, self.tmp)
        if self.f is not None:
            self.f.close()
        os.replace(self.tmp, target)

    def drop(self) -> None:
        if self.f is not None:
            self.f.close()
        _unlink(self.tmp)


def _fsync(f, tmp: str) -> None:
    """A file's data made durable: through its open file, or (written by another process) by its name."""
    if f is not None:
        os.fsync(f.fileno())
        return
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Durable:
    """JSON files written, waiting to be made durable and renamed into place right before the
    database commit that marks their sources as loaded (:class:`flows.db.Loader`
    ``before_commit``). Each file's ``fsync`` starts on a thread as soon as the file is
    handed over, while the flow goes on with the next files (the file system commits its
    journal once for many; one after another, and waited for, they cost ~3 ms a file here,
    the largest cost of the flow on one-form files); :meth:`flush` waits for them, then
    renames, in order."""

    def __init__(self, threads: int = 16):
        self.threads = threads
        self.pool: Optional[ThreadPoolExecutor] = None
        self.pending: list[tuple] = []  # (open file or None, temporary path, target, fsync future)

    def add(self, f, tmp: str, target: Path) -> None:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="jixiao-fsync")
        self.pending.append((f, tmp, target, self.pool.submit(_fsync, f, tmp)))

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            for *_, done in batch:
                done.result()
        finally:
            for f, *_ in batch:
                if f is not None:
                    f.close()
        for _, tmp, target, _ in batch:
            os.replace(tmp, target)

    def drop(self) -> None:
        """Files never committed: closed and removed (a run stopped between write and commit);
        the fsync threads stopped."""
        for f, tmp, _, done in self.pending:
            with contextlib.suppress(Exception):
                done.result()
            if f is not None:
                f.close()
            _unlink(tmp)
        self.pending = []
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def _load_file(path: str, sha: str, items: Iterator[Item], ctx: "_Run", prewritten: Optional[str] = None) -> None:
    """One file's parts (:class:`flows.workers.Part`, then its :class:`~flows.workers.End`) ->
    JSON (streamed), database (batches; see :class:`flows.db.Loader`), CSV rows, and its
    manifest line once its rows are committed.

    The database commit comes last of the outputs: it is what marks the file as ingested, so
    a crash before it leaves the file to be done again, and a crash after it leaves nothing
    missing (the JSON is already in place, written to a temporary name and renamed).
    ``prewritten``: the file's JSON as a worker wrote it (:func:`flows.workers.extract_parts`),
    taken as it is unless a check across forms changed a part (then written here again)."""
    try:
        size: Optional[int] = os.stat(path).st_size
    except OSError:
        size = None
    load = ctx.loader.start(path, sha, size)
    codes: Counter = Counter()
    out: Optional[_JsonOut] = _JsonOut(ctx.out, ctx.tmp_prefix) if prewritten is None else None
    changed = [False]
    ends: list[End] = []
    read = [0]  # forms in the file's JSON: copies of forms loaded before included, though not loaded

    def texts() -> Iterator[str]:
        # per part, before loading: the place for checks across forms against the database
        for item in items:
            if isinstance(item, End):
                ends.append(item)
                return
            checked = ctx.cross.check_part(item, path, sha)  # DUPLICATE_CODE / DUPLICATE_FORM; copies not loaded
            changed[0] |= checked is not item
            item = checked
            load.add_rows(item.rows, item.forms)
            ctx.tables_add(item.rows, item.csv)
            codes.update(item.codes)
            read[0] += len(item.json)
            yield from item.json

    try:
        if out is not None:
            write_json(texts(), out.f)
        else:
            texts_read = list(texts())
            if changed[0]:  # a finding added: the worker's JSON is not this file's
                out = _JsonOut(ctx.out, ctx.tmp_prefix)
                write_json(texts_read, out.f)
                _unlink(prewritten)
            else:
                out = _JsonOut(ctx.out, prewritten=prewritten)
            prewritten = None
        if not ends:
            raise RuntimeError("extraction ended before the end of the file")
        end = ends[0]
        if end.status == "failed":
            raise_if_unreadable(path)
        if read[0]:
            out.keep(json_target(ctx.out, path, sha, ctx.names), ctx.durable)
        else:
            out.drop()
        entry = ManifestEntry(path=path, sha256=sha, status=end.status, forms=read[0], error=end.error,
                              kind=end.kind, settings=ctx.fingerprint, extractor_version=ctx.version,
                              run_id=ctx.run_id)
        ctx.loader.done(load, end.status, end.kind, end.error, FileOutcome(entry=entry, findings=dict(codes)))
    except BaseException as exc:
        if load.forms:
            ctx.tables_dirty = True  # its rows may be in the CSV: made again from the database at the end
        load.abort()
        if out is not None:
            out.drop()
        if prewritten is not None:
            _unlink(prewritten)
        if not isinstance(exc, Exception):
            raise
        ctx.record(_failed(path, sha, _reason(exc), ctx))


def _load_result(result: DocumentResult, path: str, sha: str, ctx: "_Run") -> None:
    result = with_path(result, path)
    _load_file(path, result.sha256 or sha, result_parts(result, ctx.batch_forms), ctx)


def _stream_text(path: str, sha: str, settings: Settings, ctx: "_Run", own_process: bool) -> None:
    """A text dump streamed to the outputs (memory flat): with ``own_process``, extracted in
    spans by the worker processes (or, when it cannot be cut, in one process of its own)
    while this one writes; else here."""
    items = span_parts(path, sha, settings) if own_process else file_parts(path, settings, ctx.batch_forms)
    _load_file(path, sha, items, ctx)


@task(name="extract-batch", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only, persist_result=False)
def extract_batch(paths: list[str], settings: Optional[Settings] = None, json_dir: Optional[str] = None,
                  json_prefix: str = ".ingest.") -> list[list[Item]]:
    """A batch of small text dumps (one task for many files, on a task runner other than the
    flow's threads and Dask, which gets its batches straight from its client): each file's
    parts and end (:func:`flows.workers.extract_parts`); their JSON prewritten in
    ``json_dir`` when the worker sees that folder (the flow checks that it sees the file)."""
    return remote_extract_parts(paths, settings, json_dir, json_prefix, retries=0)


def _small_files(todo: list[tuple[str, "FileId"]], settings: Settings, pdfs: bool) -> dict[str, int]:
    """The files that go to the workers whole, in batches, with their sizes, in the order
    found: text dumps up to ``ingest.stream_bytes``, and (``pdfs``) PDFs of at most
    ``ingest.pool_pdf_pages`` pages."""
    small = {}
    for path, fid in todo:
        if fid.file_type == "text" or (pdfs and fid.file_type == "pdf" and 0 < fid.pages <= settings.ingest.pool_pdf_pages):
            with contextlib.suppress(OSError):
                size = os.stat(path).st_size
                if fid.file_type == "pdf" or size <= settings.ingest.stream_bytes:
                    small[path] = size
    return small


def _on_own_runner() -> bool:
    """The flow runs its tasks on its own thread pool (not e.g. Dask)."""
    from prefect.context import FlowRunContext

    run = FlowRunContext.get()
    return run is None or isinstance(run.task_runner, ThreadPoolTaskRunner)


def _dask_client():
    """The ``distributed.Client`` of the flow's Dask task runner (connected now if it was not
    yet), or None when the flow does not run on Dask."""
    from prefect.context import FlowRunContext

    runner = getattr(FlowRunContext.get(), "task_runner", None)
    if runner is None or not type(runner).__module__.startswith("prefect_dask"):
        return None
    return runner.client  # a cluster that cannot be reached raises here, as its first task would


def _runner_workers(client=None) -> int:
    """The number of workers of the flow's Dask cluster (0 when not on Dask or not known)."""
    if client is None:
        from prefect.context import FlowRunContext

        client = getattr(getattr(FlowRunContext.get(), "task_runner", None), "_client", None)
    try:
        return len(client.scheduler_info().get("workers", {})) if client is not None else 0
    except Exception:  # noqa: BLE001 - a guess is enough: the batch size only
        return 0


class _Later:
    """A call made when its result is asked for (a future's ``result()``, in this process)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def result(self):
        return self.fn(*self.args)


def _batched_results(sizes: dict[str, int], settings: Settings, ctx: "_Run", pool=None):
    """(path, parts) of the small files, in order, extracted in batches of ``ingest.task_files``
    files (each batch's 项目编码 then looked up in the database in one query): by the worker
    processes of ``pool``, by the workers of the flow's Dask cluster (handed over by its
    ``distributed.Client``, as the pool is: no Prefect task per batch), by batch tasks on
    another task runner, else in this process."""
    workers = worker_count(settings)
    small, most = list(sizes), settings.ingest.stream_bytes
    client = _dask_client() if small and not _on_own_runner() else None
    if client is not None:
        # a batch handed to the cluster costs milliseconds, not a Prefect submission and its API
        # round trips: batches as small as the pool's keep every worker busy from the start and
        # the flow writing while they read; at most ``ingest.dask_ahead`` batches per worker held
        remote = _runner_workers(client) or workers
        groups = batches(small, remote, settings.ingest.task_files, sizes, most)
        live = ctx.out / f"{ctx.tmp_prefix}live"  # removed when the run ends: the workers stop writing JSON
        live.touch()
        return results_in_order(groups, lambda g: client.submit(remote_extract_parts, g, settings, str(ctx.out),
                                                                ctx.tmp_prefix, live=str(live), pure=False),
                                settings.ingest.dask_ahead * remote, ctx.prefetch)
    if small and not _on_own_runner():
        # a task on another runner costs its API round trips and a submission: fewer, bigger
        # batches, about two per worker of the cluster, at most ``ingest.remote_task_files`` files
        remote = _runner_workers() or workers
        size = max(settings.ingest.task_files, min(settings.ingest.remote_task_files,
                                                   math.ceil(len(small) / (2 * remote))))
        groups = batches(small, remote, size, sizes, most)
        return results_in_order(groups, lambda g: extract_batch.submit(g, settings, str(ctx.out), ctx.tmp_prefix),
                                2 * remote, ctx.prefetch)
    if pool is not None:
        # the pool uses every core already: a short scan's OCR runs inside its worker, no pool of its own
        inner = settings.model_copy(update={"ocr": settings.ocr.model_copy(update={"workers": 1})})
        return pool_results(small, inner, workers, executor=pool, on_batch=ctx.prefetch, sizes=sizes,
                            json_dir=str(ctx.out), json_prefix=ctx.tmp_prefix)
    groups = batches(small, 1, settings.ingest.task_files, sizes, most)
    return results_in_order(groups, lambda g: _Later(extract_parts, g, settings), 1, ctx.prefetch)


def _as_stored(rows: Iterator[dict]) -> Iterator[dict]:
    """Rows as the CSV tables hold them (without the join key ``iter_table`` orders by)."""
    for row in rows:
        row.pop("_sha", None)
        yield row


def _close_tables(ctx: "_Run", known: dict[str, "db.Loaded"]) -> None:
    """The CSV tables of the run: the rows written as files were loaded, then those of the
    files left as they were (skipped, stale), read from the database in the order found;
    all made again from the database when a file failed after some of its rows were written."""
    tables, ctx.tables = ctx.tables, None
    columns = {name: db.table_columns(name) for name in db.TABLE_OBJECTS}
    if ctx.tables_dirty:
        tables.abort(RuntimeError("made again"))
        shas = [o.entry.sha256 for o in ctx.summary.outcomes
                if o.entry.sha256 and o.entry.status not in ("failed", "no_form")]
        write_tables({name: db.iter_table(ctx.engine, name, shas) for name in db.TABLE_OBJECTS}, ctx.out, columns)
        return
    loaded = {o.entry.sha256 for o in ctx.summary.outcomes if o.entry.status in ("ok", "partial")}
    left = [o.entry.sha256 for o in ctx.summary.outcomes
            if o.entry.status in ("skipped", "stale") and o.entry.sha256 and o.entry.sha256 not in loaded]
    if left:
        sizes = {sha: got.forms for sha, got in known.items()}
        try:
            for name in db.TABLE_OBJECTS:
                tables.add(name, db.iter_table(ctx.engine, name, left, sizes=sizes))
        except BaseException as exc:
            tables.abort(exc)
            raise
    tables.close()


class _Run:
    def __init__(self, out: Path, engine, settings: Settings, run_id: str, hook: Optional[ProgressHook]):
        self.out, self.engine, self.run_id, self.hook = out, engine, run_id, hook
        self.fingerprint = settings.fingerprint()
        self.version = extractor_version()
        self.names: set[str] = set()
        self.summary = IngestSummary(out=str(out))
        self.queue: list[ManifestEntry] = []  # manifest lines not yet written
        self.batch_forms = settings.ingest.batch_forms
        self.tables: Optional[TableWriter] = None  # the run's CSV tables, rows written as they arrive
        self.tables_dirty = False
        self.tmp_prefix = f".ingest.{uuid.uuid4().hex[:12]}."  # this run's temporary JSON files
        self.durable = _Durable()  # JSON files made durable and renamed right before each commit
        self.loader = db.Loader(engine, self.fingerprint, self.version, settings.ingest.batch_forms,
                                settings.ingest.batch_files, on_commit=self.committed, on_error=self.lost,
                                before_commit=self.durable.flush)
        # checks across forms (issue 16); forms seen past check_memory_forms wait on disk (memory flat)
        self.cross = crossform.RunChecker(engine, make_part, settings.ingest.check_memory_forms)

    def record(self, outcome: FileOutcome) -> None:
        self.queue.append(outcome.entry)
        self.summary.outcomes.append(outcome)
        if self.hook:
            self.hook(outcome.entry)

    def committed(self, outcomes: list[FileOutcome]) -> None:
        """Files whose rows a commit made durable: their manifest lines, in one write."""
        for outcome in outcomes:
            self.record(outcome)
        self.write_manifest()

    def prefetch(self, results: list) -> None:
        """A batch of small files arrived: the database's forms of their 项目编码, in one query."""
        self.cross.prefetch(project_codes(results))

    def tables_add(self, rows: dict[str, list[dict]], csv: Optional[dict[str, str]] = None) -> None:
        """Rows into the run's CSV tables: as the CSV lines made with them, when given."""
        if self.tables is not None:
            for name in db.TABLE_OBJECTS:
                if csv is not None and name in csv:
                    self.tables.add_text(name, csv[name])
                else:
                    self.tables.add(name, rows.get(name) or ())

    def lost(self, outcomes: list[FileOutcome], exc: Exception) -> None:
        """Files a failed batch commit did not load: failed, with the reason."""
        self.tables_dirty = True
        for outcome in outcomes:
            self.record(_failed(outcome.entry.path, outcome.entry.sha256, _reason(exc), self))
        self.write_manifest()

    def write_manifest(self) -> None:
        append_entries(self.out / "manifest.jsonl", self.queue)
        self.queue = []


def _failed(path: str, sha: Optional[str], reason: str, ctx: _Run) -> FileOutcome:
    """The outcome of an input that failed outside the pipeline (not found, not hashable, a
    crash while writing its outputs), with its ``sources`` row: keyed by its content when it
    was hashed, else by its path. A database that cannot take the row is said on stderr; the
    manifest line is written all the same."""
    try:
        if sha:
            failed = DocumentResult(path=path, sha256=sha, status="failed",
                                    errors=[ErrorItem(stage="ingest", message=reason)])
            db.load_result(ctx.engine, failed, path, ctx.fingerprint, version=ctx.version)
        else:
            db.record_unread(ctx.engine, path, reason, ctx.fingerprint, ctx.version)
    except Exception as exc:  # the database itself is the problem: the batch goes on
        print(f"{path}: not recorded in the database: {type(exc).__name__}: {exc}", file=sys.stderr)
    return FileOutcome(entry=ManifestEntry(path=path, sha256=sha, status="failed", error=reason,
                                           settings=ctx.fingerprint, extractor_version=ctx.version,
                                           run_id=ctx.run_id))


def _left(path: str, sha: str, status: str, prior: Optional["db.Loaded"], ctx: _Run) -> FileOutcome:
    """A ``skipped`` or ``stale`` file: its rows stay as they are (the version and settings on
    the line are those of the rows; a copy earlier in this run has this run's)."""
    return FileOutcome(entry=ManifestEntry(
        path=path, sha256=sha, status=status, forms=prior.forms if prior else 0,
        settings=prior.settings if prior else ctx.fingerprint,
        extractor_version=prior.extractor_version if prior else ctx.version, run_id=ctx.run_id))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"internal error: {type(exc).__name__}: {exc}"


def _current_run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or "")


@contextlib.contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs inside the block send no heartbeats. Prefect's heartbeat thread sleeps in
    one-second steps and every run waits for it to stop (about 1 s per run); heartbeats only
    serve crash detection on a long-lived server, not a one-off ``jixiao ingest``."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


# Extraction is CPU-bound Python (the GIL) except OCR, which runs in its own processes: two
# threads per core keep OCR waits overlapped without a convoy of threads fighting for the GIL.
TASK_RUNNER = ThreadPoolTaskRunner(max_workers=2 * (os.cpu_count() or 1))


@flow(name="ingest", log_prints=False, task_runner=TASK_RUNNER)
def ingest(paths: list[str], out: str = "output", db_url: Optional[str] = None,
           settings: Optional[Settings] = None, refresh: bool = False,
           progress: Optional[Any] = None, stale: StaleMode = "reextract") -> IngestSummary:
    """Ingest files, folders (recursively) and globs into ``out`` and the database.

    ``refresh``: extract every file again, cached extractions ignored, and replace the rows of
    files already loaded (e.g. after installing an OCR engine). ``stale``: what to do with
    files loaded by another extractor version or with other settings — ``"reextract"`` them
    (the default) or ``"report"`` them as ``stale`` and leave their rows. ``progress``:
    optional callable told about each finished file (CLI progress bar)."""
    if stale not in STALE_MODES:
        raise ValueError(f"stale must be one of {', '.join(STALE_MODES)}, not {stale!r}")
    settings = resolve(settings)
    out_dir = Path(out).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = db_url or db.default_url(out_dir)
    engine = db.connect(url)
    ctx = _Run(out_dir, engine, settings, _current_run_id(), progress)
    ctx.summary.db = engine.url.render_as_string(hide_password=True)
    batched = None
    pool = None
    try:
        found = discover(paths, exclude_dirs=[out_dir])
        for arg, reason in found.missing:
            ctx.record(_failed(arg, None, reason, ctx))
        files = [str(p) for p in found.files]
        n_pdf = sum(p.lower().endswith(".pdf") for p in files)
        if _on_own_runner() and pool_pays(len(files) - n_pdf, n_pdf, settings):
            pool = start_pool(worker_count(settings), settings.run.gc_young)  # starts while the files are hashed
        ids: dict[str, FileId] = {}
        for path in files:  # in this process: a task per file costs more than the hash
            try:
                ids[path] = _identify(path, settings)
            except Exception as exc:
                ctx.record(_failed(path, None, _reason(exc), ctx))
        known = db.loaded(engine, [i.sha256 for i in ids.values()])
        todo: list[tuple[str, FileId]] = []
        claimed: set[str] = set()
        for path, fid in ids.items():
            sha = fid.sha256
            prior = known.get(sha)
            if sha in claimed:  # a copy of a file earlier in this run
                ctx.record(_left(path, sha, "skipped", None, ctx))
                continue
            if prior is not None and prior.status != "failed" and not refresh:
                if prior.current(ctx.fingerprint, ctx.version):
                    ctx.record(_left(path, sha, "skipped", prior, ctx))
                    continue
                if stale == "report":
                    ctx.record(_left(path, sha, "stale", prior, ctx))
                    continue
            claimed.add(sha)
            todo.append((path, fid))
        ctx.write_manifest()
        ctx.tables = TableWriter(out_dir, {name: db.table_columns(name) for name in db.TABLE_OBJECTS})
        n_text = sum(fid.file_type == "text" for _, fid in todo)
        n_pdf = sum(fid.file_type == "pdf" and 0 < fid.pages <= settings.ingest.pool_pdf_pages for _, fid in todo)
        if pool is not None and not pool_pays(n_text, n_pdf, settings):
            stop_pool(pool, now=True)  # most files were loaded already
            pool = None
        # many short PDFs go in batches too (in this process without a pool: a cached task per
        # file costs its API round trips and runs pdfminer on threads, which the GIL serialises)
        small = _small_files(todo, settings, pdfs=pool is not None or not _on_own_runner()
                             or n_pdf >= settings.ingest.pool_min_pdfs)
        long_pdfs = {path: plan_pages.submit(path, settings) for path, fid in todo
                     if fid.file_type == "pdf" and fid.pages > settings.ocr.task_pages and path not in small}
        pending: dict[str, PrefectFuture] = {}
        for path, fid in todo:
            if fid.file_type != "text" and path not in long_pdfs and path not in small:
                pending[path] = submit_extraction(path, fid, settings, refresh)
        for path, fid in todo:  # long PDFs once their plan is known
            if path in long_pdfs:
                try:
                    plan: Optional[PdfPlan] = long_pdfs[path].result()
                except Exception:  # unreadable: the extract task reports why
                    plan = None
                pending[path] = submit_extraction(path, fid, settings, refresh, plan)
        batched = _batched_results(small, settings, ctx, pool)
        small_set = set(small)
        to_workers = small_set
        for path, fid in todo:  # in the order found
            if path in to_workers:  # small text dumps and PDFs: from the worker batches
                got_path, got = next(batched)
                assert got_path == path, (got_path, path)
                if isinstance(got, BaseException):
                    ctx.record(_failed(path, fid.sha256, _reason(got), ctx))
                else:
                    end = got[-1] if got else None
                    pre = end.json_tmp if isinstance(end, End) else None
                    # a worker of another machine may have written into a folder of its own
                    # by the same name; the pool's processes write into this one
                    seen = pre is not None and (pool is not None or os.path.exists(pre))
                    _load_file(path, fid.sha256, iter(got), ctx, prewritten=pre if seen else None)
                continue
            if fid.file_type == "text":  # big dumps (and all, with one worker): streamed
                big = path not in small_set
                _stream_text(path, fid.sha256, settings, ctx, own_process=big and worker_count(settings) > 1)
                continue
            try:
                result = pending[path].result()
            except Exception as exc:  # one bad file never stops the batch
                ctx.record(_failed(path, fid.sha256, _reason(exc), ctx))
                continue
            _load_result(result, path, fid.sha256, ctx)
        ctx.loader.flush()
        ctx.write_manifest()
        _close_tables(ctx, known)
        # after the run: writers of the whole run's outputs (issue 16: jixiao.xlsx and report.html)
        shas = [o.entry.sha256 for o in ctx.summary.outcomes
                if o.entry.sha256 and o.entry.status not in ("failed", "no_form")]
        run_forms = sum(o.entry.forms for o in ctx.summary.outcomes if o.entry.status not in ("failed", "no_form"))
        if 0 < settings.report.max_forms and run_forms <= settings.report.max_forms:
            reviewer_outputs(out_dir, {name: _as_stored(db.iter_table(engine, name, shas))
                                       for name in db.TABLE_OBJECTS}, settings)
        elif settings.report.max_forms:  # an archive run: the CSV tables and the database hold the forms
            print(f"{out_dir / 'jixiao.xlsx'}, report.html: not written: {run_forms:,} forms, more than "
                  f"report.max_forms ({settings.report.max_forms:,}); the CSV tables and the database hold them",
                  file=sys.stderr)
    except BaseException:
        if pool is not None:  # stopped (SIGTERM, Ctrl-C) or broken: the workers' batches are not waited for
            stop_pool(pool, now=True)
            pool = None
        raise
    finally:
        ctx.durable.drop()  # JSON of files whose commit never came: not left behind
        if batched is not None:
            batched.close()
            batched = None
        if pool is not None:
            stop_pool(pool)
            pool = None
        _unlink(str(out_dir / f"{ctx.tmp_prefix}live"))  # first: a Dask worker writes no JSON after it
        for left in Path(out_dir).glob(f"{ctx.tmp_prefix}*"):  # prewritten by workers, never taken
            _unlink(str(left))
        if ctx.tables is not None:
            ctx.tables.abort(RuntimeError("ingest did not finish"))
        ctx.write_manifest()
        ctx.cross.close()
        engine.dispose()
    return ctx.summary


__all__ = ["FileId", "IngestSummary", "assemble", "content_key", "extract", "hash_file", "identify_file", "ingest",
           "io_only", "pages_key", "plan_pages", "read_pages", "with_path", "without_heartbeats"]
