"""The database of ingested forms: the contract's five tables and an idempotent loader.

SQLAlchemy 2 Core, so the same code runs on SQLite (the default, ``sqlite:///<out>/jixiao.db``)
and PostgreSQL (``postgresql+psycopg://user@host/db``). Rows come from
:mod:`pipeline.tables`, the same records the CSV writer uses, so CSV and database agree;
a record key the schema does not know is kept in the table's ``extra`` JSON column.

Loading rules (see :func:`load_result`):

* one transaction per source file;
* a file whose path was loaded before with other content replaces those rows, and content
  loaded before (same sha256) is replaced too, so a changed file or changed settings never
  leave stale rows;
* :func:`ingested` tells which sha256 were already loaded with the same settings
  fingerprint and the same :func:`~pipeline.version.extractor_version`, so the caller can
  skip them (:func:`loaded` gives what is stored, to tell stale rows from current ones);
  loading the same result twice leaves every table with the same rows;
* every input has a ``sources`` row, failed and ``no_form`` ones included: a failed file
  whose content could be hashed (an empty file too) keys on its sha256; one that could not
  be read at all (vanished, unreadable, a folder or FIFO, a path that names nothing) keys on
  its path, :func:`path_key`, and replaces no other content's rows.

A database made before ``sources.extractor_version`` existed gains the column when it is
opened (:func:`connect`); its rows have no version, so they count as stale.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Iterable, Iterator, Optional

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    Boolean, Column, Engine, Float, ForeignKey, Integer, MetaData, Numeric, String, Table, Text,
    TypeDecorator, UniqueConstraint, create_engine, delete, event, func, inspect, select, text,
)
from sqlalchemy.exc import DBAPIError

from .models import HEADER_KEYS, DocumentResult, decimal_to_json
from .tables import TABLES, forms_to_tables
from .version import extractor_version

metadata = MetaData()


class Amount(TypeDecorator):
    """A decimal amount or number: exact ``NUMERIC`` on PostgreSQL, so that ``SUM()`` over a
    year's forms gives 0.3 and not 0.30000000000000004; ``REAL`` on SQLite, which has no decimal
    type. Records hold the JSON number (:func:`pipeline.models.decimal_to_json`), whose shortest
    repr is the written decimal, so it is bound as that decimal and read back as that number."""

    impl = Float
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(asdecimal=True))  # unconstrained: no rounding
        return dialect.type_descriptor(Float())

    def process_bind_param(self, value, dialect):
        if value is None or dialect.name != "postgresql" or isinstance(value, Decimal):
            return value
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)

    def process_result_value(self, value, dialect):
        return decimal_to_json(value) if isinstance(value, Decimal) else value


sources = Table(
    "sources", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("path", Text, nullable=False, index=True),
    Column("kind", String(16)),
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("forms", Integer, nullable=False, default=0),
    Column("settings", String(32), nullable=False, doc="Settings.fingerprint() the rows were made with"),
    Column("extractor_version", String(64), doc="pipeline.version.extractor_version() of the rows"),
    Column("size", Integer),
    Column("ingested_at", String(32), doc="UTC ISO time of the load"),
)

_HEADER_TYPES = {"implementation_period": Integer, "is_new_project": Boolean,
                 "total_amount": Amount, "annual_amount": Amount}

forms = Table(
    "forms", metadata,
    Column("id", String(40), primary_key=True),
    Column("source_sha256", String(64), ForeignKey("sources.sha256"), nullable=False, index=True),
    Column("form_index", Integer, nullable=False),
    Column("source_path", Text),
    Column("kind", String(16)),
    Column("pages", Text, doc="JSON list of 1-based pages"),
    Column("title", Text),
    *[Column(key, _HEADER_TYPES.get(key, Text)) for key in HEADER_KEYS],
    Column("total_yuan", Amount),
    Column("finding_codes", Text),
    Column("extra", Text),
    UniqueConstraint("source_sha256", "form_index", name="uq_forms_source_index"),
)

indicators = Table(
    "indicators", metadata,
    Column("form_id", String(40), ForeignKey("forms.id"), primary_key=True),
    Column("row_index", Integer, primary_key=True),
    Column("level1", Text), Column("level2", Text), Column("core", Boolean), Column("level3", Text),
    Column("value", Text), Column("explanation", Text),
    Column("comparator", String(4)), Column("number", Amount), Column("unit", Text),
    Column("page", Integer),
    Column("extra", Text),
)

calc_terms = Table(
    "calc_terms", metadata,
    Column("form_id", String(40), ForeignKey("forms.id"), primary_key=True),
    Column("term_index", Integer, primary_key=True),
    Column("text", Text), Column("label", Text), Column("factors", Text, doc="JSON list of {value, unit}"),
    Column("product_yuan", Amount), Column("stated_yuan", Amount),
    Column("approximate", Boolean), Column("implicit", Boolean),
    Column("extra", Text),
)

findings = Table(
    "findings", metadata,
    Column("id", String(48), primary_key=True),
    Column("form_id", String(40), ForeignKey("forms.id"), nullable=False, index=True),
    Column("code", String(40), nullable=False, index=True),
    Column("severity", String(16)), Column("message", Text), Column("field", Text),
    Column("extra", Text),
)

TABLE_OBJECTS: dict[str, Table] = {"forms": forms, "indicators": indicators,
                                   "calc_terms": calc_terms, "findings": findings}
ALL_TABLES = ("sources", *TABLES)


def default_url(out: Path) -> str:
    return f"sqlite:///{Path(out).absolute() / 'jixiao.db'}"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the loader
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def connect(url: str, create: bool = True) -> Engine:
    """An engine for ``url`` with the schema created (idempotent)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if create:
        metadata.create_all(engine)
        migrate(engine)
    return engine


