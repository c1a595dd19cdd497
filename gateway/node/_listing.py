"""The message lists the console shows: checked filters, keyset pages, a case's rows.

Pages are keyset pages on (created_at, id): no OFFSET, so a page costs the same however deep
it is and rows arriving meanwhile never shift a page. Every value reaches a query as a bound
parameter: nothing typed into a filter ever becomes SQL. Each function reads in the store's
read-only transaction (:meth:`Transactions.reading`), which never holds up the relay or the
consumer.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Engine, Executable, and_, func, or_, select
from sqlmodel import Session, col

from gateway.exchange import Direction, MessageStatus
from gateway.node._parts import TECHNICAL_NAMES
from gateway.store import CaseRecord, DeadLetter, MessageRecord, TraceEvent, Transactions

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "Cursor",
    "MessageFilter",
    "MessagePage",
    "MessageRow",
    "case_rows",
    "dead_letter_page",
    "latest_change",
    "list_messages",
    "message_keys",
    "message_rows",
    "read_transaction",
    "replies",
]

DEFAULT_PAGE_SIZE = 50
_CURSOR = re.compile(r"(-?[0-9]{1,20})\.([0-9]{1,18})")


def read_transaction(engine: Engine) -> AbstractContextManager[Session]:
    """The store's read-only transaction on ``engine``: on SQLite it takes a snapshot, not the
    write lock."""
    return Transactions(engine).reading()


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the list: the (created_at, id) of a row."""

    at: dt.datetime
    pk: int

    def encode(self) -> str:
        delta = self.at - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}.{self.pk}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        match = _CURSOR.fullmatch(text)
        if match is None:
            raise ValueError(text)
        try:
            at = _EPOCH + dt.timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            raise ValueError(text) from None
        pk = int(match.group(2))
        if pk > _MAX_PK:
            # Row numbers are 32-bit integers: PostgreSQL refuses a larger bound outright.
            raise ValueError(text)
        return cls(at, pk)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_PK = 2**31 - 1


