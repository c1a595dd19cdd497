"""Verifying a hash-chained table: the console's audit log and the node's trace events.

Row *n* stores ``prev_hash`` (the hash of row *n-1*, :data:`GENESIS` before the first) and
``hash = chain_hash(prev_hash, fields of row n)``. Walking the rows oldest first and
recomputing each link finds the first row that was changed, inserted or deleted; the chain's
head row (kept by each table's writer) catches the removal of the newest rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Engine, select
from sqlmodel import Session

from gateway.security import GENESIS
from gateway.store._database import READ_ONLY

__all__ = ["ChainReport", "Chained", "chained_rows", "walk_chain"]

_BATCH = 1000


class Chained(Protocol):
    """A row of a hash-chained table."""

    @property
    def id(self) -> int | None: ...

    @property
    def prev_hash(self) -> str: ...

    @property
    def hash(self) -> str: ...


Row = TypeVar("Row", bound=Chained)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What verifying a chain found. ``broken_row`` names the first row that fails (for a
    deleted row: the row that is missing)."""

    checked: int
    head_hash: str
    broken_row: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def chained_rows(engine: Engine, model: Any, *, upto: int | None = None) -> Iterator[Any]:
    """The rows of a chained table in id order (up to id ``upto``), read in batches of
    short read-only transactions so that writers are never held up."""
    last: int | None = None
    while True:
        query = select(model).order_by(model.id).limit(_BATCH)
        if last is not None:
            query = query.where(model.id > last)
        if upto is not None:
            query = query.where(model.id <= upto)
        with Session(engine.execution_options(**{READ_ONLY: True})) as session:
            batch = list(session.scalars(query))
        if not batch:
            return
        yield from batch
        last = batch[-1].id


def walk_chain(
    rows: Iterable[Row], link: Callable[[str, Row], str], *, numbered: bool = False
) -> ChainReport:
    """Recompute every link, oldest first, and name the first row that does not verify.

    ``numbered``: the chain gives its rows the ids 1, 2, 3... itself, so a gap in the ids is
    a deleted row and an id out of that run is an inserted one.
    """
    previous = GENESIS
    checked = 0
    for row in rows:
        number = row.id or 0
        if numbered and number != checked + 1:
            if number <= checked:
                return ChainReport(
                    checked, previous, number, f"row {number} was inserted: it is out of sequence"
                )
            missing = checked + 1
            which = f"row {missing}" if number == missing + 1 else f"rows {missing}-{number - 1}"
            return ChainReport(
                checked,
                previous,
                missing,
                f"{which} {'was' if number == missing + 1 else 'were'} deleted: row {number} "
                f"follows row {checked}",
            )
        if row.prev_hash != previous:
            if numbered:
                problem = (
                    f"row {number} does not follow row {number - 1}: row {number - 1} was "
                    "rewritten, or this row's link was changed"
                    if number > 1
                    else "row 1 does not start the chain: its link was changed"
                )
            else:
                problem = (
                    f"row {number} does not follow the row before it: a row before it was "
                    "deleted or changed"
                )
            return ChainReport(checked, previous, number, problem)
        if link(previous, row) != row.hash:
            return ChainReport(
                checked, previous, number, f"row {number} was changed after it was written"
            )
        previous = row.hash
        checked += 1
    return ChainReport(checked, previous)
