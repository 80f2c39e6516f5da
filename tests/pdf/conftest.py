"""PDF fixtures, generated into temporary folders by synth.pdf with their truth."""
from __future__ import annotations

from pathlib import Path

import pytest

from flows.evaluate import score
from synth.pdf import PdfStyle, render_pdf
from synth.truth import load_golden, random_forms

def differences(truths: list[dict], forms) -> list[str]:
    """Header and indicator differences between truth records and extracted forms, compared
    as the golden check compares them (flows.evaluate.score)."""
    report = score(truths, forms)
    diffs = [] if len(forms) == len(truths) else [f"forms: expected {len(truths)}, got {len(forms)}"]
    return diffs + [f"form {m.form} {m.field}: expected {m.expected!r}, got {m.got!r}" for m in report.misses]


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="session")
def golden_pdf(pdf_dir) -> tuple[Path, list[dict]]:
    """The sample dump's ten forms as one PDF (repeated header rows, split rows)."""
    path = pdf_dir / "golden.pdf"
    return path, render_pdf(load_golden(), path, seed=1)


@pytest.fixture(scope="session")
def many_forms_pdf(pdf_dir) -> tuple[Path, list[dict]]:
    """32 random forms in one PDF: no repeated header, rows split at breaks, rectangles,
    narrow wrapped labels, a gap between the header block and the indicator table."""
    path = pdf_dir / "many.pdf"
    style = PdfStyle(fonts=("uming", "wqymono"), repeat_header=False, split_rows=True, narrow_labels=True,
                     rule_with="rects", gap_before_indicators=8.0, font_size=10.0)
    return path, render_pdf(list(random_forms(7, 32)), path, seed=7, style=style)


@pytest.fixture(scope="session")
def golden_result(golden_pdf):
    from extractors import convert

    return convert(golden_pdf[0])


# --------------------------------------------------------------------------- office-suite exports

OFFICE_DOCS = {
    # name: (producer, truths, seed, style) -- all converted by one soffice call per session
    "writer": ("writer", "golden+10", 21, dict(fonts=("wqy", "uming", "notosans"), repeat_header=True)),
    "writer_landscape": ("writer", "10", 22, dict(fonts=("ukai", "notoserif"), orientation="landscape",
                                                  repeat_header=False, title_in_table=True)),
    "writer_small": ("writer", "4", 23, dict(fonts=("notosans", "wqy"), font_size=9.0, repeat_header=False,
                                              page_per_form=True, thousands=False, colon=":")),
    "calc": ("calc", "golden+20", 7, {}),  # as `python -m synth.office OUT --golden --forms 20 --producer calc --seed 7`
    "calc_sheets": ("calc", "10", 25, dict(fonts=("notoserif", "ukai"), orientation="landscape",
                                           sheet_per_form=True, code_label="项目编号")),
    "narrow_writer": ("writer", "12", 31, dict(widths=(8, 14, 30, 18, 30), valign="top", repeat_header=False)),
    "narrow_calc": ("calc", "12", 31, dict(widths=(8, 14, 30, 18, 30), valign="top")),
    "writer_spaced": ("writer", "4", 41, dict(fonts=("ukai", "notosans"), spaced_cjk=True, letter_spacing_pt=1.0)),
}
# one form each, whose last page holds a few glyphs of the form's last row (found by trying
# seeds 100-159 with this style; the test checks that the page really is that short)
SHORT_LAST_PAGE = {123: "计", 127: "度指标度统计", 133: "标", 152: "政策知晓率100%政策知晓率，按季度统计"}
for _seed in SHORT_LAST_PAGE:
    OFFICE_DOCS[f"short_last_page_{_seed}"] = ("writer", "1", _seed, dict(fonts=("notoserif",), font_size=12.0,
                                                                         repeat_header=False))


@pytest.fixture(scope="session")
def office_docs(tmp_path_factory) -> dict[str, tuple[Path, list[dict]]]:
    """Forms laid out by LibreOffice Writer and Calc (synth.office), made once per session:
    name -> (pdf, truth with source.pages)."""
    import shutil

    from synth.office import OfficeJob, OfficeStyle, render_office_batch

    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) not installed")
    out = tmp_path_factory.mktemp("office")
    jobs = []
    for name, (producer, what, seed, style) in OFFICE_DOCS.items():
        truths = (load_golden() if what.startswith("golden") else []) + list(random_forms(seed, int(what.split("+")[-1])))
        for k, t in enumerate(truths):
            t["form_index"] = k
        jobs.append(OfficeJob(truths, out / f"{name}.pdf", producer, seed, OfficeStyle(**style)))
    results = render_office_batch(jobs)
    return {name: (job.out_pdf, res) for name, job, res in zip(OFFICE_DOCS, jobs, results)}


@pytest.fixture(scope="session")
def office_results(office_docs):
    """convert() of every office document, once per session: name -> DocumentResult."""
    from extractors import convert

    return {name: convert(pdf) for name, (pdf, _) in office_docs.items()}
