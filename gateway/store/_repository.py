"""What the node asks of its store, each in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from gateway.errors import ConfigurationError, PayloadPurged
from gateway.exchange import Direction, MessageStatus, check_transition
from gateway.store._models import (
    ApiClient,
    CaseRecord,
    DeadLetter,
    MessageRecord,
    OutboxEntry,
    ReceiptRecord,
    TraceEvent,
    table_of,
)
from gateway.store._trace_chain import NewTraceEvent, append_trace_events
from gateway.store._transactions import Transactions

_MESSAGES = table_of(MessageRecord)
_OUTBOX = table_of(OutboxEntry)
_RECEIPTS = table_of(ReceiptRecord)
_CASES = table_of(CaseRecord)

# Statements of the hot path, built once: their values come as parameters, so SQLAlchemy
# compiles each only once instead of building and keying a new statement per message.
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_RECEIPT = insert(_RECEIPTS).returning(_RECEIPTS.c.id)
_INSERT_OUTBOX = insert(_OUTBOX)
_NEW_CASE = {
    "sqlite": sqlite_insert(_CASES).on_conflict_do_nothing(index_elements=["id"]),
    "postgresql": postgres_insert(_CASES).on_conflict_do_nothing(index_elements=["id"]),
}
_TOUCH_CASE = (
    update(_CASES).where(_CASES.c.id == bindparam("case")).values(updated_at=bindparam("now"))
)
_PROTECT_CASE = _TOUCH_CASE.values(protected_person=True)
_MESSAGE_BY_ID = select(MessageRecord).where(
    col(MessageRecord.direction) == bindparam("direction"),
    col(MessageRecord.message_id) == bindparam("message_id"),
)
_FIND_MESSAGE = _MESSAGE_BY_ID.where(col(MessageRecord.sender) == bindparam("sender"))
_CASE_MESSAGES = (
    select(MessageRecord)
    .where(col(MessageRecord.case_id) == bindparam("case_id"))
    .order_by(col(MessageRecord.id))
)
_API_CLIENT = select(ApiClient).where(col(ApiClient.key_hash) == bindparam("key_hash"))

__all__ = ["Attempt", "DuplicateMessage", "Reconciliation", "Store", "Trace"]


@dataclass(frozen=True, slots=True)
class Trace:
    """A trace event to write with a message change: what happened, without personal data."""

    stage: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Attempt:
    """A confirmed publish to record: the outbox entry is due again at ``next_due``."""

    pk: int
    next_due: dt.datetime | None
    trace: Trace


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What a reconciliation found: outbox entries restored, and overdue messages by status."""

    restored: int
    overdue: Mapping[MessageStatus, int]


class DuplicateMessage(Exception):
    """The (direction, sender, message id) is stored already."""


