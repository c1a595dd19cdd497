"""What the API answers, as the typed documents its OpenAPI description shows.

Times are ISO 8601 texts in UTC, as the store's times print (``2026-11-25T11:29:34.275958+00:00``).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from gateway.store import MessageRecord

__all__ = [
    "Accepted",
    "Acknowledged",
    "CaseView",
    "EvidenceBundle",
    "Health",
    "InboxItem",
    "InboxPage",
    "MessageDetail",
    "MessageSummary",
    "OpenRequestView",
    "Readiness",
    "ReceiptView",
    "SedLoss",
    "TraceStep",
    "message_summary",
]

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class SedLoss(BaseModel):
    """A value of a submitted SED that our document has no place for."""

    path: str
    reason: str


class Accepted(BaseModel):
    """A submitted document, stored and queued for its recipient."""

    id: uuid.UUID
    case_id: uuid.UUID
    status: str
    #: For a SED: what the document made of it could not carry (empty for XML and JSON).
    losses: list[SedLoss] = []


class DocumentSet(BaseModel):
    id: uuid.UUID
    version: int
    action: str


class MessageError(BaseModel):
    """Why a message failed, was rejected or refused; no ``detail`` in a protected case."""

    code: str
    detail: str | None


class MessageSummary(BaseModel):
    """A message's header fields and where it stands."""

    id: uuid.UUID
    direction: str
    case_id: uuid.UUID
    case_type: str
    in_reply_to: uuid.UUID | None
    document_type: str
    schema_version: str
    document_set: DocumentSet
    sender: str
    recipient: str
    status: str
    created_at: Time
    updated_at: Time
    expires_at: Time
    attempts: int
    size: int
    digest: str
    error: MessageError | None


class TraceStep(BaseModel):
    at: Time
    stage: str
    detail: str


class ReceiptView(BaseModel):
    """A signed receipt or rejection that came for a sent message."""

    received_at: Time
    outcome: str
    digest: str
    message_id: uuid.UUID


class MessageDetail(MessageSummary):
    """A message, its trace and its receipts."""

    protected_person: bool
    trace: list[TraceStep]
    receipts: list[ReceiptView]


class OpenRequestView(BaseModel):
    """A request of a case that waits for its answer."""

    id: uuid.UUID
    document_type: str
    sender: str
    recipient: str
    due_at: Time
    overdue: bool
    reminders: int


class CaseView(BaseModel):
    id: uuid.UUID
    case_type: str
    protected_person: bool
    created_at: Time
    updated_at: Time
    #: None where this node joined the case part-way and cannot judge it.
    status: str | None
    open_requests: list[OpenRequestView]
    messages: list[MessageSummary]


class InboxItem(BaseModel):
    """A received document waiting for the back-office."""

    id: uuid.UUID
    cursor: int
    case_id: uuid.UUID
    case_type: str
    sender: str
    document_type: str
    in_reply_to: uuid.UUID | None
    received_at: Time
    document: str = Field(description="The path of the document.")


class InboxPage(BaseModel):
    items: list[InboxItem]
    next: int = Field(description="The cursor to ask after next.")


class Acknowledged(BaseModel):
    id: uuid.UUID
    status: str


class Health(BaseModel):
    status: str
    institution: str


class Readiness(BaseModel):
    status: str


class EvidenceBundle(BaseModel):
    """An evidence bundle, as ``ssgw evidence verify`` reads it (see docs/security.md): the
    signed envelope, the sealed bytes and the signed receipt in base64, the certificates that
    verify them, and the trace chain's proof for the message."""

    format: str
    exported_at: Time
    exported_by: str
    message: dict[str, str]
    sealed: str
    envelope: str | None
    envelope_sha256: str
    receipt: str
    certificates: dict[str, str]
    authority_fingerprint: str
    chain: dict[str, object]


def message_summary(record: MessageRecord, protected: bool) -> MessageSummary:
    """A message's header fields. For a protected person's case the stored error text is left
    out: a refused document's checker text can quote its values."""
    return MessageSummary(
        id=record.message_id,
        direction=record.direction.value,
        case_id=record.case_id,
        case_type=record.case_type,
        in_reply_to=record.in_reply_to,
        document_type=record.document_type,
        schema_version=record.schema_version,
        document_set=DocumentSet(
            id=record.document_set_id, version=record.document_version, action=record.action
        ),
        sender=record.sender,
        recipient=record.recipient,
        status=record.status.value,
        created_at=record.created_at.isoformat(),
        updated_at=record.updated_at.isoformat(),
        expires_at=record.expires_at.isoformat(),
        attempts=record.attempts,
        size=record.size,
        digest=record.digest,
        error=(
            MessageError(code=record.error_code, detail=None if protected else record.error_detail)
            if record.error_code
            else None
        ),
    )
