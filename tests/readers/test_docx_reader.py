"""The .docx reader on documents built here (expected cells by hand)."""
from __future__ import annotations

import copy
from pathlib import Path

from .conftest import read_rows, texts


def _document(path: Path, build) -> Path:
    import docx

    document = docx.Document()
    build(document)
    document.save(str(path))
    return path


def test_gridspan_vmerge_and_paragraphs_in_a_cell(tmp_path):
    def build(document):
        document.add_paragraph("二级项目支出绩效目标申报表")
        document.add_paragraph("填报单位：福田区人力资源局\t\t金额单位：万元")
        t = document.add_table(rows=4, cols=4)
        t.cell(0, 0).text, t.cell(0, 1).text = "测算依据", "一、大学生实习基地补贴"
        t.cell(0, 1).add_paragraph("二、人力资源产业园")
        t.cell(0, 1).merge(t.cell(0, 3))
        t.cell(1, 0).text, t.cell(1, 1).text, t.cell(1, 2).text = "一级指标", "二级指标", "三级指标"
        merged = t.cell(2, 0).merge(t.cell(3, 0))
        merged.text = "产出指标"
        t.cell(2, 1).text, t.cell(2, 2).text = "*数量指标", "发放人数"
        t.cell(3, 1).text, t.cell(3, 2).text = "质量指标", "合格率"
        run = t.cell(3, 3).paragraphs[0].add_run("≥95%")
        run.add_break()
        t.cell(3, 3).paragraphs[0].add_run("按年度统计")

    rows, ctx = read_rows(_document(tmp_path / "t.docx", build))
    assert texts(rows) == [
        [("二级项目支出绩效目标申报表", 0, 1)],
        [("填报单位：福田区人力资源局", 0, 1), ("金额单位：万元", 2, 1)],
        [("测算依据", 0, 1), ("一、大学生实习基地补贴\n二、人力资源产业园", 1, 3)],
        [("一级指标", 0, 1), ("二级指标", 1, 1), ("三级指标", 2, 1)],
        [("产出指标", 0, 1), ("*数量指标", 1, 1), ("发放人数", 2, 1)],
        [("质量指标", 1, 1), ("合格率", 2, 1), ("≥95%\n按年度统计", 3, 1)],  # the merge's second row: no 一级 cell
    ]
    assert ctx.kind == "docx" and all(r.page is None for r in rows)
    assert [r.line for r in rows] == [1, 2, 3, 4, 5, 6]


def test_grid_before_content_controls_and_deleted_text(tmp_path):
    """A row that starts at a later grid column (w:gridBefore), a cell inside a content control
    (w:sdt), and tracked deletions (w:del) that are not part of the text."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    def build(document):
        t = document.add_table(rows=1, cols=3)
        t.cell(0, 0).text, t.cell(0, 1).text, t.cell(0, 2).text = "项目名称", "英才荟经费", "备注"
        tr = copy.deepcopy(t.rows[0]._tr)
        tcs = tr.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tc")
        tr.remove(tcs[0])
        tr.insert(0, parse_xml(f'<w:trPr {nsdecls("w")}><w:gridBefore w:val="1"/></w:trPr>'))
        sdt = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtContent/></w:sdt>')
        tr.replace(tcs[2], sdt)
        sdt[0].append(tcs[2])
        p = tcs[1].find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p")
        p.append(parse_xml(f'<w:del {nsdecls("w")} w:id="1" w:author="a"><w:r><w:delText>旧</w:delText></w:r></w:del>'))
        t._tbl.append(tr)

    rows, _ = read_rows(_document(tmp_path / "g.docx", build))
    assert texts(rows) == [
        [("项目名称", 0, 1), ("英才荟经费", 1, 1), ("备注", 2, 1)],
        [("英才荟经费", 1, 1), ("备注", 2, 1)],
    ]


def test_several_forms_in_one_document(docx_docs):
    from extractors import convert

    path, truths = docx_docs["random"]
    result = convert(path)
    assert [f.header.project_name for f in result.forms] == [t["header"]["project_name"] for t in truths]


def test_automatic_list_numbers_are_shown_as_word_shows_them(tmp_path):
    """Word keeps a list's 一、/（1） in numbering.xml, not in the text: the reader puts them
    back, counting per list and restarting a level under a new item of the level above."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    w = nsdecls("w")

    def build(document):
        numbering = document.part.numbering_part.element
        numbering.insert(0, parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="77">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="（%2）"/></w:lvl>'
            '</w:abstractNum>'))
        numbering.append(parse_xml(f'<w:num {w} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))
        cell = document.add_table(rows=1, cols=2).cell(0, 1)
        document.tables[0].cell(0, 0).text = "测算依据"
        items = [(0, "大学生实习基地补贴400万元"), (0, "人力资源产业园："), (1, "园区运营支持100万元"),
                 (1, "项目引进支持20万元"), (None, "以上共计"), (0, "市场化引才奖励"), (1, "2人*5万元/人=10万元")]
        for k, (level, text) in enumerate(items):
            para = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
            para.add_run(text)
            if level is not None:
                para._p.get_or_add_pPr().append(parse_xml(
                    f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="77"/></w:numPr>'))

    rows, _ = read_rows(_document(tmp_path / "numbered.docx", build))
    assert rows[0].cells[1].text.split("\n") == [
        "一、大学生实习基地补贴400万元", "二、人力资源产业园：", "（1）园区运营支持100万元", "（2）项目引进支持20万元",
        "以上共计", "三、市场化引才奖励", "（1）2人*5万元/人=10万元"]
