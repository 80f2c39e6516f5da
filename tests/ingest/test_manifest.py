"""manifest.jsonl: whole lines only, also under concurrent writers and after a torn write."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from flows.manifest import ManifestEntry, append_entry, read_manifest


def test_concurrent_appends_give_whole_lines(tmp_path):
    m = tmp_path / "manifest.jsonl"
    long_error = "原因" * 5000  # lines far longer than a pipe buffer

    def write(i: int) -> None:
        append_entry(m, ManifestEntry(path=f"/f/{i}", status="failed", error=long_error))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(64)))
    lines = m.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 64
    assert sorted(json.loads(line)["path"] for line in lines) == sorted(f"/f/{i}" for i in range(64))
    assert all(json.loads(line)["at"] for line in lines)


def test_torn_last_line_is_skipped(tmp_path):
    m = tmp_path / "manifest.jsonl"
    append_entry(m, ManifestEntry(path="a", sha256="0" * 64, status="ok", forms=3))
    with open(m, "a", encoding="utf-8") as f:
        f.write('{"path": "b", "sta')  # a power cut in the middle of a write
    entries = list(read_manifest(m))
    assert [(e.path, e.status, e.forms) for e in entries] == [("a", "ok", 3)]
