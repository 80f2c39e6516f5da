"""Calculation text (测算依据) -> quantity × rate terms and the total they support."""
from __future__ import annotations

from typing import Optional

from ..models import Calculation, Form
from ..settings import Settings


def calculate(form: Form, settings: Optional[Settings] = None) -> Form:
    """Stage: parse the form's 测算依据 into :class:`~pipeline.models.Calculation`."""
    return form.model_copy(update={"calculation": Calculation()})
