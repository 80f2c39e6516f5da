"""Checks across forms: a 项目编码 declared twice, and the same form read from two files.

Not a per-form stage (those are in :mod:`pipeline.validate`): these need the other forms of
the batch, or of the database, so they run in the application layer — ``jixiao extract``
over its batch, the ingest flow over each file against the forms already loaded.

* ``DUPLICATE_CODE`` (warning): the form's 项目编码 is in another form of the batch or of the
  database whose header or indicators differ; the message names where, and what differs.
* ``DUPLICATE_FORM`` (info): the other form has the same header and indicators — the same
  form read from a second file (a PDF and its text dump, a re-exported file). The ingest flow
  loads such a copy once: it stays in the file's JSON with this finding, not in the tables.

A form is compared as its table records (:mod:`flows.tables`), so a form of this batch
and a row read back from SQLite or PostgreSQL compare alike.
"""
from __future__ import annotations

import hashlib
import operator
import pickle
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Optional

from pipeline.models import HEADER_KEYS, DocumentResult, Finding, Form

from .tables import form_record, indicator_records

DUPLICATE_CODE = "DUPLICATE_CODE"
DUPLICATE_FORM = "DUPLICATE_FORM"
INDICATOR_KEYS = ("level1", "level2", "core", "level3", "value", "explanation", "comparator", "number", "unit")
_SHOWN_DIFFS = 4
# the differences a reviewer wants first
_DIFF_ORDER = ("project_name", "annual_amount", "total_amount", "applicant_unit")
_DIFF_KEYS = (*_DIFF_ORDER, *(k for k in HEADER_KEYS if k not in _DIFF_ORDER))


def _norm(value):
    """Record values as compared: 30 and 30.0 alike (SQLite gives REAL back), None and ""."""
    kind = type(value)  # the usual kinds first: ~100 values a form, in the worker processes
    if kind is str:
        return value.strip()
    if value is None or kind is bool:
        return value
    if kind is int or kind is float:
        return repr(float(value))
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return repr(float(value))
    return str(value).strip()


_SEP = "\x1f"


def _value_digest(value) -> bytes:
    return hashlib.blake2b(repr(_norm(value)).encode(), digest_size=8).digest()


@dataclass(frozen=True, slots=True)
class Known:
    """A form already seen, small (a run holds one per form: ~1 kB, not the ~3.8 kB a header
    dict took): where it is, a digest of each header value, each value as a message shows
    it, and a digest of its indicators."""

    code: str
    values: bytes       # 8 bytes per HEADER_KEYS value: blake2b of its compared form (_norm)
    shown: str          # each HEADER_KEYS value as a message shows it (_shown), \x1f between
    indicators: bytes   # digest of the indicator rows
    indicator_rows: int
    source_sha256: str = ""
    form_index: int = 0
    source_path: str = ""

    @classmethod
    def of(cls, code: str, header: dict, indicators: bytes, indicator_rows: int, source_sha256: str,
           form_index: int, source_path: str) -> "Known":
        return cls(code=code, values=b"".join(_value_digest(header.get(k)) for k in HEADER_KEYS),
                   shown=_SEP.join(_shown(header.get(k)).replace(_SEP, " ") for k in HEADER_KEYS),
                   indicators=indicators, indicator_rows=indicator_rows, source_sha256=sys.intern(source_sha256),
                   form_index=form_index, source_path=sys.intern(source_path))

    @property
    def where(self) -> str:
        return where_of(self.source_path or "?", self.form_index)

    @property
    def digest(self) -> bytes:
        return self.values + self.indicators

    def value(self, key: str) -> bytes:
        i = _KEY_INDEX[key]
        return self.values[8 * i:8 * i + 8]

    def shown_of(self, key: str) -> str:
        return self.shown.split(_SEP)[_KEY_INDEX[key]]


_KEY_INDEX = {k: i for i, k in enumerate(HEADER_KEYS)}


