"""``jixiao`` command line. Data goes to stdout (or ``--out``); progress, logs and the
one-line reason per bad input go to stderr. Exit status (``extract`` and ``ingest``): 0 when
every input gave forms, 1 when any input failed (could not be read), 3 when none failed but
some held no declaration form (``no_form``)."""
from __future__ import annotations

import contextlib
import enum
import logging
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from pydantic import ValidationError

from pipeline.convert import NO_FORM

from extractors import iter_document
from .crossform import BatchChecker
from .discover import discover
from pipeline.models import ErrorItem, Form
from pipeline.settings import OcrSettings, PdfSettings, Settings
from .writers import atomic_open, write_csv_tables, write_json, write_jsonl

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Chinese budget performance-target declaration forms -> checked, structured data.")
log = logging.getLogger("jixiao")


@app.callback()
def _root() -> None:
    """jixiao: 二级项目支出绩效目标申报表 -> checked, structured data."""


class Format(str, enum.Enum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"


class Engine(str, enum.Enum):
    rapidocr = "rapidocr"
    tesseract = "tesseract"


def make_settings(password: Optional[str] = None, ocr_engine: Optional[str] = None,
                  dpi: Optional[int] = None, workers: Optional[int] = None,
                  overrides: Optional[List[str]] = None, strict: bool = False) -> Settings:
    """Settings from command-line options (validated once, here); this process's garbage
    collector set as the worker processes' are (``run.gc_young``, :func:`flows.workers.tune_gc`)."""
    try:
        base = Settings().with_overrides(overrides or [])
    except ValidationError as exc:
        raise typer.BadParameter("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
                                 param_hint="--set")
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--set")
    pdf = PdfSettings(**{**base.pdf.model_dump(), "password": password}) if password else base.pdf
    ocr_update = {k: v for k, v in {"engine": ocr_engine, "dpi": dpi, "workers": workers}.items() if v is not None}
    ocr = OcrSettings(**{**base.ocr.model_dump(), **ocr_update}) if ocr_update else base.ocr
    update = {"pdf": pdf, "ocr": ocr}
    if strict:
        update["run"] = base.run.model_copy(update={"strict": True})
    settings = base.model_copy(update=update)
    from flows.workers import tune_gc

    tune_gc(settings.run.gc_young)
    return settings


def find_inputs(paths: List[Path]) -> tuple[list[Path], int]:
    """Files as given; folders walked recursively (each real folder once, so symlink loops
    end). A path that does not exist is reported on stderr; returns (files, how many missing)."""
    found = discover([str(p) for p in paths], absolute=False)
    for arg, reason in found.missing:
        report(Path(arg), reason)
    return found.files, len(found.missing)


def setup_logging(debug: bool) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("jieba").setLevel(logging.WARNING)


def report(path: Path, message: str) -> None:
    """The one-line reason for a bad input, naming the file."""
    print(f"{path}: {message}", file=sys.stderr, flush=True)


EXIT_OK, EXIT_FAILED, EXIT_NO_FORM = 0, 1, 3  # 2: usage errors (typer) and a crashed ingest flow


def exit_status(failed: int, no_form: int) -> int:
    """1 when any input failed, else 3 when any held no form, else 0."""
    return EXIT_FAILED if failed else EXIT_NO_FORM if no_form else EXIT_OK


class Batch:
    """The inputs of one run: forms streamed file by file, each file's problems reported on
    stderr when it is done (``PATH: reason`` for a failed file, ``PATH: no_form: ...`` for a
    file without forms), failures and form-less files counted."""

    def __init__(self, files: list[Path], settings: Settings, debug: bool, failed: int = 0):
        self.files, self.settings, self.debug, self.failed = files, settings, debug, failed
        self.no_form = 0
        self.checker = BatchChecker()  # checks across the batch's forms (DUPLICATE_CODE, DUPLICATE_FORM)

    def forms_of(self, path: Path) -> Iterator[Form]:
        doc = iter_document(path, self.settings)
        try:
            yield from doc.forms()
        except Exception as exc:  # a bug must not take the batch down; say where it happened
            if self.settings.run.strict:
                report(path, f"stopped at the first error (--strict): {type(exc).__name__}: {exc}")
                raise
            if self.debug:
                raise
            doc.failed = True
            doc.errors.insert(0, ErrorItem(stage="internal", message=f"internal error: {type(exc).__name__}: {exc}"))
        if doc.status == "failed":
            self.failed += 1
            report(path, doc.errors[0].message if doc.errors else "failed")
        elif doc.status == "no_form":
            self.no_form += 1
            report(path, f"no_form: {NO_FORM}")
        for e in doc.errors if doc.status == "partial" else ():
            page = f" page {e.page}" if e.page else ""
            print(f"{path}:{page} {e.stage}: {e.message}", file=sys.stderr)
        log.info("%s: %d forms (%s)", path, doc.form_count, doc.status)

    def forms(self) -> Iterator[Form]:
        for path in self.files:
            yield from self.forms_of(path)

    def checked(self, forms: Iterator[Form]) -> Iterator[Form]:
        """Forms with the checks across the batch: each against the batch's earlier forms."""
        return self.checker.check_all(forms)


def run_extract(paths: List[Path], fmt: Format, out: Optional[Path], settings: Settings, debug: bool = False) -> int:
    files, missing = find_inputs(paths)
    batch = Batch(files, settings, debug, failed=missing)
    write = write_jsonl if fmt == Format.jsonl else write_json
    if fmt == Format.csv:
        write_csv_tables(batch.checked(batch.forms()), out or Path("output"))
    elif fmt == Format.xlsx:
        from .writers.xlsx import write_xlsx, xlsx_path

        write_xlsx(batch.checked(batch.forms()), xlsx_path(out or Path("output")))
    elif out is None:
        write(batch.checked(batch.forms()), sys.stdout)  # streamed: one form at a time, in document order
    else:
        for path in files:
            target = out / f"{path.name}.{fmt.value}"
            failed_before = batch.failed
            with atomic_open(target) as f:
                write(batch.checked(batch.forms_of(path)), f)
            if batch.failed > failed_before:
                target.unlink(missing_ok=True)  # no output file for an input that could not be read
    return exit_status(batch.failed, batch.no_form)


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="files or folders (walked recursively)"),
    format: Format = typer.Option(Format.jsonl, "--format", "-f", help="json, jsonl, csv or xlsx"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (csv, xlsx: default output/; "
                                       "xlsx: or a .xlsx file)"),
    password: Optional[str] = typer.Option(None, help="password of encrypted PDFs"),
    ocr_engine: Optional[Engine] = typer.Option(None, "--ocr-engine", help="OCR engine for scans and images"),
    set_: List[str] = typer.Option([], "--set", help="a setting, e.g. limits.max_pages=50 (repeatable)"),
    debug: bool = typer.Option(False, "--debug", help="tracebacks instead of one-line errors"),
    strict: bool = typer.Option(False, "--strict", help="stop at the first error (a page or a file), with "
                                "its traceback, instead of recording it and going on"),
) -> None:
    """Extract forms from text dumps, PDFs, scans and images.

    Exit status: 0 every input gave forms, 1 some input failed, 3 none failed but some held no form (no_form)."""
    setup_logging(debug)
    settings = make_settings(password=password, ocr_engine=ocr_engine.value if ocr_engine else None,
                             overrides=set_, strict=strict)
    raise typer.Exit(run_extract(paths, format, out, settings, debug))


