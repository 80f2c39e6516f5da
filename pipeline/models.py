"""Typed data of the pipeline: the reader IR (rows of cells) and the output contract.

Every reader (text dump, PDF text layer, OCR) yields :class:`Row` objects; the assembler
turns rows into :class:`Form` objects, which are exactly the JSON contract of
``shared/CONTRACT.md`` (keys may be added, never renamed).

Amounts are :class:`~decimal.Decimal` inside the pipeline and are written to JSON as plain
numbers without float noise (``9528.09``, never ``9528.089999``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from .errors import Stage

SCHEMA_VERSION = 1
TITLE = "二级项目支出绩效目标申报表"


def decimal_to_json(value: Decimal) -> int | float:
    """A Decimal as the shortest JSON number that reads back to the same decimal."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)  # repr(float) is the shortest round-trip form: 9528.09 stays 9528.09


# return_type Any: pydantic then writes the int or float it gets without trying a union first
# (measured ~25% less per number; no JSON schema is generated from these models)
Num = Annotated[Decimal, PlainSerializer(decimal_to_json, return_type=Any, when_used="json")]

Origin = Literal["text", "pdf", "ocr"]
SourceKind = Literal["text", "pdf", "scan", "image", "xlsx", "xls", "docx", "html"]
Severity = Literal["error", "warning", "info"]
Comparator = Literal["=", "≥", "≤", ">", "<"]
Period = Literal["中期", "年度", "长期"]
AmountUnit = Literal["万元", "元"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- reader IR


# The reader IR is slotted dataclasses, not pydantic models: a dump of ten thousand forms
# makes a million cells, readers build them from values they have already checked, and
# validating each one cost a third of the text path's time. The contract below is pydantic.


@dataclass(slots=True)
class BBox:
    """Box on a page in PDF points (x right, y down from the page top), or pixels for images."""

    x0: float
    top: float
    x1: float
    bottom: float

    def union(self, other: "BBox") -> "BBox":
        return BBox(min(self.x0, other.x0), min(self.top, other.top),
                    max(self.x1, other.x1), max(self.bottom, other.bottom))


@dataclass(slots=True)
class Cell:
    """One table cell as a reader saw it.

    ``col`` is the grid column of the cell's left edge and ``colspan`` how many it covers;
    ``page`` is 1-based (None for text dumps), ``line`` the dump's 1-based line (None for
    pages); ``confidence`` is 0..1 (1.0 from a text layer); ``origin`` is text, pdf or ocr."""

    text: str
    col: int
    colspan: int = 1
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    confidence: float = 1.0
    origin: Origin = "text"
    line: Optional[int] = None

    def with_text(self, text: str) -> "Cell":
        return replace(self, text=text)


@dataclass(slots=True)
class Row:
    """One table row: the unit every reader emits and the assembler consumes.

    ``page`` is None only where there are no pages (text dumps), and then no cell has one;
    ``continuation`` marks the rest of the previous row, split by a page break; ``unplaced``,
    cells read in an indicator table whose row the input does not say (a reviewer's to place)."""

    cells: list[Cell]
    page: Optional[int] = None
    line: Optional[int] = None
    continuation: bool = False
    unplaced: bool = False


# --------------------------------------------------------------------------- provenance and errors


class ProvenanceItem(_Model):
    """Where a value came from: page and box, text layer or OCR, and how sure the reader was."""

    origin: Origin
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    line: Optional[int] = None
    confidence: float = 1.0


class ErrorItem(_Model):
    """A problem met on the way, kept with the result instead of raised."""

    stage: Stage
    message: str
    page: Optional[int] = None


# --------------------------------------------------------------------------- output contract


class Source(_Model):
    path: str
    sha256: str
    kind: SourceKind
    form_index: int
    pages: list[int] = Field(default_factory=list)
    page_layouts: dict[int, str] = Field(default_factory=dict, description="how each of the form's PDF or "
                                         "image pages was laid out: grid (ruled cells), geometry (cells from "
                                         "the words' geometry: no rules found), mixed (text outside the grid)")


class Header(_Model):
    project_code: Optional[str] = None
    project_name: Optional[str] = None
    applicant_unit: Optional[str] = None
    primary_budget_unit: Optional[str] = None
    implementation_period: Optional[int] = None
    project_type_code: Optional[str] = None
    project_type_name: Optional[str] = None
    is_new_project: Optional[bool] = None
    allocation_method: Optional[str] = None
    total_amount: Optional[Num] = None
    annual_amount: Optional[Num] = None
    policy_basis: Optional[str] = None
    calculation_basis: Optional[str] = None
    annual_goal: Optional[str] = None
    long_term_goal: Optional[str] = None


HEADER_KEYS: tuple[str, ...] = tuple(Header.model_fields)


class Target(_Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    comparator: Optional[Comparator] = None
    number: Optional[Num] = None
    unit: Optional[str] = None


class Indicator(_Model):
    level1: str = ""
    level2: str = ""
    core: bool = False
    level3: str = ""
    value: str = ""
    explanation: str = ""
    target: Target = Field(default_factory=Target)
    prov: list[ProvenanceItem] = Field(default_factory=list)
    period: Optional[Period] = Field(default=None, description="the indicator set, where a family prints more than one")


class Factor(_Model):
    value: Num
    unit: Optional[str] = None


class CalcTerm(_Model):
    text: str
    label: Optional[str] = None
    factors: list[Factor]
    product_yuan: Num
    stated_yuan: Optional[Num] = None
    stated_unit_yuan: Optional[Num] = Field(
        default=None, description="the precision the stated result is written in, in 元 (30.72万元 -> 100)"
    )
    approximate: bool = False
    implicit: bool = Field(default=False, description="a product written in words, not with ×")


class Calculation(_Model):
    terms: list[CalcTerm] = Field(default_factory=list)
    total_yuan: Optional[Num] = None
    total_source: Optional[str] = Field(
        default=None, description="how total_yuan was found: stated, items or terms"
    )
    total_rounding_yuan: Num = Field(
        default=Decimal(0), description="how far rounding may have moved total_yuan, in 元: half a written unit "
        "of every rounded amount it adds up (18298.53万元 -> 50; a product of written factors -> 0)")
    total_coarsest_yuan: Num = Field(
        default=Decimal(0), description="the largest of those halves (the coarsest written precision / 2)")
    total_approximate: bool = Field(default=False, description="an amount it adds up is written with 约/≈/左右")


class Finding(_Model):
    code: str
    severity: Severity
    message: str
    field: Optional[str] = None


class Stamp(_Model):
    """A seal or ink mark found on a page (colour scans): page, box, colour."""

    page: int
    bbox: list[float]  # [x0, top, x1, bottom], in the units of the page's provenance boxes
    color: str  # "red" | "blue"


class Form(_Model):
    schema_version: int = SCHEMA_VERSION
    source: Source
    title: str = TITLE
    header: Header = Field(default_factory=Header)
    indicators: list[Indicator] = Field(default_factory=list)
    calculation: Calculation = Field(default_factory=Calculation)
    findings: list[Finding] = Field(default_factory=list)
    confidence: dict[str, float] = Field(default_factory=dict)
    provenance: dict[str, ProvenanceItem] = Field(
        default_factory=dict, description="per header key: where its value was read"
    )
    layout: str = Field(default="unknown", description="the form family (data/layouts/<name>.toml) or unknown")
    header_extra: dict[str, Union[int, Num, str]] = Field(
        default_factory=dict, description="fields of the family the header lacks (README: per family); amounts in 万元"
    )
    amount_unit: Optional[AmountUnit] = Field(default=None, description="the unit the form printed its amounts in")
    stamps: list[Stamp] = Field(default_factory=list, description="seals and ink marks on the form's pages")


class DocumentResult(_Model):
    """Everything read from one input file: its forms, its status and what went wrong."""

    path: str
    sha256: str
    kind: Optional[SourceKind] = None
    status: Literal["ok", "partial", "failed", "no_form"] = "ok"  # no_form: read, but holds no form
    forms: list[Form] = Field(default_factory=list)
    errors: list[ErrorItem] = Field(default_factory=list)

    @property
    def error_line(self) -> Optional[str]:
        """The one-line reason for a failed or partial file, or None."""
        if not self.errors:
            return None
        first = self.errors[0]
        where = f" (page {first.page})" if first.page else ""
        more = f" (+{len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        return f"{first.message}{where}{more}"
