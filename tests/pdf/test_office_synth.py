"""synth.office: the documents LibreOffice lays out carry the truth they were made from."""
from __future__ import annotations

import re

import pdfplumber
import pypdfium2 as pdfium

from synth.office import OfficeStyle

from .conftest import OFFICE_DOCS


def _page_texts(pdf) -> list[str]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        return ["".join(doc[k].get_textpage().get_text_range().split()) for k in range(len(doc))]
    finally:
        doc.close()


def test_every_form_is_on_the_pages_its_truth_names(office_docs):
    for name, (pdf, truth) in office_docs.items():
        texts = _page_texts(pdf)
        n_pages = len(texts)
        covered = set()
        for t in truth:
            pages = t["source"]["pages"]
            assert pages == list(range(pages[0], pages[-1] + 1)), (name, pages)
            # the title may end a page and the table begin on the next
            assert t["header"]["project_code"] in "".join(texts[p - 1] for p in pages[:2]), (name, t["form_index"])
            assert t["header"]["project_name"] in "".join(texts[p - 1] for p in pages), (name, t["form_index"])
            covered.update(pages)
        assert covered == set(range(1, n_pages + 1)), name


def test_orientation_fonts_and_rules_are_as_asked(office_docs):
    expect_fonts = {"wqy": "WenQuanYi", "uming": "UMing", "ukai": "UKai", "notosans": "NotoSansCJK",
                    "notoserif": "NotoSerifCJK"}
    for name, (producer, _, _, style) in OFFICE_DOCS.items():
        pdf, _ = office_docs[name]
        with pdfplumber.open(pdf) as doc:
            landscape = {p.width > p.height for p in doc.pages}
            widths = {round(e.get("linewidth") or 0, 2) for p in doc.pages[:2] for e in p.edges}
        fonts = {m.decode() for m in re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", pdf.read_bytes())}
        assert landscape == {style.get("orientation") == "landscape"}, name
        for f in style.get("fonts", OfficeStyle().fonts):
            assert any(expect_fonts[f] in x.replace("-", "").replace(" ", "") for x in fonts), (name, f, fonts)
        if producer == "writer":
            assert widths and max(widths) <= 0.75, (name, widths)


def test_writer_breaks_rows_inside_their_cells(office_docs):
    """A page of the Writer export starts with the rest of a row whose first lines end the page
    before: its first text line is not a label, a column header or a title."""
    pdf, truth = office_docs["writer"]
    starts = set()
    with pdfplumber.open(pdf) as doc:
        for p in doc.pages[1:8]:
            top = p.crop((0, 0, p.width, 90))
            words = sorted(top.extract_words(), key=lambda w: (round(w["top"]), w["x0"]))
            if words:
                starts.add(words[0]["text"][:4])
    labels = {"一级指标", "二级项目", "项目编码", "政策依据", "测算依据", "年度目标", "长期目标"}
    assert starts - labels, starts
