"""Writers: JSON, JSON Lines and CSV tables. Files are written to a temporary name in the
same folder and renamed into place, so a crash never leaves half a file behind."""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterable, Iterator



from ..models import Form
from ..tables import TABLES, forms_to_tables


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


def write_json(forms: Iterable[Form], out: IO[str]) -> int:
    """A JSON array of forms, one form per line inside it (streams; never builds the whole text)."""
    n = 0
    out.write("[")
    for form in forms:
        out.write(",\n" if n else "\n")
        out.write(form_json(form))
        n += 1
    out.write("\n]\n")
    return n


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_tables(tables: dict[str, list[dict]], out_dir: Path) -> dict[str, Path]:
    """Table records as ``forms.csv``, ``indicators.csv``, ``calc_terms.csv``, ``findings.csv``
    (UTF-8 with BOM so that spreadsheet programs read the Chinese text; formula-looking text
    escaped)."""
    import pandas as pd  # only CSV needs it; JSON output starts faster without

    paths = {}
    for name in TABLES:
        df = pd.DataFrame.from_records(tables.get(name) or [])
        if not df.empty:
            df = df.map(escape_formula)
        path = out_dir / f"{name}.csv"
        with atomic_open(path, newline="", encoding="utf-8-sig") as f:
            df.to_csv(f, index=False)
        paths[name] = path
    return paths


def write_csv_tables(forms: Iterable[Form], out_dir: Path) -> dict[str, Path]:
    """The four normalised tables of these forms, as CSV files in ``out_dir``."""
    return write_tables(forms_to_tables(forms), out_dir)


__all__ = ["atomic_open", "escape_formula", "form_json", "write_csv_tables", "write_json", "write_jsonl",
           "write_tables"]
