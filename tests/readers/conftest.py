"""Test documents of the new readers, made by code with their truth, once per session:
the ten sample forms and 30 random forms, each as .xlsx, .xls (LibreOffice converting the
.xlsx), .docx and HTML (several encodings)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synth.grid import GridStyle
from synth.truth import load_golden, random_forms


def read_rows(path: Path, settings=None):
    """(rows, context) of the reader that ``path``'s content selects."""
    from extractors import ReadContext, reader_for
    from pipeline.settings import Settings

    reader = reader_for(path, path.read_bytes()[:4096])
    ctx = ReadContext(settings=settings or Settings())
    return list(reader.read(path, ctx)), ctx


def texts(rows) -> list[list[tuple[str, int, int]]]:
    return [[(c.text, c.col, c.colspan) for c in r.cells] for r in rows]


@pytest.fixture(scope="session")
def readers_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("readers")


@pytest.fixture(scope="session")
def random_truths() -> list[dict]:
    return list(random_forms(15, 30))


@pytest.fixture(scope="session")
def xlsx_docs(readers_dir, random_truths) -> dict[str, tuple[Path, list[dict]]]:
    from synth.workbook import render_workbook

    out = {}
    for name, truths, seed in (("golden", load_golden(), 3), ("random", random_truths, 15)):
        path = readers_dir / f"{name}.xlsx"
        out[name] = (path, render_workbook(truths, path, seed=seed))
    return out


@pytest.fixture(scope="session")
def xls_docs(readers_dir, random_truths) -> dict[str, tuple[Path, list[dict]]]:
    """The same kind of workbooks saved as .xls by LibreOffice (one soffice run per file)."""
    from synth.workbook import render_workbook, to_xls

    if shutil.which("soffice") is None:
        pytest.skip("soffice (LibreOffice, package libreoffice-calc-nogui) is not installed")
    made = {}
    for name, truths, seed in (("golden", load_golden(), 4), ("random", random_truths, 16)):
        src = readers_dir / f"{name}-for-xls.xlsx"
        made[name] = (src, render_workbook(truths, src, seed=seed, style=GridStyle(numeric_code=False)))
    xls = to_xls([src for src, _ in made.values()], readers_dir / "xls")
    return {name: (path, rendered) for (name, (_, rendered)), path in zip(made.items(), xls)}


@pytest.fixture(scope="session")
def docx_docs(readers_dir, random_truths) -> dict[str, tuple[Path, list[dict]]]:
    from synth.docx import render_docx

    out = {}
    for name, truths, seed in (("golden", load_golden(), 5), ("random", random_truths, 17)):
        path = readers_dir / f"{name}.docx"
        out[name] = (path, render_docx(truths, path, seed=seed))
    return out


@pytest.fixture(scope="session")
def html_docs(readers_dir, random_truths) -> dict[str, tuple[Path, list[dict]]]:
    from synth.html import render_html

    out = {}
    cases = (("golden", load_golden(), 6, "utf-8", True), ("random", random_truths, 18, "gb2312", True),
             ("random-gb18030-no-meta", random_truths[:10], 19, "gb18030", False),
             ("random-utf8-bom", random_truths[10:20], 20, "utf-8-sig", False))
    for name, truths, seed, encoding, meta in cases:
        path = readers_dir / f"{name}.html"
        out[name] = (path, render_html(truths, path, seed=seed, encoding=encoding, meta=meta))
    return out


@pytest.fixture(scope="session")
def spreadsheetml_docs(readers_dir, random_truths) -> dict[str, tuple[Path, list[dict]]]:
    from synth.spreadsheetml import render_spreadsheetml

    out = {}
    for name, truths, seed in (("golden", load_golden(), 7), ("random", random_truths, 21)):
        path = readers_dir / f"{name}-2003.xls"  # saved under .xls, as the systems that export it do
        out[name] = (path, render_spreadsheetml(truths, path, seed=seed))
    return out
