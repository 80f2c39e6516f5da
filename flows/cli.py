"""``jixiao ingest`` and ``jixiao serve``, registered on the typer app of :mod:`pipeline.cli`.

Prefect is imported inside the command bodies (``jixiao extract`` stays fast), after the
environment is set for an offline, quiet run: telemetry off, Prefect's own logs at WARNING
unless ``--debug``. Progress (rich) shows on a terminal only; the closing summary table, and
one ``PATH: reason`` line per bad file, go to stderr. Exit status as ``jixiao extract``'s:
0 every file gave forms (or was skipped), 1 any file failed, 3 none failed but some held no
declaration form (``no_form``); 2 the flow itself could not run.
"""
from __future__ import annotations

import contextlib
import enum
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import List, Optional

import typer

from pipeline.cli import Engine
from pipeline.convert import NO_FORM

QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",  # a cold first start migrates its database
}


def prefect_env(debug: bool) -> None:
    """Environment for Prefect, set before it is imported (the user's own values win)."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if debug else "WARNING")
    if not debug:
        import logging

        logging.getLogger("distributed").setLevel(logging.ERROR)


def summary_table(summary) -> "object":
    from rich.table import Table

    table = Table(title="jixiao ingest", title_justify="left")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    status = summary.by_status()
    table.add_row("files", str(len(summary.outcomes)))
    for key in ("ok", "partial", "skipped", "stale", "no_form", "failed"):
        table.add_row(f"  {key}", str(status.get(key, 0)))
    table.add_row("forms", str(summary.forms()))
    findings: Counter = summary.findings()
    table.add_row("findings", str(sum(findings.values())))
    for code, n in sorted(findings.items()):
        table.add_row(f"  {code}", str(n))
    table.add_row("output", summary.out)
    table.add_row("database", summary.db)
    return table


class _Bar:
    """A rich progress bar over files, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.progress = None
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("ingest"), BarColumn(), MofNCompleteColumn(),
                                     TextColumn("{task.description}"), TimeElapsedColumn(),
                                     console=Console(stderr=True), transient=True)
            self.task = self.progress.add_task("", total=None)

    def __enter__(self):
        if self.progress:
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()

    def __call__(self, entry) -> None:
        if self.progress:
            self.progress.update(self.task, advance=1, description=f"{Path(entry.path).name} {entry.status}")


INTERRUPTED = ("jixiao ingest: interrupted; the files committed so far stay loaded, the others are not "
               "in the database (run it again to finish)")


class _Interrupted(KeyboardInterrupt):
    pass


@contextlib.contextmanager
def _interruptible():
    """SIGTERM handled as Ctrl-C: the flow unwinds (open transactions roll back, worker
    processes stop) and one line is printed; Prefect's own crash report is silenced."""
    import logging

    quiet = [logging.getLogger(n) for n in ("prefect", "prefect.flow_runs", "prefect.task_runs",
                                            "prefect.engine", "prefect.flow_engine")]
    levels = [lg.level for lg in quiet]

    def on_signal(_sig, _frame):
        for lg in quiet:
            lg.setLevel(logging.CRITICAL + 1)  # the engine logs the crash as it unwinds
        raise _Interrupted()

    def no_crash_report(record) -> bool:  # Prefect's own SIGTERM handler logs it before ours runs
        return "aborted by a termination signal" not in record.getMessage() and "Crash detected" not in record.getMessage()

    old = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    for lg in quiet:
        lg.addFilter(no_crash_report)
    try:
        yield
    finally:
        for lg in quiet:
            lg.removeFilter(no_crash_report)
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for lg, level in zip(quiet, levels):
            lg.setLevel(level)


