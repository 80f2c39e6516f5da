"""The command line as users and scheduled jobs call it: real processes, real files."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JIXIAO = [sys.executable, "-m", "flows.cli"]


def run(*args, cwd=ROOT):
    return subprocess.run([*JIXIAO, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_jsonl_on_stdout_in_document_order(sample_path, golden):
    p = run("extract", sample_path, "--format", "jsonl")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 10 and all(l.startswith("{") for l in lines)
    names = [json.loads(l)["header"]["project_name"] for l in lines]
    assert names == [g["header"]["project_name"] for g in golden]
    assert p.stderr == ""


def test_golden_check_passes_with_zero_differences(sample_path):
    p = run("extract", sample_path, "--format", "jsonl")
    check = subprocess.run([sys.executable, str(ROOT / "tests/golden/check_golden.py"),
                            str(ROOT / "tests/golden/futian_hr_2025_declarations.expected.jsonl")],
                           input=p.stdout, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    assert "0 differences" in check.stdout


def test_exact_decimals_in_json(sample_path):
    p = run("extract", sample_path, "--format", "jsonl")
    first = p.stdout.splitlines()[0]
    assert '"total_amount":9528.09' in first and '"annual_amount":2065.36' in first
    assert "9528.0899" not in first


def test_bad_inputs_are_named_once_and_the_batch_goes_on(tmp_path, sample_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    notform = tmp_path / "invoice.txt"
    notform.write_text("发票\t金额\n办公用品\t100元\n", encoding="utf-8")
    p = run("extract", empty, sample_path, binary, notform, "--format", "jsonl")
    assert p.returncode != 0
    assert len(p.stdout.splitlines()) == 10
    errors = p.stderr.strip().splitlines()
    assert len(errors) == 3, p.stderr
    for path, line in zip((empty, binary, notform), errors):
        assert line.startswith(f"{path}: ")
    assert "Traceback" not in p.stderr


def test_json_and_csv_outputs(tmp_path, sample_path):
    assert run("extract", sample_path, "--format", "json", "--out", tmp_path).returncode == 0
    forms = json.loads((tmp_path / f"{sample_path.name}.json").read_text(encoding="utf-8"))
    assert len(forms) == 10
    assert run("extract", sample_path, "--format", "csv", "--out", tmp_path).returncode == 0
    import pandas as pd
    tables = {n: pd.read_csv(tmp_path / f"{n}.csv", encoding="utf-8-sig", dtype=str)
              for n in ("forms", "indicators", "calc_terms", "findings")}
    assert len(tables["forms"]) == 10
    assert len(tables["indicators"]) == 108
    assert set(tables["findings"]["code"]) >= {"ARITHMETIC_MISMATCH", "TOTAL_MISMATCH", "UNIT_SUSPECT"}
    assert tables["forms"]["project_code"].iloc[0] == "440304241230100000005"  # not a float


def test_csv_cells_that_look_like_formulas_are_escaped(tmp_path):
    dump = tmp_path / "inj.txt"
    dump.write_text("二级项目支出绩效目标申报表\n项目编码：\t1\t\t项目名称：\t=HYPERLINK(\"x\")\n", encoding="utf-8")
    assert run("extract", dump, "--format", "csv", "--out", tmp_path).returncode == 0
    text = (tmp_path / "forms.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text


def test_settings_from_the_command_line(sample_path):
    small = run("extract", sample_path, "--set", "limits.max_file_bytes=1000")
    assert small.returncode == 1 and "over the limit of 1000" in small.stderr
    unknown = run("extract", sample_path, "--set", "limits.nope=3")
    assert unknown.returncode == 2 and "not a setting" in unknown.stderr
    bad = run("extract", sample_path, "--set", "limits.max_pages=abc")
    assert bad.returncode == 2 and "limits.max_pages" in bad.stderr and "integer" in bad.stderr


def test_text_dumps_never_load_the_ocr_or_pdf_stack(sample_path):
    """Start-up and memory of text runs stay small: OpenCV, onnxruntime, pdfplumber and
    Prefect are imported only by the inputs that need them."""
    code = ("import sys; from extractors import convert; r = convert(sys.argv[1]); "
            "heavy = [m for m in ('cv2', 'onnxruntime', 'rapidocr', 'pdfplumber', 'prefect') if m in sys.modules]; "
            "print(len(r.forms), heavy)")
    p = subprocess.run([sys.executable, "-c", code, str(sample_path)], capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.strip() == "10 []", p.stdout + p.stderr
