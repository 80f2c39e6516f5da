"""A big text dump read in spans by several processes (``flows.workers.span_parts``) gives the
forms of the file read whole, byte for byte: their JSON (line numbers of the provenance and
``form_index`` included), table rows and the file's outcome — whatever the encoding and line
ends, and when a bad byte ends the file early. Issue 17: a 100,000-form dump was extracted by
one process while the flow wrote, so the flow waited on it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.text_dump import dump_spans
from flows import db
from flows.ingest import ingest
from flows.workers import End, file_parts, span_parts
from pipeline.convert import file_sha256
from pipeline.settings import Settings
from synth.dump import TITLE, DumpStyle, render_dump
from synth.truth import random_forms

SPAN = 16 * 1024


def spans_settings(**more) -> Settings:
    over = {"workers": 2, "span_bytes": SPAN, "stream_bytes": 4 * SPAN, "batch_forms": 7, **more}
    return Settings().with_overrides([f"ingest.{k}={v}" for k, v in over.items()])


def dump(path: Path, truths: list[dict], style: DumpStyle = DumpStyle(), encoding: str = "utf-8",
         bom: bytes = b"") -> Path:
    path.write_bytes(bom + render_dump(truths, style).encode(encoding))
    return path


def outcome(items: list) -> tuple[list[str], dict[str, list[dict]], End]:
    parts = [p for p in items if not isinstance(p, End)]
    rows = {name: [r for p in parts for r in p.rows[name]] for name in db.TABLE_OBJECTS}
    return [j for p in parts for j in p.json], rows, items[-1]


def both(path: Path, settings: Settings):
    sha = file_sha256(path)
    return outcome(list(span_parts(str(path), sha, settings))), outcome(list(file_parts(str(path), settings, 7)))


@pytest.mark.parametrize("name, style, encoding, bom", [
    ("utf8_lf", DumpStyle(), "utf-8", b""),
    ("utf8_bom_crlf", DumpStyle(newline="\r\n"), "utf-8", b"\xef\xbb\xbf"),
    ("gb18030_crlf_markup", DumpStyle(newline="\r\n", markup=True), "gb18030", b""),
])
def test_spans_of_a_dump_give_the_forms_of_the_whole_file(tmp_path, name, style, encoding, bom):
    truths = list(random_forms(311, 60))
    path = dump(tmp_path / f"{name}.txt", truths, style, encoding, bom)
    settings = spans_settings()
    spans = dump_spans(path, settings, SPAN)
    assert len(spans) >= 4
    assert spans[0].start == 0 and spans[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))
    raw = path.read_bytes()
    for span in spans[1:]:  # every cut at a title row, numbered as the file numbers its lines
        line = raw[span.start:raw.index(b"\n", span.start)].decode(encoding).strip()
        assert line == TITLE
        ends = raw[:span.start]
        assert span.first_line == ends.count(b"\n") + ends.count(b"\r") - ends.count(b"\r\n") + 1
    (json_s, rows_s, end_s), (json_w, rows_w, end_w) = both(path, settings)
    assert end_s == end_w and end_s.status == "ok"
    assert len(json_s) == len(truths)
    assert [json.loads(j)["header"]["project_code"] for j in json_s] == [t["header"]["project_code"] for t in truths]
    assert [json.loads(j)["source"]["form_index"] for j in json_s] == list(range(len(truths)))
    assert json_s == json_w
    assert rows_s == rows_w


def test_a_bad_byte_ends_the_file_at_the_same_form_in_spans_as_whole(tmp_path):
    truths = list(random_forms(312, 60))
    path = dump(tmp_path / "bad.txt", truths)
    raw = bytearray(path.read_bytes())
    at = raw.index(truths[40]["header"]["project_name"].encode())
    raw[at:at + 1] = b"\xff"  # not UTF-8 (nor GB18030 after the sniffed head)
    path.write_bytes(bytes(raw))
    (json_s, rows_s, end_s), (json_w, rows_w, end_w) = both(path, spans_settings())
    assert end_w.status == "partial" and "invalid utf-8 at line" in end_w.error
    assert end_s == end_w
    assert json_s == json_w and rows_s == rows_w
    assert 30 < len(json_s) < 45  # the forms before the bad line (and the one it stops)


def test_copied_text_and_small_dumps_are_not_cut(tmp_path, write_dump):
    truths = list(random_forms(313, 60))
    big = dump(tmp_path / "big.txt", truths)
    assert dump_spans(big, Settings(), big.stat().st_size) == []  # smaller than two spans
    copied = tmp_path / "copied.txt"
    copied.write_text(big.read_text(encoding="utf-8").replace("\t", "  "), encoding="utf-8")
    assert dump_spans(copied, Settings(), SPAN) == []  # no tab: copied text is read across lines
    utf16 = dump(tmp_path / "utf16.txt", truths, encoding="utf-16")
    assert dump_spans(utf16, Settings(), SPAN) == []  # line ends of two bytes


def test_ingest_of_a_big_dump_in_spans_loads_what_one_process_loads(tmp_path):
    truths = list(random_forms(314, 80))
    inbox = tmp_path / "in"
    inbox.mkdir()
    dump(inbox / "big.txt", truths)
    runs = {}
    for mode, workers in (("whole", 1), ("spans", 2)):
        url = f"sqlite:///{tmp_path / f'{mode}.db'}"
        summary = ingest([str(inbox)], out=str(tmp_path / mode), db_url=url, settings=spans_settings(workers=workers))
        assert summary.by_status() == {"ok": 1} and summary.forms() == len(truths)
        runs[mode] = db.export_tables(db.connect(url), [o.entry.sha256 for o in summary.outcomes])
    assert len(runs["spans"]["forms"]) == len(truths)
    assert runs["spans"] == runs["whole"]
    for table in ("forms", "indicators", "calc_terms", "findings"):
        assert (tmp_path / "spans" / f"{table}.csv").read_bytes() == (tmp_path / "whole" / f"{table}.csv").read_bytes()
    assert (tmp_path / "spans" / "big.txt.json").read_bytes() == (tmp_path / "whole" / "big.txt.json").read_bytes()
