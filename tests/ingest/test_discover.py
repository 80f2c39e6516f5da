"""Input discovery: files, folders, globs, hidden files, the output folder, symlink loops."""
from __future__ import annotations

import os
from pathlib import Path

from flows.discover import discover


def touch(p: Path) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("x", encoding="utf-8")
    return p


def test_files_folders_and_globs(tmp_path):
    a = touch(tmp_path / "in" / "a.txt")
    b = touch(tmp_path / "in" / "sub" / "b.txt")
    c = touch(tmp_path / "in" / "sub" / "c.pdf")
    touch(tmp_path / "in" / ".hidden.txt")
    touch(tmp_path / "in" / ".git" / "x.txt")
    found = discover([str(tmp_path / "in")])
    assert found.files == [a, b, c] and not found.missing
    found = discover([str(tmp_path / "in" / "**" / "*.txt"), str(a)])
    assert found.files == [a, b]  # each file once
    found = discover([str(tmp_path / "nope.txt"), str(tmp_path / "in" / "*.doc")])
    assert found.files == [] and [m[1] for m in found.missing] == [
        "no such file or folder", "no file matches this pattern"]


def test_symlink_loop_does_not_hang(tmp_path):
    a = touch(tmp_path / "in" / "d" / "a.txt")
    os.symlink(tmp_path / "in", tmp_path / "in" / "d" / "loop")
    os.symlink(tmp_path / "in" / "d", tmp_path / "in" / "d2")
    found = discover([str(tmp_path / "in")])
    assert found.files == [a]


def test_output_folder_inside_input_is_left_out(tmp_path):
    a = touch(tmp_path / "a.txt")
    touch(tmp_path / "output" / "a.txt.json")
    assert discover([str(tmp_path)], exclude_dirs=[tmp_path / "output"]).files == [a]