# columns added to existing tables since the first schema: (table, column, SQL type)
ADDED_COLUMNS = (("sources", "extractor_version", "VARCHAR(64)"),)


def migrate(engine: Engine) -> list[str]:
    """Add the columns a database made by an older jixiao lacks (in place, idempotent, safe
    when two processes open the same database at once). Returns the columns added."""
    added = []
    for table, column, sqltype in ADDED_COLUMNS:
        if column in {c["name"] for c in inspect(engine).get_columns(table)}:
            continue
        exists = " IF NOT EXISTS" if engine.dialect.name == "postgresql" else ""
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN{exists} {column} {sqltype}"))
        except DBAPIError:  # another process added it first
            if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise
            continue
        added.append(f"{table}.{column}")
    return added


def _with_extra(table: Table, record: dict) -> dict:
    """The record restricted to the table's columns; unknown keys go to ``extra`` as JSON."""
    cols = table.c.keys()
    row = {k: v for k, v in record.items() if k in cols}
    rest = {k: v for k, v in record.items() if k not in cols}
    if "extra" in cols:
        row["extra"] = json.dumps(rest, ensure_ascii=False, default=str) if rest else None
    return row


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def source_record(result: DocumentResult, path: str, fingerprint: str, size: Optional[int] = None,
                  version: Optional[str] = None) -> dict:
    return {
        "sha256": result.sha256, "path": path, "kind": result.kind, "status": result.status,
        "error": result.error_line, "forms": len(result.forms), "settings": fingerprint,
        "extractor_version": version or extractor_version(), "size": size, "ingested_at": _now(),
    }


PATH_KEY_PREFIX = "path:"


def path_key(path: str) -> str:
    """The ``sources`` key of an input whose content could not be read: ``path:`` and the
    first 59 hex digits of the sha256 of its absolute path (UTF-8), 64 characters like a
    content hash, so it fits the same column and never equals one."""
    digest = hashlib.sha256(str(Path(path).absolute()).encode("utf-8", "surrogateescape")).hexdigest()
    return PATH_KEY_PREFIX + digest[:64 - len(PATH_KEY_PREFIX)]


def _delete_sources(conn, shas: list[str]) -> None:
    if not shas:
        return
    form_ids = select(forms.c.id).where(forms.c.source_sha256.in_(shas))
    for child in (findings, calc_terms, indicators):
        conn.execute(delete(child).where(child.c.form_id.in_(form_ids)))
    conn.execute(delete(forms).where(forms.c.source_sha256.in_(shas)))
    conn.execute(delete(sources).where(sources.c.sha256.in_(shas)))


def load_result(engine: Engine, result: DocumentResult, path: str, fingerprint: str,
                size: Optional[int] = None, version: Optional[str] = None) -> int:
    """Load one file's result in one transaction, replacing whatever rows the same path or
    the same content had. Returns the number of forms loaded. A result without a sha256
    (the file could not even be read) is recorded by :func:`record_unread` instead."""
    if not result.sha256:
        record_unread(engine, path, result.error_line or "failed", fingerprint, version, kind=result.kind)
        return 0
    tables = forms_to_tables(result.forms)
    with engine.begin() as conn:
        stale = conn.execute(select(sources.c.sha256).where(sources.c.path == path)).scalars().all()
        _delete_sources(conn, sorted({*stale, result.sha256}))
        conn.execute(sources.insert(), [source_record(result, path, fingerprint, size, version)])
        for name in TABLES:
            rows = [_with_extra(TABLE_OBJECTS[name], r) for r in tables[name]]
            if rows:
                conn.execute(TABLE_OBJECTS[name].insert(), rows)
    return len(result.forms)


