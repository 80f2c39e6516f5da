"""Hostile and broken text inputs: every file accounted for, nothing raised, nothing lost."""
import builtins
import errno

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.convert import convert, iter_document
from synth.dump import render_dump
from synth.truth import random_forms


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(tmp_path, data):
    path = tmp_path / "fuzz.txt"
    path.write_bytes(data)
    result = convert(path)  # must not raise, whatever the bytes
    assert result.status in ("ok", "partial", "failed", "no_form")
    assert result.status != "failed" or result.errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.text(max_size=30), max_size=6), max_size=40))
def test_random_cells_never_raise(tmp_path, rows):
    path = tmp_path / "cells.txt"
    head = ["二级项目支出绩效目标申报表", "项目编码：\t1\t\t项目名称：\t测试"]
    path.write_bytes("\n".join(head + ["\t".join(r) for r in rows]).encode("utf-8", "surrogatepass"))
    result = convert(path)
    assert result.status in ("ok", "partial", "failed", "no_form")


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

    monkeypatch.setattr(builtins, "open", deny)
    result = convert(path)
    assert result.status == "failed" and "Permission denied" in result.error_line
