"""A scanner model for any page image, with named cases and their truth.

Pages laid out by an office suite (``synth.office`` when it is there, else a plain HTML
table converted by LibreOffice Writer — 0.5-pt rules, the way a clerk's form is printed)
go through :func:`scan_page`, which models what real scanners and phones do to them:

* resolution (150/200/300 dpi), gray or colour, paper tone, sensor noise, blur, JPEG;
* skew (±5°) and pages fed sideways or upside down (90/180/270°);
* faint and broken rules (thin office rules after toner and JPEG: gray 120-190, gaps);
* red official seals (公章: a ring, text round the rim, a star) over the 申请单位 value,
  blue ink (a signature scrawl) over cells — multiplied into the page like real ink;
* phone photos: the page warped by a perspective onto a darker desk, unevenly lit.

:class:`ScanCase` fixes a case; :data:`CASES` names the ones the tests and the README
measure (``faint_rules_150dpi``, ``red_seal_over_applicant``, ``rotated_180``,
``phone_photo_perspective`` …). The truth of a scanned file is the truth of the forms it
was made from, plus the stamps drawn (page, bbox in PDF points, colour).

    python -m synth.scanner OUT_DIR --case faint_rules_150dpi --forms 4 --seed 1
"""
from __future__ import annotations

import html
import io
import math
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Sequence

import cv2
import numpy as np

# --------------------------------------------------------------------------- office layout


def _amount(v) -> str:
    return f"{float(v):,.2f}"


def _esc(v) -> str:
    return html.escape(str(v))


def form_html(truth: dict) -> str:
    """One form as an HTML table the way a clerk types it in Writer: title, label/value
    header rows, long texts across the value columns, the indicator table with its
    一级/二级指标 cells merged by rowspan."""
    h = truth["header"]
    tcode = h.get("project_type_code") or ""
    tname = h.get("project_type_name") or ""
    pairs = [
        ("项目编码", h["project_code"], "项目名称", h["project_name"]),
        ("申请单位", h["applicant_unit"], "一级预算单位", h["primary_budget_unit"]),
        ("实施期限", h["implementation_period"], "项目类型", f"{tcode} {tname}".strip()),
        ("是否新增项目", "是" if h["is_new_project"] else "否", "分配方式", h["allocation_method"]),
        ("项目总金额（中期规划，万元）", _amount(h["total_amount"]), "本年度项目金额（万元）", _amount(h["annual_amount"])),
    ]
    out = [f'<p align="center" class="t">{_esc("二级项目支出绩效目标申报表")}</p>',
           '<table border="1" cellspacing="0" cellpadding="3" width="100%">',
           '<col width="14%"><col width="12%"><col width="22%"><col width="26%"><col width="26%">']
    for a, b, c, d in pairs:
        out.append(f'<tr><td>{_esc(a)}：</td><td colspan="2">{_esc(b)}</td><td>{_esc(c)}：</td><td>{_esc(d)}</td></tr>')
    for label, key in (("政策依据", "policy_basis"), ("测算依据", "calculation_basis"),
                       ("年度目标", "annual_goal"), ("长期目标", "long_term_goal")):
        out.append(f'<tr><td>{_esc(label)}：</td><td colspan="4">{_esc(h.get(key) or "")}</td></tr>')
    out.append("<tr>" + "".join(f"<td>{c}</td>" for c in ("一级指标", "二级指标", "三级指标", "指标值", "指标解释")) + "</tr>")
    rows = truth["indicators"]
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1]["level1"] == rows[i]["level1"]:
            j += 1
        k = i
        while k <= j:
            m = k
            while m + 1 <= j and rows[m + 1]["level2"] == rows[k]["level2"] and rows[m + 1]["core"] == rows[k]["core"]:
                m += 1
            for r in range(k, m + 1):
                cells = []
                if r == i:
                    cells.append(f'<td rowspan="{j - i + 1}">{_esc(rows[i]["level1"])}</td>')
                if r == k:
                    star = "*" if rows[k]["core"] else ""
                    cells.append(f'<td rowspan="{m - k + 1}">{star}{_esc(rows[k]["level2"])}</td>')
                cells += [f"<td>{_esc(rows[r][f])}</td>" for f in ("level3", "value", "explanation")]
                out.append("<tr>" + "".join(cells) + "</tr>")
            k = m + 1
        i = j + 1
    out.append("</table>")
    return "\n".join(out)