@app.command("eval")
def eval_(
    truth: Path = typer.Argument(..., help="truth in the golden format (JSON Lines, one form per line)"),
    inputs: List[Path] = typer.Argument(..., help="the files the truth was keyed from, in the same order"),
    ocr_engine: Optional[Engine] = typer.Option(None, "--ocr-engine"),
    show: int = typer.Option(20, help="how many misses to list"),
    set_: List[str] = typer.Option([], "--set", help="a setting, e.g. grid.min_rule_contrast=8 (repeatable)"),
    strict: bool = typer.Option(False, "--strict", help="stop at the first error (a page or a file), with "
                                "its traceback, instead of recording it and going on"),
) -> None:
    """Field-level accuracy of the extraction of INPUT... against hand-keyed TRUTH."""
    import json

    from extractors import convert
    from .evaluate import score

    setup_logging(False)
    settings = make_settings(ocr_engine=ocr_engine.value if ocr_engine else None, overrides=set_, strict=strict)
    truths = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines() if line.strip()]
    forms = []
    files, failed = find_inputs(inputs)
    for path in files:
        result = convert(path, settings)
        if result.status == "failed":
            failed += 1
            report(path, result.error_line or "failed")
        forms.extend(result.forms)
    rep = score(truths, forms)
    for miss in rep.misses[:show]:
        print(f"form {miss.form} {miss.field}: expected {miss.expected!r}, got {miss.got!r}", file=sys.stderr)
    print(json.dumps({**rep.model_dump(exclude={"misses"}), "header_accuracy": rep.header_accuracy,
                      "indicator_accuracy": rep.indicator_accuracy}, ensure_ascii=False))
    print(rep.summary(), file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


@app.command("report")
def report_(
    out: Path = typer.Argument(Path("output"), help="an output folder of `ingest` (or of `extract --format json --out`)"),
    screenshot: Optional[Path] = typer.Option(None, "--screenshot", help="also write a PNG of the report's first "
                                              "screen (headless Chromium)"),
    password: Optional[str] = typer.Option(None, help="password of encrypted PDFs (for the page crops)"),
    set_: List[str] = typer.Option([], "--set", help="a setting, e.g. report.crop_dpi=150 (repeatable)"),
) -> None:
    """Write OUT/report.html: the reviewers' report (findings, page crops, filters)."""
    from .report import write_report
    from .report.progress import progress_bar

    setup_logging(False)
    settings = make_settings(password=password, overrides=set_)
    if not out.is_dir():
        report(out, "not a folder")
        raise typer.Exit(2)
    with progress_bar(sys.stderr.isatty(), "report") as bar:
        stats = write_report(out, settings, progress=bar)
    print(f"{stats.path}: {stats.files} files, {stats.forms} forms, {stats.findings} findings, "
          f"{stats.crops} crops from {stats.pages_rendered} pages in {stats.seconds:.1f} s"
          + (f" ({stats.crops_failed} crops not available)" if stats.crops_failed else ""), file=sys.stderr)
    if screenshot is not None:
        from .report.screenshot import screenshot_report

        try:
            screenshot_report(stats.path, screenshot)
        except Exception as exc:  # no browser here: the report itself is written
            report(screenshot, f"no screenshot: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
            raise typer.Exit(1)


# --- ingest and serve ----------------------------------------------------------------------
# ``jixiao ingest`` and ``jixiao serve``:
#
# Prefect is imported inside the command bodies (``jixiao extract`` stays fast), after the
# environment is set for an offline, quiet run: telemetry off, Prefect's own logs at WARNING
# unless ``--debug``. Progress (rich) shows on a terminal only; the closing summary table, and
# one ``PATH: reason`` line per bad file, go to stderr. Exit status as ``jixiao extract``'s:
# 0 every file gave forms (or was skipped), 1 any file failed, 3 none failed but some held no
# declaration form (``no_form``); 2 the flow itself could not run.

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


def _warm_pool(paths: List[str], out: Path, settings) -> None:
    """Inputs enough for the flow's worker pool: its fork server started now, beside the
    flow's own start-up (the flow finds the same files again)."""
    from flows.discover import iter_named
    from flows.workers import pool_pays, warm_fork_server

    counts = [0, 0]  # text, pdf: counted until the pool pays (10,000 files are not all walked twice)
    for p in iter_named(paths, exclude_dirs=[Path(out).absolute()]):
        counts[p.suffix.lower() == ".pdf"] += 1
        if pool_pays(*counts, settings):
            warm_fork_server()
            return


def run_ingest(paths: List[str], out: Path, db_url: Optional[str], dask_address: Optional[str],
               ocr_engine: Optional[str], password: Optional[str], debug: bool, refresh: bool,
               stale: str = "reextract", workers: Optional[int] = None,
               overrides: Optional[List[str]] = None) -> int:
    prefect_env(debug)

    setup_logging(debug)
    if dask_address:
        # the cluster's workers import the extraction and load jieba while this process imports
        # Prefect and starts the flow: begun first, so that a fresh cluster is warm sooner (the
        # worker pool, which Dask replaces, is neither started nor warmed)
        from flows.workers import warm_dask_workers

        warm_dask_workers(dask_address)
    settings = make_settings(password=password, ocr_engine=ocr_engine, overrides=overrides)
    if workers is not None:
        settings = settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"workers": workers})})
    if not dask_address:
        # before Prefect is imported (~2 s of CPU): the fork server imports the pipeline and
        # loads jieba on the other core meanwhile, instead of after it while the flow waits
        _warm_pool(paths, out, settings)
    from rich.console import Console

    from flows.ingest import ingest, without_heartbeats
    from flows.workers import tune_gc

    tune_gc(settings.run.gc_young)  # Prefect's modules out of the collector's scans too
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


def register_ingest_commands(app: typer.Typer) -> None:
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
        ocr_engine: Optional[Engine] = typer.Option(None, "--ocr-engine", help="OCR engine for scans and images"),
        overrides: Optional[List[str]] = typer.Option(None, "--set", help="a setting, section.key=value "
                                                      "(repeatable), passed to every scheduled run"),
        debug: bool = typer.Option(False, "--debug"),
    ) -> None:
        """Serve the ingest flow as a Prefect deployment on a cron schedule (new or changed files only)."""
        settings = make_settings(ocr_engine=ocr_engine.value if ocr_engine else None, overrides=overrides)
        prefect_env(debug)
        from flows.serve import run_serve

        if not watch.is_dir():
            print(f"{watch}: not a folder", file=sys.stderr)
            raise typer.Exit(2)
        try:
            run_serve(watch, cron, out, db, name, settings)
        except KeyboardInterrupt:
            raise typer.Exit(0)


register_ingest_commands(app)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # stdout closed early (| head): not an error of ours
        sys.stderr.close()
        raise SystemExit(1)


if __name__ == "__main__":
    main()
