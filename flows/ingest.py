"""The ``ingest`` Prefect flow: files, folders and globs -> JSON, CSV, manifest, database.

    discover -> hash_file (task, retried on I/O) -> skip content already loaded with the
    same settings -> extract (task, cached by sha256 + settings fingerprint + version)
    -> load (one transaction per source) -> JSON per source, manifest line -> CSV tables

Tasks are thin wrappers over :mod:`pipeline`; the database is written only from the flow's
own process, one source at a time, so SQLite never sees two writers. With
``DaskTaskRunner`` the hash and extract tasks run on the Dask workers (they must see the
same files, e.g. a shared mount).
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Callable, Optional

from prefect import flow, task
from prefect.context import TaskRunContext
from prefect.futures import PrefectFuture
from pydantic import BaseModel, Field

from pipeline.discover import discover
from pipeline import db
from pipeline.convert import convert, file_sha256
from pipeline.manifest import ManifestEntry, append_entry
from pipeline.models import DocumentResult
from pipeline.settings import Settings, resolve
from pipeline.writers import atomic_open, write_json, write_tables

try:
    CODE_VERSION = version("jixiao")
except PackageNotFoundError:  # running from a checkout without install
    CODE_VERSION = "dev"


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
    """Cache key of an extraction: content hash, settings fingerprint, code version. Never the
    path or an object's identity (a file moved or copied is still the same content)."""
    settings: Settings = resolve(params.get("settings"))
    return f"jixiao-extract-{params['sha256']}-{settings.fingerprint()}-{CODE_VERSION}"


@task(name="hash", retries=2, retry_delay_seconds=1, retry_condition_fn=io_only)
def hash_file(path: str) -> str:
    return file_sha256(Path(path))


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
    if result.status == "failed" and not os.access(path, os.R_OK):
        with open(path, "rb"):  # raises the real OSError
            pass
    return result


class FileOutcome(BaseModel):
    entry: ManifestEntry
    findings: dict[str, int] = Field(default_factory=dict)


class IngestSummary(BaseModel):
    outcomes: list[FileOutcome] = Field(default_factory=list)
    out: str = ""
    db: str = ""

    @property
    def failed(self) -> list[ManifestEntry]:
        return [o.entry for o in self.outcomes if o.entry.status == "failed"]

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


def _finish(result: DocumentResult, path: str, ctx: "_Run") -> FileOutcome:
    """Load, write JSON and the manifest line for one extracted file (runs in the flow)."""
    size = Path(path).stat().st_size if Path(path).exists() else None
    db.load_result(ctx.engine, result, path, ctx.fingerprint, size)
    if result.status != "failed":
        with atomic_open(json_target(ctx.out, path, result.sha256, ctx.names)) as f:
            write_json(result.forms, f)
    entry = ManifestEntry(path=path, sha256=result.sha256 or None, status=result.status,
                          forms=len(result.forms), error=result.error_line, kind=result.kind,
                          settings=ctx.fingerprint, run_id=ctx.run_id)
    codes = Counter(f.code for form in result.forms for f in form.findings)
    return FileOutcome(entry=entry, findings=dict(codes))


class _Run:
    def __init__(self, out: Path, engine, fingerprint: str, run_id: str, hook: Optional[ProgressHook]):
        self.out, self.engine, self.fingerprint, self.run_id, self.hook = out, engine, fingerprint, run_id, hook
        self.names: set[str] = set()
        self.summary = IngestSummary(out=str(out))

    def record(self, outcome: FileOutcome) -> None:
        append_entry(self.out / "manifest.jsonl", outcome.entry)
        self.summary.outcomes.append(outcome)
        if self.hook:
            self.hook(outcome.entry)


def _failed(path: str, sha: Optional[str], reason: str, ctx: _Run) -> FileOutcome:
    return FileOutcome(entry=ManifestEntry(path=path, sha256=sha, status="failed", error=reason,
                                           settings=ctx.fingerprint, run_id=ctx.run_id))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return f"cannot read: {exc.strerror or exc}"
    return f"internal error: {type(exc).__name__}: {exc}"


def _current_run_id() -> str:
    from prefect.runtime import flow_run

    return str(flow_run.id or "")


@flow(name="ingest", log_prints=False)
def ingest(paths: list[str], out: str = "output", db_url: Optional[str] = None,
           settings: Optional[Settings] = None, refresh: bool = False,
           progress: Optional[Any] = None) -> IngestSummary:
    """Ingest files, folders (recursively) and globs into ``out`` and the database.

    ``refresh``: extract again even when a cached extraction exists (e.g. after installing an
    OCR engine). ``progress``: optional callable told about each finished file (CLI progress bar)."""
    settings = resolve(settings)
    extract_task = extract.with_options(refresh_cache=True) if refresh else extract
    out_dir = Path(out).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = db_url or db.default_url(out_dir)
    engine = db.connect(url)
    ctx = _Run(out_dir, engine, settings.fingerprint(), _current_run_id(), progress)
    ctx.summary.db = engine.url.render_as_string(hide_password=True)
    try:
        found = discover(paths, exclude_dirs=[out_dir])
        for arg, reason in found.missing:
            ctx.record(_failed(arg, None, reason, ctx))
        files = [str(p) for p in found.files]
        hashes: dict[str, Optional[str]] = {}
        for path, fut in zip(files, hash_file.map(files)):
            try:
                hashes[path] = fut.result()
            except Exception as exc:
                hashes[path] = None
                ctx.record(_failed(path, None, _reason(exc), ctx))
        done = db.ingested(engine, [h for h in hashes.values() if h], ctx.fingerprint)
        pending: list[tuple[str, str, PrefectFuture]] = []
        claimed: set[str] = set()
        for path, sha in hashes.items():
            if sha is None:
                continue
            if sha in done or sha in claimed:  # loaded before, or a copy earlier in this run
                ctx.record(FileOutcome(entry=ManifestEntry(
                    path=path, sha256=sha, status="skipped", forms=done.get(sha, 0),
                    settings=ctx.fingerprint, run_id=ctx.run_id)))
                continue
            claimed.add(sha)
            pending.append((path, sha, extract_task.submit(path, sha, settings)))
        for path, sha, fut in pending:
            try:
                outcome = _finish(with_path(fut.result(), path), path, ctx)
            except Exception as exc:  # one bad file never stops the batch
                outcome = _failed(path, sha, _reason(exc), ctx)
            ctx.record(outcome)
        shas = [o.entry.sha256 for o in ctx.summary.outcomes if o.entry.sha256 and o.entry.status != "failed"]
        write_tables(db.export_tables(engine, shas), out_dir)
    finally:
        engine.dispose()
    return ctx.summary


__all__ = ["IngestSummary", "content_key", "extract", "hash_file", "ingest", "io_only", "with_path"]
