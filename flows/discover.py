"""Input discovery for ``extract`` and ``ingest``: files, folders (recursively) and glob patterns.

Folders are walked following links to folders, but every real folder is entered once (by
device and inode), so a symlink loop cannot hang the walk. Hidden files and folders, and the
output folder when it lies inside an input folder, are left out. No Prefect here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

GLOB_CHARS = frozenset("*?[")


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (argument, reason)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_folder(root: Path, exclude: frozenset[tuple[int, int]] = frozenset()) -> Iterable[Path]:
    """Files under ``root`` in sorted order; each real folder entered once."""
    for path, _real in _walk(root, exclude):
        yield path


def _walk(root: Path, exclude: frozenset[tuple[int, int]] = frozenset()) -> Iterator[tuple[Path, str]]:
    """(path, real path) of every file under ``root``: a folder's files (sorted), then each of
    its folders (sorted) in turn, links to folders followed, each real folder entered once.
    One ``scandir`` per folder tells files from folders and links from the rest, so a file's
    real path is its folder's (resolved once) joined with its name, unless it is a link
    (``realpath`` per file cost ~8 ``lstat`` calls: 0.9 s of the flow for 10,000 files)."""
    seen: set[tuple[int, int]] = set(exclude)
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            st = os.stat(folder)
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable, or gone meanwhile: as os.walk skips it
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        real_folder = None
        folders = []
        for entry in entries:
            if _hidden(entry.name):
                continue
            try:
                is_dir = entry.is_dir()  # a link to a folder counts as a folder
            except OSError:
                is_dir = False
            if is_dir:
                try:
                    dst = os.stat(entry.path)
                except OSError:
                    continue  # a broken link to a folder
                if (dst.st_dev, dst.st_ino) not in seen:
                    folders.append(entry.path)
                continue
            # every entry is yielded, dangling links and FIFOs included: reading them says
            # what is wrong, so nothing in a folder is dropped without a word
            try:
                link = entry.is_symlink()
            except OSError:
                link = True  # not known: resolved the slow way
            if link:
                real = os.path.realpath(entry.path)
            else:
                if real_folder is None:
                    real_folder = os.path.realpath(folder)
                real = os.path.join(real_folder, entry.name)
            yield Path(entry.path), real
        stack.extend(reversed(folders))


def _split_glob(pattern: str) -> tuple[Path, str]:
    """``data/**/x*.txt`` -> (``data``, ``**/x*.txt``): the fixed base and the glob under it."""
    parts = Path(pattern).parts
    for i, part in enumerate(parts):
        if GLOB_CHARS & set(part):
            return Path(*parts[:i]) if i else Path("."), str(Path(*parts[i:]))
    return Path(pattern), ""


def _dir_keys(paths: Iterable[Path]) -> frozenset[tuple[int, int]]:
    keys = set()
    for p in paths:
        try:
            st = os.stat(p)
            keys.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    return frozenset(keys)


def _named(args: Iterable[str], excluded: frozenset[tuple[int, int]],
           missing: list[tuple[str, str]]) -> Iterator[tuple[Path, str]]:
    """(path, real path or "" when not yet known) of every file ``args`` name, in order,
    copies included; an argument that names nothing is put in ``missing`` with the reason."""
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            yield from _walk(path, excluded)
        elif path.exists() or path.is_symlink():
            yield path, ""  # a file (or a broken link: reading it will say so)
        elif GLOB_CHARS & set(arg):
            base, rest = _split_glob(arg)
            matches = sorted(base.glob(rest)) if base.is_dir() else []
            for m in matches:
                if any(_hidden(part) for part in m.relative_to(base).parts):
                    continue
                if m.is_dir():
                    yield from _walk(m, excluded)
                elif m.is_file():
                    yield m, ""
            if not matches:
                missing.append((arg, "no file matches this pattern"))
        else:
            missing.append((arg, "no such file or folder"))


def discover(args: Iterable[str], exclude_dirs: Iterable[Path] = (), absolute: bool = True) -> Discovery:
    """Every input file named by ``args`` (files, folders, globs), each once, in order.
    ``absolute=False`` keeps paths as the user wrote them (for ``extract``'s ``source.path``)."""
    out = Discovery()
    seen: set[str] = set()
    for p, real in _named(args, _dir_keys(exclude_dirs), out.missing):
        real = real or os.path.realpath(p)
        if real not in seen:
            seen.add(real)
            out.files.append(p.absolute() if absolute else p)
    return out


def iter_named(args: Iterable[str], exclude_dirs: Iterable[Path] = ()) -> Iterator[Path]:
    """The files ``args`` name, as :func:`discover` finds them but one at a time and copies
    not told apart: enough to count them up to a point (the flow finds them again)."""
    for p, _real in _named(args, _dir_keys(exclude_dirs), []):
        yield p


__all__ = ["Discovery", "discover", "iter_named", "walk_folder"]
