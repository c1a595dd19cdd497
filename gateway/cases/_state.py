"""A case's state: its steps, open requests, documents and certificates, and the document tables
the case state machine (``_machine``, whose docstring gives the rules) judges steps by.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Final, TypeVar

from lxml import etree

from gateway.cases._flows import CoverageFlow, CoveragePurpose, Notification, document_values
from gateway.documents import (
    CaseType,
    DocumentAction,
    DocumentType,
    EnvelopeHeader,
)
from gateway.errors import CaseStateError

__all__ = [
    "ANSWERS",
    "BUSINESS",
    "OPENING_DOCUMENT",
    "REPEATABLE",
    "REQUESTS",
    "CaseState",
    "CaseStatus",
    "CaseStep",
    "CertificateRecord",
    "DocumentRecord",
    "OpenRequest",
    "documents_with",
    "refused",
    "reply_period",
]

_T = DocumentType
_K = TypeVar("_K")
_V = TypeVar("_V")
_NEW = DocumentAction.NEW

#: The document that opens a case of each type.
OPENING_DOCUMENT: Final[Mapping[CaseType, DocumentType]] = MappingProxyType(
    {
        CaseType.INSURANCE_PERIODS: _T.INSURANCE_PERIODS_REQUEST,
        CaseType.BENEFIT_CLAIM: _T.BENEFIT_CLAIM,
        CaseType.COVERAGE: _T.COVERAGE_REQUEST,
    }
)

#: The business documents a case of each type carries; case-level documents go in any case.
BUSINESS: Final[Mapping[CaseType, frozenset[DocumentType]]] = MappingProxyType(
    {
        CaseType.INSURANCE_PERIODS: frozenset(
            {_T.INSURANCE_PERIODS_REQUEST, _T.INSURANCE_PERIODS_REPLY}
        ),
        CaseType.BENEFIT_CLAIM: frozenset(
            {
                _T.BENEFIT_CLAIM,
                _T.BENEFIT_CLAIM_ACKNOWLEDGEMENT,
                _T.BENEFIT_DECISION,
                _T.INSURANCE_PERIODS_REQUEST,
                _T.INSURANCE_PERIODS_REPLY,
            }
        ),
        CaseType.COVERAGE: frozenset(
            {
                _T.COVERAGE_REQUEST,
                _T.COVERAGE_CERTIFICATE,
                _T.COVERAGE_REFUSAL,
                _T.COVERAGE_WITHDRAWAL,
            }
        ),
    }
)

#: Documents that wait for an answer: each new one to a recipient is an open request.
REQUESTS: Final = frozenset({_T.INSURANCE_PERIODS_REQUEST, _T.BENEFIT_CLAIM, _T.COVERAGE_REQUEST})

#: Answers: the request each answers, and whether the answer closes it.
ANSWERS: Final[Mapping[DocumentType, tuple[DocumentType, bool]]] = MappingProxyType(
    {
        _T.INSURANCE_PERIODS_REPLY: (_T.INSURANCE_PERIODS_REQUEST, True),
        _T.BENEFIT_CLAIM_ACKNOWLEDGEMENT: (_T.BENEFIT_CLAIM, False),
        _T.BENEFIT_DECISION: (_T.BENEFIT_CLAIM, True),
        _T.COVERAGE_CERTIFICATE: (_T.COVERAGE_REQUEST, True),
        _T.COVERAGE_REFUSAL: (_T.COVERAGE_REQUEST, True),
    }
)

#: New documents whose set may go to several recipients, one message each.
REPEATABLE: Final = frozenset({_T.BENEFIT_CLAIM, _T.CASE_CLOSURE})


class CaseStatus(enum.StrEnum):
    """Whether a case still takes documents."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CaseStep:
    """One message of a case, as sent or received: its signed header, and for a forward, a
    reminder or a coverage document the one value of the document that the case depends on.

    ``at`` is the message's signed creation time, so that sender and receiver judge a step by
    the same clock. ``forwarded_to`` is a ``CaseForward``'s competent institution,
    ``reminded`` a ``Reminder``'s reminded message id and ``purpose`` what a coverage
    document is sent for (None in 1.0); each is None for other documents.
    """

    message_id: uuid.UUID
    document_type: DocumentType
    action: DocumentAction
    document_set_id: uuid.UUID
    version: int
    sender: str
    recipient: str
    in_reply_to: uuid.UUID | None
    at: dt.datetime
    forwarded_to: str | None = None
    reminded: uuid.UUID | None = None
    purpose: CoveragePurpose | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a case step's time must carry a time zone")

    @classmethod
    def from_message(cls, header: EnvelopeHeader, document: etree._Element) -> CaseStep:
        """The step a validated message makes: its header, and ``document`` (the body's root
        element) read for the values the case depends on (:func:`document_values`).

        ``document`` must have passed validation (its schema and business rules); raises
        ``ValueError`` when it is not the header's document type.
        """
        if document.tag != header.document_type.qualified_name:
            raise ValueError(f"the document is not a {header.document_type.root_name}")
        values = document_values(header.document_type, document)
        return cls(
            message_id=header.message_id,
            document_type=header.document_type,
            action=header.action,
            document_set_id=header.document_set_id,
            version=header.document_version,
            sender=header.sender,
            recipient=header.recipient,
            in_reply_to=header.in_reply_to,
            at=header.created,
            forwarded_to=values.forwarded_to,
            reminded=values.reminded,
            purpose=values.purpose,
        )


