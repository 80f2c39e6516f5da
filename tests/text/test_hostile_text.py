"""Hostile and broken text inputs: every file accounted for, nothing raised, nothing lost."""
import builtins
import errno
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from extractors import convert, iter_document
from pipeline.settings import Settings, TextDumpSettings
from synth.dump import render_dump
from synth.truth import random_forms


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(tmp_path, data):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    result = convert(path)  # must not raise, whatever the bytes
    _status_fits(result)


def _status_fits(result) -> None:
    """The status says what the result holds: forms read → ok (partial with errors); no form
    → neither: failed with its reason, or no_form when the file was read whole without error."""
    assert (result.status in ("ok", "partial")) == bool(result.forms), (result.status, result.errors)
    assert (result.status == "partial") == bool(result.forms and result.errors), (result.status, result.errors)
    assert result.status != "failed" or result.errors
    assert result.status != "no_form" or not result.errors


TWO_FORMS = list(random_forms(8, 2))
SNIFF = Settings(text=TextDumpSettings(sniff_bytes=1024))


def test_one_bad_byte_after_a_dump_keeps_every_line_before_it_and_names_its_line(tmp_path):
    """Regression: the text wrapper decodes ~8 KB ahead, so a bad byte at the end lost the
    block's lines before it (here the last form's last indicator rows) and the error named
    the block's first line, not the bad byte's."""
    text = render_dump(TWO_FORMS).rstrip("\n")
    path = tmp_path / "bad-byte.txt"
    path.write_bytes(text.encode("utf-8") + b"\n\xff\n")
    result = convert(path, SNIFF)
    bad_line = text.count("\n") + 2
    assert [e.message for e in result.errors] == [f"invalid utf-8 at line {bad_line}: invalid start byte"]
    assert result.status == "partial"
    want = [(i["level3"], i["value"], i["explanation"]) for i in TWO_FORMS[-1]["indicators"]]
    assert [(i.level3, i.value, i.explanation) for i in result.forms[-1].indicators] == want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=2000))
def test_random_bytes_after_a_dump_lose_no_form(tmp_path, junk):
    """Junk after the last form (a dump cut and glued, a disk error) never costs the forms
    read before it: both come out with their codes, and an error names where reading broke."""
    text = render_dump(TWO_FORMS)
    lines = text.count("\n") + 1
    path = tmp_path / "junk.txt"
    path.write_bytes(text.encode("utf-8") + b"\n" + junk)
    assert len(text.encode("utf-8")) > SNIFF.text.sniff_bytes  # the junk is past the sniffed head, as in a big dump
    result = convert(path, SNIFF)
    assert [f.header.project_code for f in result.forms] == [t["header"]["project_code"] for t in TWO_FORMS]
    assert [f.header.annual_amount for f in result.forms] == [Decimal(str(t["header"]["annual_amount"])) for t in TWO_FORMS]
    _status_fits(result)
    last = TWO_FORMS[-1]  # every line before the junk is read: the last form keeps its last indicator rows
    got = [(i.level3, i.value) for i in result.forms[-1].indicators][:len(last["indicators"])]
    assert got == [(i["level3"], i["value"]) for i in last["indicators"]]
    assert result.forms[-1].header.long_term_goal == last["header"]["long_term_goal"]
    for e in result.errors:  # reading broke in the junk, not before it
        assert "line" in e.message and int(e.message.split("line ")[1].split()[0].rstrip(":")) > lines, e.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=30), max_size=6), max_size=40))
def test_random_cells_never_raise(tmp_path, rows):
    path = tmp_path / "cells.txt"
    head = ["二级项目支出绩效目标申报表", "项目编码：\t1\t\t项目名称：\t测试"]
    path.write_bytes("\n".join(head + ["\t".join(r) for r in rows]).encode("utf-8", "surrogatepass"))
    result = convert(path)
    _status_fits(result)
    text = "".join("".join(r) for r in rows)
    if "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text):
        # NUL or a byte sequence that is not UTF-8 (a lone surrogate) in the sniffed head: not a dump
        assert not result.forms, result.forms[0].header
        return
    assert result.forms, result.errors  # the head alone is a form, whatever follows it
    first = result.forms[0].header
    assert first.project_code == "1" and (first.project_name or "").startswith("测试"), first


def test_dump_cut_mid_form_keeps_every_complete_form_and_the_partial_one(tmp_path):
    truths = list(random_forms(3, 3))
    text = render_dump(truths)
    cut = text[: text.index("测算依据", text.index(truths[2]["header"]["project_code"]))]
    path = tmp_path / "cut.txt"
    path.write_text(cut, encoding="utf-8")
    result = convert(path)
    assert len(result.forms) == 3
    assert [f.header.project_code for f in result.forms] == [t["header"]["project_code"] for t in truths]
    last = {f.field for f in result.forms[2].findings if f.code == "MISSING_FIELD"}
    assert {"calculation_basis", "annual_goal", "indicators"} <= last
    assert not [f for f in result.forms[0].findings if f.code == "MISSING_FIELD"]


def test_dump_cut_inside_a_multibyte_character(tmp_path):
    data = render_dump(list(random_forms(4, 2))).encode("utf-8")
    path = tmp_path / "cut.txt"
    path.write_bytes(data[:-2])  # the last character loses a byte
    result = convert(path)
    assert len(result.forms) == 2 and result.status == "partial"
    assert "invalid utf-8" in result.errors[0].message


def test_file_that_vanishes_between_discovery_and_reading(tmp_path):
    path = tmp_path / "gone.txt"
    path.write_text("x", encoding="utf-8")
    doc = iter_document(path)
    path.unlink()
    assert list(doc.forms()) == [] and doc.status == "failed"
    assert "No such file" in doc.errors[0].message


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "locked.txt"
    path.write_text(render_dump(list(random_forms(5, 1))), encoding="utf-8")
    real_open = builtins.open

    def deny(file, *args, **kwargs):  # root reads any mode bits, so deny like the kernel would
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def deny_os(file, *args, **kwargs):  # the hash opens a descriptor first (one open per file)
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    monkeypatch.setattr(os, "open", deny_os)
    result = convert(path)
    assert result.status == "failed" and "Permission denied" in result.error_line


def test_the_hash_and_head_come_from_one_open_and_a_folder_or_fifo_fails_without_a_descriptor_left(tmp_path):
    """``file_sha256_head`` (the flow's and the document's one open of a file): the hash is
    sha256 of the bytes and the head their first 4096; a folder or a FIFO raises "not a
    regular file" at once (a FIFO opened for reading would block) and leaves no descriptor open."""
    import hashlib

    from pipeline.convert import file_sha256_head

    data = ("项目名称\t人民调解经费\n" * 700).encode("utf-8")
    (tmp_path / "a.txt").write_bytes(data)
    assert file_sha256_head(tmp_path / "a.txt") == (hashlib.sha256(data).hexdigest(), data[:4096])
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "folder").mkdir()
    open_before = len(os.listdir("/proc/self/fd"))
    for name in ("pipe", "folder"):
        with pytest.raises(OSError, match="not a regular file"):
            file_sha256_head(tmp_path / name)
    assert len(os.listdir("/proc/self/fd")) == open_before
