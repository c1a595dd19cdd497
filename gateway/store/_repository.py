"""What the node asks of its store, each in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from gateway.errors import ConfigurationError
from gateway.exchange import Direction, MessageStatus, PersonKey, check_transition
from gateway.store._console_models import Role
from gateway.store._idempotency import hold_key
from gateway.store._models import (
    ApiClient,
    CaseRecord,
    DeadLetter,
    IdempotencyRecord,
    MessageRecord,
    OutboxEntry,
    ReceiptRecord,
    TraceEvent,
    insert_values,
    table_of,
)
from gateway.store._outbox import Outbox
from gateway.store._person_index import write_person_keys
from gateway.store._trace_chain import Trace, append_trace_events, trace_event

_MESSAGES = table_of(MessageRecord)
_OUTBOX = table_of(OutboxEntry)
_RECEIPTS = table_of(ReceiptRecord)
_CASES = table_of(CaseRecord)

# Statements of the hot path, built once: their values come as parameters, so SQLAlchemy
# compiles each only once instead of building and keying a new statement per message.
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)
_INSERT_RECEIPT = insert(_RECEIPTS).returning(_RECEIPTS.c.id)
_INSERT_OUTBOX = insert(_OUTBOX)
# The case's key comes back only when the row was written: SQLAlchemy reports a row count
# of -1 for an INSERT on PostgreSQL, which cannot tell a new case from an existing one.
_NEW_CASE = {
    "sqlite": sqlite_insert(_CASES)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(_CASES.c.id),
    "postgresql": postgres_insert(_CASES)
    .on_conflict_do_nothing(index_elements=["id"])
    .returning(_CASES.c.id),
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

__all__ = ["DuplicateMessage", "Store"]


class DuplicateMessage(Exception):
    """The (direction, sender, message id) is stored already."""


class Store(Outbox):
    """The node's persistence. Every method is one transaction: all of it or nothing."""

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
        idempotency: IdempotencyRecord | None = None,
        persons: Sequence[PersonKey] = (),
    ) -> MessageRecord:
        """Store a message with its trace events and case, and queue it for the relay when
        ``outbox_due`` is given. ``also`` stores further messages in the same transaction (a
        receipt written with the message it acknowledges), and ``idempotency`` the key and
        answer of the submit that made the message. Raises :class:`DuplicateMessage` when the
        message is stored already, :class:`IdempotencyKeyTaken` when the key is. ``persons``
        are the message's rows of the blind index of persons, written with it."""
        try:
            with self.writing() as session:
                if idempotency is not None:
                    # First: a submit that lost the key to another stores nothing else.
                    hold_key(session, idempotency, now)
                for record, record_traces, due in ((message, traces, outbox_due), *also):
                    self._insert(session, record, record_traces, now, protected_person, due)
                assert message.id is not None
                write_person_keys(session, message.id, persons)
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
        record.id = connection.execute(
            _INSERT_MESSAGE, insert_values(_MESSAGES, record)
        ).scalar_one()
        append_trace_events(session, [trace_event(record, trace, now) for trace in traces])
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
        if created.first() is None:
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
            append_trace_events(session, [trace_event(record, trace, now)])
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
            append_trace_events(session, [trace_event(record, trace, now)])

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
                    _INSERT_RECEIPT, insert_values(_RECEIPTS, receipt)
                ).scalar_one()
                if current.is_final and current is not MessageStatus.FAILED:
                    append_trace_events(
                        session,
                        [trace_event(record, Trace("receipt-duplicate", trace.detail), now)],
                    )
                    return
                check_transition(current, status)
                changes: dict[str, object] = {"status": status, "updated_at": now}
                if error_code is not None:
                    changes.update(error_code=error_code, error_detail=error_detail)
                connection.execute(
                    update(_MESSAGES).where(_MESSAGES.c.id == record.id).values(changes)
                )
                append_trace_events(session, [trace_event(record, trace, now)])
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

    def create_api_client(self, name: str, now: dt.datetime, role: Role = Role.OPERATOR) -> str:
        """Register a back-office client; returns its key, which is shown once and not kept.
        An auditor's key reads personal data; an operator's does not."""
        if role is Role.VIEWER:
            raise ConfigurationError("an API key is an operator's or an auditor's")
        if not name or len(name) > 100:
            raise ConfigurationError("an API client needs a name of 1 to 100 characters")
        key = "ssgw_" + secrets.token_urlsafe(32)
        try:
            with self.writing() as session:
                session.add(
                    ApiClient(name=name, key_hash=_hash_key(key), created_at=now, role=role.value)
                )
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

    def api_clients(self) -> list[ApiClient]:
        """Every client, revoked ones too, in the order they were registered."""
        with self.reading() as session:
            return list(session.scalars(select(ApiClient).order_by(col(ApiClient.id))))

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
