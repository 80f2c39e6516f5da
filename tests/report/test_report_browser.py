"""The report of a real run, opened in headless Chromium (Debian's package, driven by playwright):
every finding of the run is on the page, every page crop has loaded, the filters work."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from flows.report.screenshot import CHROMIUM_ARGS, LAPTOP, chromium_path

from .conftest import JIXIAO


def run_findings(out: Path) -> list[tuple[str, str, str]]:
    """(file name, code, message) of every finding in the run's JSON output."""
    found = []
    for path in sorted(out.glob("*.json")):
        for form in json.loads(path.read_text(encoding="utf-8")):
            found += [(Path(form["source"]["path"]).name, f["code"], f["message"]) for f in form["findings"]]
    return found


@pytest.fixture(scope="module")
def page(run_out):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport=LAPTOP)
        pg.goto((run_out / "report.html").as_uri(), wait_until="load")
        yield pg
        browser.close()


def rows(page) -> list[dict]:
    return page.evaluate("""[...document.querySelectorAll('.finding')].map(r => ({
        file: r.dataset.file, code: r.dataset.code, message: r.querySelector('.msg').textContent,
        visible: r.offsetParent !== null, imgs: r.querySelectorAll('img').length,
        ocr: [...r.querySelectorAll('.ocr')].map(o => o.textContent)}))""")


def test_every_finding_of_the_run_is_in_the_report(page, run_out, golden_truths):
    expected = run_findings(run_out)
    got = [(r["file"], r["code"], r["message"]) for r in rows(page)]
    assert sorted(got) == sorted(expected)
    # the findings the hand-checked truth says these forms have
    codes = {(f, c) for f, c, _ in got}
    for name, truths in golden_truths.items():
        for t in truths:
            for code in t["finding_codes"]:
                assert (name, code) in codes
    assert ("futian_hr_2025_declarations.txt", "TOTAL_MISMATCH") in codes
    # the scan of synthetic_forms.pdf's forms comes after it: each of its two forms is a duplicate
    scan = [r for r in rows(page) if r["file"] == "zz_scanned_forms.pdf"]
    assert len(scan) == 2 and {r["code"] for r in scan} <= {"DUPLICATE_FORM", "DUPLICATE_CODE"}


def test_every_crop_has_loaded_and_scans_and_pdfs_have_crops(page):
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    page.wait_for_function("[...document.images].every(i => i.complete)", timeout=30_000)
    widths = page.evaluate("[...document.images].map(i => [i.getAttribute('src'), i.naturalWidth])")
    assert widths and all(w > 0 for _, w in widths), [s for s, w in widths if not w]
    for r in rows(page):
        if r["file"].endswith(".pdf"):  # every finding on a PDF or scan shows its page
            assert r["imgs"] >= 1, r
        if r["code"] == "TOTAL_MISMATCH" and r["file"].endswith(".pdf"):
            assert r["imgs"] == 2, r  # 本年度项目金额 and the calculation text
        if r["file"].endswith(".txt"):
            assert r["imgs"] == 0
    assert sum(r["imgs"] for r in rows(page) if r["file"] == "zz_scanned_forms.pdf") == 2  # 项目编码 on the scan


def test_the_code_filter_hides_and_shows_rows(page):
    all_rows = rows(page)
    assert all(r["visible"] for r in all_rows)
    page.click("#nocodes")
    assert not any(r["visible"] for r in rows(page))
    page.check("input.codefilter[value=TOTAL_MISMATCH]")
    shown = [r for r in rows(page) if r["visible"]]
    assert shown and {r["code"] for r in shown} == {"TOTAL_MISMATCH"}
    assert len(shown) == sum(r["code"] == "TOTAL_MISMATCH" for r in all_rows)
    assert page.text_content("#shown") == str(len(shown))
    hidden_forms = page.evaluate("[...document.querySelectorAll('.form')].filter(s => s.offsetParent === null)"
                                 ".map(s => s.querySelector('.finding').dataset.code)")
    assert hidden_forms and "TOTAL_MISMATCH" not in hidden_forms
    page.click("#allcodes")
    assert all(r["visible"] for r in rows(page))


def test_the_file_filter_shows_one_files_rows(page):
    page.select_option("#filefilter", "golden_forms.pdf")
    shown = [r for r in rows(page) if r["visible"]]
    assert shown and {r["file"] for r in shown} == {"golden_forms.pdf"}
    assert len(shown) == sum(r["file"] == "golden_forms.pdf" for r in rows(page))
    page.select_option("#filefilter", "")
    assert all(r["visible"] for r in rows(page))


def test_json_links_open_each_forms_json(page, run_out):
    links = page.evaluate("[...document.querySelectorAll('.form .src a')].map(a => a.getAttribute('href'))")
    assert links
    for href in links:
        form = json.loads((run_out / href).read_text(encoding="utf-8"))
        assert form["findings"]


def test_report_command_writes_a_screenshot_of_the_first_screen(run_out, tmp_path):
    from PIL import Image

    png = tmp_path / "report.png"
    proc = subprocess.run([str(JIXIAO), "report", str(run_out), "--screenshot", str(png)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with Image.open(png) as im:
        assert im.size == (LAPTOP["width"], LAPTOP["height"])
        lo, hi = im.convert("L").getextrema()
        assert hi - lo > 100  # not a blank page
