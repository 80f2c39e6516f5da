"""Render truth records as an .xlsx workbook (openpyxl), the way forms are kept in Excel:
merged title and value cells, 一级/二级指标 merged down, wrapped long text, amounts as numbers
under a number format, several forms per sheet and several sheets. ``to_xls`` converts the
workbook with LibreOffice (the .xls files people hold were mostly saved by an office suite).

    render_workbook(truths, path, seed=0, style=None, forms_per_sheet=None) -> truths
    to_xls([xlsx_path, ...], out_dir) -> the .xls paths (one LibreOffice start)

    python -m synth.workbook OUT.xlsx --forms 10 --seed 1   # + OUT.truth.jsonl beside it
"""
from __future__ import annotations

import copy
import os
import random
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from .grid import GridStyle, form_grid


def render_workbook(truths: list[dict], path: Path, *, seed: int = 0, style: Optional[GridStyle] = None,
                    forms_per_sheet: Optional[int] = None, offset: Optional[tuple[int, int]] = None) -> list[dict]:
    """Write ``truths`` into one workbook at ``path``; returns them with ``source.pages``
    (the 1-based sheet each form is on). ``forms_per_sheet`` None: 1-4 at random per sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    rng = random.Random(seed)
    style = style or GridStyle()
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    out: list[dict] = []
    i = 0
    sheet_no = 0
    while i < len(truths):
        sheet_no += 1
        ws = wb.create_sheet(f"申报表{sheet_no}" if rng.random() < 0.7 else f"Sheet{sheet_no}")
        n = forms_per_sheet or rng.randint(1, 4)
        r0, c0 = offset if offset is not None else (rng.choice([1, 1, 2, 3]), rng.choice([1, 1, 2]))
        row = r0
        for truth in truths[i:i + n]:
            grid = form_grid(truth, rng, style)
            for grow in grid.rows:
                for gc in grow.cells:
                    cell = ws.cell(row=row, column=c0 + gc.col)
                    cell.value = gc.value
                    if gc.number_format:
                        cell.number_format = gc.number_format
                    cell.alignment = wrap
                    if grow.kind != "note":
                        cell.border = border
                    if gc.role in ("title", "colhead"):
                        cell.font = Font(bold=True, size=14 if gc.role == "title" else 11)
                    if gc.colspan > 1 or gc.rowspan > 1:
                        ws.merge_cells(start_row=row, start_column=c0 + gc.col,
                                       end_row=row + gc.rowspan - 1, end_column=c0 + gc.col + gc.colspan - 1)
                row += 1
            rec = copy.deepcopy(truth)
            rec["source"] = {**rec.get("source", {}), "pages": [sheet_no]}
            out.append(rec)
            row += rng.choice([1, 2, 3])  # blank rows between forms
        for col, width in zip("ABCDEFG", (16, 22, 14, 20, 30, 16, 16)):
            ws.column_dimensions[col].width = width
        i += n
    if rng.random() < 0.5 and len(truths) > 1:  # a hidden sheet of drop-down lists is not read
        lists = wb.create_sheet("lists")
        for k, v in enumerate(["是", "否", "因素法", "项目法", "项目编码"], 1):
            lists.cell(row=k, column=1, value=v)
        lists.sheet_state = "hidden"
    wb.save(path)
    return out


def soffice_convert(srcs: list[Path], out_dir: Path, target: str, timeout: float = 300) -> list[Path]:
    """``soffice --headless --convert-to TARGET`` of several files in one office start, with a
    private profile (no user profile is touched; concurrent runs do not share a lock).
    Returns the converted files, in order."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        raise FileNotFoundError("soffice (LibreOffice) is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jixiao-lo-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(out_dir), *map(str, srcs)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout,
                       env={**os.environ, "HOME": profile})
    ext = target.split(":", 1)[0]
    results = [out_dir / f"{src.stem}.{ext}" for src in srcs]
    for result in results:
        if not result.exists():
            raise FileNotFoundError(f"soffice did not write {result}")
    return results


def to_xls(xlsx: list[Path], out_dir: Path) -> list[Path]:
    """Workbooks saved as Excel 97-2003 .xls by LibreOffice Calc."""
    return soffice_convert(xlsx, out_dir, "xls:MS Excel 97")


def main(argv: Optional[list[str]] = None) -> int:
    import argparse
    import json

    from .truth import load_golden, random_forms

    ap = argparse.ArgumentParser(prog="python -m synth.workbook", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--forms", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--golden", action="store_true", help="the ten sample forms instead of random ones")
    ap.add_argument("--xls", action="store_true", help="also convert to .xls with LibreOffice")
    args = ap.parse_args(argv)
    truths = load_golden() if args.golden else list(random_forms(args.seed, args.forms))
    style = GridStyle(numeric_code=False) if args.xls else None
    rendered = render_workbook(truths, args.out, seed=args.seed, style=style)
    with open(args.out.with_suffix(".truth.jsonl"), "w", encoding="utf-8") as f:
        for t in rendered:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    if args.xls:
        print(to_xls([args.out], args.out.parent)[0])
    return 0


__all__ = ["render_workbook", "soffice_convert", "to_xls"]

if __name__ == "__main__":
    raise SystemExit(main())