def run_ingest(paths: List[str], out: Path, db_url: Optional[str], dask_address: Optional[str],
               ocr_engine: Optional[str], password: Optional[str], debug: bool, refresh: bool,
               stale: str = "reextract", workers: Optional[int] = None,
               overrides: Optional[List[str]] = None) -> int:
    prefect_env(debug)
    from pipeline.cli import exit_status, make_settings, setup_logging

    setup_logging(debug)
    from rich.console import Console

    from flows.ingest import ingest, without_heartbeats

    settings = make_settings(password=password, ocr_engine=ocr_engine, overrides=overrides)
    if workers is not None:
        settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"workers": workers})})
    flow = ingest
    if dask_address:
        from prefect_dask import DaskTaskRunner

        flow = ingest.with_options(task_runner=DaskTaskRunner(address=dask_address))
    console = Console(stderr=True)
    with _Bar(sys.stderr.isatty() and not debug) as bar, without_heartbeats(), _interruptible():
        try:
            summary = flow(paths=list(paths), out=str(out), db_url=db_url, settings=settings,
                           refresh=refresh, progress=bar, stale=stale)
        except KeyboardInterrupt:
            if debug:
                raise
            print(INTERRUPTED, file=sys.stderr)
            return 130
        except Exception as exc:
            if debug:
                raise
            print(f"jixiao ingest: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 2
    for entry in summary.failed:
        print(f"{entry.path}: {entry.error}", file=sys.stderr)
    for entry in summary.no_form:
        print(f"{entry.path}: no_form: {NO_FORM}", file=sys.stderr)
    for entry in summary.stale:
        print(f"{entry.path}: stale: loaded by extractor {entry.extractor_version or '(none recorded)'}, "
              f"left as it is (--stale report)", file=sys.stderr)
    console.print(summary_table(summary))
    return exit_status(len(summary.failed), len(summary.no_form))


class Stale(str, enum.Enum):
    reextract = "reextract"
    report = "report"


def register(app: typer.Typer) -> None:
    """Add ``ingest`` and ``serve`` to the ``jixiao`` app."""
    @app.command()
    def ingest(
        paths: List[str] = typer.Argument(..., help="files, folders (walked recursively) or glob patterns"),
        out: Path = typer.Option(Path("output"), "--out", "-o", help="output folder"),
        db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL (default sqlite:///OUT/jixiao.db)"),
        dask_address: Optional[str] = typer.Option(None, "--dask-address", help="run tasks on this Dask "
                                                   "scheduler (tcp://host:8786)"),
        ocr_engine: Optional[Engine] = typer.Option(None, "--ocr-engine", help="OCR engine for scans and images"),
        password: Optional[str] = typer.Option(None, help="password of encrypted PDFs"),
        refresh: bool = typer.Option(False, "--refresh", help="extract every file again (cached extractions "
                                     "ignored) and replace the rows of files already loaded"),
        stale: Stale = typer.Option(Stale.reextract, "--stale", help="files loaded by another extractor version "
                                    "or other settings: reextract them (default), or report them as stale "
                                    "and leave their rows"),
        workers: Optional[int] = typer.Option(None, "--workers", min=0, help="extraction processes "
                                              "(default: one per core)"),
        overrides: Optional[List[str]] = typer.Option(None, "--set", help="a setting, section.key=value "
                                                      "(repeatable), e.g. ingest.batch_forms=500"),
        debug: bool = typer.Option(False, "--debug", help="Prefect logs and tracebacks"),
    ) -> None:
        """Ingest files into OUT (JSON, CSV, manifest.jsonl) and the database, with Prefect.

        Exit status: 0 all gave forms or were skipped, 1 some failed, 3 none failed but some held no form.

        (no_form: a document read whole without a declaration form; 2: the flow could not run.)"""
        raise typer.Exit(run_ingest(paths, out, db, dask_address, ocr_engine.value if ocr_engine else None,
                                    password, debug, refresh, stale.value, workers, overrides))

    @app.command()
    def serve(
        watch: Path = typer.Option(..., "--watch", help="folder ingested on every scheduled run"),
        cron: str = typer.Option("*/15 * * * *", "--cron", help="schedule (cron syntax)"),
        out: Path = typer.Option(Path("output"), "--out", "-o"),
        db: Optional[str] = typer.Option(None, "--db", help="SQLAlchemy URL (default sqlite:///OUT/jixiao.db)"),
        name: str = typer.Option("watch", "--name", help="deployment name"),
        debug: bool = typer.Option(False, "--debug"),
    ) -> None:
        """Serve the ingest flow as a Prefect deployment on a cron schedule (new or changed files only)."""
        prefect_env(debug)
        from flows.serve import run_serve

        if not watch.is_dir():
            print(f"{watch}: not a folder", file=sys.stderr)
            raise typer.Exit(2)
        try:
            run_serve(watch, cron, out, db, name)
        except KeyboardInterrupt:
            raise typer.Exit(0)


__all__ = ["register", "run_ingest", "summary_table"]
