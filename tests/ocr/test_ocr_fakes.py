"""The reader with fake engines (tests/fakes/engines.py, subclasses of the real RapidOCR
engine that replace only the call they fake): words placed by box whatever the engine's
order, a crashing or process-killing engine costs one page, bad text is made safe, oversized
images are refused before decoding."""
from __future__ import annotations

import numpy as np
from helpers import read_image_rows, rows_to_forms, settings
from layout import draw_form
from PIL import Image

from extractors import convert
from flows.evaluate import score
from tests.fakes.engines import BAD_TEXTS, CRASH_MESSAGE, BadUtf8Engine, CrashingEngine, KillerEngine, ReplayEngine, mark

REPLAY = ReplayEngine.name


def _tiff(path, pages):
    ims = [Image.fromarray(p) for p in pages]
    ims[0].save(path, save_all=True, append_images=ims[1:], dpi=(200, 200))
    return path


def test_replayed_words_in_any_order_give_the_truth(tmp_path, truth):
    img, words = draw_form(truth, dpi=200)
    path = tmp_path / "form.png"
    Image.fromarray(img).save(path, dpi=(200, 200))
    ReplayEngine.words = words
    for seed in (1, 2):
        ReplayEngine.seed = seed
        s = settings()
        rows, ctx = read_image_rows(path, s, engine=REPLAY)
        assert not ctx.errors
        forms = rows_to_forms(rows, s)
        report = score([truth], forms)
        assert report.header_accuracy == 1.0, report.misses
        assert report.indicator_accuracy == 1.0, report.misses
        cell = forms[0].provenance["project_code"]
        assert cell.origin == "ocr" and cell.page == 1 and cell.confidence == 0.97 and cell.bbox is not None


def test_crashing_engine_costs_its_pages_not_the_run(tmp_path, truth):
    img, _ = draw_form(truth, dpi=100)
    path = _tiff(tmp_path / "two.tiff", [img, img])
    rows, ctx = read_image_rows(path, settings(), engine=CrashingEngine.name, pages=(1, 2))
    assert rows == []
    assert [(e.page, e.stage) for e in ctx.errors] == [(1, "ocr"), (2, "ocr")]
    assert CRASH_MESSAGE in ctx.errors[0].message


def test_engine_killing_its_worker_fails_only_that_page(tmp_path, truth):
    img, _ = draw_form(truth, dpi=100)
    bad = mark(img)
    path = _tiff(tmp_path / "three.tiff", [img, bad, img])
    rows, ctx = read_image_rows(path, settings(workers=2), engine=KillerEngine.name, pages=(1, 2, 3))
    assert [(e.page, e.message) for e in ctx.errors] == [(2, "the OCR engine crashed on this page")]
    assert sorted({r.page for r in rows}) == [1, 3]


def test_bad_utf8_from_the_engine_is_cleaned(tmp_path, truth):
    """The real detector's lines, each "recognised" as undecodable bytes or text with lone
    surrogates and NULs: every cell holds only what is left of them once cleaned."""
    import re

    img, _ = draw_form(truth, dpi=100)
    path = tmp_path / "p.png"
    Image.fromarray(img).save(path)
    rows, ctx = read_image_rows(path, settings(), engine=BadUtf8Engine.name)
    texts = {c.text for r in rows for c in r.cells}
    assert not ctx.errors
    print(sorted(texts))
    # BAD_TEXTS without their undecodable bytes, lone surrogates and NULs: 项目名称 and 项
    assert texts and all(re.fullmatch("(项目名称|项)+", t) for t in texts), texts
    for t in texts:
        t.encode("utf-8")  # no lone surrogates left


def test_oversized_image_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    Image.fromarray(np.full((400, 300), 255, np.uint8)).save(path)
    result = convert(path, settings(max_pixels=100_000))
    assert result.status == "failed"
    assert "over the limit" in result.errors[0].message and "400" in result.errors[0].message