@dataclass(frozen=True, slots=True)
class MessageFilter:
    """The checked filters of the message list; None means "any"."""

    direction: Direction | None = None
    statuses: frozenset[MessageStatus] = frozenset()
    partner: str | None = None
    document_type: str | None = None
    case_id: uuid.UUID | None = None
    message_id: uuid.UUID | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    after: Cursor | None = None
    before: Cursor | None = None
    limit: int = DEFAULT_PAGE_SIZE
    #: The values as typed, to show them back in the form (the page escapes them).
    typed: Mapping[str, str] = field(default_factory=dict)

    def query(self, **changes: str | None) -> dict[str, str]:
        """The filter as query parameters, without the page cursors, with ``changes``."""
        values = {k: v for k, v in self.typed.items() if v and k not in ("after", "before")}
        for key, value in changes.items():
            if value is None:
                values.pop(key, None)
            else:
                values[key] = value
        return values


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as lists show it: header fields only, never the sealed bytes."""

    pk: int
    message_id: uuid.UUID
    direction: Direction
    case_id: uuid.UUID
    case_type: str
    in_reply_to: uuid.UUID | None
    document_type: str
    sender: str
    recipient: str
    partner: str
    status: MessageStatus
    created_at: dt.datetime
    updated_at: dt.datetime
    attempts: int
    error_code: str | None

    @property
    def technical(self) -> bool:
        return self.document_type in TECHNICAL_NAMES

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.created_at, self.pk)


_ROW_COLUMNS = (
    col(MessageRecord.id),
    col(MessageRecord.message_id),
    col(MessageRecord.direction),
    col(MessageRecord.case_id),
    col(MessageRecord.case_type),
    col(MessageRecord.in_reply_to),
    col(MessageRecord.document_type),
    col(MessageRecord.sender),
    col(MessageRecord.recipient),
    col(MessageRecord.partner),
    col(MessageRecord.status),
    col(MessageRecord.created_at),
    col(MessageRecord.updated_at),
    col(MessageRecord.attempts),
    col(MessageRecord.error_code),
)


def _rows(session: Session, query: Executable) -> list[MessageRow]:
    return [MessageRow(*row) for row in session.execute(query)]


@dataclass(frozen=True, slots=True)
class MessagePage:
    rows: Sequence[MessageRow]
    #: Cursors for the next (older) and previous (newer) pages, when there are any.
    older: Cursor | None
    newer: Cursor | None


def _conditions(f: MessageFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.direction is not None:
        conditions.append(col(MessageRecord.direction) == f.direction)
    if f.statuses:
        conditions.append(col(MessageRecord.status).in_(sorted(f.statuses)))
    if f.partner is not None:
        conditions.append(col(MessageRecord.partner) == f.partner)
    if f.document_type is not None:
        conditions.append(col(MessageRecord.document_type) == f.document_type)
    if f.case_id is not None:
        conditions.append(col(MessageRecord.case_id) == f.case_id)
    if f.message_id is not None:
        conditions.append(col(MessageRecord.message_id) == f.message_id)
    if f.since is not None:
        conditions.append(col(MessageRecord.created_at) >= f.since)
    if f.until is not None:
        conditions.append(col(MessageRecord.created_at) < f.until)
    return conditions


def _older_than(cursor: Cursor) -> ColumnElement[bool]:
    at, pk = col(MessageRecord.created_at), col(MessageRecord.id)
    # The plain bound on created_at is implied by the rest; it is there so that the database
    # starts its index scan at the cursor instead of filtering every newer row (a page 80
    # days deep into a million messages took 0.7 s without it).
    return and_(at <= cursor.at, or_(at < cursor.at, and_(at == cursor.at, pk < cursor.pk)))


def _newer_than(cursor: Cursor) -> ColumnElement[bool]:
    at, pk = col(MessageRecord.created_at), col(MessageRecord.id)
    return and_(at >= cursor.at, or_(at > cursor.at, and_(at == cursor.at, pk > cursor.pk)))


def list_messages(engine: Engine, f: MessageFilter) -> MessagePage:
    """One page of messages, newest first, by keyset on (created_at, id)."""
    conditions = _conditions(f)
    at, pk = col(MessageRecord.created_at), col(MessageRecord.id)
    with read_transaction(engine) as session:
        if f.before is not None:
            # Going back towards newer rows: read upwards, then show newest first.
            rows = _rows(
                session,
                select(*_ROW_COLUMNS)
                .where(*conditions, _newer_than(f.before))
                .order_by(at.asc(), pk.asc())
                .limit(f.limit + 1),
            )
            more_newer = len(rows) > f.limit
            rows = list(reversed(rows[: f.limit]))
            return MessagePage(
                rows,
                older=rows[-1].cursor if rows else None,
                newer=rows[0].cursor if rows and more_newer else None,
            )
        query = select(*_ROW_COLUMNS).where(*conditions)
        if f.after is not None:
            query = query.where(_older_than(f.after))
        rows = _rows(session, query.order_by(at.desc(), pk.desc()).limit(f.limit + 1))
        more_older = len(rows) > f.limit
        rows = rows[: f.limit]
        return MessagePage(
            rows,
            older=rows[-1].cursor if rows and more_older else None,
            newer=rows[0].cursor if rows and f.after is not None else None,
        )


def dead_letter_page(engine: Engine, *, before: int | None, limit: int) -> list[DeadLetter]:
    """Dead letters, newest first, by keyset on id."""
    query = select(DeadLetter).order_by(col(DeadLetter.id).desc()).limit(limit)
    if before is not None:
        query = query.where(col(DeadLetter.id) < before)
    with read_transaction(engine) as session:
        return list(session.scalars(query))


def case_rows(engine: Engine, case_id: uuid.UUID) -> tuple[CaseRecord | None, list[MessageRow]]:
    """A case and its messages in the order they were stored."""
    with read_transaction(engine) as session:
        case = session.get(CaseRecord, case_id)
        rows = _rows(
            session,
            select(*_ROW_COLUMNS)
            .where(col(MessageRecord.case_id) == case_id)
            .order_by(col(MessageRecord.created_at), col(MessageRecord.id)),
        )
    return case, rows


def message_rows(engine: Engine, pks: Sequence[int]) -> list[MessageRow]:
    """The messages of these row numbers, in the order given (those that exist)."""
    with read_transaction(engine) as session:
        rows = _rows(session, select(*_ROW_COLUMNS).where(col(MessageRecord.id).in_(pks)))
    by_pk = {row.pk: row for row in rows}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def message_keys(engine: Engine, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The row number of each stored message with one of these ids (for links)."""
    if not message_ids:
        return {}
    with read_transaction(engine) as session:
        found = session.execute(
            select(col(MessageRecord.message_id), col(MessageRecord.id)).where(
                col(MessageRecord.message_id).in_(message_ids)
            )
        )
        return {message_id: pk for message_id, pk in found}


def replies(engine: Engine, message_id: uuid.UUID) -> list[tuple[int, str, str, str]]:
    """The business messages answering a message, oldest first: (row number, document type,
    direction, status). Receipts and rejections are left out: they are shown with the
    message already."""
    with read_transaction(engine) as session:
        found = session.execute(
            select(
                col(MessageRecord.id),
                col(MessageRecord.document_type),
                col(MessageRecord.direction),
                col(MessageRecord.status),
            )
            .where(
                col(MessageRecord.in_reply_to) == message_id,
                col(MessageRecord.document_type).not_in(sorted(TECHNICAL_NAMES)),
            )
            .order_by(col(MessageRecord.created_at), col(MessageRecord.id))
        )
        return [(pk, kind, direction.value, status.value) for pk, kind, direction, status in found]


def latest_change(engine: Engine) -> int:
    """A number that grows whenever a message is stored or changes: the newest trace event's
    row number (every change of a message writes one). A primary-key lookup, so it stays
    cheap however many messages there are."""
    with read_transaction(engine) as session:
        return int(session.scalar(select(func.max(col(TraceEvent.id)))) or 0)
