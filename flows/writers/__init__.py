"""Writers: JSON, JSON Lines and CSV tables. Files are written to a temporary name in the
same folder and renamed into place, so a crash never leaves half a file behind."""
from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator

from pipeline.models import Form
from ..tables import COLUMNS, TABLES, form_tables


@contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def form_json(form: Form) -> str:
    return form.model_dump_json()


def write_jsonl(forms: Iterable[Form], out: IO[str]) -> int:
    """One form per line, flushed as it comes (a consumer of stdout sees forms as they are read)."""
    n = 0
    for form in forms:
        out.write(form_json(form))
        out.write("\n")
        out.flush()
        n += 1
    return n


def write_json(forms: Iterable[Form | str], out: IO[str]) -> int:
    """A JSON array of forms, one form per line inside it (streams; never builds the whole text).
    An item may be a form's JSON text already made (:func:`form_json`)."""
    n = 0
    out.write("[")
    for form in forms:
        out.write(",\n" if n else "\n")
        out.write(form if isinstance(form, str) else form_json(form))
        n += 1
    out.write("\n]\n")
    return n


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):  # NaN is a missing value; 12000.0 read back from REAL is 12000
        return "" if value != value else (str(int(value)) if value.is_integer() else repr(value))
    return escape_formula(value) if isinstance(value, str) else str(value)


_FORMULA_CHARS = "".join(_FORMULA_START)


def _csv_row(record: dict, cols: list[str]) -> list:
    return _csv_values(map(record.get, cols))


def _csv_values(values: Iterable) -> list:
    """A row's cells as :func:`_cell` writes them, on the hot path (millions of cells in an
    archive run): the csv module writes None as empty and other values by ``str()`` already,
    so only text (formula escape) and floats need a look."""
    out = []
    for v in values:
        cls = v.__class__
        if cls is str:
            if v and v[0] in _FORMULA_CHARS:
                v = "'" + v
        elif cls is float or (v is not None and cls is not int and cls is not bool):
            v = _cell(v)
        out.append(v)
    return out


def csv_lines(records: Iterable[dict], cols: list[str]) -> str:
    """Records as CSV lines (no header), exactly as :class:`TableWriter` writes them: made
    where the forms are extracted, so the ingest flow only writes the text."""
    return csv_value_lines(map(r.get, cols) for r in records)


def csv_value_lines(rows: Iterable[Iterable]) -> str:
    """Rows of values, in the table's column order, as :func:`csv_lines` writes their records."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(map(_csv_values, rows))
    return buf.getvalue()


class TableWriter:
    """``forms.csv``, ``indicators.csv``, ``calc_terms.csv``, ``findings.csv`` written row by
    row as records arrive (memory flat in the number of forms): UTF-8 with BOM so that
    spreadsheet programs read the Chinese text, formula-looking text escaped, each file
    written to a temporary name and renamed into place by :meth:`close` (``abort`` drops them)."""

    def __init__(self, out_dir: Path, columns: dict[str, Iterable[str]] | None = None):
        self.out_dir = Path(out_dir)
        self.columns = {name: list((columns or {}).get(name) or COLUMNS[name]) for name in TABLES}
        self._stack = ExitStack()
        self._writers = {}
        self._files = {}
        self.paths = {}
        try:
            for name in TABLES:
                path = self.out_dir / f"{name}.csv"
                f = self._stack.enter_context(atomic_open(path, newline="", encoding="utf-8-sig"))
                w = csv.writer(f, lineterminator="\n")
                w.writerow(self.columns[name])
                self._writers[name] = w
                self._files[name] = f
                self.paths[name] = path
        except BaseException:
            self._stack.__exit__(*sys.exc_info())
            raise

    def add(self, name: str, records: Iterable[dict]) -> None:
        cols, w = self.columns[name], self._writers[name]
        w.writerows(_csv_row(r, cols) for r in records)

    def add_text(self, name: str, text: str) -> None:
        """Lines made by :func:`csv_lines` with this table's columns."""
        if text:
            self._files[name].write(text)

    def add_form(self, form: Form) -> None:
        for name, records in form_tables(form).items():
            self.add(name, records)

    def close(self) -> dict[str, Path]:
        self._stack.close()
        return self.paths

    def abort(self, exc: BaseException) -> None:
        self._stack.__exit__(type(exc), exc, exc.__traceback__)

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(self, et, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.abort(exc)


def write_tables(tables: dict[str, Iterable[dict]], out_dir: Path,
                 columns: dict[str, Iterable[str]] | None = None) -> dict[str, Path]:
    """Table records (lists or iterators, consumed one row at a time) as the four CSV files
    (see :class:`TableWriter`); ``columns``: the header of each table (default: the record
    columns of :data:`flows.tables.COLUMNS`)."""
    with TableWriter(out_dir, columns) as w:
        for name in TABLES:
            w.add(name, tables.get(name) or [])
    return w.paths


def write_csv_tables(forms: Iterable[Form], out_dir: Path) -> dict[str, Path]:
    """The four normalised tables of these forms, as CSV files in ``out_dir``, written as the
    forms arrive."""
    with TableWriter(out_dir) as w:
        for form in forms:
            w.add_form(form)
    return w.paths


__all__ = ["TableWriter", "atomic_open", "escape_formula", "form_json", "write_csv_tables", "write_json", "write_jsonl",
           "write_tables"]