class Store(Transactions):
    """The node's persistence. Every method is one transaction: all of it or nothing."""

    writes_trace = True

    # Messages ----------------------------------------------------------------------------

    def add_message(
        self,
        message: MessageRecord,
        *,
        traces: Sequence[Trace],
        now: dt.datetime,
        protected_person: bool = False,
        outbox_due: dt.datetime | None = None,
        also: Sequence[tuple[MessageRecord, Sequence[Trace], dt.datetime | None]] = (),
    ) -> MessageRecord:
        """Store a message with its trace events and case, and queue it for the relay when
        ``outbox_due`` is given. ``also`` stores further messages in the same transaction (a
        receipt written with the message it acknowledges). Raises :class:`DuplicateMessage`
        when the message is stored already."""
        try:
            with self.writing() as session:
                for record, record_traces, due in ((message, traces, outbox_due), *also):
                    self._insert(session, record, record_traces, now, protected_person, due)
        except IntegrityError:
            raise DuplicateMessage(str(message.message_id)) from None
        return message

    def _insert(
        self,
        session: Session,
        record: MessageRecord,
        traces: Sequence[Trace],
        now: dt.datetime,
        protected_person: bool = False,
        outbox_due: dt.datetime | None = None,
    ) -> None:
        # Core statements: every message takes this path, and the ORM's unit of work costs
        # more here than the SQL itself. ``record`` stays a plain object with its new key.
        self._touch_case(session, record, protected_person, now)
        connection = session.connection()
        record.id = connection.execute(_INSERT_MESSAGE, _values(_MESSAGES, record)).scalar_one()
        append_trace_events(session, [_event(record, trace, now) for trace in traces])
        if outbox_due is not None:
            connection.execute(_INSERT_OUTBOX, {"message_pk": record.id, "due_at": outbox_due})

    @staticmethod
    def _touch_case(
        session: Session, record: MessageRecord, protected_person: bool, now: dt.datetime
    ) -> None:
        # Insert-or-nothing, then update: two workers taking the first two messages of one
        # case at once must not collide on the case row (the loser's message would look like
        # a duplicate of the winner's and be acknowledged without being stored).
        connection = session.connection()
        created = connection.execute(
            _NEW_CASE[connection.dialect.name],
            {
                "id": record.case_id,
                "case_type": record.case_type,
                "protected_person": protected_person,
                "created_at": now,
                "updated_at": now,
            },
        )
        if created.rowcount == 0:
            connection.execute(
                _PROTECT_CASE if protected_person else _TOUCH_CASE,
                {"case": record.case_id, "now": now},
            )

    def message(self, pk: int) -> MessageRecord | None:
        with self.reading() as session:
            return session.get(MessageRecord, pk)

    def messages(self, pks: Sequence[int]) -> list[MessageRecord]:
        """The messages of these keys that exist, in no particular order."""
        with self.reading() as session:
            return list(
                session.scalars(select(MessageRecord).where(col(MessageRecord.id).in_(pks)))
            )

    def find_message(
        self, direction: Direction, sender: str, message_id: uuid.UUID
    ) -> MessageRecord | None:
        with self.reading() as session:
            return session.scalars(
                _FIND_MESSAGE, {"direction": direction, "sender": sender, "message_id": message_id}
            ).first()

    def sent_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        with self.reading() as session:
            return session.scalars(
                _MESSAGE_BY_ID, {"direction": Direction.OUT, "message_id": message_id}
            ).first()

    def received_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        """A received message by id (ids are random UUIDs, unique across senders)."""
        with self.reading() as session:
            return session.scalars(
                _MESSAGE_BY_ID, {"direction": Direction.IN, "message_id": message_id}
            ).first()

    def any_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        """A sent message by id, else a received one."""
        return self.sent_message(message_id) or self.received_message(message_id)

    def trace(self, message_id: uuid.UUID) -> list[TraceEvent]:
        with self.reading() as session:
            return list(
                session.scalars(
                    select(TraceEvent)
                    .where(col(TraceEvent.message_id) == message_id)
                    .order_by(col(TraceEvent.id))
                )
            )

    def case_ids_since(
        self, since: dt.datetime, *, created_before: dt.datetime | None = None
    ) -> list[uuid.UUID]:
        """The cases touched at or after ``since`` (and, when given, created before
        ``created_before``)."""
        query = select(col(CaseRecord.id)).where(col(CaseRecord.updated_at) >= since)
        if created_before is not None:
            query = query.where(col(CaseRecord.created_at) < created_before)
        with self.reading() as session:
            return list(session.scalars(query))

    def case_messages(self, case_id: uuid.UUID) -> tuple[CaseRecord | None, list[MessageRecord]]:
        with self.reading() as session:
            case = session.get(CaseRecord, case_id)
            if case is None:
                return None, []
            return case, list(session.scalars(_CASE_MESSAGES, {"case_id": case_id}))

    def change_status(
        self,
        pk: int,
        status: MessageStatus,
        *,
        now: dt.datetime,
        trace: Trace,
        error_code: str | None = None,
        error_detail: str | None = None,
        keep_in_outbox_until: dt.datetime | None = None,
    ) -> MessageRecord:
        """Move a message to ``status`` (checked against the lifecycle) and write its trace.

        The outbox entry stays, due again at ``keep_in_outbox_until``, or is removed.
        """
        with self.writing() as session:
            record = session.get(MessageRecord, pk, with_for_update=True)
            if record is None:
                raise KeyError(pk)
            check_transition(record.status, status)
            record.status = status
            record.updated_at = now
            if error_code is not None:
                record.error_code, record.error_detail = error_code, error_detail
            append_trace_events(session, [_event(record, trace, now)])
            if keep_in_outbox_until is None:
                session.execute(delete(OutboxEntry).where(col(OutboxEntry.message_pk) == pk))
            else:
                session.execute(
                    update(OutboxEntry)
                    .where(col(OutboxEntry.message_pk) == pk)
                    .values(due_at=keep_in_outbox_until)
                )
            return record

    def note(self, record: MessageRecord, trace: Trace, now: dt.datetime) -> None:
        """Add a trace event without changing the message."""
        with self.writing() as session:
            append_trace_events(session, [_event(record, trace, now)])

    # The relay -------------------------------------------------------------------------

    def claim_due(
        self, now: dt.datetime, limit: int, *, lease: dt.timedelta
    ) -> list[MessageRecord]:
        """Outbound messages whose outbox entry is due, oldest first, leased to the caller.

        Their entries are moved to ``now + lease`` in the same transaction, so several relay
        workers of one node never take the same entry; an entry whose worker died before it
        reported the publish becomes due again when the lease ends. On PostgreSQL rows another
        worker is claiming are skipped (``FOR UPDATE SKIP LOCKED``); SQLite serialises writing
        transactions anyway.
        """
        with self.writing() as session:
            entries = list(
                session.scalars(
                    select(OutboxEntry)
                    .where(col(OutboxEntry.due_at) <= now)
                    .order_by(col(OutboxEntry.due_at))
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if not entries:
                return []
            claimed = [entry.message_pk for entry in entries]
            session.execute(
                update(OutboxEntry)
                .where(col(OutboxEntry.message_pk).in_(claimed))
                .values(due_at=now + lease)
            )
            records = {
                record.id: record
                for record in session.scalars(
                    select(MessageRecord).where(col(MessageRecord.id).in_(claimed))
                )
            }
            return [records[pk] for pk in claimed if pk in records]

    def record_attempts(self, attempts: Sequence[Attempt], *, now: dt.datetime) -> None:
        """Publishes were confirmed by the broker: count each, and wait for its receipt until
        its ``next_due`` (None: no receipt is expected, the outbox entry goes). One
        transaction for all; a message gone meanwhile is skipped."""
        with self.writing() as session:
            connection = session.connection()
            rows = {
                row.id: row
                for row in connection.execute(
                    select(
                        _MESSAGES.c.id,
                        _MESSAGES.c.message_id,
                        _MESSAGES.c.case_id,
                        _MESSAGES.c.status,
                    )
                    .where(_MESSAGES.c.id.in_([a.pk for a in attempts]))
                    # Rows locked in one order, so two relays can never deadlock.
                    .order_by(_MESSAGES.c.id)
                    .with_for_update()
                )
            }
            sent: list[int] = []
            waiting: list[dict[str, object]] = []
            done: list[int] = []
            events: list[NewTraceEvent] = []
            for attempt in attempts:
                row = rows.get(attempt.pk)
                if row is None:
                    continue
                if row.status.is_final:
                    # Settled meanwhile (a receipt came, or it failed): nothing more to send.
                    done.append(attempt.pk)
                    continue
                check_transition(row.status, MessageStatus.SENT)
                sent.append(attempt.pk)
                events.append(_event(row, attempt.trace, now))
                if attempt.next_due is None:
                    done.append(attempt.pk)
                else:
                    waiting.append({"pk": attempt.pk, "due": attempt.next_due})
            if sent:
                connection.execute(
                    update(_MESSAGES)
                    .where(_MESSAGES.c.id.in_(sent))
                    .values(
                        status=MessageStatus.SENT,
                        attempts=_MESSAGES.c.attempts + 1,
                        updated_at=now,
                    )
                )
            append_trace_events(session, events)
            if waiting:
                connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.message_pk == bindparam("pk"))
                    .values(due_at=bindparam("due")),
                    waiting,
                )
            if done:
                connection.execute(delete(_OUTBOX).where(_OUTBOX.c.message_pk.in_(done)))

    def postpone(self, pk: int, *, due_at: dt.datetime, trace: Trace, now: dt.datetime) -> None:
        """Move a message's outbox entry to ``due_at`` and say why."""
        with self.writing() as session:
            record = session.get(MessageRecord, pk)
            if record is None:
                raise KeyError(pk)
            append_trace_events(session, [_event(record, trace, now)])
            session.execute(
                update(OutboxEntry).where(col(OutboxEntry.message_pk) == pk).values(due_at=due_at)
            )

    def schedule(self, pk: int, *, due_at: dt.datetime, trace: Trace) -> None:
        """Put a sent message back in the outbox (a receipt resent for a duplicate)."""
        with self.writing() as session:
            record = session.get(MessageRecord, pk)
            if record is None:
                raise KeyError(pk)
            append_trace_events(session, [_event(record, trace, due_at)])
            if session.scalars(
                select(OutboxEntry).where(col(OutboxEntry.message_pk) == pk)
            ).first():
                return
            session.add(OutboxEntry(message_pk=pk, due_at=due_at))

    def outbox_depth(self) -> int:
        with self.reading() as session:
            return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)

    def requeue(self, pk: int, *, now: dt.datetime, trace: Trace) -> MessageRecord:
        """An operator retries a failed message: same id, same sealed bytes, attempts anew.

        Raises :class:`PayloadPurged` when retention removed the bytes to send."""
        with self.writing() as session:
            record = session.get(MessageRecord, pk, with_for_update=True)
            if record is None:
                raise KeyError(pk)
            check_transition(record.status, MessageStatus.ACCEPTED)
            if not record.sealed:
                raise PayloadPurged(
                    f"message {record.message_id} cannot be sent again: its payload was "
                    "purged by retention"
                )
            record.status = MessageStatus.ACCEPTED
            record.attempts = 0
            record.updated_at = now
            append_trace_events(session, [_event(record, trace, now)])
            session.execute(delete(OutboxEntry).where(col(OutboxEntry.message_pk) == pk))
            session.add(OutboxEntry(message_pk=pk, due_at=now))
            return record

    def reconcile(
        self, now: dt.datetime, dwell: Mapping[MessageStatus, dt.timedelta]
    ) -> Reconciliation:
        """Prove no message is silently stuck.

        Every outbound message that is not final must have an outbox entry, or the relay
        would never look at it again: a missing entry is put back (and counted). Messages that
        stayed in one status longer than its ``dwell`` limit are counted per status.
        """
        with self.writing() as session:
            orphans = list(
                session.scalars(
                    select(MessageRecord)
                    .outerjoin(OutboxEntry, col(OutboxEntry.message_pk) == col(MessageRecord.id))
                    .where(
                        col(MessageRecord.direction) == Direction.OUT,
                        col(MessageRecord.status).in_([MessageStatus.ACCEPTED, MessageStatus.SENT]),
                        # Receipts and rejections expect no receipt: once sent they are done.
                        col(MessageRecord.document_type).not_in(["Receipt", "Rejection"]),
                        col(OutboxEntry.id).is_(None),
                    )
                )
            )
            for record in orphans:
                assert record.id is not None
                session.add(OutboxEntry(message_pk=record.id, due_at=now))
                append_trace_events(
                    session, [_event(record, Trace("reconciled", "outbox entry restored"), now)]
                )
            overdue: dict[MessageStatus, int] = {}
            for status, limit in dwell.items():
                overdue[status] = int(
                    session.scalar(
                        select(func.count())
                        .select_from(MessageRecord)
                        .where(
                            col(MessageRecord.status) == status,
                            col(MessageRecord.updated_at) < now - limit,
                            # Receipts and rejections stay "sent": they expect no answer.
                            col(MessageRecord.document_type).not_in(["Receipt", "Rejection"]),
                        )
                    )
                    or 0
                )
            return Reconciliation(restored=len(orphans), overdue=overdue)

    # Receipts ------------------------------------------------------------------------

    def add_receipt(
        self,
        record: MessageRecord,
        receipt: ReceiptRecord,
        status: MessageStatus,
        *,
        now: dt.datetime,
        trace: Trace,
        error_code: str | None = None,
        error_detail: str | None = None,
        received: tuple[MessageRecord, Sequence[Trace]] | None = None,
    ) -> None:
        """Store a receipt or rejection and close the sent message it answers; ``received``
        is the inbound message that carried it, stored in the same transaction (so a crash
        can never leave it stored while the sent message stays open: every later copy would
        then be dropped as a duplicate). Raises :class:`DuplicateMessage` when that message
        is stored already."""
        try:
            with self.writing() as session:
                if received is not None:
                    self._insert(session, received[0], received[1], now)
                connection = session.connection()
                current = connection.execute(
                    select(_MESSAGES.c.status).where(_MESSAGES.c.id == record.id).with_for_update()
                ).scalar_one()
                receipt.id = connection.execute(
                    _INSERT_RECEIPT, _values(_RECEIPTS, receipt)
                ).scalar_one()
                if current.is_final and current is not MessageStatus.FAILED:
                    append_trace_events(
                        session, [_event(record, Trace("receipt-duplicate", trace.detail), now)]
                    )
                    return
                check_transition(current, status)
                changes: dict[str, object] = {"status": status, "updated_at": now}
                if error_code is not None:
                    changes.update(error_code=error_code, error_detail=error_detail)
                connection.execute(
                    update(_MESSAGES).where(_MESSAGES.c.id == record.id).values(changes)
                )
                append_trace_events(session, [_event(record, trace, now)])
                connection.execute(delete(_OUTBOX).where(_OUTBOX.c.message_pk == record.id))
        except IntegrityError:
            raise DuplicateMessage(str(received[0].message_id if received else "")) from None

    def receipts(self, pk: int) -> list[ReceiptRecord]:
        with self.reading() as session:
            return list(
                session.scalars(
                    select(ReceiptRecord)
                    .where(col(ReceiptRecord.message_pk) == pk)
                    .order_by(col(ReceiptRecord.id))
                )
            )

    def receipt_sent_for(self, received: MessageRecord) -> MessageRecord | None:
        """The receipt or rejection this node sent for an inbound message."""
        with self.reading() as session:
            return session.scalars(
                select(MessageRecord).where(
                    col(MessageRecord.direction) == Direction.OUT,
                    col(MessageRecord.in_reply_to) == received.message_id,
                    col(MessageRecord.recipient) == received.sender,
                    col(MessageRecord.document_type).in_(("Receipt", "Rejection")),
                )
            ).first()

    # Inbox ---------------------------------------------------------------------------

    def inbox(
        self, *, after: int, limit: int, include_acknowledged: bool = False
    ) -> list[MessageRecord]:
        """Received business documents for the back-office, in arrival order after a cursor."""
        statuses = [MessageStatus.RECEIVED]
        if include_acknowledged:
            statuses.append(MessageStatus.ACKNOWLEDGED)
        with self.reading() as session:
            return list(
                session.scalars(
                    select(MessageRecord)
                    .where(
                        col(MessageRecord.direction) == Direction.IN,
                        col(MessageRecord.status).in_(statuses),
                        col(MessageRecord.id) > after,
                    )
                    .order_by(col(MessageRecord.id))
                    .limit(limit)
                )
            )

    # Dead letters ----------------------------------------------------------------------

    def add_dead_letter(self, letter: DeadLetter) -> None:
        with self.writing() as session:
            session.add(letter)

    def dead_letters(self) -> list[DeadLetter]:
        with self.reading() as session:
            return list(session.scalars(select(DeadLetter).order_by(col(DeadLetter.id))))

    # API clients ---------------------------------------------------------------------

    def create_api_client(self, name: str, now: dt.datetime) -> str:
        """Register a back-office client; returns its key, which is shown once and not kept."""
        if not name or len(name) > 100:
            raise ConfigurationError("an API client needs a name of 1 to 100 characters")
        key = "ssgw_" + secrets.token_urlsafe(32)
        try:
            with self.writing() as session:
                session.add(ApiClient(name=name, key_hash=_hash_key(key), created_at=now))
        except IntegrityError:
            raise ConfigurationError(f"an API client named {name!r} exists already") from None
        return key

    def revoke_api_client(self, name: str, now: dt.datetime) -> bool:
        """Revoke a client's key; False when no active client has that name."""
        with self.writing() as session:
            client = session.scalars(select(ApiClient).where(col(ApiClient.name) == name)).first()
            if client is None or client.revoked_at is not None:
                return False
            client.revoked_at = now
            return True

    def api_client_for(self, key: str) -> ApiClient | None:
        with self.reading() as session:
            client = session.scalars(_API_CLIENT, {"key_hash": _hash_key(key)}).first()
            if client is None or client.revoked_at is not None:
                return None
            return client

    def ping(self) -> None:
        with self.reading() as session:
            session.execute(select(1))


def _hash_key(key: str) -> str:
    # API keys are 256-bit random tokens, so a plain hash resists guessing; no salt is needed.
    return hashlib.sha256(key.encode()).hexdigest()


class _Traced(Protocol):
    """What a trace event is written about: a message row, as an object or a result row."""

    @property
    def message_id(self) -> uuid.UUID: ...

    @property
    def case_id(self) -> uuid.UUID: ...


def _event(record: _Traced, trace: Trace, now: dt.datetime) -> NewTraceEvent:
    return NewTraceEvent(record.message_id, record.case_id, now, trace.stage, trace.detail)


def _values(table: Table, row: SQLModel) -> dict[str, Any]:
    """A model object's column values for an ``INSERT``; the database gives the key."""
    return {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}
