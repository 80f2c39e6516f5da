"""The package's layers import one way (issue 18): the core (``pipeline/``) imports no reader
and no application module; the readers (``extractors/``) import only the core; the
application (``flows/``: CLI, flows, database, writers, report, eval) imports both. Every
import statement counts, those inside functions too, and no module is loaded by name
(``importlib.import_module``/``__import__``), which would hide an import from this test."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"pipeline": 0, "extractors": 1, "flows": 2}  # a layer may import its own and lower ones
NAMES = {0: "core", 1: "readers", 2: "application"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
            found.extend((node.lineno, f"{mod}.{a.name}") for a in node.names if node.module is None)
    return found


def dynamic_imports(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("import_module", "__import__"):
                lines.append(node.lineno)
    return lines


def package_files() -> list[Path]:
    return sorted(p for top in LAYERS for p in (ROOT / top).rglob("*.py"))


def layer_violations(files: list[Path]) -> list[str]:
    bad = []
    for path in files:
        own = LAYERS[path.relative_to(ROOT).parts[0]]
        for line, mod in imported_modules(path):
            top = mod.split(".")[0]
            if top in LAYERS and LAYERS[top] > own:
                bad.append(f"{path.relative_to(ROOT)}:{line}: the {NAMES[own]} imports {mod} ({NAMES[LAYERS[top]]})")
    return bad


def test_the_package_has_the_three_layers():
    files = package_files()
    for top in LAYERS:
        assert any(p.relative_to(ROOT).parts[0] == top for p in files), top


def test_no_import_goes_up_a_layer():
    assert layer_violations(package_files()) == []


def test_no_module_is_imported_by_name_inside_the_package():
    found = [f"{p.relative_to(ROOT)}:{line}" for p in package_files() for line in dynamic_imports(p)]
    assert found == []


@pytest.mark.parametrize("source, layer, expect", [
    ("from extractors import READERS\n", "pipeline", True),          # core -> readers
    ("def f():\n    from flows import db\n", "extractors", True),   # readers -> application, in a function
    ("from .. import pdf_text\n", "extractors/ocr", False),          # relative, resolved to its own layer
    ("from pipeline.models import Row\n", "extractors", False),      # readers -> core: allowed
    ("from extractors import convert\n", "flows", False),            # application -> readers: allowed
])
def test_the_walker_sees_an_upward_import(tmp_path, monkeypatch, source, layer, expect):
    """The checks above are only as good as the walker: an upward import, also one inside a
    function or written relative, is reported; a downward one is not."""
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    d = tmp_path / layer
    d.mkdir(parents=True)
    f = d / "mod.py"
    f.write_text(source, encoding="utf-8")
    assert bool(layer_violations([f])) is expect
