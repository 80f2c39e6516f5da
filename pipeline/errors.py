"""The project's typed errors. Parsers raise only these; the pipeline turns them into
:class:`~pipeline.models.ErrorItem` entries on the result instead of crashing a batch."""
from __future__ import annotations

import enum
from typing import Optional


class Stage(enum.StrEnum):
    """Where on the way a problem was met: the ``stage`` of every error on a result."""

    READ = "read"          # the file as a whole (open, decode, limits, sheets and tables of a workbook)
    TRIAGE = "triage"      # a PDF page needed OCR and none was available
    PDF = "pdf"            # a PDF page's content could not be decoded
    PAGE = "page"          # one page could not be read; the others go on
    RENDER = "render"      # a page could not be rendered to an image
    OCR = "ocr"            # the OCR engine failed, crashed or timed out on a page
    PARSE = "parse"        # a value or a piece of text could not be parsed
    ASSEMBLE = "assemble"  # rows read, but no declaration form in them
    PIPELINE = "pipeline"  # any other error the pipeline raises on purpose
    INGEST = "ingest"      # the ingest flow could not process the file
    INTERNAL = "internal"  # a bug: an exception nobody raised on purpose (the batch goes on)


class JixiaoError(Exception):
    """Base of every error the pipeline raises on purpose."""

    stage: Stage = Stage.PIPELINE

    def __init__(self, message: str, *, page: Optional[int] = None, stage: Optional[Stage | str] = None):
        super().__init__(message)
        self.message = message
        self.page = page
        if stage:
            self.stage = Stage(stage)


class InputError(JixiaoError):
    """The file cannot be read as any supported input (empty, binary, encrypted, too big...)."""

    stage = Stage.READ


class PageError(JixiaoError):
    """One page could not be read; the other pages go on."""

    stage = Stage.PAGE


class ParseError(JixiaoError):
    """A value or a piece of text could not be parsed."""

    stage = Stage.PARSE


class NotAFormError(InputError):
    """The input was readable but holds no declaration form."""

    stage = Stage.ASSEMBLE


class StrictStop(JixiaoError):
    """Raised instead of recording an error when the run is strict (``--strict``); raised while
    the original exception is handled, so the traceback shows both."""
