"""Simulated scans of generated PDFs, with their truth: what an archivist's scanner makes.

``render_pdf_pages``  the PDF's pages as grayscale images at the scan resolution (pypdfium2);
``degrade``           one page through a simulated scanner: rotated by a few degrees, shifted,
                      blurred, speckled with noise, unevenly lit, JPEG-compressed;
``scan_pdf``          a whole PDF -> an image-only PDF (JPEG pages at the given dpi), the way
                      scanned archives arrive; ``scan_pages`` -> PNG/JPEG/TIFF files.

A :class:`ScanStyle` fixes the degradations; the seed makes them reproducible. The truth of
the scanned file is the truth of the PDF it came from (``synth.pdf.render_pdf``'s return).

    python -m synth.scan OUT.pdf --forms 10 --dpi 300 --seed 1     # PDF + OUT.truth.jsonl
"""
from __future__ import annotations

import io
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterator, Optional, Sequence

import cv2
import numpy as np


@dataclass(frozen=True)
class ScanStyle:
    dpi: int = 300
    max_skew_deg: float = 1.0      # rotation drawn from [-max, +max]
    noise_sigma: float = 6.0       # gaussian sensor noise (gray levels)
    speckle: float = 0.0005        # share of pixels flipped to black/white dust
    blur: float = 0.6              # gaussian blur sigma in pixels at 300 dpi
    jpeg_quality: int = 75         # 0 = store losslessly (PNG)
    max_shift_in: float = 0.08     # page offset on the glass, inches
    uneven_light: float = 0.0      # 0..1 darkening towards one edge


SCAN_300 = ScanStyle()
SCAN_200_SKEWED = ScanStyle(dpi=200, max_skew_deg=2.5, noise_sigma=8.0, speckle=0.001, blur=0.7, jpeg_quality=60)


def render_pdf_pages(pdf: Path, dpi: int) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=dpi / 72, grayscale=True)
            yield np.array(bitmap.to_pil().convert("L"))
    finally:
        doc.close()


def degrade(page: np.ndarray, style: ScanStyle, rng: random.Random) -> tuple[np.ndarray, float]:
    """One page through the simulated scanner; returns the image and the skew applied."""
    h, w = page.shape
    angle = rng.uniform(-style.max_skew_deg, style.max_skew_deg)
    shift = style.max_shift_in * style.dpi
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    m[0, 2] += rng.uniform(-shift, shift)
    m[1, 2] += rng.uniform(-shift, shift)
    img = cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255).astype(np.float32)
    if style.blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), style.blur * style.dpi / 300)
    if style.uneven_light > 0:
        ramp = np.linspace(1.0, 1.0 - 0.5 * style.uneven_light, w, dtype=np.float32)
        img *= ramp[None, :] if rng.random() < 0.5 else ramp[None, ::-1]
    nprng = np.random.default_rng(rng.randrange(2**32))
    if style.noise_sigma > 0:
        img += nprng.normal(0, style.noise_sigma, img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if style.speckle > 0:
        flips = nprng.random(img.shape) < style.speckle
        img[flips] = np.where(nprng.random(int(flips.sum())) < 0.5, 0, 255).astype(np.uint8)
    return img, angle


def encode(img: np.ndarray, style: ScanStyle) -> bytes:
    """The page as the scanner would store it: JPEG at the style's quality, else PNG."""
    if style.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, style.jpeg_quality])
    else:
        ok, buf = cv2.imencode(".png", img)
    if not ok:
        raise RuntimeError("image encoding failed")
    return buf.tobytes()


def scanned_pages(pdf: Path, style: ScanStyle, seed: int = 0) -> Iterator[tuple[bytes, float]]:
    rng = random.Random(seed)
    for page in render_pdf_pages(pdf, style.dpi):
        img, angle = degrade(page, style, rng)
        yield encode(img, style), angle


def scan_pdf(pdf: Path, out: Path, style: ScanStyle = SCAN_300, seed: int = 0) -> list[float]:
    """Write an image-only PDF of ``pdf`` as scanned with ``style``; returns each page's skew.

    JPEG pages are embedded as they are (DCTDecode, no re-encoding), so the PDF holds exactly
    what the scanner stored; each page's size is the image size at ``style.dpi``."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    angles = []
    c: Optional[canvas.Canvas] = None
    for data, angle in scanned_pages(pdf, style, seed):
        img = ImageReader(io.BytesIO(data))
        w_px, h_px = img.getSize()
        size = (w_px * 72 / style.dpi, h_px * 72 / style.dpi)
        if c is None:
            c = canvas.Canvas(str(out), pagesize=size, pageCompression=0)
        c.setPageSize(size)
        c.drawImage(img, 0, 0, width=size[0], height=size[1])
        c.showPage()
        angles.append(angle)
    if c is None:
        raise ValueError(f"{pdf} has no pages")
    c.save()
    return angles


def scan_pages(pdf: Path, out_dir: Path, style: ScanStyle = SCAN_300, seed: int = 0,
               fmt: str = "png") -> list[Path]:
    """Each page as an image file (``png``, ``jpg``) or all pages as one multi-page ``tiff``."""
    from PIL import Image

    out_dir.mkdir(parents=True, exist_ok=True)
    pages = [cv2.imdecode(np.frombuffer(d, np.uint8), cv2.IMREAD_GRAYSCALE) for d, _ in scanned_pages(pdf, style, seed)]
    dpi = (style.dpi, style.dpi)
    if fmt == "tiff":
        path = out_dir / f"{pdf.stem}.tiff"
        ims = [Image.fromarray(p) for p in pages]
        ims[0].save(path, save_all=True, append_images=ims[1:], dpi=dpi, compression="tiff_lzw")
        return [path]
    paths = []
    for i, p in enumerate(pages, 1):
        path = out_dir / f"{pdf.stem}-{i:03d}.{fmt}"
        Image.fromarray(p).save(path, dpi=dpi, **({"quality": style.jpeg_quality} if fmt == "jpg" else {}))
        paths.append(path)
    return paths


def make_scanned_forms(truths: Sequence[dict], out: Path, style: ScanStyle = SCAN_300, seed: int = 0,
                       pdf_style=None) -> list[dict]:
    """Truth forms -> digital PDF (synth.pdf) -> scanned PDF at ``out``; returns the truth."""
    import tempfile

    from synth.pdf import render_pdf

    with tempfile.TemporaryDirectory() as tmp:
        digital = Path(tmp) / "digital.pdf"
        truth = render_pdf(list(truths), digital, seed=seed, style=pdf_style)
        scan_pdf(digital, out, style, seed)
    return truth


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from synth.truth import random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.scan", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="scanned PDF to write (truth beside it as .truth.jsonl)")
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dpi", type=int, default=300)
    ap.add_argument("--skew", type=float, default=None, help="max skew in degrees")
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    args = ap.parse_args(argv)
    style = SCAN_300 if args.dpi >= 300 else SCAN_200_SKEWED
    style = replace(style, dpi=args.dpi, **({"max_skew_deg": args.skew} if args.skew is not None else {}))
    if args.golden:
        from synth.truth import load_golden

        truths = load_golden()
    else:
        truths = list(random_forms(args.seed, args.forms))
    truth = make_scanned_forms(truths, args.out, style, args.seed)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
