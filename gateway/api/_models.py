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
    "AgreementTotals",
    "CasePeriodsView",
    "CaseView",
    "CountryTotal",
    "EvidenceBundle",
    "Health",
    "InboxItem",
    "InboxPage",
    "MessageDetail",
    "MessageSummary",
    "NationalTotals",
    "NotTotalizedView",
    "NotificationDeadlineView",
    "OpenRequestView",
    "Readiness",
    "ReceiptView",
    "SedLoss",
    "TraceStep",
    "message_summary",
]

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]


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


class NotificationDeadlineView(BaseModel):
    """A notification of a coverage case, and where it stands against the two months for
    objecting to it (a posting notification) or disagreeing with it (a determination)."""

    message_id: uuid.UUID = Field(description="The message that notified the recipient.")
    purpose: str = Field(description="`posting-notification` or `multi-state-determination`.")
    sender: str
    recipient: str
    notified_at: Time
    due_at: Time = Field(description="When the period for objecting or disagreeing ends.")
    status: str = Field(
        description="`running` (objection still possible), `objected`, `lapsed` (a posting "
        "notification no one objected to), `overdue` (a determination whose period passed "
        "without a disagreement and whose confirmation as definitive was not sent) or "
        "`definitive`."
    )
    overdue: bool = Field(description="Whether `status` is `overdue`.")
    objected_by: uuid.UUID | None = Field(description="The objection or disagreement, if any.")
    definitive_by: uuid.UUID | None = Field(
        description="The confirmation of the determination as definitive (A012), if sent."
    )


class CountryTotal(BaseModel):
    """One country's part of a career totalized under an agreement."""

    country: str
    days: int = Field(description="Days counted for the country, each day once.")
    months: int = Field(description="Calendar months in which a day counts for the country.")
    share: str = Field(description="The country's days over the career's, an exact fraction.")
    share_percent: float = Field(description="`share` in per cent, to two decimals.")


class AgreementTotals(BaseModel):
    """The career totalized under one agreement: the competent country's periods and those of
    the countries the agreement binds to it, and no other's."""

    agreement: str = Field(description="The agreement's id in the directory.")
    title: str
    countries: list[str] = Field(description="The competent country first, then the others.")
    total_days: int
    total_months: int
    competent_share: str = Field(
        description="The competent country's pro-rata share, an exact fraction."
    )
    competent_share_percent: float = Field(description="The same in per cent, two decimals.")
    conflicts: int = Field(description="Runs of days two countries both report compulsory.")
    by_country: list[CountryTotal]


class NotTotalizedView(BaseModel):
    """A country whose periods no agreement lets the competent country add to its own."""

    country: str
    reason: str = Field(description="`no-agreement`, `no-totalization` or `not-in-force`.")
    detail: str = Field(description="The reason in words, naming the agreements concerned.")
    periods: int = Field(description="How many periods of the country were left out.")
    days: int


class NationalTotals(BaseModel):
    """The competent country's own periods alone."""

    total_days: int
    total_months: int


class CasePeriodsView(BaseModel):
    """The insurance periods of a case's replies (the latest version of each), totalized
    separately under each agreement binding the competent country to another. Periods are
    given as totals only, never one by one."""

    competent_country: str = Field(
        description="The country of the institution deciding the case (the case owner's)."
    )
    as_of: Day = Field(description="The last day counted.")
    replies: int = Field(description="The periods replies read.")
    unreadable: int = Field(description="Replies that could not be read.")
    agreements: list[AgreementTotals]
    not_totalized: list[NotTotalizedView]
    national: NationalTotals


class CaseView(BaseModel):
    id: uuid.UUID
    case_type: str
    protected_person: bool
    created_at: Time
    updated_at: Time
    #: None where this node joined the case part-way and cannot judge it.
    status: str | None
    flow: str | None = Field(
        description="A coverage case's applicable-legislation flow; null for other cases and "
        "where this node cannot judge the case."
    )
    open_requests: list[OpenRequestView]
    notifications: list[NotificationDeadlineView] = Field(
        description="A coverage case's notifications that may be objected to, earliest due first."
    )
    periods: CasePeriodsView | None = Field(
        description="The case's insurance periods totalized per agreement; null without a reply."
    )
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