HTML_HEAD = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ font-family: "{font}"; font-size: {size}pt; }}
p.t {{ font-size: {title}pt; }}
td {{ border: 0.5pt solid #000000; }}
</style></head><body>
"""


def html_document(truths: Sequence[dict], font: str = "AR PL UMing CN", size: float = 10.5) -> str:
    parts = [HTML_HEAD.format(font=font, size=size, title=size + 5)]
    for n, t in enumerate(truths):
        if n:
            parts.append('<p style="page-break-before: always"></p>')
        parts.append(form_html(t))
    parts.append("</body></html>")
    return "\n".join(parts)


def soffice_convert(src: Path, out_dir: Path, target: str = "pdf", infilter: Optional[str] = None) -> Path:
    """``soffice --headless --convert-to`` with a private profile (parallel runs never share one)."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-") as profile:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless",
                        *([f"--infilter={infilter}"] if infilter else []), "--convert-to", target,
                        "--outdir", str(out_dir), str(src)], check=True, capture_output=True, timeout=300)
    out = out_dir / (src.stem + "." + target.split(":")[0])
    if not out.exists():
        raise RuntimeError(f"LibreOffice wrote no {out.name}")
    return out


def office_pdf(truths: Sequence[dict], out: Path, seed: int = 0) -> list[dict]:
    """The forms laid out by an office suite, exported as a digital PDF at ``out``; returns
    the truth with ``source.pages``. Uses ``synth.office`` (Writer/Calc layouts) when it is
    in the tree, else one HTML document through LibreOffice Writer."""
    try:
        from synth import office  # type: ignore[attr-defined]
    except ImportError:
        office = None
    if office is not None and hasattr(office, "render_office_pdf"):
        return office.render_office_pdf(list(truths), out, seed=seed)
    rng = random.Random(seed)
    font = rng.choice(["AR PL UMing CN", "Noto Serif CJK SC", "Noto Sans CJK SC"])
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "forms.html"
        src.write_text(html_document(truths, font=font), encoding="utf-8")
        pdf = soffice_convert(src, Path(tmp), "pdf:writer_pdf_Export", infilter="HTML (StarWriter)")
        shutil.move(str(pdf), out)
    return _with_pages(list(truths), out)


def _with_pages(truths: list[dict], pdf: Path) -> list[dict]:
    """Each truth's pages, from where its title stands in the PDF's text layer."""
    import pdfplumber

    starts = []
    with pdfplumber.open(str(pdf)) as doc:
        n = len(doc.pages)
        for i, p in enumerate(doc.pages, 1):
            text = (p.extract_text() or "").replace(" ", "")
            starts += [i] * text.count("二级项目支出绩效目标申报表")
    out = []
    for k, t in enumerate(truths):
        first = starts[k] if k < len(starts) else n
        last = (starts[k + 1] - 1 if starts[k + 1] > first else first) if k + 1 < len(starts) else n
        out.append({**t, "source": {**t.get("source", {}), "pages": list(range(first, last + 1))}})
    return out


# --------------------------------------------------------------------------- scanner model