def _indicator_digest(rows: Iterable[tuple]) -> tuple[bytes, int]:
    # _norm inlined for text, most of the ~100 values a form (the same items: one recipe on both sides)
    items = [tuple([v.strip() if v.__class__ is str else _norm(v) for v in r]) for r in rows]
    return hashlib.blake2b(repr(items).encode(), digest_size=16).digest(), len(items)


_INDICATOR_VALUES = operator.itemgetter(*INDICATOR_KEYS)


def _indicator_values(row: dict) -> tuple:
    try:
        return _INDICATOR_VALUES(row)
    except KeyError:  # a record without some key (read back from an older table): as None
        return tuple(row.get(k) for k in INDICATOR_KEYS)


def where_of(path: str, form_index: int) -> str:
    return f"{Path(path).name} form {form_index + 1}"


def known_of(form: Form) -> Optional[Known]:
    """The record a form is compared by: that of its table rows (:func:`known_of_rows`)."""
    if not form.header.project_code:
        return None
    return known_of_rows(form_record(form), list(indicator_records(form)))


def known_of_rows(form_row: dict, indicator_rows: list[dict]) -> Optional[Known]:
    """:func:`known_of` from the form's table rows (:func:`flows.db.table_rows`), as
    :func:`known_in_db` makes it from the rows read back: the same record, without dumping
    the form's header again."""
    code = form_row.get("project_code")
    if not code:
        return None
    digest, n = _indicator_digest(map(_indicator_values, indicator_rows))
    return Known.of(code, form_row, digest, n, form_row["source_sha256"], form_row["form_index"],
                    form_row.get("source_path") or "")


def _shown(value) -> str:
    text = "∅" if value in (None, "") else str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def differences(a: Known, b: Known) -> list[str]:
    """What differs between two forms of one code, for the message (header fields by name)."""
    out = [f"{k} {a.shown_of(k)} vs {b.shown_of(k)}" for k in _DIFF_KEYS if a.value(k) != b.value(k)]
    if a.indicators != b.indicators:
        out.append(f"indicators ({a.indicator_rows} vs {b.indicator_rows} rows)"
                   if a.indicator_rows != b.indicator_rows else "indicator texts")
    return out


def findings_for(me: Known, others: Iterable[Known]) -> list[Finding]:
    """This form against the forms of the same code seen before it."""
    out: list[Finding] = []
    same = [o for o in others if o.digest == me.digest]
    other = [o for o in others if o.digest != me.digest]
    if same:
        out.append(Finding(code=DUPLICATE_FORM, severity="info", field="project_code",
                           message=(f"the same form as {same[0].where} (项目编码 {me.code}, same header and "
                                    f"indicators): a copy, loaded once")))
    for o in other:
        diffs = differences(me, o)
        more = f" (+{len(diffs) - _SHOWN_DIFFS} more)" if len(diffs) > _SHOWN_DIFFS else ""
        out.append(Finding(code=DUPLICATE_CODE, severity="warning", field="project_code",
                           message=(f"项目编码 {me.code} is also declared in {o.where} "
                                    f"(“{o.shown_of('project_name')}”) with different content: "
                                    f"{'; '.join(diffs[:_SHOWN_DIFFS])}{more}")))
    return out


