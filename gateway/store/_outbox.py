"""The outbox: what the relay asks of the store, each in one transaction.

Every outbound message that still has to be published has an outbox entry, due at the time
the relay should (re)publish it; the relay claims due entries, records confirmed publishes,
and reconciliation restores the entries a message lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select, update
from sqlmodel import col

from gateway.errors import PayloadPurged
from gateway.exchange import Direction, MessageStatus, check_transition
from gateway.store._models import MessageRecord, OutboxEntry, table_of
from gateway.store._trace_chain import (
    NewTraceEvent,
    Trace,
    append_trace_events,
    trace_event,
)
from gateway.store._transactions import Transactions

__all__ = ["Attempt", "Outbox", "Reconciliation"]

_MESSAGES = table_of(MessageRecord)
_OUTBOX = table_of(OutboxEntry)


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


@dataclass(slots=True)
class _AttemptsPlan:
    """What confirmed publishes change: the messages now sent with their trace events, the
    outbox entries due again (``pk``, ``due``) and those that go."""

    sent: list[int] = field(default_factory=list)
    events: list[NewTraceEvent] = field(default_factory=list)
    waiting: list[dict[str, object]] = field(default_factory=list)
    done: list[int] = field(default_factory=list)


def _lock_messages(
    connection: Connection, attempts: Sequence[Attempt]
) -> dict[int, Row[Any, Any, Any, Any]]:
    """The attempted messages still stored, by key, locked until the transaction ends."""
    return {
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


def _plan_attempts(
    attempts: Sequence[Attempt], rows: Mapping[int, Row[Any, Any, Any, Any]], now: dt.datetime
) -> _AttemptsPlan:
    plan = _AttemptsPlan()
    for attempt in attempts:
        row = rows.get(attempt.pk)
        if row is None:
            continue
        if row.status.is_final:
            # Settled meanwhile (a receipt came, or it failed): nothing more to send.
            plan.done.append(attempt.pk)
            continue
        check_transition(row.status, MessageStatus.SENT)
        plan.sent.append(attempt.pk)
        plan.events.append(trace_event(row, attempt.trace, now))
        if attempt.next_due is None:
            plan.done.append(attempt.pk)
        else:
            plan.waiting.append({"pk": attempt.pk, "due": attempt.next_due})
    return plan


class Outbox(Transactions):
    """The relay's side of the node's store. Every method is one transaction."""

    writes_trace = True

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

    def next_due_at(self) -> dt.datetime | None:
        """When the earliest outbox entry falls due (a lease, a receipt's deadline, a retry),
        or None when the outbox is empty: how long an idle relay may sleep."""
        with self.reading() as session:
            return session.scalar(select(func.min(col(OutboxEntry.due_at))))

    def record_attempts(self, attempts: Sequence[Attempt], *, now: dt.datetime) -> None:
        """Publishes were confirmed by the broker: count each, and wait for its receipt until
        its ``next_due`` (None: no receipt is expected, the outbox entry goes). One
        transaction for all; a message gone meanwhile is skipped."""
        with self.writing() as session:
            connection = session.connection()
            plan = _plan_attempts(attempts, _lock_messages(connection, attempts), now)
            if plan.sent:
                connection.execute(
                    update(_MESSAGES)
                    .where(_MESSAGES.c.id.in_(plan.sent))
                    .values(
                        status=MessageStatus.SENT,
                        attempts=_MESSAGES.c.attempts + 1,
                        updated_at=now,
                    )
                )
            append_trace_events(session, plan.events)
            if plan.waiting:
                connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.message_pk == bindparam("pk"))
                    .values(due_at=bindparam("due")),
                    plan.waiting,
                )
            if plan.done:
                connection.execute(delete(_OUTBOX).where(_OUTBOX.c.message_pk.in_(plan.done)))

    def postpone(self, pk: int, *, due_at: dt.datetime, trace: Trace, now: dt.datetime) -> None:
        """Move a message's outbox entry to ``due_at`` and say why."""
        with self.writing() as session:
            record = session.get(MessageRecord, pk)
            if record is None:
                raise KeyError(pk)
            append_trace_events(session, [trace_event(record, trace, now)])
            session.execute(
                update(OutboxEntry).where(col(OutboxEntry.message_pk) == pk).values(due_at=due_at)
            )

    def schedule(self, pk: int, *, due_at: dt.datetime, trace: Trace) -> None:
        """Put a sent message back in the outbox (a receipt resent for a duplicate)."""
        with self.writing() as session:
            record = session.get(MessageRecord, pk)
            if record is None:
                raise KeyError(pk)
            append_trace_events(session, [trace_event(record, trace, due_at)])
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
            append_trace_events(session, [trace_event(record, trace, now)])
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
                    session,
                    [trace_event(record, Trace("reconciled", "outbox entry restored"), now)],
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