@dataclass(frozen=True)
class ScanCase:
    """What one scanner (or phone) does to a page. Angles in degrees."""

    dpi: int = 300
    color: bool = False
    max_skew_deg: float = 1.5
    rotation: int = 0              # 0, 90, 180, 270: the page fed sideways or upside down
    noise_sigma: float = 5.0
    speckle: float = 0.0003
    blur: float = 0.5              # gaussian sigma, pixels at 300 dpi
    jpeg_quality: int = 80
    paper: int = 240               # paper tone (gray level of the background)
    faint_rules: float = 0.0       # 0: rules as printed; 1: rules at ~190 with many gaps
    broken_rules: float = 0.0      # share of each rule's length lost in gaps (toner)
    red_seal: bool = False         # a 公章 over the 申请单位 value of each form's first page
    blue_ink: bool = False         # a signature scrawl over a cell
    perspective: float = 0.0       # phone photo: how far the corners move (share of the page)
    uneven_light: float = 0.0      # 0..1: light falling off towards one corner
    note: str = ""


CASES: dict[str, ScanCase] = {
    "office_300dpi_gray": ScanCase(note="300 dpi gray, ≤1.5° skew, mild noise, paper tone, JPEG q80"),
    "heavy_noise_200dpi": ScanCase(dpi=200, max_skew_deg=2.5, noise_sigma=10.0, speckle=0.001, blur=0.9,
                                   jpeg_quality=55, note="200 dpi, ≤2.5°, heavy noise, blur, JPEG q55"),
    "faint_rules_150dpi": ScanCase(dpi=150, max_skew_deg=1.0, faint_rules=1.0, broken_rules=0.15, blur=0.6,
                                   note="150 dpi, rules 1 px at ~190 gray, broken"),
    "red_seal_over_applicant": ScanCase(color=True, red_seal=True, blue_ink=True, note="colour 300 dpi, red seal, blue ink"),
    "rotated_90": ScanCase(rotation=90, max_skew_deg=1.0, note="fed sideways (90°)"),
    "rotated_180": ScanCase(rotation=180, max_skew_deg=1.0, note="upside down"),
    "rotated_270": ScanCase(rotation=270, max_skew_deg=1.0, note="fed sideways (270°)"),
    "phone_photo_perspective": ScanCase(color=True, dpi=200, max_skew_deg=2.0, perspective=0.05, uneven_light=0.5,
                                        noise_sigma=6.0, blur=0.8, jpeg_quality=75,
                                        note="phone photo: perspective, uneven light, desk around the page"),
}


@dataclass
class ScannedPage:
    image: np.ndarray              # BGR (colour) or gray, uint8
    dpi: int
    skew: float
    stamps: list[dict] = field(default_factory=list)  # page-relative, in PDF points of the source page


def render_page(pdf: Path, index: int, dpi: int):
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        bitmap = doc[index].render(scale=dpi / 72)
        return np.ascontiguousarray(bitmap.to_numpy()[:, :, :3])  # BGR
    finally:
        doc.close()


def rule_mask(gray: np.ndarray, dpi: int) -> np.ndarray:
    """The clean render's rules (long thin dark runs), for making them faint or broken."""
    ink = (gray < 160).astype(np.uint8) * 255
    k = max(20, int(dpi * 0.35))
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, k)))
    return cv2.bitwise_or(h, v)


