"""The trace events' hash chain: every step of every message, so that no step can be edited,
inserted or removed unnoticed.

Chaining happens in the session's transaction, whichever way the events are written: the
store's hot paths insert them with :func:`append_trace_events` (one statement, no ORM objects),
and any :class:`TraceEvent` added to a session is chained when the session flushes. Either way
the chain's head row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the writing
transaction holds the database's write lock from its ``BEGIN IMMEDIATE``), and each event gets
the next number as its id, the hash of the event before it and its own hash. The head is
written back once, just before the transaction commits, however many events it added. The
fields hashed are the event's id, message id, case id, time, stage and detail: never payload
bytes, which may be purged later.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from gateway.errors import StoreUnavailable
from gateway.security import GENESIS, chain_hash
from gateway.store._chain import ChainReport, chained_rows, walk_chain
from gateway.store._database import READ_ONLY, describe_database_error
from gateway.store._models import TraceChainHead, TraceEvent, table_of

__all__ = [
    "NewTraceEvent",
    "Trace",
    "TraceSubject",
    "append_trace_events",
    "chain_head",
    "hold_chain",
    "trace_event",
    "trace_fields",
    "trace_link",
    "verify_trace_chain",
]

_HEAD_ID = 1
_TIP = "ssgw_trace_chain_tip"
# Built once: every writing transaction runs these.
_INSERT_EVENTS = insert(table_of(TraceEvent))
_HEAD = table_of(TraceChainHead)
_LOCK_HEAD = (
    select(_HEAD.c.length, _HEAD.c.head_hash).where(_HEAD.c.id == _HEAD_ID).with_for_update()
)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == _HEAD_ID)


class Traced(Protocol):
    """What a trace event's hash covers."""

    @property
    def id(self) -> int | None: ...

    @property
    def message_id(self) -> uuid.UUID: ...

    @property
    def case_id(self) -> uuid.UUID | None: ...

    @property
    def at(self) -> dt.datetime: ...

    @property
    def stage(self) -> str: ...

    @property
    def detail(self) -> str: ...


def trace_fields(event: Traced) -> dict[str, str | int | None]:
    """The fields of a trace event its hash covers, as they are written in a chain proof."""
    return {
        "id": event.id,
        "message_id": str(event.message_id),
        "case_id": str(event.case_id) if event.case_id else None,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "stage": event.stage,
        "detail": event.detail,
    }


def trace_link(previous: str, event: Traced) -> str:
    """The hash a trace event must hold, given the hash of the event before it."""
    return chain_hash(previous, trace_fields(event))


@dataclass(frozen=True, slots=True)
class NewTraceEvent:
    """A trace event to append; the chain gives it its id and hashes."""

    message_id: uuid.UUID
    case_id: uuid.UUID | None
    at: dt.datetime
    stage: str
    detail: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Trace:
    """A trace event to write with a message change: what happened, without personal data."""

    stage: str
    detail: str = ""


class TraceSubject(Protocol):
    """What a trace event is written about: a message row, as an object or a result row."""

    @property
    def message_id(self) -> uuid.UUID: ...

    @property
    def case_id(self) -> uuid.UUID: ...


def trace_event(record: TraceSubject, trace: Trace, now: dt.datetime) -> NewTraceEvent:
    """The event to append for ``trace`` about a message, at ``now``."""
    return NewTraceEvent(record.message_id, record.case_id, now, trace.stage, trace.detail)


@dataclass(slots=True)
class _Tip:
    """The chain's end as this transaction moves it; written to the head at commit."""

    transaction: object
    length: int
    head_hash: str


def _tip(session: Session) -> _Tip:
    transaction = session.get_transaction()
    tip: _Tip | None = session.info.get(_TIP)
    if tip is not None and tip.transaction is transaction:
        return tip
    # Core statements on the session's connection: the ORM adds nothing here but time.
    connection = session.connection()
    head = connection.execute(_LOCK_HEAD).first()
    if head is None:
        # The head row is gone (deleted by hand): start it again from the newest row, so
        # the node keeps working; verify_trace_chain still checks every link.
        newest = connection.execute(
            select(col(TraceEvent.id), col(TraceEvent.hash)).order_by(col(TraceEvent.id).desc())
        ).first()
        length, head_hash = (newest[0] or 0, newest[1]) if newest else (0, GENESIS)
        connection.execute(
            insert(TraceChainHead).values(id=_HEAD_ID, length=length, head_hash=head_hash)
        )
    else:
        length, head_hash = int(head[0]), str(head[1])
    tip = _Tip(transaction, length, head_hash)
    session.info[_TIP] = tip
    return tip


def hold_chain(session: Session) -> None:
    """Lock the chain's head now, before the transaction locks anything else.

    A transaction that writes trace events locks the head when it first flushes one. Had it
    locked message rows before, and another transaction holding the head wanted those rows,
    each would wait for the other (PostgreSQL ends one with "deadlock detected"). Writers
    that take the head first all lock in one order, so none can wait on another in a cycle.
    """
    _tip(session)


