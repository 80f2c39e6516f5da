"""Excel 2003 XML spreadsheets (SpreadsheetML) written here by hand (expected cells by hand)."""
from __future__ import annotations

from extractors import detect_type

from .conftest import read_rows, texts

DOC = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles><Style ss:ID="s1"><NumberFormat ss:Format="Percent"/></Style>
  <Style ss:ID="s2"><NumberFormat ss:Format="#,##0.00"/></Style>
  <Style ss:ID="s3"><NumberFormat ss:Format="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></Style></Styles>
 <Worksheet ss:Name="表"><Table>
  <Row><Cell ss:MergeAcross="3"><Data ss:Type="String">二级项目支出绩效目标申报表</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">项目总金额</Data></Cell><Cell ss:StyleID="s2"><Data ss:Type="Number">9528.085</Data></Cell>
   <Cell ss:StyleID="s3"><Data ss:Type="DateTime">2026-01-01T00:00:00.000</Data></Cell></Row>
  <Row ss:Index="4"><Cell ss:MergeDown="1"><Data ss:Type="String">产出指标</Data></Cell>
   <Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>数量</B>指标</ss:Data></Cell>
   <Cell ss:StyleID="s1"><Data ss:Type="Number">0.955</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">质量指标</Data></Cell><Cell><Data ss:Type="Number">440304241230</Data></Cell></Row>
 </Table></Worksheet>
 <Worksheet ss:Name="hidden"><Table><Row><Cell><Data ss:Type="String">是</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>
 </Worksheet>
</Workbook>
"""


def test_merges_row_indices_rich_text_and_named_formats(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text(DOC, encoding="utf-8")
    assert detect_type(path, path.read_bytes()[:4096]) == "xml-spreadsheet"
    rows, ctx = read_rows(path)
    assert ctx.kind == "xls" and not ctx.errors
    assert texts(rows) == [
        [("二级项目支出绩效目标申报表", 0, 4)],
        [("项目总金额", 0, 1), ("9,528.09", 1, 1), ("2026年1月1日", 2, 1)],
        [("产出指标", 0, 1), ("数量指标", 1, 1), ("95.50%", 2, 1)],
        [("质量指标", 1, 1), ("440304241230", 2, 1)],  # moved past the MergeDown; the hidden sheet not read
    ]
    assert [r.line for r in rows] == [1, 2, 4, 5]