def fade_rules(img: np.ndarray, mask: np.ndarray, strength: float, broken: float, rng: np.random.Generator,
               dpi: int) -> np.ndarray:
    """Rules lightened towards gray ~190 and cut by gaps (a share ``broken`` of their length)."""
    out = img.copy()
    sel = mask > 0
    if strength > 0:
        level = 120 + 70 * strength
        out[sel] = np.maximum(out[sel], np.uint8(level)) if out.ndim == 2 else np.maximum(out[sel], np.uint8(level))
    if broken > 0:
        gaps = np.zeros(mask.shape, np.uint8)
        n = int(broken * mask.shape[0] * mask.shape[1] / (dpi * 6))
        for _ in range(n):
            y, x = int(rng.integers(0, mask.shape[0])), int(rng.integers(0, mask.shape[1]))
            r = int(rng.integers(2, max(3, dpi // 40)))
            cv2.circle(gaps, (x, y), r, 255, -1)
        cut = sel & (gaps > 0)
        out[cut] = 250
    return out


def _font(size: int):
    from PIL import ImageFont

    from synth.fonts import font_file

    return ImageFont.truetype(font_file("wqy").path, size)


def draw_seal(size: int, text: str, rng: random.Random) -> np.ndarray:
    """A red 公章 as an alpha mask (0..1): ring, text round the upper rim, a star."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(im)
    c, r = size / 2, size / 2 - 3
    w = max(3, size // 28)
    d.ellipse([c - r, c - r, c + r, c + r], outline=255, width=w)
    # star
    pts = []
    for k in range(10):
        a = -math.pi / 2 + k * math.pi / 5
        rr = r * (0.28 if k % 2 == 0 else 0.11)
        pts.append((c + rr * math.cos(a), c + rr * math.sin(a)))
    d.polygon(pts, fill=255)
    # text round the rim
    fs = max(10, int(r * 0.26))
    font = _font(fs)
    n = max(1, len(text))
    span = math.radians(250)
    for k, ch in enumerate(text):
        a = -math.pi / 2 - span / 2 + span * (k + 0.5) / n
        glyph = Image.new("L", (fs + 6, fs + 6), 0)
        ImageDraw.Draw(glyph).text((3, 3), ch, fill=255, font=font)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.BICUBIC)
        rr = r - w - fs * 0.7
        im.paste(glyph, (int(c + rr * math.cos(a) - glyph.width / 2), int(c + rr * math.sin(a) - glyph.height / 2)), glyph)
    alpha = np.array(im, np.float32) / 255.0
    # ink is uneven on a real seal
    alpha *= np.clip(np.random.default_rng(rng.randrange(2**32)).normal(0.85, 0.15, alpha.shape), 0.3, 1.0)
    return cv2.GaussianBlur(alpha, (0, 0), 0.8)


def draw_scrawl(w: int, h: int, rng: random.Random) -> np.ndarray:
    """A signature-like blue scrawl as an alpha mask."""
    a = np.zeros((h, w), np.uint8)
    pts = []
    x = 0.05 * w
    for _ in range(14):
        x += rng.uniform(0.03, 0.09) * w
        pts.append((int(min(w - 2, x)), int(rng.uniform(0.15, 0.85) * h)))
    cv2.polylines(a, [np.array(pts, np.int32)], False, 255, max(2, h // 18), cv2.LINE_AA)
    return a.astype(np.float32) / 255.0


def ink_over(img: np.ndarray, alpha: np.ndarray, x: int, y: int, bgr: tuple[int, int, int]) -> None:
    """Coloured ink multiplied into a BGR page at (x, y) (clipped at the borders)."""
    h, w = alpha.shape
    H, W = img.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    region = img[y0:y1, x0:x1].astype(np.float32)
    tint = np.array(bgr, np.float32)[None, None, :] / 255.0
    img[y0:y1, x0:x1] = np.clip(region * (1 - a + a * tint), 0, 255).astype(np.uint8)


def label_boxes(pdf: Path, index: int, label: str) -> list[tuple[float, float, float, float]]:
    """Boxes (PDF points) of the words starting ``label`` on a page of the digital PDF."""
    import pdfplumber

    with pdfplumber.open(str(pdf)) as doc:
        words = doc.pages[index].extract_words()
    return [(w["x0"], w["top"], w["x1"], w["bottom"]) for w in words if w["text"].startswith(label)]


def degrade(page: np.ndarray, case: ScanCase, rng: random.Random, seal_at: Optional[tuple[float, float]] = None,
            seal_text: str = "", ink_at: Optional[tuple[float, float]] = None) -> ScannedPage:
    """One page (BGR, rendered at ``case.dpi``) through the model. ``seal_at``/``ink_at`` are
    centres in PDF points. The stamps are returned in PDF points of the *upright* page."""
    nprng = np.random.default_rng(rng.randrange(2**32))
    dpi = case.dpi
    img = page.copy()
    stamps: list[dict] = []
    if case.faint_rules or case.broken_rules:
        mask = rule_mask(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), dpi)
        img = fade_rules(img, mask, case.faint_rules, case.broken_rules, nprng, dpi)
    px = dpi / 72
    if case.red_seal and seal_at is not None:
        size = int(1.55 * dpi)  # a 4-cm seal
        seal = draw_seal(size, seal_text or "深圳市福田区人民政府", rng)
        cx, cy = seal_at
        x, y = int(cx * px - size / 2), int(cy * px - size / 2)
        ink_over(img, seal, x, y, (60, 50, 215))
        stamps.append({"bbox": [round(x / px, 1), round(y / px, 1), round((x + size) / px, 1), round((y + size) / px, 1)],
                       "color": "red"})
    if case.blue_ink and ink_at is not None:
        w, h = int(1.6 * dpi), int(0.45 * dpi)
        cx, cy = ink_at
        ink_over(img, draw_scrawl(w, h, rng), int(cx * px - w / 2), int(cy * px - h / 2), (170, 60, 30))
    # paper tone: white -> the paper's gray, ink kept (gray scans are modelled in one channel)
    if not case.color:
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    f = case.paper / 255.0
    img = (img.astype(np.float32) * f)
    if case.color:
        img *= np.array([0.97, 1.0, 1.02], np.float32)[None, None, :]  # a slightly warm paper
    h, w = img.shape[:2]
    angle = rng.uniform(-case.max_skew_deg, case.max_skew_deg)
    if case.perspective > 0:
        img, _ = _photo(img, case, rng, nprng)
    else:
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        shift = 0.06 * dpi
        m[0, 2] += rng.uniform(-shift, shift)
        m[1, 2] += rng.uniform(-shift, shift)
        img = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(case.paper,) * 3)
    if case.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), case.blur * dpi / 300)
    if case.uneven_light > 0:
        hh, ww = img.shape[:2]
        yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
        cx, cy = rng.choice([(0, 0), (ww, 0), (0, hh), (ww, hh)])
        d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / math.hypot(ww, hh)
        light = (1.0 - case.uneven_light * 0.6 * (1 - d))
        img *= light[:, :, None] if img.ndim == 3 else light
    if case.noise_sigma > 0:  # sensor noise, the same in every channel (luminance noise)
        noise = nprng.standard_normal(img.shape[:2], dtype=np.float32) * case.noise_sigma
        img += noise[:, :, None] if img.ndim == 3 else noise
    img = np.clip(img, 0, 255).astype(np.uint8)
    if case.speckle > 0:
        flips = nprng.random(img.shape[:2]) < case.speckle
        vals = np.where(nprng.random(int(flips.sum())) < 0.5, 0, 255).astype(np.uint8)
        img[flips] = vals[:, None] if img.ndim == 3 else vals
    if case.rotation:
        img = np.ascontiguousarray(np.rot90(img, k={90: 1, 180: 2, 270: 3}[case.rotation]))
    return ScannedPage(image=img, dpi=dpi, skew=angle, stamps=stamps)


def _photo(img: np.ndarray, case: ScanCase, rng: random.Random, nprng) -> tuple[np.ndarray, np.ndarray]:
    """The page photographed from a little off-axis: on a desk 12 % larger, its corners
    moved inwards by up to ``case.perspective`` of the page size."""
    h, w = img.shape[:2]
    mx, my = int(0.06 * w), int(0.06 * h)
    W, H = w + 2 * mx, h + 2 * my
    p = case.perspective
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[mx + rng.uniform(0, p) * w, my + rng.uniform(0, p) * h],
                      [mx + w - rng.uniform(0, p) * w, my + rng.uniform(0, p) * h],
                      [mx + w - rng.uniform(0, p) * w, my + h - rng.uniform(0, p) * h],
                      [mx + rng.uniform(0, p) * w, my + h - rng.uniform(0, p) * h]])
    m = cv2.getPerspectiveTransform(src, dst)
    desk = (95, 105, 120) if img.ndim == 3 else 105
    out = cv2.warpPerspective(img, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=desk)
    return cv2.resize(out, (w, h), interpolation=cv2.INTER_AREA), m


def encode(img: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality]) if quality else cv2.imencode(".png", img)
    if not ok:
        raise RuntimeError("image encoding failed")
    return buf.tobytes()


def scan_pdf(pdf: Path, out: Path, case: ScanCase, seed: int = 0) -> list[ScannedPage]:
    """An image-only PDF of ``pdf`` as this scanner makes it (JPEG pages embedded as stored).
    A seal goes over the 申请单位 value, blue ink over the 一级预算单位 value, where the page has them."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    import pypdfium2 as pdfium

    rng = random.Random(seed)
    n = len(pdfium.PdfDocument(str(pdf)))
    pages: list[ScannedPage] = []
    c = None
    for i in range(n):
        page = render_page(pdf, i, case.dpi)
        seal_at = ink_at = None
        if case.red_seal or case.blue_ink:
            app = label_boxes(pdf, i, "申请单位")
            if app:
                x0, t, x1, b = app[0]
                seal_at = (x1 + 90, (t + b) / 2 + rng.uniform(-8, 8))
            prim = label_boxes(pdf, i, "一级预算单位")
            if prim:
                x0, t, x1, b = prim[0]
                ink_at = (x1 + 70, (t + b) / 2 + 14)
        sp = degrade(page, case, rng, seal_at=seal_at, ink_at=ink_at)
        pages.append(sp)
        data = encode(sp.image, case.jpeg_quality)
        ih, iw = sp.image.shape[:2]
        size = (iw * 72 / case.dpi, ih * 72 / case.dpi)
        if c is None:
            c = canvas.Canvas(str(out), pagesize=size, pageCompression=0)
        c.setPageSize(size)
        c.drawImage(ImageReader(io.BytesIO(data)), 0, 0, width=size[0], height=size[1])
        c.showPage()
    if c is None:
        raise ValueError(f"{pdf} has no pages")
    c.save()
    return pages


def make_case(truths: Sequence[dict], out: Path, case: ScanCase | str, seed: int = 0,
              digital: Optional[Path] = None) -> list[dict]:
    """Truth forms -> office-suite PDF -> scanned with ``case`` at ``out``; returns the truth,
    each form with the stamps drawn on its pages (``stamps``: page, bbox, colour).
    ``digital`` reuses an office PDF already made from the same truths."""
    case = CASES[case] if isinstance(case, str) else case
    with tempfile.TemporaryDirectory() as tmp:
        src = digital or Path(tmp) / "office.pdf"
        if digital is None:
            truth = office_pdf(truths, src, seed=seed)
        else:
            truth = _with_pages(list(truths), src)
        pages = scan_pdf(src, out, case, seed)
    for t in truth:
        t["stamps"] = [{"page": p, **s} for p in t["source"]["pages"] for s in pages[p - 1].stamps]
    return truth


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from synth.truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.scanner", description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--case", action="append", choices=sorted(CASES), help="(repeatable; default: every case)")
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    args = ap.parse_args(argv)
    truths = load_golden() if args.golden else list(random_forms(args.seed, args.forms))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    digital = args.out_dir / "office.pdf"
    office_pdf(truths, digital, seed=args.seed)
    for name in args.case or sorted(CASES):
        out = args.out_dir / f"{name}.pdf"
        truth = make_case(truths, out, name, seed=args.seed, digital=digital)
        with open(out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
            for t in truth:
                f.write(json.dumps(t, ensure_ascii=False) + "\n")
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