def _read_with_shaky_word(tmp_path, img, words, text: str):
    """The drawn form read by the replay engine with the words ``text`` at confidence 0.42:
    (rows, settings, how many words were lowered)."""
    from dataclasses import replace

    shaky = [replace(w, confidence=0.42) if w.text == text else w for w in words]
    path = tmp_path / "form.png"
    Image.fromarray(img).save(path, dpi=(200, 200))
    ReplayEngine.words, ReplayEngine.seed = shaky, 3
    s = settings()
    rows, _ctx = read_image_rows(path, s, engine=REPLAY)
    return rows, s, sum(w.text == text for w in words)


def test_low_engine_confidence_becomes_a_low_confidence_finding(tmp_path, truth):
    """Word confidences travel to the form's provenance; a field read under the threshold
    (settings.validation.low_confidence) gets a LOW_CONFIDENCE finding, the others none."""
    from pipeline.settings import ValidationSettings
    from pipeline.validate import validate

    img, words = draw_form(truth, dpi=200)
    rows, s, lowered = _read_with_shaky_word(tmp_path, img, words, truth["header"]["project_name"])
    assert lowered == 1
    form = validate(rows_to_forms(rows, s)[0], s)
    low = [f for f in form.findings if f.code == "LOW_CONFIDENCE"]
    assert [f.field for f in low] == ["project_name"]
    assert "0.42" in low[0].message and "page 1" in low[0].message
    lenient = s.model_copy(update={"validation": ValidationSettings(low_confidence=0.4)})
    form = validate(rows_to_forms(rows, lenient)[0], lenient)
    assert not [f for f in form.findings if f.code == "LOW_CONFIDENCE"]


def test_low_engine_confidence_in_an_indicator_row_flags_that_row(tmp_path, truth):
    """An indicator row whose 三级 name was read under the threshold gets a LOW_CONFIDENCE
    finding naming that row and its page; the other rows none."""
    from pipeline.validate import validate

    img, words = draw_form(truth, dpi=200)
    texts = [w.text for w in words]
    k, name = next((k, r["level3"]) for k, r in enumerate(truth["indicators"]) if texts.count(r["level3"]) == 1)
    rows, s, _ = _read_with_shaky_word(tmp_path, img, words, name)
    form = validate(rows_to_forms(rows, s)[0], s)
    assert form.indicators[k].level3 == name
    low = [f for f in form.findings if f.code == "LOW_CONFIDENCE"]
    assert [f.field for f in low] == [f"indicators[{k}]"]
    assert name in low[0].message and "0.42" in low[0].message and "page 1" in low[0].message


def test_set_ocr_settings_reach_the_engine_in_spawned_workers(tmp_path, truth):
    """``--set ocr.x=...`` travels in each page job to the worker processes, which build their
    engine from it (before, workers knew only the engine's name and GridSettings)."""
    from pipeline.settings import Settings
    from tests.fakes.engines import SettingsEchoEngine

    img, _ = draw_form(truth, dpi=100)
    path = _tiff(tmp_path / "two.tiff", [img, img])
    s = Settings().with_overrides(["ocr.workers=2", "ocr.det_dpi=77", "ocr.rec_min_width=99"])
    rows, ctx = read_image_rows(path, s, engine=SettingsEchoEngine.name, pages=(1, 2))
    assert not ctx.errors
    assert sorted(c.text for r in rows for c in r.cells) == ["det_dpi=77.0 rec_min_width=99"] * 2
    assert s.fingerprint() != Settings().fingerprint()


def test_engines_are_named_from_the_registry_only():
    """No import path back door: a "module:callable" name is not an engine."""
    import pytest

    from extractors import ReadContext
    from extractors.ocr import jobs_for
    from extractors.ocr.engines import engine_available

    assert engine_available("rapidocr") and engine_available(ReplayEngine.name)
    assert not engine_available("tests.fakes.engines:ReplayEngine")
    with pytest.raises(KeyError, match="unknown OCR engine"):
        jobs_for("x.png", "image", [1], ReadContext(settings=settings(), kind="image"),
                 engine="tests.fakes.engines:ReplayEngine")
