"""Names for the stages of the message path, so whoever runs it can time each one.

The pure steps take a :data:`StageTimer` and wrap each stage in it; the node passes its
metrics' histogram, and everyone else gets :func:`untimed`, which costs nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["StageTimer", "untimed"]

#: Given a stage's name, a context manager around the work of that stage.
StageTimer = Callable[[str], AbstractContextManager[object]]


def untimed(_stage: str) -> AbstractContextManager[object]:
    """A timer that measures nothing."""
    return contextlib.nullcontext()
