"""``jixiao serve``: the ingest flow as a Prefect deployment on a cron schedule.

Each scheduled run ingests the watched folder; content already loaded with the same settings
is skipped, so a run only processes new or changed files. The flow runs through
:func:`prefect.serve` (a runner in this process polling the API). Schedules need a Prefect
server with its scheduler service: the one ``PREFECT_API_URL`` names, or else a local one this
command starts on 127.0.0.1 (the ephemeral API server runs no scheduler).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

from pipeline.settings import Settings

DEPLOYMENT = "watch"


def deployment_parameters(watch: Path, out: Path, db_url: Optional[str],
                          settings: Optional["Settings"] = None) -> dict:
    """The flow's parameters for every scheduled run; settings only when they differ from the
    defaults (``serve --set``), as plain JSON."""
    params = {"paths": [str(Path(watch).absolute())], "out": str(Path(out).absolute()), "db_url": db_url}
    if settings is not None and settings != Settings():
        params["settings"] = settings.model_dump(mode="json")
    return params


def build_deployment(watch: Path, cron: str, out: Path, db_url: Optional[str] = None,
                     name: str = DEPLOYMENT, settings: Optional["Settings"] = None):
    """The ``ingest/<name>`` deployment of the watched folder with its cron schedule."""
    from flows.ingest import ingest

    return ingest.to_deployment(
        name=name, cron=cron, parameters=deployment_parameters(watch, out, db_url, settings),
        description=f"ingest new or changed files of {watch} on '{cron}'",
        tags=["jixiao"],
    )


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_server(timeout_s: float = 120.0) -> Iterator[str]:
    """A Prefect server (API + scheduler, no UI) on 127.0.0.1 for as long as the block runs;
    yields its API URL. Its database lives in PREFECT_HOME."""
    import httpx

    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-ui", "--analytics-off", "--log-level", "WARNING"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"the Prefect server exited: {(proc.stderr.read() if proc.stderr else '')[-500:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Prefect server did not start in {timeout_s:.0f} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_serve(watch: Path, cron: str, out: Path, db_url: Optional[str], name: str = DEPLOYMENT,
              settings: Optional["Settings"] = None) -> None:
    """Serve the deployment until interrupted (starting a local server when none is configured)."""
    with contextlib.ExitStack() as stack:
        if not os.environ.get("PREFECT_API_URL"):
            os.environ["PREFECT_API_URL"] = stack.enter_context(local_server())
            print(f"started a local Prefect server at {os.environ['PREFECT_API_URL']}", file=sys.stderr)
        from prefect import serve

        deployment = build_deployment(watch, cron, out, db_url, name, settings)
        print(f"serving deployment ingest/{name}: {watch} on '{cron}' (Ctrl-C stops)", file=sys.stderr)
        serve(deployment, print_starting_message=False, limit=1)  # runs never overlap


__all__ = ["build_deployment", "deployment_parameters", "local_server", "run_serve"]
