"""The system files the test-document generators draw with, and the Debian package of each.

Every font a generator can choose is listed here once, with the package that provides it; the
Makefile's ``APT_PKGS`` installs those packages on a fresh machine, and
``tests/test_system_files.py`` fails, naming the package, when a path is missing or its package
is not in that list (instead of a reportlab or PIL trace deep inside a generator).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SystemFont:
    path: str
    index: int       # subfont index inside a .ttc collection
    package: str     # the Debian package that installs ``path``


FONTS: dict[str, SystemFont] = {
    "wqy": SystemFont("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
    "wqymono": SystemFont("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 1, "fonts-wqy-zenhei"),
    "uming": SystemFont("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
    "ukai": SystemFont("/usr/share/fonts/truetype/arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
}


class MissingSystemFile(RuntimeError):
    pass


def font_file(name: str) -> SystemFont:
    """The font ``name``, checked to exist: a missing one raises with the package to install."""
    font = FONTS[name]
    if not Path(font.path).is_file():
        raise MissingSystemFile(
            f"font {name!r} needs {font.path}, from the Debian package {font.package} "
            f"(listed in the Makefile's APT_PKGS; `make setup` as root installs it)")
    return font


__all__ = ["FONTS", "MissingSystemFile", "SystemFont", "font_file"]
