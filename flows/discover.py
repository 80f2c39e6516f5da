"""Input discovery for ``extract`` and ``ingest``: files, folders (recursively) and glob patterns.

Folders are walked following links to folders, but every real folder is entered once (by
device and inode), so a symlink loop cannot hang the walk. Hidden files and folders, and the
output folder when it lies inside an input folder, are left out. No Prefect here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

GLOB_CHARS = frozenset("*?[")


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (argument, reason)


def _hidden(name: str) -> bool:
    return name.startswith(".")


def walk_folder(root: Path, exclude: frozenset[tuple[int, int]] = frozenset()) -> Iterable[Path]:
    """Files under ``root`` in sorted order; each real folder entered once."""
    seen: set[tuple[int, int]] = set(exclude)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        st = os.stat(dirpath)
        key = (st.st_dev, st.st_ino)
        if key in seen:
            dirnames[:] = []
            continue
        seen.add(key)
        keep = []
        for d in sorted(dirnames):
            if _hidden(d):
                continue
            try:
                dst = os.stat(os.path.join(dirpath, d))
            except OSError:
                continue  # a broken link to a folder
            if (dst.st_dev, dst.st_ino) not in seen:
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            # every entry is yielded, dangling links and FIFOs included: reading them says
            # what is wrong, so nothing in a folder is dropped without a word
            if not _hidden(name):
                yield Path(dirpath) / name


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


def discover(args: Iterable[str], exclude_dirs: Iterable[Path] = (), absolute: bool = True) -> Discovery:
    """Every input file named by ``args`` (files, folders, globs), each once, in order.
    ``absolute=False`` keeps paths as the user wrote them (for ``extract``'s ``source.path``)."""
    out = Discovery()
    excluded = _dir_keys(exclude_dirs)
    seen: set[str] = set()

    def add(p: Path) -> None:
        real = os.path.realpath(p)
        if real not in seen:
            seen.add(real)
            out.files.append(p.absolute() if absolute else p)

    for arg in args:
        path = Path(arg)
        if path.is_dir():
            for f in walk_folder(path, excluded):
                add(f)
        elif path.exists() or path.is_symlink():
            add(path)  # a file (or a broken link: reading it will say so)
        elif GLOB_CHARS & set(arg):
            base, rest = _split_glob(arg)
            matches = sorted(base.glob(rest)) if base.is_dir() else []
            for m in matches:
                if any(_hidden(part) for part in m.relative_to(base).parts):
                    continue
                if m.is_dir():
                    for f in walk_folder(m, excluded):
                        add(f)
                elif m.is_file():
                    add(m)
            if not matches:
                out.missing.append((arg, "no file matches this pattern"))
        else:
            out.missing.append((arg, "no such file or folder"))
    return out


__all__ = ["Discovery", "discover", "walk_folder"]
