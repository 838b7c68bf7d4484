"""A progress bar for long work over many patients: on the terminal's error stream, and only
on a terminal, so that what a command prints stays the answer alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


def progress_console() -> Console:
    return Console(stderr=True)


@contextmanager
def progress_bar(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """`label` 3/10 patients, with the time spent; yields a function that takes how many
    patients are done. Without a total (a stream read as it comes) the bar only pulses."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = progress_console()
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("patients"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task(label, total=total)
        yield lambda done: progress.update(task, completed=done)
