"""Every system file a generator or test can open comes from a package the Makefile installs.

A package installed by hand on one machine hides a broken fresh install (issue 12 §1: the
generator chose ``ukai.ttc``, which no package in the Makefile's list provided, and a fresh
machine failed three PDF tests with a reportlab ``TTFError``). These tests fail with the
package's name instead.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from synth.fonts import FONTS, MissingSystemFile, font_file
from synth.pdf import FONT_FILES, random_style

ROOT = Path(__file__).resolve().parents[1]


def makefile_packages() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"^APT_PKGS\s*:=\s*((?:.*\\\n)*.*)$", text, re.M)
    assert m, "Makefile has no APT_PKGS list"
    return set(m.group(1).replace("\\\n", " ").split())


@pytest.mark.parametrize("name", sorted(FONTS))
def test_every_generator_font_exists_and_its_package_is_in_the_makefile(name):
    font = FONTS[name]
    assert font.package in makefile_packages(), (
        f"font {name!r} ({font.path}) comes from {font.package}, which the Makefile's APT_PKGS does not name")
    assert Path(font.path).is_file(), f"{font.path} missing: install the Debian package {font.package}"


def test_the_pdf_generator_draws_only_with_listed_fonts():
    import random

    rng = random.Random(0)
    chosen = {f for _ in range(200) for f in random_style(rng).fonts}
    assert chosen <= set(FONTS) and set(FONT_FILES) == set(FONTS)


def test_a_missing_font_names_its_package(monkeypatch):
    from synth import fonts

    monkeypatch.setitem(fonts.FONTS, "gone", fonts.SystemFont("/nonexistent/x.ttc", 0, "fonts-example"))
    with pytest.raises(MissingSystemFile, match="fonts-example"):
        font_file("gone")


@pytest.mark.parametrize("tool,package", [("soffice", "libreoffice-writer-nogui"),
                                          ("pdftoppm", "poppler-utils"), ("chromium", "chromium"),
                                          ("qpdf", "qpdf"), ("tesseract", "tesseract-ocr")])
def test_command_line_tools_the_tests_use_come_from_listed_packages(tool, package):
    import shutil

    assert package in makefile_packages()
    assert shutil.which(tool), f"{tool} not on PATH: install the Debian package {package}"