@dataclass(frozen=True, slots=True)
class OpenRequest:
    """A request that waits for its answer from one recipient.

    ``message_id`` is the message that opened it (version 1 to this recipient); an answer may
    name it or any later version of the same set sent to the same recipient. ``due_at`` is
    when the answer is due; a reminder moves it. ``acknowledged`` is for claims only.
    """

    message_id: uuid.UUID
    document_type: DocumentType
    sender: str
    recipient: str
    sent_at: dt.datetime
    due_at: dt.datetime
    reminders: int
    document_set_id: uuid.UUID
    acknowledged: bool = False


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """Where a document set of the case stands.

    ``recipients`` are all the institutions some version of the set went to;
    ``latest_recipients`` those the latest version (``latest_version``, sent as
    ``latest_action``) went to so far.
    """

    document_type: DocumentType
    sender: str
    latest_version: int
    invalidated: bool
    latest_action: DocumentAction
    recipients: frozenset[str]
    latest_recipients: frozenset[str]


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    """A certificate of coverage issued in the case, by the message ``message_id``."""

    message_id: uuid.UUID
    document_set_id: uuid.UUID
    sender: str
    recipient: str
    issued_at: dt.datetime
    withdrawn_by: uuid.UUID | None = None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_by is not None


def _frozen(mapping: Mapping[_K, _V]) -> Mapping[_K, _V]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class CaseState:
    """A case after some steps. Immutable: its mappings are read-only views of private copies.

    ``owner`` sent the first document. ``open_requests`` are keyed by the message that opened
    each, ``documents`` by document set id, ``certificates`` by the issuing message's id and
    ``messages`` (every step so far, in order) by message id. ``forwarded`` lists each forward
    as (forwarding institution, institution forwarded to); ``closure`` is the document set id
    of the closure once the case is closed. A coverage case has its ``flow``, and its
    ``notifications`` that may be objected to, keyed by the notifying message's id.
    """

    case_id: uuid.UUID
    case_type: CaseType
    owner: str
    status: CaseStatus
    participants: frozenset[str]
    open_requests: Mapping[uuid.UUID, OpenRequest]
    documents: Mapping[uuid.UUID, DocumentRecord]
    certificates: Mapping[uuid.UUID, CertificateRecord]
    forwarded: tuple[tuple[str, str], ...]
    messages: Mapping[uuid.UUID, CaseStep]
    closure: uuid.UUID | None = None
    flow: CoverageFlow | None = None
    notifications: Mapping[uuid.UUID, Notification] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("open_requests", "documents", "certificates", "messages", "notifications"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "participants", frozenset(self.participants))
        object.__setattr__(self, "forwarded", tuple(self.forwarded))

    @property
    def issued_certificates(self) -> frozenset[uuid.UUID]:
        """The message ids of the certificates issued in the case."""
        return frozenset(self.certificates)

    @property
    def withdrawn_certificates(self) -> frozenset[uuid.UUID]:
        """The message ids of the issued certificates withdrawn since."""
        return frozenset(key for key, record in self.certificates.items() if record.withdrawn)


# --- What every rule uses --------------------------------------------------------------------


def refused(step: CaseStep, reason: str, detail: str) -> CaseStateError:
    return CaseStateError(reason, detail, message_id=step.message_id)


def reply_period(reply_due: Mapping[CaseType, dt.timedelta], case_type: CaseType) -> dt.timedelta:
    period = reply_due.get(case_type)
    if period is None or period <= dt.timedelta(0):
        raise ValueError(f"reply_due needs a positive period for {case_type.value} cases")
    return period


def documents_with(state: CaseState, step: CaseStep) -> dict[uuid.UUID, DocumentRecord]:
    """The case's documents with a new document (or a repeatable set to one more recipient)."""
    documents = dict(state.documents)
    record = documents.get(step.document_set_id)
    recipient = frozenset({step.recipient})
    if record is None:
        documents[step.document_set_id] = DocumentRecord(
            document_type=step.document_type,
            sender=step.sender,
            latest_version=1,
            invalidated=False,
            latest_action=_NEW,
            recipients=recipient,
            latest_recipients=recipient,
        )
    else:
        still_first = record.latest_version == 1 and record.latest_action is _NEW
        documents[step.document_set_id] = replace(
            record,
            recipients=record.recipients | recipient,
            latest_recipients=(
                record.latest_recipients | recipient if still_first else record.latest_recipients
            ),
        )
    return documents
