"""The pipeline: one file in, its forms out, with status and errors kept on the result.

    read (extractor by input type) -> rows
    assemble                       -> form drafts -> forms
    STAGES (OCR text correction, calculation, validation),
                                   each Form -> Form

``iter_document`` streams forms (memory flat in the number of forms); ``convert`` collects
them into a :class:`~pipeline.models.DocumentResult`. Neither raises for a bad input: the
reason is on the result (``status`` and ``errors``), with the stage and page it came from.
A document read whole that holds no form is status ``no_form`` (no error), distinct from
``failed``.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from .assemble import draft_to_form, rows_to_drafts
from .calc import calculate
from .errors import InputError, JixiaoError, NotAFormError
from .labels import load_vocabulary
from .models import DocumentResult, ErrorItem, Form, Row, Source, SourceKind, Stamp
from .ocr_repair import repair_ocr_text
from .readers import ReadContext, Readers
from .settings import Settings, resolve
from .validate import validate

if TYPE_CHECKING:
    from .assemble import FormDraft

log = logging.getLogger("jixiao")

NO_FORM = "no declaration form found (not a 绩效目标申报表?)"  # what a ``no_form`` status means

FormStage = Callable[[Form, Settings], Form]
STAGES: tuple[FormStage, ...] = (repair_ocr_text, calculate, validate)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """The content hash of a regular file (a FIFO or device raises OSError instead of blocking)."""
    return file_sha256_head(path, chunk)[0]


def file_sha256_head(path: Path, chunk: int = 1 << 20, head: int = 4096) -> tuple[str, bytes]:
    """The content hash of a regular file and its first ``head`` bytes (what the readers'
    detection looks at), from one open: opened without blocking and checked by ``fstat``, so
    a FIFO or device raises OSError instead of blocking."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a folder, FIFO or device)", str(path))
        f = open(fd, "rb")  # closes fd from here on
    except BaseException:
        os.close(fd)
        raise
    with f:
        h = hashlib.sha256()
        first = b""
        while block := f.read(chunk):
            if not first:
                first = block[:head]
            h.update(block)
    return h.hexdigest(), first


def _until_error(read: Callable[[], Iterator[Row]], broken: list[JixiaoError], strict: bool = False) -> Iterator[Row]:
    """The reader's rows until it raises (when called or while read); the error is kept and
    the stream simply ends, so the assembler still hands over the form it was building
    (a dump cut mid-form)."""
    try:
        yield from read()
    except JixiaoError as exc:
        if strict:
            raise
        broken.append(exc)


def form_kind(draft: "FormDraft", reader_kind: SourceKind) -> SourceKind:
    """The ``source.kind`` of one form, from its own cells: a PDF's form is ``scan`` when any
    of its cells was OCR'd, else ``pdf``, whatever page the reader is on when the form is
    handed over (the assembler hands a form over only after it has pulled the next form's
    title row, which may be on a scanned page). A form spanning a text page and a scanned one
    is ``scan``. Other readers' kinds (text, image, …) are one per file."""
    if reader_kind not in ("pdf", "scan"):
        return reader_kind
    for cells in draft.fields.values():
        for c in cells:
            if c.origin == "ocr":
                return "scan"
    for ind in draft.indicators:
        for cells in ind.cells.values():
            for c in cells:
                if c.origin == "ocr":
                    return "scan"
    return "pdf"


def run_stages(form: Form, settings: Settings, stages: tuple[FormStage, ...] = STAGES) -> Form:
    for stage in stages:
        form = stage(form, settings)
    return form