def record_unread(engine: Engine, path: str, error: str, fingerprint: str, version: Optional[str] = None,
                  kind: Optional[str] = None) -> str:
    """The ``sources`` row of an input that could not be read (status ``failed``, keyed by
    :func:`path_key`). Rows of content loaded from the same path before are left alone: the
    file may be back next time. Returns the key."""
    key = path_key(path)
    row = {"sha256": key, "path": str(Path(path).absolute()), "kind": kind, "status": "failed", "error": error,
           "forms": 0, "settings": fingerprint, "extractor_version": version or extractor_version(),
           "size": None, "ingested_at": _now()}
    with engine.begin() as conn:
        _delete_sources(conn, [key])
        conn.execute(sources.insert(), [row])
    return key


def _chunks(items: list[str], n: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


@dataclass(frozen=True)
class Loaded:
    """What ``sources`` holds for one content hash."""

    status: str
    forms: int
    settings: str
    extractor_version: Optional[str]

    def current(self, fingerprint: str, version: Optional[str] = None) -> bool:
        """Loaded (not failed) by this extractor version with these settings: nothing to do."""
        return (self.status != "failed" and self.settings == fingerprint
                and self.extractor_version == (version or extractor_version()))


def loaded(engine: Engine, shas: Iterable[str]) -> dict[str, Loaded]:
    """sha256 -> what is stored for it, for the contents that have a ``sources`` row."""
    wanted = sorted({s for s in shas if s})
    found: dict[str, Loaded] = {}
    cols = (sources.c.sha256, sources.c.status, sources.c.forms, sources.c.settings, sources.c.extractor_version)
    with engine.connect() as conn:
        for part in _chunks(wanted):
            for sha, *rest in conn.execute(select(*cols).where(sources.c.sha256.in_(part))):
                found[sha] = Loaded(*rest)
    return found


def ingested(engine: Engine, shas: Iterable[str], fingerprint: str, version: Optional[str] = None) -> dict[str, int]:
    """sha256 -> form count of the contents already loaded with these settings by this
    extractor version (failed loads are not counted: they are tried again; rows of another
    version are stale: they are extracted again)."""
    return {sha: got.forms for sha, got in loaded(engine, shas).items() if got.current(fingerprint, version)}


def counts(engine: Engine) -> dict[str, int]:
    """Row count of every table."""
    tables = {"sources": sources, **TABLE_OBJECTS}
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(tables[name])).scalar_one()
                for name in ALL_TABLES}


def _natural(value) -> tuple:
    """Sort key that puts "x-2" before "x-10"."""
    if isinstance(value, int):
        return (value,)
    head, _, tail = str(value).rpartition("-")
    return (head, int(tail)) if tail.isdigit() else (str(value), 0)


def export_tables(engine: Engine, shas: Iterable[str]) -> dict[str, list[dict]]:
    """The four form tables' rows (as stored) for the given sources, in a stable order."""
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    wanted = sorted({s for s in shas if s})
    with engine.connect() as conn:
        for part in _chunks(wanted):
            q = select(forms).where(forms.c.source_sha256.in_(part))
            rows = [dict(r._mapping) for r in conn.execute(q)]
            order = {r["id"]: (r["source_sha256"], r["form_index"]) for r in rows}
            out["forms"].extend(sorted(rows, key=lambda r: order[r["id"]]))
            ids = select(forms.c.id).where(forms.c.source_sha256.in_(part))
            for name, index in (("indicators", "row_index"), ("calc_terms", "term_index"), ("findings", "id")):
                table = TABLE_OBJECTS[name]
                got = [dict(r._mapping) for r in conn.execute(select(table).where(table.c.form_id.in_(ids)))]
                out[name].extend(sorted(got, key=lambda r: (order[r["form_id"]], _natural(r[index]))))
    return out


__all__ = ["ALL_TABLES", "Loaded", "connect", "counts", "default_url", "export_tables", "ingested", "load_result",
           "loaded", "metadata", "migrate", "path_key", "record_unread", "source_record"]
