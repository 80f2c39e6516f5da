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


def test_a_file_reached_by_a_link_is_found_once_and_a_dangling_link_is_kept(tmp_path):
    """A file's identity is its real path: a link to a file found elsewhere in the walk, a
    folder reached by a link and by its own name, and a linked folder's files count once
    (under the name met first: a folder's files, then its folders in name order); a dangling
    link is yielded (reading it says what is wrong)."""
    a = touch(tmp_path / "in" / "b" / "a.txt")
    os.symlink(a, tmp_path / "in" / "b" / "z_link.txt")  # the same file again, later in the folder
    os.symlink(tmp_path / "in" / "b", tmp_path / "in" / "a_dir_link")  # the folder first by its link
    os.symlink(tmp_path / "nowhere.txt", tmp_path / "in" / "dangling.txt")
    c = touch(tmp_path / "in" / "c" / "c.txt")
    found = discover([str(tmp_path / "in")])
    assert found.files == [tmp_path / "in" / "dangling.txt", tmp_path / "in" / "a_dir_link" / "a.txt", c]
    outside = touch(tmp_path / "elsewhere" / "o.txt")
    os.symlink(outside, tmp_path / "in" / "c" / "o_link.txt")
    found = discover([str(tmp_path / "in"), str(outside)])
    assert found.files[-1] == tmp_path / "in" / "c" / "o_link.txt" and outside not in found.files