@dataclass
class Document:
    """A document being converted: forms are produced lazily by :meth:`forms`; ``errors``
    and ``status`` are final once the stream is exhausted."""

    path: Path
    settings: Settings
    readers: Optional[Readers] = None  # needed by forms(); forms_from() is given its rows
    sha256: str = ""
    kind: Optional[str] = None
    errors: list[ErrorItem] = field(default_factory=list)
    form_count: int = 0
    failed: bool = False
    no_form: bool = False  # read without error, but no declaration form in it
    broken: bool = False  # the rows stopped at an error (the forms before it are kept)

    @property
    def status(self) -> str:
        if self.failed:
            return "failed"
        if self.no_form:
            return "no_form"
        return "partial" if self.errors else "ok"

    def _fail(self, exc: JixiaoError) -> None:
        self.failed = True
        self.errors.append(ErrorItem(stage=exc.stage, page=exc.page, message=exc.message))

    def forms(self) -> Iterator[Form]:
        if self.readers is None:
            raise TypeError("Document.forms() needs the readers (extractors.READERS)")
        try:
            st = self.path.stat()
            if not stat.S_ISREG(st.st_mode):
                raise InputError("not a regular file (a folder, FIFO or device)")
            size = st.st_size
            if size == 0:
                raise InputError("empty file")
            if size > self.settings.limits.max_file_bytes:
                raise InputError(f"file is {size} bytes, over the limit of {self.settings.limits.max_file_bytes}")
            self.sha256, head = file_sha256_head(self.path)
            reader = self.readers.reader_for(self.path, head)
        except OSError as exc:
            if self.settings.run.strict:
                raise
            self._fail(InputError(f"cannot read: {exc.strerror or exc}"))
            return
        except JixiaoError as exc:
            if self.settings.run.strict:
                raise
            self._fail(exc)
            return
        ctx = ReadContext(settings=self.settings)
        yield from self.forms_from(lambda: reader.read(self.path, ctx), ctx)

    def forms_from(self, read: Callable[[], Iterator[Row]], ctx: ReadContext,
                   first_index: Optional[Callable[[int], int]] = None) -> Iterator[Form]:
        """Forms of the rows ``read()`` yields (its reader reporting on ``ctx``): assembly,
        stages, and the document's status and errors, as :meth:`forms` does after opening
        the file. Also used to assemble rows read in page chunks (:mod:`flows.chunks`) and
        spans of a big dump read apart: with ``first_index``, every draft is made first
        (the rows of one span), then ``first_index(number of drafts)`` gives the file's
        ``form_index`` of the first (the forms of the spans before it)."""
        vocab = load_vocabulary()
        broken: list[JixiaoError] = []
        try:
            rows = _until_error(read, broken, self.settings.run.strict)
            drafts = rows_to_drafts(rows, self.settings.assembly, vocab)
            if first_index is not None:
                drafts = list(drafts)
                self.form_count = first_index(len(drafts))
            for draft in drafts:
                source = Source(path=str(self.path), sha256=self.sha256, kind=form_kind(draft, ctx.kind),
                                form_index=self.form_count)
                form = draft_to_form(draft, source, vocab)
                if ctx.stamps:
                    form.stamps = [Stamp(**st) for st in ctx.stamps if st["page"] in form.source.pages]
                if ctx.layouts:
                    form.source = form.source.model_copy(update={"page_layouts": {
                        p: ctx.layouts[p] for p in form.source.pages if p in ctx.layouts}})
                form = run_stages(form, self.settings)
                self.form_count += 1
                yield form
        except OSError as exc:
            if self.settings.run.strict:
                raise
            broken.append(InputError(f"read failed: {exc.strerror or exc}"))
        self.kind = ctx.kind
        self.errors.extend(ctx.errors)
        if broken:
            self.broken = True
            exc = broken[0]
            if self.form_count:  # the forms read before the break are kept; the file is partial
                self.errors.append(ErrorItem(stage=exc.stage, page=exc.page, message=exc.message))
            else:
                self._fail(exc)
            return
        if self.form_count == 0:
            if self.errors:  # pages went unread: a form may be on them, so the file failed
                self._fail(NotAFormError(f"no declaration form found; {self.errors[0].message}",
                                         page=self.errors[0].page))
            else:  # read whole, and no form in it: an outcome, not an error
                self.no_form = True

    def result(self, forms: list[Form]) -> DocumentResult:
        return DocumentResult(
            path=str(self.path), sha256=self.sha256, kind=self.kind, status=self.status,
            forms=forms, errors=self.errors,
        )


def iter_document(path: Path | str, settings: Optional[Settings] = None, *,
                  readers: Optional[Readers] = None) -> Document:
    """A :class:`Document` whose ``forms()`` streams the file's forms, read by ``readers``
    (``extractors.READERS``; :func:`extractors.iter_document` passes them)."""
    return Document(path=Path(path), settings=resolve(settings), readers=readers)


def convert(path: Path | str, settings: Optional[Settings] = None, *, readers: Readers) -> DocumentResult:
    """All forms of one file, with its status and errors. Never raises for bad input."""
    doc = iter_document(path, settings, readers=readers)
    forms = list(doc.forms())
    return doc.result(forms)
