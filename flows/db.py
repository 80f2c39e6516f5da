"""The database of ingested forms: the contract's five tables and an idempotent loader.

SQLAlchemy 2 Core, so the same code runs on SQLite (the default, ``sqlite:///<out>/jixiao.db``)
and PostgreSQL (``postgresql+psycopg://user@host/db``). Rows come from
:mod:`flows.tables`, the same records the CSV writer uses, so CSV and database agree;
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
import operator
from pathlib import Path
from typing import Iterable, Iterator, Optional

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    Boolean, Column, Engine, Float, ForeignKey, Index, Integer, MetaData, Numeric, String, Table, Text,
    TypeDecorator, UniqueConstraint, create_engine, delete, event, func, inspect, select, text,
)
from sqlalchemy.exc import DBAPIError

from pipeline.models import HEADER_KEYS, DocumentResult, decimal_to_json
from .tables import TABLES, forms_to_tables
from pipeline.version import extractor_version

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
    Column("layout", String(64), doc="the form family (flows.tables form_record), e.g. futian_2level"),
    Column("amount_unit", String(8), doc="the unit the form printed: 万元 or 元"),
    Column("header_extra", Text, doc="JSON object of the family's fields the header lacks"),
    Column("extra", Text),
    UniqueConstraint("source_sha256", "form_index", name="uq_forms_source_index"),
)
# the checks across forms look forms up by 项目编码 (crossform.known_in_db, per batch of files):
# without it each look-up read the whole table, a run's cost growing with the square of its forms
Index("ix_forms_project_code", forms.c.project_code)

indicators = Table(
    "indicators", metadata,
    Column("form_id", String(40), ForeignKey("forms.id"), primary_key=True),
    Column("row_index", Integer, primary_key=True),
    Column("level1", Text), Column("level2", Text), Column("core", Boolean), Column("level3", Text),
    Column("value", Text), Column("explanation", Text),
    Column("comparator", String(4)), Column("number", Amount), Column("unit", Text),
    Column("page", Integer),
    Column("period", String(8), doc="中期 / 年度 / 长期 where a family prints more than one indicator set"),
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
_COLUMN_SETS = {name: frozenset(t.c.keys()) for name, t in TABLE_OBJECTS.items()}
_COLUMN_GETTERS = {name: operator.itemgetter(*t.c.keys()) for name, t in TABLE_OBJECTS.items()}
assert all("extra" in cols for cols in _COLUMN_SETS.values())


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


# indexes added to existing tables since the first schema (created by migrate() when missing)
ADDED_INDEXES = ("ix_forms_project_code",)
# columns added to existing tables since the first schema: (table, column, SQL type)
ADDED_COLUMNS = (("sources", "extractor_version", "VARCHAR(64)"),
                 ("forms", "layout", "VARCHAR(64)"), ("forms", "amount_unit", "VARCHAR(8)"),
                 ("forms", "header_extra", "TEXT"), ("indicators", "period", "VARCHAR(8)"))
# record keys that older databases kept in ``extra`` (JSON) before they had a column: moved by migrate()
FROM_EXTRA = {"forms": ("layout", "amount_unit", "header_extra"), "indicators": ("period",)}


def migrate(engine: Engine) -> list[str]:
    """Add the columns and indexes a database made by an older jixiao lacks (in place,
    idempotent, safe when two processes open the same database at once). Returns the columns
    (``table.column``) and indexes added."""
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
    moved = {t: [c for c in cols if f"{t}.{c}" in added] for t, cols in FROM_EXTRA.items()}
    _from_extra(engine, {t: cols for t, cols in moved.items() if cols})
    for index in (i for t in metadata.tables.values() for i in t.indexes if i.name in ADDED_INDEXES):
        if _has_index(engine, index):
            continue
        try:
            with engine.begin() as conn:
                index.create(conn)
        except DBAPIError:  # another process made it first
            if not _has_index(engine, index):
                raise
            continue
        added.append(index.name)
    return added


def _has_index(engine: Engine, index: Index) -> bool:
    return index.name in {i["name"] for i in inspect(engine).get_indexes(index.table.name)}


def _from_extra(engine: Engine, moved: dict[str, list[str]]) -> None:
    """The values of newly added columns taken out of the rows' ``extra`` JSON (where the
    loader kept record keys the schema did not know), in SQL, on both backends; ``extra``
    keeps only the other keys (NULL when none are left)."""
    pg = engine.dialect.name == "postgresql"
    for table, cols in moved.items():
        if pg:
            sets = [f"{c} = extra::jsonb ->> '{c}'" for c in cols]
            rest = "extra::jsonb" + "".join(f" - '{c}'" for c in cols)
            sets.append(f"extra = CASE WHEN {rest} = '{{}}'::jsonb THEN NULL ELSE ({rest})::text END")
        else:
            sets = [f"{c} = json_extract(extra, '$.{c}')" for c in cols]
            rest = "json_remove(extra, " + ", ".join(f"'$.{c}'" for c in cols) + ")"
            sets.append(f"extra = CASE WHEN {rest} = '{{}}' THEN NULL ELSE {rest} END")
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET {', '.join(sets)} WHERE extra IS NOT NULL"))


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


def table_rows(forms_: Iterable) -> dict[str, list[dict]]:
    """The rows of these forms as the tables take them (unknown record keys in ``extra``)."""
    tables = forms_to_tables(forms_)
    out = {}
    for name in TABLES:
        table = TABLE_OBJECTS[name]
        cols = _COLUMN_SETS[name]
        rows = []
        for r in tables[name]:  # fresh records: the usual one (every key a column) gains extra in place
            if cols.issuperset(r):
                r["extra"] = None
                rows.append(r)
            else:
                rows.append(_with_extra(table, r))
        out[name] = rows
    return out



def insert_rows(conn, rows: dict[str, list]) -> None:
    """Bulk insert of table rows (records, or tuples: :func:`table_tuples`), parents first:
    ``COPY … FROM STDIN`` on PostgreSQL (in the connection's transaction), one executemany per
    table elsewhere."""
    for name in TABLES:
        if rows.get(name):
            if conn.dialect.name == "postgresql":
                _copy_rows(conn, TABLE_OBJECTS[name], rows[name])
            else:
                _insert_many(conn, TABLE_OBJECTS[name], rows[name])


def table_tuples(name: str, records: list[dict]) -> list[tuple]:
    """Records of :func:`table_rows` as tuples in the table's column order (a missing key: None)."""
    get = _COLUMN_GETTERS[name]
    try:
        return [get(r) for r in records]
    except KeyError:
        cols = table_columns(name)
        return [tuple(map(r.get, cols)) for r in records]


def _bound(conn, table: Table, rows: list) -> tuple[list[str], Iterator]:
    """The table's columns and each row's values in that order, bound as SQLAlchemy binds
    them (amounts as exact decimals on PostgreSQL, booleans as integers on SQLite). A row is
    a tuple in the table's column order (:func:`table_tuples`) or a record (missing keys: None)."""
    names = table_columns(table.name)
    procs = [(i, proc) for i, proc in enumerate(table.c[n].type.bind_processor(conn.dialect) for n in names) if proc]

    def bound(row):
        if row.__class__ is not tuple:
            row = tuple(map(row.get, names))
        if not procs:
            return row
        out = list(row)
        for i, proc in procs:
            out[i] = proc(out[i])
        return tuple(out)

    return names, map(bound, rows)


def _insert_many(conn, table: Table, rows: list) -> None:
    """Rows into ``table`` by one DB-API ``executemany`` of positional rows: the same rows as
    ``conn.execute(table.insert(), rows)``, without its per-row parameter dictionaries (a
    third of the ingest flow's time on a 100,000-form dump)."""
    if conn.dialect.paramstyle != "qmark":  # a DB-API other than sqlite3: SQLAlchemy binds by name
        names = table_columns(table.name)
        conn.execute(table.insert(), [dict(zip(names, r)) if r.__class__ is tuple else r for r in rows])
        return
    names, values = _bound(conn, table, rows)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                         list(values))


