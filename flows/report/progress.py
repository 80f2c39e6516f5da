"""A rich progress bar for the report's page rendering, shown only on a terminal."""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator, Optional


@contextlib.contextmanager
def progress_bar(enabled: bool, label: str) -> Iterator[Optional[Callable[[str, int, int], None]]]:
    """Yields ``progress(stage, done, total)`` for :func:`flows.report.write_report`, or
    None when not on a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    task = bar.add_task("pages", total=None)

    def update(stage: str, done: int, total: int) -> None:
        bar.update(task, completed=done, total=total or None, description=stage)

    with bar:
        yield update
