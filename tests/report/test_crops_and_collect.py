"""Page crops cut from the right place (a PDF in points, an image in pixels), the manifest read
as the report reads it (unknown statuses kept), and the batch checks of ``jixiao extract``."""
from __future__ import annotations

import copy
import json
import subprocess

import numpy as np
from PIL import Image

from flows.report.collect import latest_per_path
from flows.report.crops import CropBox, CropJob, run_job, run_jobs

from .conftest import JIXIAO


def dark_box(path) -> tuple[int, int, int, int]:
    """The bounding box of the dark pixels of an image (x0, y0, x1, y1)."""
    g = np.array(Image.open(path).convert("L"))
    ys, xs = np.nonzero(g < 60)
    return xs.min(), ys.min(), xs.max(), ys.max()


def test_a_pdf_crop_is_cut_around_the_box_in_points(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "page.pdf"
    c = canvas.Canvas(str(pdf), pagesize=(600, 800))
    c.rect(300, 800 - 420, 100, 20, fill=1, stroke=0)  # x 300..400, top 400..420 from the page top
    c.showPage()
    c.save()
    job = CropJob(path=str(pdf), kind="pdf", out_dir=str(tmp_path), dpi=144, margin=10, label=50,
                  crops=[CropBox(name="a.jpg", page=1, box=(300, 400, 400, 420)),
                         CropBox(name="b.jpg", page=2, box=(0, 0, 10, 10))])
    result = run_job(job)
    assert result.pages == 1 and set(result.written) == {"a.jpg"} and "page 2" in result.failed["b.jpg"]
    w, h = result.written["a.jpg"]
    assert abs(w - (100 + 50 + 10) * 2) <= 1 and abs(h - (20 + 10 + 10) * 2) <= 1  # 144 dpi: 2 px a point
    x0, y0, x1, y1 = dark_box(tmp_path / "a.jpg")
    assert abs(x0 - 100) <= 3 and abs(y0 - 20) <= 3 and abs(x1 - 300) <= 3 and abs(y1 - 60) <= 3


def test_an_image_crop_is_cut_in_the_images_pixels(tmp_path):
    img = np.full((1000, 800), 255, np.uint8)
    img[500:540, 200:400] = 0
    path = tmp_path / "scan.png"
    Image.fromarray(img).save(path, dpi=(144, 144))
    job = CropJob(path=str(path), kind="image", out_dir=str(tmp_path), dpi=72, margin=10, label=10,
                  crops=[CropBox(name="c.jpg", page=1, box=(200, 500, 400, 540))])
    result = run_job(job)
    assert set(result.written) == {"c.jpg"}
    x0, y0, x1, y1 = dark_box(tmp_path / "c.jpg")  # half size; 10 pt of margin = 20 px at 144 dpi -> 10
    assert abs(x0 - 10) <= 3 and abs(y0 - 10) <= 3 and abs(x1 - 110) <= 3 and abs(y1 - 30) <= 3


def test_a_missing_source_fails_its_crops_with_the_reason(tmp_path):
    job = CropJob(path=str(tmp_path / "gone.pdf"), kind="pdf", out_dir=str(tmp_path),
                  crops=[CropBox(name="x.jpg", page=1, box=(0, 0, 10, 10))])
    result = run_jobs([job], workers=2, min_pages_parallel=1)
    assert result.written == {} and "gone.pdf" in result.failed["x.jpg"]


def test_the_latest_outcome_per_path_and_an_unknown_status_is_kept():
    lines = [
        {"path": "/a.txt", "sha256": "1", "status": "failed", "forms": 0, "error": "boom"},
        {"path": "/a.txt", "sha256": "2", "status": "ok", "forms": 3},
        {"path": "/a.txt", "sha256": "2", "status": "skipped", "forms": 3},
        {"path": "/b.pdf", "sha256": "3", "status": "no_form", "forms": 0, "error": "no declaration form found",
         "extractor_version": "0.2.0"},
        {"path": "/c.txt", "sha256": "2", "status": "skipped", "forms": 3},
    ]
    rows = {r.path: r for r in latest_per_path(lines)}
    assert (rows["/a.txt"].status, rows["/a.txt"].forms, rows["/a.txt"].error) == ("ok", 3, None)
    assert (rows["/b.pdf"].status, rows["/b.pdf"].extractor_version) == ("no_form", "0.2.0")
    assert rows["/c.txt"].status == "skipped" and rows["/c.txt"].same_as == "/a.txt"


def test_extract_flags_a_code_declared_twice_in_the_batch(tmp_path):
    from synth.dump import DumpStyle, render_dump
    from synth.truth import random_forms

    t = list(random_forms(51, 2))
    again = copy.deepcopy(t[0])
    again["header"]["annual_goal"] = "另一个年度目标"
    (tmp_path / "a.txt").write_text(render_dump(t, DumpStyle()), encoding="utf-8")
    (tmp_path / "b.txt").write_text(render_dump([again, copy.deepcopy(t[1])], DumpStyle()), encoding="utf-8")
    proc = subprocess.run([str(JIXIAO), "extract", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"),
                           "--format", "jsonl"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    forms = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(forms) == 4  # extract prints every form, copies included
    codes = [[f["code"] for f in form["findings"]] for form in forms]
    assert codes[:2] == [[], []] and "DUPLICATE_CODE" in codes[2] and codes[3] == ["DUPLICATE_FORM"]
    msg = next(f["message"] for f in forms[2]["findings"] if f["code"] == "DUPLICATE_CODE")
    assert "a.txt form 1" in msg and "annual_goal" in msg and t[0]["header"]["project_code"] in msg


def test_low_confidence_on_an_image_shows_the_crop_and_the_text_read(tmp_path):
    """No manifest (``extract --format json --out``): the JSON file is the batch."""
    from pipeline.models import BBox, Finding, Form, Header, ProvenanceItem, Source
    from flows.report import write_report
    from flows.writers import write_json

    img = np.full((1200, 900), 255, np.uint8)
    img[300:340, 400:700] = 0
    scan = tmp_path / "photo.png"
    Image.fromarray(img).save(scan, dpi=(150, 150))
    prov = ProvenanceItem(origin="ocr", page=1, bbox=BBox(x0=400, top=300, x1=700, bottom=340), confidence=0.42)
    calc = ProvenanceItem(origin="ocr", page=1, bbox=BBox(x0=100, top=600, x1=800, bottom=700), confidence=0.97)
    repaired = "补贴200元/人*800人=16万元。"
    form = Form(source=Source(path=str(scan), sha256="ab" * 32, kind="image", form_index=0, pages=[1]),
                header=Header(project_code="4403", project_name="读得不清的名称", calculation_basis=repaired),
                provenance={"project_name": prov, "calculation_basis": calc},
                findings=[Finding(code="LOW_CONFIDENCE", severity="warning", field="project_name",
                                  message="project_name read by OCR with confidence 0.42"),
                          Finding(code="OCR_REPAIRED", severity="info", field="calculation_basis",  # as ocr_repair words it
                                  message="a × dropped by OCR put back: “200元/人800人=16万元” -> “200元/人*800人=16万元” "
                                          "(200 × 800 = 160,000 元, the 160,000 元 written)")])
    out = tmp_path / "out"
    out.mkdir()
    with open(out / "photo.png.json", "w", encoding="utf-8") as f:
        write_json([form], f)
    stats = write_report(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert (stats.files, stats.forms, stats.findings, stats.crops, stats.crops_failed) == (1, 1, 2, 2, 0)
    assert stats.pages_rendered == 1  # one page, rendered once for both crops
    crops = sorted((out / "report_files" / "crops").glob("*.jpg"), key=lambda p: html.index(p.name))
    assert len(crops) == 2 and all(f'src="report_files/crops/{c.name}"' in html for c in crops)
    assert '<div class="ocr">读得不清的名称</div>' in html and "OCR confidence 0.42" in html
    assert '<b>as read</b> 200元/人800人=16万元</div>' in html and '<b>repaired</b> 200元/人*800人=16万元</div>' in html
    assert f'<div class="ocr">{repaired}</div>' in html
    x0, y0, x1, y1 = dark_box(crops[0])  # 150 dpi -> 120 dpi: 0.8; the box starts 170 pt (354 px) in
    assert abs((x1 - x0) - 300 * 0.8) <= 3 and abs((y1 - y0) - 40 * 0.8) <= 3