def _copy_rows(conn, table: Table, rows: list) -> None:
    """Rows into ``table`` by psycopg 3's ``COPY`` (several times faster than INSERTs), each
    value bound as SQLAlchemy binds it (amounts as exact decimals), in the same transaction."""
    names, values = _bound(conn, table, rows)
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _replace(conn, items: list[tuple[str, str]]) -> None:
    """Delete the rows of these (path, sha256): the content's own and those loaded before from the path.

    Only sources that are there are deleted (a form's rows go in with its ``sources`` row, in
    one transaction): new files, most of an archive run, cost one query per 500, not five
    deletes."""
    paths = sorted({p for p, _ in items})
    stale: set[str] = set()
    for part in _chunks(paths):
        stale.update(conn.execute(select(sources.c.sha256).where(sources.c.path.in_(part))).scalars().all())
    for part in _chunks(sorted({sha for _, sha in items} - stale)):
        stale.update(conn.execute(select(sources.c.sha256).where(sources.c.sha256.in_(part))).scalars().all())
    for part in _chunks(sorted(stale)):
        _delete_sources(conn, part)


class FileLoad:
    """One file's forms on their way into the database (see :class:`Loader`): rows are held
    until ``batch_forms`` forms, then the file gets its own transaction and its forms are
    inserted in batches as they arrive; :meth:`Loader.done` ends it."""

    def __init__(self, loader: "Loader", path: str, sha256: str, size: Optional[int]):
        self.loader, self.path, self.sha256, self.size = loader, path, sha256, size
        self.held: dict[str, list[dict]] = {}
        self.held_forms = 0
        self.forms = 0
        self.conn = None  # the file's own connection and transaction once it streams
        self.tx = None

    def add(self, form) -> None:
        self.add_rows(table_rows([form]), 1)

    def add_rows(self, rows: dict[str, list], n_forms: int) -> None:
        """The rows of the file's next ``n_forms`` forms (:func:`table_rows`, or as tuples:
        :func:`table_tuples`)."""
        for name in TABLES:
            self.held.setdefault(name, []).extend(rows.get(name) or ())
        self.held_forms += n_forms
        self.forms += n_forms
        if self.held_forms >= self.loader.batch_forms:
            if self.conn is None:
                self.loader.flush()  # the files held so far commit first: one writer at a time
                self.conn = self.loader.engine.connect()
                self.tx = self.conn.begin()
                _replace(self.conn, [(self.path, self.sha256)])
                self.conn.execute(sources.insert(), [self.loader.record(self, "failed", None, None)])
            insert_rows(self.conn, self.held)
            self.held, self.held_forms = {}, 0

    def abort(self) -> None:
        if self.conn is not None:
            try:
                self.tx.rollback()
            finally:
                self.conn.close()
                self.conn = None


