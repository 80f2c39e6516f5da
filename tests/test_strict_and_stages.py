"""``--strict`` stops at the first error with its traceback; without it the batch goes on.
Every error's stage is one of :class:`pipeline.errors.Stage`; ``--set`` reaches every command
(issue 18)."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.errors import Stage
from pipeline.models import ErrorItem
from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
JIXIAO = [sys.executable, "-m", "flows.cli"]
SAMPLE = ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt"
PDF = ROOT / "data" / "samples" / "synthetic_forms.pdf"  # three pages, each with text


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture
def truncated_pdf(tmp_path) -> Path:
    p = tmp_path / "truncated.pdf"
    p.write_bytes(PDF.read_bytes()[:700])  # the header and a few objects: no page tree
    return p


def test_without_strict_a_bad_file_is_one_line_and_the_batch_goes_on(truncated_pdf):
    proc = run("extract", str(truncated_pdf), str(SAMPLE), "--format", "jsonl")
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 10  # the sample's ten forms, after the bad file
    assert "Traceback" not in proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.startswith(str(truncated_pdf))]


def test_strict_stops_at_the_first_bad_file_with_its_traceback(truncated_pdf):
    proc = run("extract", "--strict", str(truncated_pdf), str(SAMPLE), "--format", "jsonl")
    assert proc.returncode != 0
    assert proc.stdout == ""  # stopped before the sample
    assert "Traceback (most recent call last)" in proc.stderr
    assert f"{truncated_pdf}: stopped at the first error (--strict)" in proc.stderr


def test_strict_stops_at_a_page_error_that_would_make_the_file_partial():
    # two pages past limits.max_pages=1: recorded on the result normally, raised under --strict
    loose = run("extract", str(PDF), "--format", "jsonl", "--set", "limits.max_pages=1")
    assert loose.returncode == 0 and loose.stdout.strip()
    assert "only the first 1 read" in loose.stderr
    strict = run("extract", "--strict", str(PDF), "--format", "jsonl", "--set", "limits.max_pages=1")
    assert strict.returncode != 0
    assert "StrictStop" in strict.stderr and "only the first 1 read" in strict.stderr
    assert "Traceback (most recent call last)" in strict.stderr


def test_strict_is_not_part_of_the_settings_fingerprint():
    assert Settings().fingerprint() == Settings().with_overrides(["run.strict=true"]).fingerprint()
    assert Settings().fingerprint() != Settings().with_overrides(["limits.max_pages=3"]).fingerprint()


def test_an_error_stage_outside_the_enum_is_refused():
    assert ErrorItem(stage="read", message="x").stage is Stage.READ
    with pytest.raises(ValidationError):
        ErrorItem(stage="reading", message="x")


def _literal_stages() -> list[tuple[str, int, str]]:
    """Every stage written as a literal in the package: ``page_error(page, "stage", …)``,
    ``ErrorItem(stage="…")``, ``JixiaoError(…, stage="…")``, ``PageOutcome(…, stage="…")``
    and ``stage = "…"`` class attributes."""
    found = []
    for path in sorted(p for top in ("pipeline", "extractors", "flows") for p in (ROOT / top).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name == "page_error" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    found.append((str(path), node.lineno, node.args[1].value))
                for kw in node.keywords:
                    if kw.arg == "stage" and isinstance(kw.value, ast.Constant):
                        found.append((str(path), node.lineno, kw.value.value))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                if any(isinstance(t, ast.Name) and t.id == "stage" for t in node.targets):
                    found.append((str(path), node.lineno, node.value.value))
    return found


def test_every_stage_written_in_the_code_is_a_stage():
    found = _literal_stages()
    assert len(found) >= 10  # the walker finds the call sites (page_error alone has more than ten)
    values = {s.value for s in Stage}
    assert [f for f in found if f[2] not in values] == []


def test_serve_passes_set_to_every_scheduled_run(tmp_path):
    from flows.ingest import ingest
    from flows.serve import deployment_parameters

    plain = deployment_parameters(tmp_path / "w", tmp_path / "o", None, Settings())
    assert "settings" not in plain  # defaults: nothing to pass
    s = Settings().with_overrides(["limits.max_pages=7", "ocr.dpi=250"])
    params = deployment_parameters(tmp_path / "w", tmp_path / "o", None, s)
    json.dumps(params)  # plain JSON, as a deployment stores it
    validated = ingest.validate_parameters(params)  # what Prefect does before each run
    assert validated["settings"].limits.max_pages == 7 and validated["settings"].ocr.dpi == 250


@pytest.mark.parametrize("command", ["extract", "eval", "ingest", "serve", "report"])
def test_every_command_takes_set(command):
    from typer.testing import CliRunner

    from flows.cli import app

    res = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "--set" in res.output
