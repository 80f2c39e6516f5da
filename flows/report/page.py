"""report.html: one self-contained page (inline CSS and plain JS; crops and per-form JSON in
``report_files/`` beside it, linked relatively, so it opens from file:// with no server)."""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.models import HEADER_KEYS, Finding, Form
from ..tables import form_key
from .collect import SEVERITIES, FileRow, ReportData, Spot, text_lines, worst

_BEFORE_AFTER = re.compile(r"“([^”]*)” -> “([^”]*)”")
_WHERE = re.compile(r"(\S+) form (\d+)")

STATUS_ORDER = ("ok", "partial", "no_form", "failed", "skipped")
OCR_TEXT_CODES = frozenset({"LOW_CONFIDENCE", "OCR_REPAIRED", "OCR_REPAIR_AMBIGUOUS"})
HEADER_SHOWN = ("project_code", "project_name", "applicant_unit", "primary_budget_unit", "total_amount",
                "annual_amount", "implementation_period", "project_type_name", "allocation_method")
LABELS = {
    "project_code": "项目编码", "project_name": "项目名称", "applicant_unit": "申请单位",
    "primary_budget_unit": "一级预算单位", "implementation_period": "实施期限（年）", "project_type_code": "项目类型",
    "project_type_name": "项目类型", "is_new_project": "是否新增项目", "allocation_method": "分配方式",
    "total_amount": "项目总金额（万元）", "annual_amount": "本年度项目金额（万元）", "policy_basis": "政策依据",
    "calculation_basis": "测算依据", "annual_goal": "年度目标", "long_term_goal": "长期目标",
}


@dataclass
class Shot:
    """A crop as the page shows it: file (relative to report.html) and size, or why it is missing."""

    spot: Spot
    src: Optional[str] = None
    size: tuple[int, int] = (0, 0)
    missing: str = ""


@dataclass
class PageInputs:
    data: ReportData
    shots: dict[tuple[str, int], list[list[Shot]]] = field(default_factory=dict)  # (form key, finding i)
    json_links: dict[str, str] = field(default_factory=dict)  # form key -> relative href
    anchors: dict[tuple[str, int], str] = field(default_factory=dict)  # (file name, form number) -> form key
    generated_at: str = ""