class Loader:
    """Whole files into the database, in few transactions: a small file's rows are held and
    committed with the next ones (up to ``batch_files`` files or ``batch_forms`` forms per
    transaction, one bulk insert per table); a file with more forms than ``batch_forms`` is
    streamed in its own transaction, its ``sources`` row written first and completed last.
    Either way a crash leaves each file wholly loaded or not at all. ``on_commit`` is told
    the files (their ``done`` payloads) each commit made durable."""

    def __init__(self, engine: Engine, fingerprint: str, version: Optional[str] = None, batch_forms: int = 200,
                 batch_files: int = 100, on_commit=None, on_error=None, before_commit=None):
        self.engine, self.fingerprint = engine, fingerprint
        self.version = version or extractor_version()
        self.batch_forms, self.batch_files, self.on_commit = batch_forms, batch_files, on_commit
        self.on_error = on_error  # told (payloads, exception) of held files a failed commit lost
        self.before_commit = before_commit  # called right before each commit (outputs made durable first)
        self.pending: list[tuple[FileLoad, dict, object]] = []
        self.pending_forms = 0

    def start(self, path: str, sha256: str, size: Optional[int] = None) -> FileLoad:
        return FileLoad(self, path, sha256, size)

    def record(self, load: FileLoad, status: str, kind: Optional[str], error: Optional[str]) -> dict:
        return {"sha256": load.sha256, "path": load.path, "kind": kind, "status": status, "error": error,
                "forms": load.forms, "settings": self.fingerprint, "extractor_version": self.version,
                "size": load.size, "ingested_at": _now()}

    def done(self, load: FileLoad, status: str, kind: Optional[str], error: Optional[str], payload=None) -> None:
        """The file's last form is in: commit it (streamed) or hold it for the next batch commit."""
        rec = self.record(load, status, kind, error)
        if load.conn is not None:
            try:
                insert_rows(load.conn, load.held)
                load.conn.execute(sources.update().where(sources.c.sha256 == load.sha256).values(
                    {k: v for k, v in rec.items() if k != "sha256"}))
                if self.before_commit:
                    self.before_commit()
                load.tx.commit()
            except BaseException:
                load.abort()
                raise
            load.conn.close()
            load.conn = None
            if self.on_commit:
                self.on_commit([payload])
            return
        self.pending.append((load, rec, payload))
        self.pending_forms += load.forms
        if len(self.pending) >= self.batch_files or self.pending_forms >= self.batch_forms:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending, self.pending_forms = self.pending, [], 0
        try:
            with self.engine.begin() as conn:
                _replace(conn, [(load.path, load.sha256) for load, _, _ in batch])
                conn.execute(sources.insert(), [rec for _, rec, _ in batch])
                insert_rows(conn, {name: [r for load, _, _ in batch for r in load.held.get(name, ())]
                                   for name in TABLES})
                if self.before_commit:
                    self.before_commit()
        except Exception as exc:
            if self.on_error is None:
                raise
            self.on_error([payload for _, _, payload in batch], exc)
            return
        if self.on_commit:
            self.on_commit([payload for _, _, payload in batch])


