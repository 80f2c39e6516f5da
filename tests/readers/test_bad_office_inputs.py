"""Bad workbooks, Word documents and web pages: one line naming the file, the batch goes on;
and every input sniffed by its content, whatever its name."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from extractors import detect_type
from extractors import convert
from pipeline.settings import Settings
from synth.ole import encrypted_ooxml, word97_doc

from .conftest import read_rows

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "extract", *args, "--format", "jsonl"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def _empty_workbook(path: Path) -> Path:
    from openpyxl import Workbook

    Workbook().save(path)
    return path


@pytest.fixture
def bad_files(tmp_path, xlsx_docs, docx_docs) -> dict[str, Path]:
    good_xlsx, good_docx = xlsx_docs["golden"][0], docx_docs["golden"][0]
    files = {
        "truncated.xlsx": good_xlsx.read_bytes()[: good_xlsx.stat().st_size // 2],
        "truncated.docx": good_docx.read_bytes()[: good_docx.stat().st_size // 2],
        "locked.xlsx": encrypted_ooxml(),
        "locked.docx": encrypted_ooxml(),
        "old.doc": word97_doc(),
        "broken.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "undecodable.html": b"<html><body><table><tr><td>\xff\xfe\xff</td></tr></table></body></html>",
        "empty.html": b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>",
    }
    out = {}
    for name, data in files.items():
        out[name] = tmp_path / name
        out[name].write_bytes(data)
    out["empty.xlsx"] = _empty_workbook(tmp_path / "empty.xlsx")
    other = tmp_path / "not-a-workbook.xlsx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "hello")
    out["not-a-workbook.xlsx"] = other
    return out


EXPECTED = {
    "truncated.xlsx": "corrupt workbook (.xlsx)",
    "truncated.docx": "corrupt Word document (.docx)",
    "locked.xlsx": "encrypted (password-protected)",
    "locked.docx": "encrypted (password-protected)",
    "old.doc": "Word 97-2003 .doc",
    "broken.xls": "corrupt OLE2",
    "undecodable.html": "not text in any of utf-8, gb18030",
    "empty.html": "empty web page",
    "empty.xlsx": "empty workbook",
    "not-a-workbook.xlsx": "corrupt workbook (.xlsx): the zip has no xl/workbook.xml",
}


def test_each_bad_office_file_is_one_line_naming_it_and_the_batch_goes_on(bad_files, xlsx_docs):
    good, truths = xlsx_docs["golden"]
    names = sorted(bad_files)
    proc = _run(*(str(bad_files[n]) for n in names), str(good))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(names), proc.stderr
    for name, line in zip(names, lines):
        assert line.startswith(f"{bad_files[name]}: "), line
        assert EXPECTED[name] in line, line
        assert "Traceback" not in line
    assert len(proc.stdout.strip().splitlines()) == len(truths)  # the good workbook's forms still come out


def test_a_sheet_over_the_cell_limit_is_skipped_with_a_line_naming_it(xlsx_docs):
    path, truths = xlsx_docs["golden"]
    settings = Settings().with_overrides(["office.max_cells=40"])
    result = convert(path, settings)
    assert result.status == "failed" and result.forms == []
    assert "has more than 40 cells (office.max_cells); skipped" in result.error_line


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_it_is_parsed(xlsx_docs):
    path, _ = xlsx_docs["golden"]
    result = convert(path, Settings().with_overrides(["office.max_unzipped_bytes=10000"]))
    assert result.status == "failed"
    assert "over the limit of 10000 (office.max_unzipped_bytes)" in result.error_line


def test_a_docx_table_over_the_cell_limit_is_skipped(docx_docs):
    path, _ = docx_docs["golden"]
    result = convert(path, Settings().with_overrides(["office.max_cells=50"]))
    assert result.forms == [] and "(office.max_cells); skipped" in result.error_line


def test_inputs_are_sniffed_by_content_not_by_name(tmp_path, xlsx_docs, docx_docs, html_docs):
    xlsx, docx, html = xlsx_docs["golden"][0], docx_docs["golden"][0], html_docs["golden"][0]
    renamed = {"workbook.dat": (xlsx, "xlsx"), "table.txt": (docx, "docx"), "page.xls": (html, "html"),
               "page.txt": (html, "html")}
    for name, (src, kind) in renamed.items():
        dst = tmp_path / name
        dst.write_bytes(src.read_bytes())
        assert detect_type(dst, dst.read_bytes()[:4096]) == kind, name
        result = convert(dst)
        assert result.status == "ok" and result.kind == kind and len(result.forms) == 10, name
    ole = tmp_path / "anything.bin"
    ole.write_bytes(word97_doc())
    assert detect_type(ole, ole.read_bytes()[:4096]) == "xls"  # the OLE2 reader names what it is


def test_an_excel_export_that_is_really_a_web_page_is_read_as_html(tmp_path):
    """Budget systems' "导出Excel" often writes an HTML table under an .xls name."""
    page = ('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="gbk"></head><body>'
            '<table><tr><td colspan="4">二级项目支出绩效目标申报表</td></tr>'
            '<tr><td>项目名称</td><td>福田区人才引进补贴</td><td>申请单位</td><td>深圳市福田区人力资源局</td></tr>'
            '</table></body></html>')
    path = tmp_path / "export.xls"
    path.write_bytes(page.encode("gbk"))
    result = convert(path)
    assert result.kind == "html" and len(result.forms) == 1
    assert result.forms[0].header.project_name == "福田区人才引进补贴"
    assert result.forms[0].header.applicant_unit == "深圳市福田区人力资源局"