class SpillingSeen:
    """The forms seen so far, by 项目编码: in memory up to ``memory_forms`` forms, then moved to a
    private temporary SQLite file (deleted when closed), so a run's memory stays flat however
    many forms it checks (~1.4 kB a form in memory: 140 MB at 100,000). A part's codes are
    brought back to memory before its forms are checked (:meth:`load`, one query), as the
    ingest flow does for each part; without it, :meth:`get` looks a code up on its own."""

    def __init__(self, memory_forms: Optional[int] = None):
        self.memory_forms = memory_forms
        self.hot: dict[str, list[Known]] = {}
        self.hot_forms = 0
        self._db: Optional[sqlite3.Connection] = None

    def get(self, code: str) -> list[Known]:
        """The forms seen with this code."""
        got = self.hot.get(code)
        if got is None:
            if self._db is not None:
                self.load((code,))
            got = self.hot.setdefault(code, [])
        return got

    def add(self, known: Known) -> None:
        self.get(known.code).append(known)
        self.hot_forms += 1

    def load(self, codes: Iterable[str]) -> None:
        """These codes' forms from disk into memory (where they stay until the next spill)."""
        if self._db is None:
            return
        want = sorted({c for c in codes if c and c not in self.hot})
        for i in range(0, len(want), 500):
            part = want[i:i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT code, knowns FROM seen WHERE code IN ({marks})", part).fetchall()
            if rows:
                self._db.execute(f"DELETE FROM seen WHERE code IN ({marks})", part)
            for code, blob in rows:
                knowns = pickle.loads(blob)
                self.hot.setdefault(code, []).extend(knowns)
                self.hot_forms += len(knowns)

    def settle(self) -> None:
        """Past the memory budget: every form in memory goes to disk."""
        if self.memory_forms is None or self.hot_forms <= self.memory_forms:
            return
        if self._db is None:
            self._db = sqlite3.connect("", check_same_thread=False)  # "": a private temporary file
            self._db.execute("CREATE TABLE seen (code TEXT PRIMARY KEY, knowns BLOB) WITHOUT ROWID")
        self._db.executemany("INSERT INTO seen VALUES (?, ?)",
                             ((code, pickle.dumps(knowns, pickle.HIGHEST_PROTOCOL))
                              for code, knowns in self.hot.items() if knowns))
        self.hot, self.hot_forms = {}, 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


@dataclass
class BatchChecker:
    """Forms of one batch, checked as they stream by: each against the earlier ones (and
    against ``known`` forms, e.g. read from the database). Memory: one small record per form
    (in a :class:`SpillingSeen` with a budget, flat)."""

    seen: SpillingSeen = field(default_factory=SpillingSeen)

    def add_known(self, known: Iterable[Known]) -> None:
        for k in known:
            self.seen.add(k)

    def check(self, form: Form) -> Form:
        me = known_of(form)
        found = self.check_known(me) if me is not None else []
        if not found:
            return form
        return form.model_copy(update={"findings": [*form.findings, *found]})

    def check_known(self, me: Known) -> list[Finding]:
        """The findings of the form ``me`` stands for (:func:`known_of`), which is then seen."""
        found = findings_for(me, self.seen.get(me.code))
        if not any(f.code == DUPLICATE_FORM for f in found):
            self.seen.add(me)  # a copy adds nothing: the first of its kind speaks for it
        return found

    def check_all(self, forms: Iterable[Form]) -> Iterator[Form]:
        for form in forms:
            yield self.check(form)


def is_copy(form: Form) -> bool:
    return any(f.code == DUPLICATE_FORM for f in form.findings)


def loadable(result: DocumentResult) -> DocumentResult:
    """The result without the forms that are copies of forms loaded before (loaded once)."""
    if not any(is_copy(f) for f in result.forms):
        return result
    return result.model_copy(update={"forms": [f for f in result.forms if not is_copy(f)]})


# --------------------------------------------------------------------------- against the database


def known_in_db(engine, codes: Iterable[str], exclude_path: str = "", exclude_sha: str = "") -> list[Known]:
    """Forms in the database with these 项目编码, except those of ``exclude_path`` /
    ``exclude_sha`` (the rows a file being loaded again is about to replace)."""
    from sqlalchemy import and_, or_, select

    from . import db

    wanted = sorted({c for c in codes if c})
    if not wanted:
        return []
    f, ind = db.forms, db.indicators
    out: list[Known] = []
    with engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            q = select(f).where(f.c.project_code.in_(part), f.c.source_sha256 != exclude_sha,
                                or_(f.c.source_path.is_(None), f.c.source_path != exclude_path))
            rows = [dict(r._mapping) for r in conn.execute(q)]
            if not rows:
                continue
            ids = [r["id"] for r in rows]
            by_form: dict[str, list[dict]] = {}
            for r in conn.execute(select(ind).where(and_(ind.c.form_id.in_(ids))).order_by(ind.c.form_id,
                                                                                             ind.c.row_index)):
                by_form.setdefault(r.form_id, []).append(dict(r._mapping))
            for r in rows:
                digest, n = _indicator_digest(map(_indicator_values, by_form.get(r["id"], [])))
                out.append(Known.of(r["project_code"], {k: r.get(k) for k in HEADER_KEYS}, digest, n,
                                    r["source_sha256"], r["form_index"], r["source_path"] or ""))
    return out


def check_result(engine, result: DocumentResult, path: str) -> DocumentResult:
    """One file's forms against the database (earlier files of the run are loaded already)
    and against each other: findings added, nothing removed (see :func:`loadable`)."""
    if not result.forms:
        return result
    checker = BatchChecker()
    checker.add_known(known_in_db(engine, [f.header.project_code for f in result.forms],
                                  exclude_path=path, exclude_sha=result.sha256))
    forms = [checker.check(f) for f in result.forms]
    return result.model_copy(update={"forms": forms})


class RunChecker:
    """The ingest flow's checks across forms, part by part as a file's forms stream to the
    database: each form against the forms of earlier files of the run (held as small records:
    small files are committed in batches, so the database does not show them yet), against the
    database (queried once per 项目编码, or once per batch of files: :meth:`prefetch`) and
    against its own file's earlier forms. A part carries its forms' :class:`Known` records
    (made where the forms were extracted), so a form's JSON is parsed only when it gains a
    finding; such a part is made again: its JSON keeps every form, its table rows leave out
    the copies (loaded once)."""

    def __init__(self, engine, make_part, memory_forms: Optional[int] = None):
        self.engine, self.make_part = engine, make_part
        self.checker = BatchChecker(SpillingSeen(memory_forms))
        self.queried: set[str] = set()
        self.fetched: dict[str, list[Known]] = {}  # prefetched, not yet needed: code -> database forms

    def close(self) -> None:
        self.checker.seen.close()

    def prefetch(self, codes: Iterable[str]) -> None:
        """The database's forms of these 项目编码 in one query (e.g. for a batch of small
        files), held until a file needs them; each file then leaves out its own old rows."""
        fresh = sorted({c for c in codes if c} - self.queried - set(self.fetched))
        if not fresh:
            return
        for code in fresh:
            self.fetched[code] = []
        for k in known_in_db(self.engine, fresh):
            self.fetched[k.code].append(k)

    def _need(self, codes: set[str], path: str, sha: str) -> None:
        fresh = codes - self.queried
        if not fresh:
            return
        ask = {c for c in fresh if c not in self.fetched}
        if ask:
            self.checker.add_known(known_in_db(self.engine, ask, exclude_path=path, exclude_sha=sha))
        for code in fresh - ask:
            self.checker.add_known(k for k in self.fetched.pop(code)
                                   if k.source_sha256 != sha and k.source_path != path)
        self.queried |= fresh

    def check_part(self, part, path: str, sha: str):
        from pipeline.models import Form

        forms = None
        knowns = getattr(part, "known", None)
        if knowns is None:
            forms = [Form.model_validate_json(text) for text in part.json]
            knowns = [known_of(f) for f in forms]
        codes = {k.code for k in knowns if k is not None}
        self.checker.seen.load(codes)
        self._need(codes, path, sha)
        found = [self.checker.check_known(k) if k is not None else [] for k in knowns]
        self.checker.seen.settle()
        if not any(found):
            return part
        if forms is None:
            forms = [Form.model_validate_json(text) for text in part.json]
        checked = [f.model_copy(update={"findings": [*f.findings, *got]}) if got else f
                   for f, got in zip(forms, found)]
        whole = self.make_part(checked)
        kept = [f for f in checked if not is_copy(f)]
        loaded = whole if len(kept) == len(checked) else self.make_part(kept)
        return whole._replace(rows=loaded.rows, forms=loaded.forms, csv=getattr(loaded, "csv", None))


__all__ = ["DUPLICATE_CODE", "RunChecker", "DUPLICATE_FORM", "BatchChecker", "SpillingSeen", "Known", "check_result", "differences",
           "findings_for", "is_copy", "known_in_db", "known_of", "known_of_rows", "loadable"]
