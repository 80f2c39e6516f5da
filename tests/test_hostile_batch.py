"""Issue 7's acceptance: one batch holding every kind of bad input an archive box holds, plus
valid files, through the real `jixiao extract`. It must exit non-zero, name each bad file
exactly once on stderr (``PATH: reason``), print no traceback, and extract every form of the
valid files. Each bad input is made here, by code."""
from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_TXT = ROOT / "data" / "samples" / "futian_hr_2025_declarations.txt"
SAMPLE_PDF = ROOT / "data" / "samples" / "synthetic_forms.pdf"


def huge_png(path: Path, side: int = 24000) -> None:
    """A 24000×24000 1-bit PNG: ~70 KB on disk, 576 million pixels once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    raw = zlib.compress(row * side, 9)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def pdf_without_pages(path: Path) -> None:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


@pytest.fixture
def batch(tmp_path):
    box = tmp_path / "box"
    (box / "loop").mkdir(parents=True)
    os.symlink("..", box / "loop" / "again")                        # a folder with a symlink loop
    shutil.copy(SAMPLE_TXT, box / "valid_dump.txt")
    shutil.copy(SAMPLE_PDF, box / "valid_export.pdf")
    bad = {}
    bad["empty.txt"] = b""
    bad["truncated.pdf"] = SAMPLE_PDF.read_bytes()[: SAMPLE_PDF.stat().st_size // 3]
    bad["random.pdf"] = os.urandom(20_000)
    bad["binary.txt"] = bytes(range(256)) * 64
    bad["invoice.txt"] = "增值税普通发票\n货物名称\t金额\n办公用品\t1,200.00元\n".encode("utf-8")
    for name, data in bad.items():
        (box / name).write_bytes(data)
    subprocess.run(["qpdf", "--encrypt", "pw", "owner", "256", "--", str(SAMPLE_PDF), str(box / "encrypted.pdf")],
                   check=True)
    pdf_without_pages(box / "nopages.pdf")
    huge_png(box / "huge.png")
    os.symlink(box / "vanished.txt", box / "dangling.txt")          # points at a file that is gone
    os.mkfifo(box / "pipe.txt")                                     # reading it would block forever
    names = [*bad, "encrypted.pdf", "nopages.pdf", "huge.png", "dangling.txt", "pipe.txt"]
    return box, [box / n for n in names]


def test_every_bad_file_named_once_and_every_valid_form_extracted(batch):
    box, bad_files = batch
    proc = subprocess.run([sys.executable, "-m", "flows.cli", "extract", str(box), "--format", "jsonl"],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    for path in bad_files:
        named = [line for line in lines if line.startswith(f"{path}: ")]
        assert len(named) == 1, (path.name, proc.stderr)
    reasons = {Path(line.split(": ", 1)[0]).name: line.split(": ", 1)[1] for line in lines if ": " in line}
    assert "password" in reasons["encrypted.pdf"]
    assert "pixels" in reasons["huge.png"]
    assert "empty" in reasons["empty.txt"]
    forms = [json.loads(line) for line in proc.stdout.splitlines()]
    by_source = {}
    for f in forms:
        by_source.setdefault(Path(f["source"]["path"]).name, []).append(f)
    golden_pdf = [json.loads(l) for l in (ROOT / "tests/golden/synthetic_forms.expected.jsonl").read_text().splitlines() if l]
    assert len(by_source.pop("valid_dump.txt")) == 10
    assert len(by_source.pop("valid_export.pdf")) == len(golden_pdf)
    assert by_source == {}  # nothing came out of a bad file
