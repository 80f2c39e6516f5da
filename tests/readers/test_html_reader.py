"""The HTML reader on pages written here (expected cells by hand)."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors.html import sniff_html_encoding

from .conftest import read_rows, texts


def _page(tmp_path: Path, body: str, encoding: str = "utf-8", head: str = "") -> Path:
    path = tmp_path / "p.html"
    path.write_bytes(f"<html><head>{head}</head><body>{body}</body></html>".encode(encoding))
    return path


def test_rowspan_and_colspan_are_placed_on_the_grid(tmp_path):
    body = """<table>
<tr><th>一级指标</th><th>二级指标</th><th>三级指标</th><th colspan="2">指标值</th></tr>
<tr><td rowspan="3">产出指标</td><td rowspan="2">*数量指标</td><td>发放人数</td><td>420人</td><td>甲</td></tr>
<tr><td>培训场次</td><td colspan="2">12场</td></tr>
<tr><td>质量指标</td><td>合格率</td><td>≥95%</td><td></td></tr>
</table>"""
    rows, ctx = read_rows(_page(tmp_path, body))
    assert texts(rows) == [
        [("一级指标", 0, 1), ("二级指标", 1, 1), ("三级指标", 2, 1), ("指标值", 3, 2)],
        [("产出指标", 0, 1), ("*数量指标", 1, 1), ("发放人数", 2, 1), ("420人", 3, 1), ("甲", 4, 1)],
        [("培训场次", 2, 1), ("12场", 3, 2)],
        [("质量指标", 1, 1), ("合格率", 2, 1), ("≥95%", 3, 1)],
    ]
    assert [r.line for r in rows] == [2, 3, 4, 5]  # the source line of each <tr>
    assert ctx.kind == "html"


def test_line_breaks_paragraphs_and_white_space_inside_cells(tmp_path):
    body = """<table><tr><td>测算依据</td><td><p>一、大学生实习<b>基地</b>补贴</p><p>二、产业园</p></td>
<td>第一行<br>第二行</td><td>深圳市福田区
    人力资源局 &nbsp; Human   Resources</td><td><!-- a comment -->&nbsp;</td></tr></table>"""
    rows, _ = read_rows(_page(tmp_path, body))
    assert texts(rows) == [[("测算依据", 0, 1), ("一、大学生实习基地补贴\n二、产业园", 1, 1), ("第一行\n第二行", 2, 1),
                            ("深圳市福田区人力资源局 Human Resources", 3, 1)]]


def test_titles_captions_layout_tables_and_scripts(tmp_path):
    body = """<table width="100%"><tr><td>导航：首页 &gt; 预算公开</td></tr><tr><td>
<h1>二级项目支出绩效目标申报表</h1>
<table><caption>（2025年度）</caption><tr><td>项目名称</td><td>英才荟经费</td></tr></table>
<p>备注：单位万元</p>
<table><tr><td>项目名称</td><td>档案数字化</td></tr></table>
</td></tr></table><script>document.write('<table><tr><td>x</td></tr></table>')</script>"""
    rows, _ = read_rows(_page(tmp_path, body))
    assert [[c.text for c in r.cells] for r in rows] == [
        ["导航：首页 > 预算公开"], ["二级项目支出绩效目标申报表"], ["（2025年度）"], ["项目名称", "英才荟经费"],
        ["备注：单位万元"], ["项目名称", "档案数字化"],
    ]


@pytest.mark.parametrize("encoding,head,expected", [
    ("gbk", '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gb18030"),
    ("gbk", '<meta charset="GBK">', "gb18030"),
    ("gb18030", "", "gb18030"),
    ("utf-8", "", "utf-8"),
    ("utf-8", '<meta charset="utf-8">', "utf-8"),
])
def test_charset_from_the_meta_tag_or_sniffed(tmp_path, encoding, head, expected):
    # 镕 is in GBK but not in GB2312: a page labelled gb2312 is read as its superset, as browsers do
    body = "<table><tr><td>项目名称</td><td>朱镕基路改造</td></tr></table>"
    path = _page(tmp_path, body, encoding, head)
    assert sniff_html_encoding(path.read_bytes(), ("utf-8", "gb18030")) == expected
    rows, _ = read_rows(path)
    assert texts(rows) == [[("项目名称", 0, 1), ("朱镕基路改造", 1, 1)]]
