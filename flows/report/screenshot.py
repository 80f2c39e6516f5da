"""A PNG of the report's first screen, taken by headless Chromium (playwright driving the
system's browser: Debian's ``chromium``; playwright downloads nothing)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LAPTOP = {"width": 1366, "height": 768}


def chromium_path() -> str:
    for candidate in (os.environ.get("JIXIAO_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    raise FileNotFoundError("Chromium not found (Debian package chromium; or set JIXIAO_CHROMIUM)")


def screenshot_report(report: Path, png: Path, viewport: dict | None = None) -> Path:
    from playwright.sync_api import sync_playwright

    png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=viewport or LAPTOP)
            page.goto(Path(report).absolute().as_uri(), wait_until="load")
            page.screenshot(path=str(png))
        finally:
            browser.close()
    return png
