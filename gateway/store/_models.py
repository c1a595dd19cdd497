"""The node's tables. Personal data is stored only encrypted (sealed payloads)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Dialect,
    Enum,
    Index,
    LargeBinary,
    Table,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from gateway.exchange import Direction, MessageStatus

__all__ = [
    "ApiClient",
    "CaseRecord",
    "DeadLetter",
    "Direction",
    "IdempotencyRecord",
    "MessageRecord",
    "MessageStatus",
    "OutboxEntry",
    "ReceiptRecord",
    "TraceChainHead",
    "TraceEvent",
    "UtcDateTime",
    "insert_values",
    "table_of",
]


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Times are stored in UTC and always come back time-zone aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError("stored times must be time-zone aware")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _utc_column(*, index: bool = False, nullable: bool = False) -> Column[dt.datetime]:
    return Column(UtcDateTime(), index=index, nullable=nullable)


def _enum_column(enum_type: type[enum.StrEnum], *, index: bool = False) -> Column[Any]:
    return Column(
        Enum(
            enum_type,
            native_enum=False,
            length=16,
            values_callable=lambda members: [member.value for member in members],
            validate_strings=True,
        ),
        index=index,
        nullable=False,
    )


class MessageRecord(SQLModel, table=True):
    """One message sent or received. ``sealed`` is exactly what travelled on the bus."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("direction", "sender", "message_id", name="uq_messages_origin"),
        Index("ix_messages_direction_status_updated", "direction", "status", "updated_at"),
        Index("ix_messages_partner_updated", "partner", "updated_at"),
        Index("ix_messages_type_updated", "document_type", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: uuid.UUID = Field(index=True)
    direction: Direction = Field(sa_column=_enum_column(Direction))
    case_id: uuid.UUID = Field(index=True)
    case_type: str
    in_reply_to: uuid.UUID | None = Field(default=None, index=True)
    document_set_id: uuid.UUID
    document_version: int
    action: str
    sender: str
    recipient: str
    partner: str = Field(description="The other institution, whichever the direction.")
    document_type: str
    schema_version: str
    status: MessageStatus = Field(sa_column=_enum_column(MessageStatus))
    created_at: dt.datetime = Field(sa_column=_utc_column(index=True))
    updated_at: dt.datetime = Field(sa_column=_utc_column())
    expires_at: dt.datetime = Field(sa_column=_utc_column())
    size: int
    digest: str = Field(description="SHA-256 of the sealed bytes, lowercase hex.")
    sealed: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    at_rest: bytes | None = Field(
        default=None,
        sa_column=Column(LargeBinary, nullable=True),
        description="Outbound: the signed envelope sealed to this node's own key.",
    )
    agreement_id: str | None = None
    attempts: int = 0
    error_code: str | None = None
    error_detail: str | None = None


class OutboxEntry(SQLModel, table=True):
    """A message the relay must (re)publish once ``due_at`` has come."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id", unique=True)
    due_at: dt.datetime = Field(sa_column=_utc_column(index=True))


class TraceEvent(SQLModel, table=True):
    """One step in a message's life. Holds no personal data.

    The rows form a hash chain (see ``gateway.store._trace_chain``): ``append_trace_events``
    numbers an event and fills ``prev_hash`` and ``hash`` as it inserts it, and so does a
    session that flushes an event added to it. Never write trace events any other way.
    """

    __tablename__ = "trace_events"

    id: int | None = Field(default=None, primary_key=True)
    message_id: uuid.UUID = Field(index=True)
    case_id: uuid.UUID | None = Field(default=None, index=True)
    at: dt.datetime = Field(sa_column=_utc_column(index=True))
    stage: str
    detail: str = ""
    prev_hash: str = ""
    hash: str = ""


class TraceChainHead(SQLModel, table=True):
    """The one row that records the trace chain's length and newest hash.

    Trace events are numbered 1, 2, 3... by the chain itself, so a gap is a deleted row; the
    head names the newest, so removing the newest rows is noticed too.
    """

    __tablename__ = "trace_chain"

    id: int = Field(primary_key=True)
    length: int
    head_hash: str


class CaseRecord(SQLModel, table=True):
    __tablename__ = "cases"

    id: uuid.UUID = Field(primary_key=True)
    case_type: str
    protected_person: bool = False
    created_at: dt.datetime = Field(sa_column=_utc_column())
    updated_at: dt.datetime = Field(sa_column=_utc_column(index=True))


class ReceiptRecord(SQLModel, table=True):
    """A signed receipt or rejection received for one of this node's sent messages."""

    __tablename__ = "receipts"

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id", index=True)
    receipt_message_id: uuid.UUID
    received_at: dt.datetime = Field(sa_column=_utc_column())
    outcome: str
    digest: str
    signed_envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class DeadLetter(SQLModel, table=True):
    """A delivery refused before its sender could be authenticated."""

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=_utc_column(index=True))
    reason_code: str
    detail: str
    bus_message_id: str
    bus_sender: str
    size: int
    digest: str


class ApiClient(SQLModel, table=True):
    """A back-office system allowed to use the REST API; only a hash of its key is kept."""

    __tablename__ = "api_clients"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    key_hash: str = Field(unique=True)
    created_at: dt.datetime = Field(sa_column=_utc_column())
    revoked_at: dt.datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    role: str = Field(
        default="operator",
        max_length=16,
        sa_column_kwargs={"server_default": "operator"},
        description="As a console role: an auditor's key reads personal data, an operator's "
        "does not (evidence bundles without the document, no protected person found).",
    )


class IdempotencyRecord(SQLModel, table=True):
    """A submit's idempotency key, written with the message it created, and the answer that
    submit got, to answer a retry with. The body is sealed to this node's own key: a SED's
    losses can quote its values."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_idempotency_keys_client_key"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="api_clients.id")
    key: str = Field(max_length=255)
    digest: str = Field(description="SHA-256 of the request: content type, query and body.")
    status: int
    location: str | None = None
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: dt.datetime = Field(sa_column=_utc_column())
    expires_at: dt.datetime = Field(sa_column=_utc_column(index=True))


def table_of(model: type[SQLModel]) -> Table:
    """A model's Core table, for the statements on the hot path that skip the ORM."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def insert_values(table: Table, row: SQLModel) -> dict[str, Any]:
    """A model object's column values for an ``INSERT``; the database gives the key."""
    return {column.key: getattr(row, column.key) for column in table.columns if column.key != "id"}
