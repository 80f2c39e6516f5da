"""Pages as grayscale images at the resolution OCR works at.

``pdf_page_image``    one PDF page rendered by pypdfium2 at ``dpi`` (the scan's embedded
                      image resampled once; measured here: 200 dpi reads as well as 300 and
                      is faster);
``image_frames``      how many frames an image file holds (multi-page TIFF), without decoding;
``image_frame``       one frame through Pillow, converted to 8-bit gray and scaled down to
                      ``dpi`` when its own resolution (from its metadata, else its width read
                      as an A4 page) is higher.

Every function checks the pixel count against ``max_pixels`` BEFORE decoding anything,
so a hostile 100,000 × 100,000 image costs nothing but its header.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from pipeline.errors import InputError, PageError

from ..pdfium_lock import PDFIUM

A4_WIDTH_IN = 8.27


class PageTooLarge(PageError):
    stage = "render"


@dataclass(frozen=True)
class PageImage:
    gray: np.ndarray
    dpi: float
    scale: float  # page pixels -> output box units (PDF points for PDFs, pixels for images)
    color: Optional[np.ndarray] = None  # BGR, only when the page holds colour (seals, ink)


def _colour_or_none(bgr: np.ndarray) -> Optional[np.ndarray]:
    from .colour import is_colour

    return np.ascontiguousarray(bgr[:, :, :3]) if is_colour(bgr) else None


def _check_pixels(w: float, h: float, max_pixels: int, what: str) -> None:
    if w * h > max_pixels:
        raise PageTooLarge(f"{what} is {int(w)}x{int(h)} pixels, over the limit of {max_pixels}")


def pdf_page_count(path: Path, password: Optional[str] = None) -> int:
    import pypdfium2 as pdfium

    with PDFIUM:  # pdfium is not thread-safe (extractors/pdfium_lock.py)
        doc = pdfium.PdfDocument(str(path), password=password)
        try:
            return len(doc)
        finally:
            doc.close()


def pdf_page_image(path: Path, page: int, dpi: int, max_pixels: int, password: Optional[str] = None,
                   colour: bool = False) -> PageImage:
    """Page ``page`` (1-based) of a PDF as a grayscale image at ``dpi`` (and, with
    ``colour``, its BGR image when the page holds colour)."""
    import pypdfium2 as pdfium

    with PDFIUM:  # pdfium is not thread-safe (extractors/pdfium_lock.py)
        doc = pdfium.PdfDocument(str(path), password=password)
        try:
            p = doc[page - 1]
            w_pt, h_pt = p.get_size()
            _check_pixels(w_pt * dpi / 72, h_pt * dpi / 72, max_pixels, f"page {page} at {dpi} dpi")
            bitmap = p.render(scale=dpi / 72, grayscale=not colour)
            arr = bitmap.to_numpy().copy()  # the pixels outlive the bitmap, freed here under the lock
            bitmap.close()
            p.close()
        finally:
            doc.close()
    bgr = _colour_or_none(arr) if colour and arr.ndim == 3 else None
    gray = arr if arr.ndim == 2 else cv2.cvtColor(arr, cv2.COLOR_BGR2GRAY if arr.shape[2] == 3 else cv2.COLOR_BGRA2GRAY)
    return PageImage(gray=np.ascontiguousarray(gray), dpi=float(dpi), scale=72.0 / dpi, color=bgr)


def _open(path: Path, max_pixels: int):
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            im = Image.open(path)  # reads the header only
        except Image.DecompressionBombError as exc:
            raise PageTooLarge(str(exc)) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"not a readable image: {exc}") from exc
    _check_pixels(im.width, im.height, max_pixels, "image")
    return im


def image_frames(path: Path, max_pixels: int) -> int:
    im = _open(path, max_pixels)
    with im:
        return int(getattr(im, "n_frames", 1) or 1)


def image_frame(path: Path, frame: int, dpi: int, max_pixels: int, colour: bool = False) -> PageImage:
    """Frame ``frame`` (1-based) of an image file as grayscale, at most ``dpi`` (and its BGR
    image when ``colour`` and the frame holds colour)."""
    from PIL import Image

    im = _open(path, max_pixels)
    with im:
        if frame > 1:
            im.seek(frame - 1)
            _check_pixels(im.width, im.height, max_pixels, f"frame {frame}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.MAX_IMAGE_PIXELS = None  # our own limit was checked above
            info_dpi = im.info.get("dpi")
            bgr = None
            if colour and im.mode in ("RGB", "RGBA", "P", "CMYK", "YCbCr"):
                bgr = _colour_or_none(cv2.cvtColor(np.array(im.convert("RGB")), cv2.COLOR_RGB2BGR))
            gray = np.array(im.convert("L"))
    src_dpi = float(info_dpi[0]) if info_dpi and float(info_dpi[0]) >= 72 else gray.shape[1] / A4_WIDTH_IN
    if src_dpi > dpi * 1.15:
        f = dpi / src_dpi
        gray = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        if bgr is not None:
            bgr = cv2.resize(bgr, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_AREA)
        return PageImage(gray=gray, dpi=float(dpi), scale=1.0 / f, color=bgr)
    return PageImage(gray=gray, dpi=src_dpi, scale=1.0, color=bgr)
