"""Fixtures of the ingestion tests: Prefect offline and quiet on a throwaway API server, a
real PostgreSQL server on loopback (initdb + pg_ctl in a temporary folder, as the
``postgres`` user when we are root), and one database URL per test for both backends."""
from __future__ import annotations

import builtins
import errno
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
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
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)


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


def _pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    pytest.fail("PostgreSQL is not installed (initdb not found): `make system-deps` installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on 127.0.0.1 for this test session; yields its base URL."""
    bindir = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed: {proc.stderr[-2000:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
        "-o", f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections=40 -c shared_buffers=16MB", "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _create_pg_database(base: str) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db' / 'jixiao.db'}"
    return _create_pg_database(request.getfixturevalue("pg_server"))
