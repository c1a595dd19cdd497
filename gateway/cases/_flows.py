"""The applicable-legislation flows a coverage case can be, and what a step's document says
that the case machine reads (a coverage document's purpose, a forward's institution, a
reminder's request).

A coverage case is one of six flows, chosen by the document that opens it: a request for a
certificate, a posting notification (A009), a determination for work in two or more states
(A003), a request for an exception (A001), a notification of another situation (A010) or a
change notification (A008). The rules of each: ``_coverage``.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Final, NamedTuple

from lxml import etree

from gateway.codes import parse_institution_id
from gateway.documents import DocumentFamily, DocumentType, months_after

__all__ = [
    "NOTICE_MONTHS",
    "READ_DOCUMENTS",
    "CoverageFlow",
    "CoveragePurpose",
    "DocumentValues",
    "Notification",
    "document_values",
    "notice_ends",
]

_T = DocumentType
_CASE_NS: Final = DocumentFamily.CASE.namespace
_COVERAGE_NS: Final = DocumentFamily.COVERAGE.namespace

#: The months an institution notified of a posting or of a provisional determination has to
#: object or disagree: Art. 16(3) of Regulation (EC) No 987/2009 makes a determination
#: definitive two months after the institutions concerned were informed of it; the network
#: gives the host of a posting the same time to object.
NOTICE_MONTHS: Final = 2

#: The documents whose content the case machine reads, beyond their signed header.
READ_DOCUMENTS: Final = frozenset(
    {
        _T.CASE_FORWARD,
        _T.REMINDER,
        _T.COVERAGE_REQUEST,
        _T.COVERAGE_CERTIFICATE,
        _T.COVERAGE_REFUSAL,
    }
)


class CoveragePurpose(enum.StrEnum):
    """What a coverage document is sent for: the ``Purpose`` of schema 2.0."""

    POSTING_NOTIFICATION = "posting-notification"
    MULTI_STATE_DETERMINATION = "multi-state-determination"
    DEFINITIVE_DETERMINATION = "definitive-determination"
    EXCEPTION_REQUEST = "exception-request"
    EXCEPTION_ACCEPTANCE = "exception-acceptance"
    EXCEPTION_PARTIAL_ACCEPTANCE = "exception-partial-acceptance"
    EXCEPTION_REFUSAL = "exception-refusal"
    OTHER_NOTIFICATION = "other-notification"
    CHANGE_NOTIFICATION = "change-notification"
    CERTIFICATE_REQUEST = "certificate-request"
    CERTIFICATE_ISSUE = "certificate-issue"
    DISAGREEMENT = "disagreement"
    OBJECTION = "objection"


class CoverageFlow(enum.StrEnum):
    """The applicable-legislation flow a coverage case follows, named by what opened it."""

    CERTIFICATE_REQUEST = "certificate-request"
    POSTING_NOTIFICATION = "posting-notification"
    MULTI_STATE = "multi-state-activity"
    EXCEPTION = "exception-agreement"
    OTHER_NOTIFICATION = "other-notification"
    CHANGE_NOTIFICATION = "change-notification"


class DocumentValues(NamedTuple):
    """The values of a document that a case step carries beside its header."""

    forwarded_to: str | None = None
    reminded: uuid.UUID | None = None
    purpose: CoveragePurpose | None = None


def document_values(document_type: DocumentType, root: etree._Element) -> DocumentValues:
    """What the case machine reads of a validated document of ``document_type``: a forward's
    competent institution, a reminder's message id, a coverage document's purpose."""
    if document_type is _T.CASE_FORWARD:
        # Normalised like the header's institution ids (GR becomes EL), so it compares.
        text = root.findtext(f"{{{_CASE_NS}}}CompetentInstitution") or ""
        return DocumentValues(forwarded_to=parse_institution_id(text.strip()))
    if document_type is _T.REMINDER:
        text = root.findtext(f"{{{_CASE_NS}}}RemindedMessageId") or ""
        return DocumentValues(reminded=uuid.UUID(text.strip()))
    if document_type in READ_DOCUMENTS:
        # A 1.0 document has no purpose; 2.0 gives it at most once, from the schema's list.
        purpose = root.findtext(f"{{{_COVERAGE_NS}}}Purpose")
        return DocumentValues(purpose=CoveragePurpose(purpose.strip()) if purpose else None)
    return DocumentValues()


def notice_ends(notified_at: dt.datetime) -> dt.datetime:
    """When the :data:`NOTICE_MONTHS` after a notification end: the same time of day, that
    many calendar months later (to the month's end where the day does not exist)."""
    day = months_after(notified_at.date(), NOTICE_MONTHS)
    if day is None:
        raise ValueError(f"no date lies {NOTICE_MONTHS} months after {notified_at.date()}")
    return dt.datetime.combine(day, notified_at.timetz())


@dataclass(frozen=True, slots=True)
class Notification:
    """A posting notification or a provisional determination sent to one institution, which
    may object to it (or disagree with it) until ``due_at``.

    ``message_id`` is the message that notified ``recipient``; ``objected_by`` the objection or
    disagreement it answered with, and ``definitive_by`` the determining institution's
    confirmation that its determination is definitive (A012).
    """

    message_id: uuid.UUID
    document_set_id: uuid.UUID
    purpose: CoveragePurpose
    sender: str
    recipient: str
    notified_at: dt.datetime
    due_at: dt.datetime
    objected_by: uuid.UUID | None = None
    definitive_by: uuid.UUID | None = None
