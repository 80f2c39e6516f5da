"""``manifest.jsonl``: one line per input file per ingest run (the contract's fields plus a
few more: run id, time, kind, settings fingerprint, the ``extractor_version`` that made the
file's rows — for ``skipped`` and ``stale`` lines, the version already in the database).

Statuses: ``ok``, ``partial`` and ``failed`` as in :class:`~pipeline.models.DocumentResult`;
``no_form`` (read whole, no declaration form in it); ``skipped`` (the same content was already
loaded by the same extractor version with the same settings); ``stale`` (loaded by another
extractor version or other settings, and left as it is because the run was asked to only
report such files: ``jixiao ingest --stale report``).

Each line is written with a single ``write`` on a file opened for appending, under an
exclusive ``flock``, and fsynced: concurrent runs never interleave, and a crash never leaves
half a line (a torn last line from a power loss is skipped by :func:`read_manifest`).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from pathlib import Path
from typing import Iterator, Literal, Optional

from pydantic import BaseModel, ConfigDict

Status = Literal["ok", "partial", "failed", "no_form", "skipped", "stale"]


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="allow")

    path: str
    sha256: Optional[str] = None
    status: Status
    forms: int = 0
    error: Optional[str] = None
    kind: Optional[str] = None
    settings: Optional[str] = None
    extractor_version: Optional[str] = None
    run_id: Optional[str] = None
    at: str = ""


def append_entry(manifest: Path, entry: ManifestEntry) -> None:
    """Append one JSON line to ``manifest`` in a single write."""
    append_entries(manifest, [entry])


def append_entries(manifest: Path, entries: list[ManifestEntry]) -> None:
    """Append one JSON line per entry to ``manifest``, all in a single write (and one fsync)."""
    if not entries:
        return
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    data = "".join(json.dumps((e if e.at else e.model_copy(update={"at": now})).model_dump(), ensure_ascii=False)
                   + "\n" for e in entries).encode("utf-8")
    manifest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(manifest, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:  # a regular file takes it in one write; loop only on a short write
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def read_manifest(manifest: Path) -> Iterator[ManifestEntry]:
    """Every complete entry, oldest first (a torn last line is skipped)."""
    if not manifest.exists():
        return
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                return
            try:
                yield ManifestEntry.model_validate_json(line)
            except ValueError:
                continue


__all__ = ["ManifestEntry", "Status", "append_entries", "append_entry", "read_manifest"]
