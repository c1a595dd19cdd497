"""Progress bars for work of countable steps, drawn only for someone watching a terminal.

A bar goes to standard error and is erased when the work ends, so what a command prints on
standard output stays as it was. Without a terminal on standard output (a pipe, a file, a
test) nothing at all is drawn: the steps are still counted, by a function that does nothing.
A command that reports in JSON draws no bar either, its reader being a program.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

__all__ = ["Advance", "progress", "watched"]


class Advance(Protocol):
    """Moves a bar on by some steps; ``total`` sets the number of steps once it is known."""

    def __call__(self, steps: int = 1, *, total: int | None = None) -> None: ...


def watched() -> bool:
    """Whether a person is likely watching: both output streams are terminals."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _ignore(steps: int = 1, *, total: int | None = None) -> None:
    """No bar to move."""


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Advance]:
    """A bar over ``total`` steps (None while unknown), for the length of the block, which
    gets ``advance(steps=1, *, total=None)``; nothing is drawn in an unwatched process."""
    if not watched():
        yield _ignore
        return
    # Imported here: rich is not needed by a command that draws no bar.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)

        def advance(steps: int = 1, *, total: int | None = None) -> None:
            if total is not None:
                bar.update(task, total=total)
            bar.advance(task, steps)

        yield advance
