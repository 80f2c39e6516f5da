"""Text dumps in every encoding and with every quirk the budget system produces, written by
the tests themselves from random truth (synth/), then read back and scored field by field."""
import codecs

import pytest

from extractors import convert
from flows.evaluate import score
from synth.dump import DumpStyle
from synth.truth import random_forms

TRUTHS = list(random_forms(seed=7, n=4))


def assert_exact(path, truths):
    result = convert(path)
    assert result.status == "ok", result.errors
    report = score(truths, result.forms)
    assert report.forms_found == len(truths) == len(result.forms)
    assert report.header_accuracy == 1.0, report.misses[:5]
    assert report.indicator_accuracy == 1.0, report.misses[:5]
    return result


@pytest.mark.parametrize("encoding, bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
])
def test_every_encoding(write_dump, encoding, bom):
    assert_exact(write_dump(TRUTHS, encoding=encoding, bom=bom), TRUTHS)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_ends(write_dump, newline):
    assert_exact(write_dump(TRUTHS, style=DumpStyle(newline=newline)), TRUTHS)


@pytest.mark.parametrize("style", [
    DumpStyle(code_label="项目编号"),
    DumpStyle(colon=":"),
    DumpStyle(label_spaces=True),
    DumpStyle(spaced_amounts=True),
    DumpStyle(thousands=False),
    DumpStyle(markup=True),
    DumpStyle(code_label="项目编号", colon=":", label_spaces=True, spaced_amounts=True, markup=True, newline="\r\n"),
], ids=lambda s: ",".join(f"{k}={v!r}" for k, v in vars(s).items() if v != getattr(DumpStyle(), k)))
def test_quirks(write_dump, style):
    assert_exact(write_dump(TRUTHS, style=style), TRUTHS)


def test_markup_and_entities_inside_cells(tmp_path):
    lines = ["二级项目支出绩效目标申报表", "项目编码：\t123\t\t项目名称：\t<b>测试</b>&nbsp;项目",
             "测算依据：\t<p>一、补贴&lt;A&gt;</p><br/><p>二、100人*50元=5000元</p>",
             "一级指标\t二级指标\t三级指标\t指标值\t指标解释", "产出指标\t*数量指标\t人数\t100人\t人数"]
    path = tmp_path / "m.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    form = convert(path).forms[0]
    assert form.header.project_name == "测试 项目"
    assert form.header.calculation_basis == "一、补贴<A> 二、100人*50元=5000元"
    assert [f.value for t in form.calculation.terms for f in t.factors] == [100, 50]


def test_amounts_yes_no_and_type_as_in_the_contract(sample_path):
    forms = convert(sample_path).forms
    assert str(forms[0].header.total_amount) == "9528.09"      # written "9, 528. 09"
    assert str(forms[1].header.annual_amount) == "1025.16"     # written "1,025.16"
    assert forms[9].header.annual_amount == 50000              # written "50,000.00"
    assert forms[0].header.is_new_project is False
    assert (forms[0].header.project_type_code, forms[0].header.project_type_name) == ("01", "其他项目")
    assert forms[2].header.project_code == "440304231230301005000"  # label 项目编号


def test_form_missing_fields_still_comes_out(tmp_path):
    path = tmp_path / "partial.txt"
    path.write_text("二级项目支出绩效目标申报表\n项目名称：\t只有名称\n", encoding="utf-8")
    result = convert(path)
    assert result.status == "ok" and len(result.forms) == 1
    missing = {f.field for f in result.forms[0].findings if f.code == "MISSING_FIELD"}
    assert "project_code" in missing and "annual_amount" in missing and "project_name" not in missing


def test_forms_without_title_rows_are_split_at_repeated_labels(write_dump, tmp_path):
    path = write_dump(TRUTHS)
    stripped = tmp_path / "notitle.txt"
    stripped.write_text("\n".join(l for l in path.read_text(encoding="utf-8").splitlines()
                                  if "申报表" not in l), encoding="utf-8")
    assert_exact(stripped, TRUTHS)


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"\x00\x01\x02\xff\xfe\x00binary" * 50, "binary data"),
    (b"\x80\xff" * 200, "not text"),  # neither UTF-8 nor GB18030
])
def test_bad_inputs_fail_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    result = convert(path)
    assert result.status == "failed"
    assert reason in result.error_line
    assert result.forms == []


def test_a_readable_text_without_a_form_is_no_form_not_failed(tmp_path):
    path = tmp_path / "invoice.txt"
    path.write_bytes("这是一张发票，金额100元。\n".encode("utf-8") * 20)
    result = convert(path)
    assert (result.status, result.forms, result.errors, result.error_line) == ("no_form", [], [], None)


def test_evaluation_counts_extra_and_missing_rows(write_dump):
    from flows.evaluate import score

    result = convert(write_dump(TRUTHS[:1]))
    fewer = {**TRUTHS[0], "indicators": TRUTHS[0]["indicators"][:-1]}
    report = score([fewer], result.forms)
    assert report.extra_rows == 1 and report.indicator_accuracy < 1.0
    assert score(TRUTHS[:1], result.forms).indicator_accuracy == 1.0