def append_trace_events(session: Session, events: Sequence[NewTraceEvent]) -> None:
    """Number, chain and insert ``events`` in the session's transaction, in their order.

    One ``INSERT`` for all of them: building an ORM object per event and flushing it costs
    several times more than the hashing, on the path every message takes.
    """
    if not events:
        return
    if any(isinstance(row, TraceEvent) for row in session.new):
        # Events added to the session before these must keep the lower numbers.
        session.flush()
    tip = _tip(session)
    rows = []
    for pending in events:
        tip.length += 1
        numbered = replace(pending, id=tip.length)
        link = trace_link(tip.head_hash, numbered)
        rows.append(
            {
                "id": numbered.id,
                "message_id": numbered.message_id,
                "case_id": numbered.case_id,
                "at": numbered.at,
                "stage": numbered.stage,
                "detail": numbered.detail,
                "prev_hash": tip.head_hash,
                "hash": link,
            }
        )
        tip.head_hash = link
    session.connection().execute(_INSERT_EVENTS, rows)


@event.listens_for(Session, "before_flush")
def _chain_new_events(session: Session, _context: Any, _instances: Any) -> None:
    # session.new keeps the order in which the events were added.
    events = [row for row in session.new if isinstance(row, TraceEvent)]
    if not events:
        return
    tip = _tip(session)
    for row in events:
        tip.length += 1
        row.id = tip.length
        row.prev_hash = tip.head_hash
        row.hash = trace_link(tip.head_hash, row)
        tip.head_hash = row.hash


@event.listens_for(Session, "before_commit")
def _write_head(session: Session) -> None:
    # Nothing chained yet in this session: only pending trace events can change that.
    if session.info.get(_TIP) is None and not any(
        isinstance(row, TraceEvent) for row in session.new
    ):
        return
    session.flush()
    tip: _Tip | None = session.info.pop(_TIP, None)
    if tip is None or tip.transaction is not session.get_transaction():
        return
    session.connection().execute(_MOVE_HEAD, {"length": tip.length, "head_hash": tip.head_hash})


def chain_head(session: Session) -> TraceChainHead | None:
    """The chain's head as the session's transaction sees it."""
    return session.get(TraceChainHead, _HEAD_ID)


def _read(engine: Engine, query: Any) -> Any:
    with Session(engine.execution_options(**{READ_ONLY: True})) as session:
        return session.execute(query).first()


def verify_trace_chain(engine: Engine) -> ChainReport:
    """Recompute every trace event's link, oldest first, and name the first row that was
    changed, inserted or deleted. Safe while the node runs: rows added after the head was
    read are left to the next verification. Raises :class:`StoreUnavailable`."""
    try:
        return _verify(engine)
    except SQLAlchemyError as error:
        raise StoreUnavailable(
            f"the database is unavailable: {describe_database_error(error)}"
        ) from None


def _verify(engine: Engine) -> ChainReport:
    head = _read(engine, select(TraceChainHead).where(col(TraceChainHead.id) == _HEAD_ID))
    if head is None:
        report = walk_chain(chained_rows(engine, TraceEvent), trace_link, numbered=True)
        return ChainReport(
            report.checked,
            report.head_hash,
            report.broken_row,
            report.problem or "the trace chain's head row is missing",
        )
    head = head[0]
    report = walk_chain(
        chained_rows(engine, TraceEvent, upto=head.length), trace_link, numbered=True
    )
    if not report.ok:
        return report
    if report.checked < head.length:
        missing = report.checked + 1
        which = (
            f"row {missing} was" if missing == head.length else f"rows {missing}-{head.length} were"
        )
        return ChainReport(
            report.checked,
            report.head_hash,
            missing,
            f"{which} deleted: the chain ends at row {report.checked} but its head records "
            f"{head.length} rows",
        )
    if report.head_hash != head.head_hash:
        return ChainReport(
            report.checked,
            report.head_hash,
            None,
            "the chain's head was changed: it does not hold the newest row's hash",
        )
    # A row past the head is either appended since the head was read (and the head has
    # moved on by now: rows and head commit together) or inserted by hand.
    (newest,) = _read(engine, select(func.max(col(TraceEvent.id))))
    (length,) = _read(
        engine, select(col(TraceChainHead.length)).where(col(TraceChainHead.id) == _HEAD_ID)
    ) or (head.length,)
    if newest is not None and newest > length:
        (first,) = _read(
            engine, select(func.min(col(TraceEvent.id))).where(col(TraceEvent.id) > length)
        )
        return ChainReport(
            report.checked,
            report.head_hash,
            first,
            f"row {first} was inserted after the chain's head (row {length})",
        )
    return report
