"""The project's typed errors. Parsers raise only these; the pipeline turns them into
:class:`~pipeline.models.ErrorItem` entries on the result instead of crashing a batch."""
from __future__ import annotations

from typing import Optional


class JixiaoError(Exception):
    """Base of every error the pipeline raises on purpose."""

    stage: str = "pipeline"

    def __init__(self, message: str, *, page: Optional[int] = None, stage: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.page = page
        if stage:
            self.stage = stage


class InputError(JixiaoError):
    """The file cannot be read as any supported input (empty, binary, encrypted, too big...)."""

    stage = "read"


class PageError(JixiaoError):
    """One page could not be read; the other pages go on."""

    stage = "page"


class ParseError(JixiaoError):
    """A value or a piece of text could not be parsed."""

    stage = "parse"


class NotAFormError(InputError):
    """The input was readable but holds no declaration form."""

    stage = "assemble"