def test_text_dumps_are_still_text(sample_path):
    assert detect_type(sample_path, sample_path.read_bytes()[:4096]) == "text"


from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

_MARKUP = st.lists(st.sampled_from(["<table>", "</table>", "<tr>", "</tr>", "<td>", "</td>", '<td rowspan="3">',
                                    '<td colspan="999999">', '<td rowspan="x">', "<br>", "<p>", "</p>", "<caption>",
                                    "项目名称", "二级项目支出绩效目标申报表", "&nbsp;", "&#0;", "\n", "一级指标"]),
                   max_size=40).map("".join)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_MARKUP, junk=st.binary(max_size=40))
def test_any_markup_gives_rows_or_one_input_error(tmp_path, body, junk):
    from pipeline.errors import JixiaoError

    path = tmp_path / "fuzz.html"
    path.write_bytes(b"<html><body>" + body.encode("utf-8") + junk)
    try:
        rows, _ = read_rows(path)
    except JixiaoError:
        return
    assert all(c.text and c.colspan >= 1 for r in rows for c in r.cells)


def _mutations(data: bytes, rng) -> bytes:
    import io

    mode = rng.choice(["flip", "cut", "part"])
    b = bytearray(data)
    if mode == "flip":
        for _ in range(rng.randint(1, 20)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if mode == "cut" or not data.startswith(b"PK"):
        return bytes(b[: rng.randrange(len(b))])
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    victim = rng.choice(src.namelist())
    with zipfile.ZipFile(out, "w") as dst:  # one part cut short and followed by junk
        for name in src.namelist():
            part = src.read(name)
            if name == victim:
                part = part[: rng.randrange(len(part) + 1)] + bytes(rng.randrange(256) for _ in range(10))
            dst.writestr(name, part)
    return out.getvalue()


def test_damaged_workbooks_and_documents_never_escape_as_exceptions(tmp_path, xlsx_docs, xls_docs, docx_docs,
                                                                      spreadsheetml_docs):
    """Bit flips, cuts and damaged zip parts (a bad CRC once escaped from the .xlsx reader):
    every result is ok, partial or failed with a reason."""
    import random

    rng = random.Random(5)
    for docs in (xlsx_docs, xls_docs, docx_docs, spreadsheetml_docs):
        good = docs["golden"][0]
        data = good.read_bytes()
        for i in range(15):
            path = tmp_path / f"damaged-{i}{good.suffix}"
            path.write_bytes(_mutations(data, rng))
            result = convert(path)
            assert result.status in ("ok", "partial", "failed")
            if result.status != "ok":
                assert result.error_line


def test_bad_crc_in_one_sheet_is_that_sheets_error_and_the_others_are_read(tmp_path, xlsx_docs):
    """Regression: zipfile's "Bad CRC-32" on reading one sheet part escaped the reader."""
    good, truths = xlsx_docs["golden"]
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(stored, "w") as dst:
        for item in src.infolist():
            dst.writestr(item.filename, src.read(item), compress_type=zipfile.ZIP_STORED)
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x01  # one bit of the sheet's text: its CRC no longer matches
    damaged = tmp_path / "bad-crc.xlsx"
    damaged.write_bytes(bytes(data))
    result = convert(damaged)
    on_sheet1 = sum(1 for t in truths if t["source"]["pages"] == [1])
    assert result.status == "partial" and len(result.forms) == len(truths) - on_sheet1
    assert "Bad CRC-32" in result.errors[0].message and result.errors[0].page == 1