def e(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _name(path: str) -> str:
    return Path(path).name or path


def file_label(form: Form) -> str:
    return _name(form.source.path)


CSS = """
*{box-sizing:border-box}body{font:14px/1.45 "Noto Sans CJK SC","WenQuanYi Zen Hei",system-ui,sans-serif;margin:0;
color:#1d2430;background:#f4f6f9}header.top{background:#1f3a5f;color:#fff;padding:10px 20px}
header.top h1{font-size:19px;margin:0}header.top .meta{opacity:.8;font-size:12px}
main{max-width:1280px;margin:0 auto;padding:12px 20px 60px}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0}.card{background:#fff;border-radius:6px;padding:8px 14px;
box-shadow:0 1px 2px #0002;min-width:110px}.card b{display:block;font-size:22px}.card span{color:#5b6572;font-size:12px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:14px}@media(max-width:1000px){.grid2{grid-template-columns:1fr}}
section.box{background:#fff;border-radius:6px;padding:10px 14px;box-shadow:0 1px 2px #0002;margin:12px 0}
h2{font-size:16px;margin:4px 0 8px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e3e7ec;vertical-align:top}
th{background:#eef2f6;font-weight:600;font-size:13px}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600;color:#fff}
.sev.error{background:#c62828}.sev.warning{background:#e08a00}.sev.info{background:#4a6fa5}
.st{font-weight:600}.st.ok{color:#2e7d32}.st.partial{color:#e08a00}.st.failed{color:#c62828}.st.no_form{color:#6a4fa5}
.filters{position:sticky;top:0;z-index:5;background:#fffffff0;border-bottom:1px solid #d5dbe3;padding:8px 20px;
display:flex;gap:14px;align-items:center;flex-wrap:wrap}
.filters label.code{white-space:nowrap;font-size:13px;border:1px solid #cfd6df;border-radius:12px;padding:1px 8px}
.filters select{max-width:340px}
.form{background:#fff;border-radius:6px;box-shadow:0 1px 2px #0002;margin:14px 0;padding:10px 14px;
border-left:5px solid #4a6fa5}.form.w0{border-left-color:#c62828}.form.w1{border-left-color:#e08a00}
.form h3{margin:0 0 4px;font-size:15px}.form .src{color:#5b6572;font-size:12px}
.hdr{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:2px 14px;margin:6px 0;font-size:13px}
.hdr div{overflow-wrap:anywhere}.hdr i{color:#5b6572;font-style:normal}
.finding{border-top:1px solid #e3e7ec;padding:6px 0}.finding .msg{margin:2px 0 4px}
.shots{display:flex;gap:10px;flex-wrap:wrap}.shot{margin:0;max-width:100%}
.shot img{display:block;max-width:100%;height:auto;border:1px solid #cfd6df}
.shot figcaption{font-size:12px;color:#5b6572}.ocr{font-size:13px;background:#f7f4e8;border:1px solid #e6dfbf;
padding:4px 8px;max-width:560px;white-space:pre-wrap;overflow-wrap:anywhere}.shotrow{display:flex;gap:10px;
align-items:flex-start;flex-wrap:wrap}.missing{color:#c62828;font-size:12px}
.c-error b{color:#c62828}.c-warning b{color:#e08a00}.c-info b{color:#4a6fa5}
.ba{font-size:13px;margin:2px 0}.ba b{display:inline-block;width:84px;color:#5b6572;font-weight:600}
a{color:#1f5fa8}.look{max-height:380px;overflow:auto;margin:0;padding-left:2.2em}.look li{margin:2px 0}.muted{color:#5b6572}.hidden{display:none!important}
details summary{cursor:pointer;font-weight:600}
"""

JS = """
(function(){
  const codes=[...document.querySelectorAll('input.codefilter')];
  const file=document.getElementById('filefilter');
  const shown=document.getElementById('shown');
  function apply(){
    const on=new Set(codes.filter(c=>c.checked).map(c=>c.value));
    const f=file.value;let n=0;
    document.querySelectorAll('.finding').forEach(r=>{
      const ok=on.has(r.dataset.code)&&(!f||r.dataset.file===f);r.classList.toggle('hidden',!ok);if(ok)n++;});
    document.querySelectorAll('.form').forEach(s=>{
      s.classList.toggle('hidden',!s.querySelector('.finding:not(.hidden)'));});
    document.querySelectorAll('.look li').forEach(li=>{
      const s=document.getElementById(li.dataset.form);li.classList.toggle('hidden',!s||s.classList.contains('hidden'));});
    document.querySelectorAll('tr.filerow').forEach(r=>{r.classList.toggle('hidden',!!f&&r.dataset.file!==f);});
    shown.textContent=n;
  }
  codes.forEach(c=>c.addEventListener('change',apply));file.addEventListener('change',apply);
  document.getElementById('allcodes').addEventListener('click',()=>{codes.forEach(c=>c.checked=true);apply();});
  document.getElementById('nocodes').addEventListener('click',()=>{codes.forEach(c=>c.checked=false);apply();});
  document.querySelectorAll('[data-pick]').forEach(a=>a.addEventListener('click',ev=>{ev.preventDefault();
    codes.forEach(c=>c.checked=(c.value===a.dataset.pick));apply();
    document.getElementById('forms').scrollIntoView();}));
  apply();
})();
"""


def _status_cards(files: list[FileRow], forms: list[Form], findings: Counter) -> str:
    status = Counter(f.status for f in files)
    order = [s for s in STATUS_ORDER if s in status] + sorted(s for s in status if s not in STATUS_ORDER)
    cards = [f'<div class="card"><b>{len(files)}</b><span>files</span></div>']
    cards += [f'<div class="card"><b class="st {e(s)}">{status[s]}</b><span>{e(s)}</span></div>' for s in order]
    cards.append(f'<div class="card"><b>{len(forms)}</b><span>forms</span></div>')
    for sev in SEVERITIES:
        cards.append(f'<div class="card c-{sev}"><b>{findings.get(sev, 0)}</b><span>{sev}s</span></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _files_table(files: list[FileRow]) -> str:
    rows = []
    for f in sorted(files, key=lambda f: (f.status == "ok", f.status == "skipped", f.path)):
        reason = f.error or (f"same content as {_name(f.same_as)}" if f.same_as else "")
        rows.append(f'<tr class="filerow" data-file="{e(_name(f.path))}"><td title="{e(f.path)}">{e(_name(f.path))}'
                    f'</td><td>{e(f.kind or "")}</td><td class="st {e(f.status)}">{e(f.status)}</td>'
                    f'<td class="n">{f.forms}</td><td>{e(reason)}</td></tr>')
    return ('<table><thead><tr><th>file</th><th>kind</th><th>status</th><th>forms</th><th>reason</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _codes_table(per_code: Counter, sev_of: dict[str, str]) -> str:
    rows = [f'<tr><td><span class="sev {e(sev_of[c])}">{e(sev_of[c])}</span></td><td><a href="#forms" '
            f'data-pick="{e(c)}">{e(c)}</a></td><td class="n">{n}</td></tr>'
            for c, n in sorted(per_code.items(), key=lambda kv: (SEVERITIES.index(sev_of[kv[0]])
                                                                  if sev_of[kv[0]] in SEVERITIES else 3, kv[0]))]
    if not rows:
        return '<p class="muted">No findings.</p>'
    return ('<table><thead><tr><th>severity</th><th>code</th><th>findings</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _shot_html(shot: Shot, finding: Finding) -> str:
    s = shot.spot
    cap = f'{e(LABELS.get(s.label, s.label))} · page {s.page}'
    if s.origin == "ocr":
        cap += f' · OCR confidence {s.confidence:.2f}'
    if shot.src:
        w, h = shot.size
        img = (f'<img src="{e(shot.src)}" width="{w}" height="{h}" alt="{e(s.label)} on page {s.page}" '
               f'loading="lazy" decoding="async">')
    else:
        img = f'<div class="missing">page image not available: {e(shot.missing)}</div>'
    figure = f'<figure class="shot">{img}<figcaption>{cap}</figcaption></figure>'
    if finding.code in OCR_TEXT_CODES and s.text:
        figure = f'<div class="shotrow">{figure}<div>{ocr_text_html(finding, s.text)}</div></div>'
    return figure


def ocr_text_html(finding: Finding, text: str) -> str:
    """The OCR'd text beside a crop: before and after a repair when the finding quotes them."""
    pairs = _BEFORE_AFTER.findall(finding.message)
    parts = [f'<div class="ba"><b>as read</b> {e(before)}</div><div class="ba"><b>repaired</b> {e(after)}</div>'
             for before, after in pairs]
    label = "OCR’d text (after the repair)" if pairs else "OCR’d text"
    return f'{"".join(parts)}<div class="muted">{label}</div><div class="ocr">{e(text)}</div>'


def _form_html(form: Form, inputs: PageInputs) -> str:
    key = form_key(form)
    fname = file_label(form)
    h = form.header
    hdr = "".join(f'<div><i>{e(LABELS.get(k, k))}</i> {e(getattr(h, k))}</div>'
                  for k in HEADER_SHOWN if getattr(h, k) is not None)
    pages = ", ".join(map(str, form.source.pages))
    pages = f" · pages {e(pages)}" if pages else ""
    link = inputs.json_links.get(key)
    json_a = f' · <a href="{e(link)}">JSON</a>' if link else ""
    items = []
    for i, f in enumerate(sorted(enumerate(form.findings), key=lambda t: (SEVERITIES.index(t[1].severity), t[0]))):
        idx, finding = f
        shots = inputs.shots.get((key, idx), [])
        pics = "".join(_shot_html(s, finding) for s in shots)
        text_only = ""
        if finding.code in OCR_TEXT_CODES and not shots:
            value = getattr(h, finding.field, None) if finding.field in HEADER_KEYS else None
            if value:
                text_only = f'<div class="muted">read as</div><div class="ocr">{e(value)}</div>'
        if form.source.kind == "text":
            lines = text_lines(form, finding.code, finding.field)
            if lines:
                text_only += ('<div class="muted">in the file: ' + ", ".join(
                    f"{e(LABELS.get(k, k))} line {n}" for k, n in lines) + "</div>")
        if finding.code.startswith("DUPLICATE_"):
            links = [inputs.anchors.get((m.group(1), int(m.group(2)))) for m in _WHERE.finditer(finding.message)]
            text_only += "".join(f'<div><a href="#f-{e(k)}">the other form</a></div>' for k in links if k)
        fld = f' <span class="muted">{e(finding.field)}</span>' if finding.field else ""
        items.append(f'<div class="finding" data-code="{e(finding.code)}" data-file="{e(fname)}" '
                     f'data-severity="{e(finding.severity)}"><div><span class="sev {e(finding.severity)}">'
                     f'{e(finding.severity)}</span> <b>{e(finding.code)}</b>{fld}</div>'
                     f'<div class="msg">{e(finding.message)}</div>{text_only}<div class="shots">{pics}</div></div>')
    title = f'{e(h.project_code or "—")} {e(h.project_name or "")}'
    return (f'<section class="form w{worst(form)}" id="f-{e(key)}" data-file="{e(fname)}"><h3>{title}</h3>'
            f'<div class="src">{e(fname)} · form {form.source.form_index + 1} · {e(form.source.kind)}'
            f'{pages}{json_a}</div><div class="hdr">{hdr}</div>{"".join(items)}</section>')


def render(inputs: PageInputs) -> str:
    data = inputs.data
    forms = data.forms
    for f in forms:
        inputs.anchors.setdefault((file_label(f), f.source.form_index + 1), form_key(f))
    sev_count: Counter = Counter(f.severity for form in forms for f in form.findings)
    per_code: Counter = Counter(f.code for form in forms for f in form.findings)
    sev_of: dict[str, str] = {}
    for form in forms:
        for f in form.findings:
            if f.code not in sev_of or SEVERITIES.index(f.severity) < SEVERITIES.index(sev_of[f.code]):
                sev_of[f.code] = f.severity
    look = sorted((f for f in forms if f.findings), key=lambda f: (worst(f), -len(f.findings)))
    clean = [f for f in forms if not f.findings]
    look_items = "".join(
        f'<li data-form="f-{e(form_key(f))}"><span class="sev {SEVERITIES[worst(f)]}">{SEVERITIES[worst(f)]}</span> '
        f'<a href="#f-{e(form_key(f))}">{e(f.header.project_code or "—")} {e(f.header.project_name or "")}</a> '
        f'<span class="muted">{e(file_label(f))} · {", ".join(sorted({x.code for x in f.findings}))}</span></li>'
        for f in look[:200])
    more = f'<p class="muted">… and {len(look) - 200} more below.</p>' if len(look) > 200 else ""
    code_boxes = "".join(f'<label class="code"><input type="checkbox" class="codefilter" value="{e(c)}" checked> '
                         f'{e(c)} ({n})</label>' for c, n in sorted(per_code.items()))
    file_names = sorted({file_label(f) for f in look} | {_name(f.path) for f in data.files})
    file_opts = "".join(f'<option value="{e(n)}">{e(n)}</option>' for n in file_names)
    clean_rows = "".join(f'<tr><td>{e(f.header.project_code)}</td><td>{e(f.header.project_name)}</td>'
                         f'<td>{e(file_label(f))}</td><td class="n">{e(f.header.annual_amount)}</td></tr>'
                         for f in clean)
    versions = sorted({f.extractor_version for f in data.files if f.extractor_version})
    meta = f'{e(data.out)} · written {e(inputs.generated_at)}'
    if versions:
        meta += f' · extractor {e(", ".join(versions))}'
    problems = "".join(f"<li>{e(p)}</li>" for p in data.problems)
    body = f"""<header class="top"><h1>jixiao review report</h1><div class="meta">{meta}</div></header>
<div class="filters"><b>Filter</b> {code_boxes}
<button id="allcodes" type="button">all</button><button id="nocodes" type="button">none</button>
<label>file <select id="filefilter"><option value="">all files</option>{file_opts}</select></label>
<span class="muted"><span id="shown">0</span> findings shown</span></div>
<main>
{_status_cards(data.files, forms, sev_count)}
<div class="grid2"><section class="box"><h2>Needs a look first ({len(look)} forms)</h2>
<ol class="look">{look_items}</ol>{more}</section>
<section class="box"><h2>Findings by code</h2>{_codes_table(per_code, sev_of)}</section></div>
<section class="box"><h2>Files</h2>{_files_table(data.files)}
{f'<ul class="missing">{problems}</ul>' if problems else ''}</section>
<div id="forms">{"".join(_form_html(f, inputs) for f in look)}</div>
<section class="box"><details><summary>{len(clean)} forms without findings</summary>
<table><thead><tr><th>项目编码</th><th>项目名称</th><th>file</th><th>本年度（万元）</th></tr></thead>
<tbody>{clean_rows}</tbody></table></details></section>
</main>"""
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>jixiao review report</title>'
            f'<style>{CSS}</style></head><body>{body}<script>{JS}</script></body></html>')


__all__ = ["PageInputs", "Shot", "render"]
