"""Forms through each new reader, scored against the truth they were made from (the issue's
targets: >= 99% header fields and >= 98% indicator rows exact for xlsx, xls, docx and HTML)."""
from __future__ import annotations

import pytest

from extractors import convert
from flows.evaluate import score

HEADER_TARGET, INDICATOR_TARGET = 0.99, 0.98


def _check(path, truths, kind):
    result = convert(path)
    assert result.status == "ok", result.errors
    assert result.kind == kind
    assert len(result.forms) == len(truths)
    assert all(f.source.kind == kind for f in result.forms)
    report = score(truths, result.forms)
    misses = [f"{m.form} {m.field}: {m.expected!r} != {m.got!r}" for m in report.misses[:5]]
    assert report.header_accuracy >= HEADER_TARGET, misses
    assert report.indicator_accuracy >= INDICATOR_TARGET, misses
    return result, report


@pytest.mark.parametrize("name", ["golden", "random"])
def test_xlsx_forms_match_truth(xlsx_docs, name):
    path, truths = xlsx_docs[name]
    result, _ = _check(path, truths, "xlsx")
    # a form's pages are the sheets it is on
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truths]


@pytest.mark.parametrize("name", ["golden", "random"])
def test_xls_saved_by_libreoffice_match_truth(xls_docs, name):
    path, truths = xls_docs[name]
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    result, _ = _check(path, truths, "xls")
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truths]


@pytest.mark.parametrize("name", ["golden", "random"])
def test_docx_forms_match_truth(docx_docs, name):
    path, truths = docx_docs[name]
    _check(path, truths, "docx")


@pytest.mark.parametrize("name", ["golden", "random", "random-gb18030-no-meta", "random-utf8-bom"])
def test_html_forms_match_truth(html_docs, name):
    path, truths = html_docs[name]
    _check(path, truths, "html")


def test_golden_sample_forms_are_exact_in_every_format(xlsx_docs, xls_docs, spreadsheetml_docs, docx_docs,
                                                        html_docs):
    """The ten real sample forms come out of a workbook, an .xls, an Excel 2003 XML file, a
    Word table and a web page with every header field and indicator row as hand-checked (not
    merely above the target), the calculation total of the golden file, and exactly the
    arithmetic findings the golden file names."""
    arithmetic = {"ARITHMETIC_MISMATCH", "TOTAL_MISMATCH", "UNIT_SUSPECT"}
    for docs in (xlsx_docs, xls_docs, spreadsheetml_docs, docx_docs, html_docs):
        path, truths = docs["golden"]
        forms = convert(path).forms
        report = score(truths, forms)
        assert (report.header_exact, report.indicator_exact) == (150, 108), (path.name, report.misses[:3])
        assert [float(f.calculation.total_yuan) for f in forms] == [t["calculation"]["total_yuan"] for t in truths]
        assert [sorted(x.code for x in f.findings if x.code in arithmetic) for f in forms] == \
            [sorted(t["finding_codes"]) for t in truths], path.name


@pytest.mark.parametrize("name", ["golden", "random"])
def test_excel_2003_xml_spreadsheets_match_truth(spreadsheetml_docs, name):
    path, truths = spreadsheetml_docs[name]
    result, _ = _check(path, truths, "xls")
    assert [f.source.pages for f in result.forms] == [t["source"]["pages"] for t in truths]
