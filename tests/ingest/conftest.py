"""Fixtures of the ingestion tests: Prefect offline and quiet on a throwaway API server, a
real PostgreSQL server on loopback (initdb + pg_ctl in a temporary folder, as the
``postgres`` user when we are root), and one database URL per test for both backends."""
from __future__ import annotations

import builtins
import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Before Prefect is imported anywhere: no telemetry, no chatter, a private home.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="jixiao-prefect-")

from synth.dump import DumpStyle, render_dump  # noqa: E402
from synth.truth import random_forms  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt"


def write_dump(path: Path, seed: int, n: int) -> list[dict]:
    """A synthetic dump of ``n`` forms at ``path``; returns its truth."""
    truths = list(random_forms(seed, n))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dump(truths, DumpStyle()), encoding="utf-8")
    return truths


def expected_counts(truths: list[dict]) -> dict[str, int]:
    return {"forms": len(truths), "indicators": sum(len(t["indicators"]) for t in truths)}


def deny_open(monkeypatch, path: Path) -> None:
    """Opening ``path`` raises EACCES as the kernel would for a non-root user (root passes
    every mode check, so chmod cannot make a file unreadable in CI, which runs as root)."""
    real_open, real_os_open = builtins.open, os.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def guarded_os(file, *args, **kwargs):  # the same refusal for a descriptor opened by os.open
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(os, "open", guarded_os)


@pytest.fixture(scope="session")
def prefect_api():
    """One throwaway Prefect API server (temporary database) for the session's flow runs."""
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    storage = tempfile.mkdtemp(prefix="jixiao-results-")
    with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: storage}), prefect_test_harness(server_startup_timeout=120):
        yield
    shutil.rmtree(storage, ignore_errors=True)


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on 127.0.0.1 for this test session (bench/pgserver.py: initdb +
    pg_ctl in a temporary folder); yields its base URL."""
    from bench.pgserver import throwaway_postgres

    with throwaway_postgres() as url:  # an error, never a skip, when PostgreSQL is missing
        yield url


def _create_pg_database(base: str) -> str:
    from bench.pgserver import create_database

    return create_database(base)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'jixiao.db'}"
    return _create_pg_database(request.getfixturevalue("pg_server"))