def load_result(engine: Engine, result: DocumentResult, path: str, fingerprint: str,
                size: Optional[int] = None, version: Optional[str] = None) -> int:
    """Load one file's result in one transaction, replacing whatever rows the same path or
    the same content had. Returns the number of forms loaded. A result without a sha256
    (the file could not even be read) is recorded by :func:`record_unread` instead."""
    if not result.sha256:
        record_unread(engine, path, result.error_line or "failed", fingerprint, version, kind=result.kind)
        return 0
    with engine.begin() as conn:
        _replace(conn, [(path, result.sha256)])
        conn.execute(sources.insert(), [source_record(result, path, fingerprint, size, version)])
        insert_rows(conn, table_rows(result.forms))
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


def _parts_by_forms(shas: list[str], sizes: dict[str, int], most: int) -> Iterator[list[str]]:
    part: list[str] = []
    total = 0
    for sha in shas:
        if part and (total + sizes.get(sha, 1) > most or len(part) >= 500):
            yield part
            part, total = [], 0
        part.append(sha)
        total += sizes.get(sha, 1)
    if part:
        yield part


def iter_table(engine: Engine, name: str, shas: Iterable[str], per: int = 2000,
               sizes: Optional[dict[str, int]] = None, most: int = 5000) -> Iterator[dict]:
    """The rows of one form table (as stored) for the given sources, streamed (memory flat
    in the number of rows): in the order of :func:`export_tables` (by sha256), or, given
    ``sizes`` (sha256 -> forms), in the order of ``shas`` (sources of fewer than ``most``
    forms together are reordered in memory)."""
    if sizes is None:
        parts: Iterable[list[str]] = _chunks(sorted({s for s in shas if s}))
    else:
        seen: set[str] = set()
        wanted = [s for s in shas if s and not (s in seen or seen.add(s))]
        parts = _parts_by_forms(wanted, sizes, most)
    table = TABLE_OBJECTS[name]
    index = {"indicators": "row_index", "calc_terms": "term_index", "findings": "id"}.get(name)
    with engine.connect() as conn:
        conn = conn.execution_options(yield_per=per)  # a server-side cursor on PostgreSQL
        for part in parts:
            if name == "forms":
                q = select(forms).where(forms.c.source_sha256.in_(part)).order_by(
                    forms.c.source_sha256, forms.c.form_index)
                rows = (dict(r._mapping) for r in conn.execute(q))
            else:
                q = (select(table, forms.c.source_sha256.label("_sha")).join(forms, table.c.form_id == forms.c.id)
                     .where(forms.c.source_sha256.in_(part)).order_by(forms.c.source_sha256, forms.c.form_index))
                rows = _sorted_in_form((dict(r._mapping) for r in conn.execute(q)), index)
            if sizes is None or len(part) == 1:
                yield from rows
                continue
            by_sha: dict[str, list[dict]] = {}
            for row in rows:
                by_sha.setdefault(row["_sha"] if "_sha" in row else row["source_sha256"], []).append(row)
            for sha in part:
                yield from by_sha.get(sha, ())


def _sorted_in_form(rows: Iterator[dict], index: str) -> Iterator[dict]:
    """Rows ordered by form already, each form's rows put in natural order of ``index``."""
    group: list[dict] = []
    for row in rows:
        if group and group[0]["form_id"] != row["form_id"]:
            yield from sorted(group, key=lambda g: _natural(g[index]))
            group = []
        group.append(row)
    yield from sorted(group, key=lambda g: _natural(g[index]))


def table_columns(name: str) -> list[str]:
    return list(TABLE_OBJECTS[name].c.keys())


__all__ = ["ALL_TABLES", "Loaded", "connect", "counts", "default_url", "export_tables", "FileLoad", "ingested", "insert_rows", "iter_table", "Loader", "load_result", "table_tuples",
           "loaded", "metadata", "migrate", "path_key", "record_unread", "source_record", "table_columns", "table_rows"]
