"""OCR engines behind one interface (see :mod:`.base`); importing this package registers
the built-in engines by name."""
from . import rapidocr as _rapidocr  # noqa: F401  (registers "rapidocr")
from . import tesseract as _tesseract  # noqa: F401  (registers "tesseract")
from .base import (ENGINES, EngineSpec, OcrEngine, Word, create_engine, engine_available, engine_spec,
                   register_engine, unregister_engine)

__all__ = ["ENGINES", "EngineSpec", "OcrEngine", "Word", "create_engine", "engine_available", "engine_spec",
           "register_engine", "unregister_engine"]
