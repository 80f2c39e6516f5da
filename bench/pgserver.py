"""A throwaway PostgreSQL server on 127.0.0.1 (initdb + pg_ctl in a temporary folder), for
benchmarks and tests that measure the PostgreSQL backend. Nothing else on the machine is used."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def pg_bindir() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL is not installed (initdb not found): `make system-deps` installs it")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def throwaway_postgres(max_connections: int = 40) -> Iterator[str]:
    """Start a server for the block; yields its base URL ``postgresql+psycopg://postgres@127.0.0.1:PORT``."""
    bindir = pg_bindir()
    root = Path(tempfile.mkdtemp(prefix="jixiao-pg-"))
    data = root / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise RuntimeError(f"{args[0]} failed: {proc.stderr[-2000:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--locale=C", "--no-sync")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
        "-o", f"-h 127.0.0.1 -p {port} -k {root} -F -c max_connections={max_connections} -c shared_buffers=16MB",
        "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def create_database(base: str) -> str:
    """A new empty database on the server at ``base``; returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = base.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


__all__ = ["create_database", "free_port", "pg_bindir", "prefect_server", "throwaway_postgres"]


@contextmanager
def prefect_server(home: Path, timeout_s: float = 300.0) -> Iterator[str]:
    """A Prefect API server with its SQLite database in ``home`` on a free loopback port for
    the block (:func:`flows.serve.local_server`); yields its API URL. Commands given
    ``PREFECT_API_URL`` use it instead of each starting a temporary server of their own (tens
    of seconds on a loaded machine), so what remains of an ingest's start-up is small and steady."""
    from flows.serve import local_server

    before = os.environ.get("PREFECT_HOME")
    os.environ["PREFECT_HOME"] = str(home)
    try:
        with local_server(timeout_s) as url:
            yield url
    finally:
        if before is None:
            os.environ.pop("PREFECT_HOME", None)
        else:
            os.environ["PREFECT_HOME"] = before

