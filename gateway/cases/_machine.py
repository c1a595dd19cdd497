"""The case state machine: which message a case allows next, and what that message changes.

A pure module: no I/O, no clock. A case is the fold of its steps (:func:`replay`); each step is
one message as sent or received, described by its signed header (:class:`CaseStep`). The
sending node checks a step before it sends it and the receiving node when it takes it in, with
the same rules, so both judge alike. Times come from the step (the envelope's signed creation
time), never from a clock, for the same reason. A refused step raises
:class:`~gateway.errors.CaseStateError` whose ``reason`` is one of the ``case.*`` codes below;
the state given is never changed.

The rules, by case type:

- **insurance-periods**: opened by an ``InsurancePeriodsRequest``. An ``InsurancePeriodsReply``
  answers an open request (``in_reply_to``), from the institution asked to the one that asked,
  and closes it. A reply reporting no periods is the refusal; its content is not judged here.
- **benefit-claim**: opened by a ``BenefitClaim``. The same claim (one document set) goes to as
  many institutions as must decide, one message and one open request per recipient; a case
  carries one claim. A ``BenefitClaimAcknowledgement`` answers an open claim without closing
  it; a ``BenefitDecision`` answers and closes it, and only after the acknowledgement (the
  deciding institution has confirmed it holds a complete claim before it decides). Once a claim
  exists, any participant may ask any institution for periods (``InsurancePeriodsRequest``,
  answered as above); the institution asked joins the case. The owner, who received the claim
  from the claimant, decides too: its own ``BenefitDecision`` answers no message and closes
  nothing; it goes, as one document set and once each, to the institutions the claim went
  to, so that every institution deciding knows the others' decisions. A case carries one
  such decision set; it is corrected by an update.
- **coverage**: opened by a ``CoverageRequest``; a ``CoverageCertificate`` or a
  ``CoverageRefusal`` answers and closes it. A ``CoverageWithdrawal`` answers an issued
  certificate (``in_reply_to`` names it), from the certificate's issuer to its recipient, once.
- Further requests of the type that opened an insurance-periods or coverage case come from the
  case's owner and go to a participant, such as an institution a request was forwarded to.
  No institution has two open requests of one type to the same institution.

In every case:

- A new document has version 1 and a document set id not used before in the case; the only
  sets sent more than once as new are a claim, the owner's decision and a closure, each once
  per recipient.
- An update or an invalidation continues a set: same sender and type, to an institution the set
  went to, version one more than the latest; the same version may then also go to each other
  recipient of the set. Nothing continues an invalidated set. Invalidating a request closes it;
  invalidating an answer does not reopen its request (a corrected answer is an update).
- ``CaseClosure``: by any participant to another; the closer sends the same closure to each
  participant. Afterwards every other step is refused with ``case.closed``, and no request is
  open any more.
- ``Reminder``: by the sender of an open request to its recipient, once the reply is due
  (``due_at``); ``reminded`` names the request. Each reminder gives the recipient a new
  ``reply_due`` from the reminder's time before the request is overdue again.
- ``CaseForward``: by the recipient of an open request to its sender, answering it, naming a
  third institution in ``forwarded_to``. The request is closed and the third institution joins
  the case; the requester may send it a request of its own.
- Case-level documents (closure, reminder, forward) are only ever new. Technical documents
  (receipt, rejection) are no case steps at all.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Final, TypeVar

from lxml import etree

from gateway.codes import parse_institution_id
from gateway.documents import (
    CaseType,
    DocumentAction,
    DocumentFamily,
    DocumentType,
    EnvelopeHeader,
)
from gateway.errors import CaseStateError

__all__ = [
    "OPENING_DOCUMENT",
    "CaseState",
    "CaseStatus",
    "CaseStep",
    "CertificateRecord",
    "DocumentRecord",
    "OpenRequest",
    "apply_step",
    "overdue",
    "replay",
    "start_case",
]

_T = DocumentType
_K = TypeVar("_K")
_V = TypeVar("_V")
_NEW = DocumentAction.NEW
_INVALIDATE = DocumentAction.INVALIDATE

#: The document that opens a case of each type.
OPENING_DOCUMENT: Final[Mapping[CaseType, DocumentType]] = MappingProxyType(
    {
        CaseType.INSURANCE_PERIODS: _T.INSURANCE_PERIODS_REQUEST,
        CaseType.BENEFIT_CLAIM: _T.BENEFIT_CLAIM,
        CaseType.COVERAGE: _T.COVERAGE_REQUEST,
    }
)

#: The business documents a case of each type carries; case-level documents go in any case.
_BUSINESS: Final[Mapping[CaseType, frozenset[DocumentType]]] = MappingProxyType(
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
_REQUESTS: Final = frozenset({_T.INSURANCE_PERIODS_REQUEST, _T.BENEFIT_CLAIM, _T.COVERAGE_REQUEST})

#: Answers: the request each answers, and whether the answer closes it.
_ANSWERS: Final[Mapping[DocumentType, tuple[DocumentType, bool]]] = MappingProxyType(
    {
        _T.INSURANCE_PERIODS_REPLY: (_T.INSURANCE_PERIODS_REQUEST, True),
        _T.BENEFIT_CLAIM_ACKNOWLEDGEMENT: (_T.BENEFIT_CLAIM, False),
        _T.BENEFIT_DECISION: (_T.BENEFIT_CLAIM, True),
        _T.COVERAGE_CERTIFICATE: (_T.COVERAGE_REQUEST, True),
        _T.COVERAGE_REFUSAL: (_T.COVERAGE_REQUEST, True),
    }
)

#: New documents whose set may go to several recipients, one message each.
_REPEATABLE: Final = frozenset({_T.BENEFIT_CLAIM, _T.CASE_CLOSURE})

_CASE_NS: Final = DocumentFamily.CASE.namespace


class CaseStatus(enum.StrEnum):
    """Whether a case still takes documents."""

    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CaseStep:
    """One message of a case, as sent or received: its signed header, and for a forward or a
    reminder the one value of the document that the case depends on.

    ``at`` is the message's signed creation time, so that sender and receiver judge a step by
    the same clock. ``forwarded_to`` is a ``CaseForward``'s competent institution and
    ``reminded`` a ``Reminder``'s reminded message id; both are None for other documents.
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

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a case step's time must carry a time zone")

    @classmethod
    def from_message(cls, header: EnvelopeHeader, document: etree._Element) -> CaseStep:
        """The step a validated message makes: its header, and ``document`` (the body's root
        element) read for a forward's competent institution or a reminder's message id.

        ``document`` must have passed validation (its schema and business rules); raises
        ``ValueError`` when it is not the header's document type.
        """
        if document.tag != header.document_type.qualified_name:
            raise ValueError(f"the document is not a {header.document_type.root_name}")
        forwarded_to: str | None = None
        reminded: uuid.UUID | None = None
        if header.document_type is _T.CASE_FORWARD:
            # Normalised like the header's institution ids (GR becomes EL), so it compares.
            forwarded_to = parse_institution_id(
                (document.findtext(f"{{{_CASE_NS}}}CompetentInstitution") or "").strip()
            )
        elif header.document_type is _T.REMINDER:
            reminded = uuid.UUID(
                (document.findtext(f"{{{_CASE_NS}}}RemindedMessageId") or "").strip()
            )
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
            forwarded_to=forwarded_to,
            reminded=reminded,
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
    of the closure once the case is closed.
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

    def __post_init__(self) -> None:
        for name in ("open_requests", "documents", "certificates", "messages"):
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


# --- The public functions ------------------------------------------------------------------


def start_case(
    case_id: uuid.UUID,
    case_type: CaseType,
    step: CaseStep,
    *,
    reply_due: Mapping[CaseType, dt.timedelta],
) -> CaseState:
    """The case that ``step`` opens: the opening document of ``case_type``, new, version 1.

    ``reply_due`` gives, per case type, how long a recipient has to answer a request.
    """
    _reply_period(reply_due, case_type)
    _check_shape(step)
    opening = OPENING_DOCUMENT[case_type]
    if step.document_type is not opening or step.action is not _NEW:
        raise _refused(
            step,
            "case.first-document",
            f"a {case_type.value} case starts with a new {opening.root_name}, not with "
            f"{_describe(step)}",
        )
    if step.in_reply_to is not None:
        raise _refused(
            step, "case.first-document", "the first document of a case answers no message"
        )
    _check_version_one(step)
    empty = CaseState(
        case_id=case_id,
        case_type=case_type,
        owner=step.sender,
        status=CaseStatus.OPEN,
        participants=frozenset({step.sender}),
        open_requests={},
        documents={},
        certificates={},
        forwarded=(),
        messages={},
    )
    return _record_message(_opened_request(empty, step, reply_due), step)


def apply_step(
    state: CaseState, step: CaseStep, *, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    """The case after ``step``; raises :class:`CaseStateError` when the case does not allow it.

    ``state`` is never changed.
    """
    _reply_period(reply_due, state.case_type)
    _check_shape(step)
    if step.message_id in state.messages:
        raise _refused(
            step, "case.duplicate-message", f"message {step.message_id} is already in the case"
        )
    if state.status is CaseStatus.CLOSED and not (
        step.document_type is _T.CASE_CLOSURE and step.document_set_id == state.closure
    ):
        raise _refused(step, "case.closed", f"case {state.case_id} is closed")
    family = step.document_type.family
    if family is not DocumentFamily.CASE and step.document_type not in _BUSINESS[state.case_type]:
        raise _refused(
            step,
            "case.document-not-in-case",
            f"a {step.document_type.root_name} has no place in a {state.case_type.value} case",
        )
    if step.sender not in state.participants:
        raise _refused(
            step, "case.not-participant", f"{step.sender} takes no part in case {state.case_id}"
        )
    after = _new_document(state, step, reply_due) if step.action is _NEW else _revision(state, step)
    return _record_message(after, step)


def replay(
    case_id: uuid.UUID,
    case_type: CaseType,
    steps: Sequence[CaseStep],
    *,
    reply_due: Mapping[CaseType, dt.timedelta],
) -> CaseState:
    """The case its steps make, in order; raises on the first step the case does not allow."""
    if not steps:
        raise ValueError("a case has at least the step that opens it")
    state = start_case(case_id, case_type, steps[0], reply_due=reply_due)
    for step in steps[1:]:
        state = apply_step(state, step, reply_due=reply_due)
    return state


def overdue(state: CaseState, now: dt.datetime) -> list[OpenRequest]:
    """The open requests whose answer was due at ``now`` or before, the longest overdue first."""
    late = [request for request in state.open_requests.values() if request.due_at <= now]
    return sorted(late, key=lambda request: (request.due_at, str(request.message_id)))


# --- Checks every step passes ----------------------------------------------------------------


def _refused(step: CaseStep, reason: str, detail: str) -> CaseStateError:
    return CaseStateError(reason, detail, message_id=step.message_id)


def _describe(step: CaseStep) -> str:
    return f"{step.action.value} {step.document_type.root_name} (message {step.message_id})"


def _reply_period(reply_due: Mapping[CaseType, dt.timedelta], case_type: CaseType) -> dt.timedelta:
    period = reply_due.get(case_type)
    if period is None or period <= dt.timedelta(0):
        raise ValueError(f"reply_due needs a positive period for {case_type.value} cases")
    return period


def _check_shape(step: CaseStep) -> None:
    """What a step must be whatever the case: a case document, its fields used as meant."""
    kind = step.document_type
    if kind.family is DocumentFamily.TECHNICAL:
        raise _refused(
            step,
            "case.technical-document",
            f"a {kind.root_name} answers a message, not a case: it is no case step",
        )
    if step.forwarded_to is not None and kind is not _T.CASE_FORWARD:
        raise _refused(step, "case.field-unexpected", "only a CaseForward names forwarded_to")
    if step.reminded is not None and kind is not _T.REMINDER:
        raise _refused(step, "case.field-unexpected", "only a Reminder names a reminded message")
    if step.sender == step.recipient:
        raise _refused(step, "case.self-addressed", f"{step.sender} sends to itself")
    if kind.family is DocumentFamily.CASE and step.action is not _NEW:
        raise _refused(
            step,
            "case.action-not-new",
            f"a {kind.root_name} acts on the case once; it is never updated or invalidated",
        )


def _check_version_one(step: CaseStep) -> None:
    if step.version != 1:
        raise _refused(
            step,
            "case.version-not-one",
            f"a new document is version 1, not {step.version}",
        )


def _record_message(state: CaseState, step: CaseStep) -> CaseState:
    return replace(state, messages={**state.messages, step.message_id: step})


# --- New documents ---------------------------------------------------------------------------


def _new_document(
    state: CaseState, step: CaseStep, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    _check_version_one(step)
    _check_new_set(state, step)
    kind = step.document_type
    if kind in _REQUESTS:
        _check_request(state, step)
        return _opened_request(state, step, reply_due)
    if _is_owner_decision(state, step):
        return _owner_decided(state, step)
    if kind in _ANSWERS:
        return _answered(state, step)
    if kind is _T.COVERAGE_WITHDRAWAL:
        return _withdrawn(state, step)
    if kind is _T.CASE_CLOSURE:
        return _closed(state, step)
    if kind is _T.REMINDER:
        return _reminded(state, step, reply_due)
    if kind is _T.CASE_FORWARD:
        return _forwarded(state, step)
    raise AssertionError(f"no rule for {kind.root_name}")  # pragma: no cover


def _check_new_set(state: CaseState, step: CaseStep) -> None:
    """A new document has a fresh set, or repeats a claim, the owner's decision or a closure
    to one more recipient."""
    record = state.documents.get(step.document_set_id)
    if record is None:
        return
    if step.document_type not in _REPEATABLE and not _is_owner_decision(state, step):
        raise _refused(
            step,
            "case.set-id-reused",
            f"document set {step.document_set_id} is already in the case; a new document "
            "needs a set id of its own",
        )
    _check_same_document(step, record)
    if record.invalidated:
        raise _refused(
            step,
            "case.document-invalidated",
            f"document set {step.document_set_id} was invalidated",
        )
    if step.recipient in record.recipients:
        raise _refused(
            step,
            "case.already-sent-to-recipient",
            f"document set {step.document_set_id} already went to {step.recipient}",
        )


def _check_same_document(step: CaseStep, record: DocumentRecord) -> None:
    if record.document_type is not step.document_type:
        raise _refused(
            step,
            "case.document-type-changed",
            f"document set {step.document_set_id} is a {record.document_type.root_name}, "
            f"not a {step.document_type.root_name}",
        )
    if record.sender != step.sender:
        raise _refused(
            step,
            "case.not-document-sender",
            f"document set {step.document_set_id} is {record.sender}'s, not {step.sender}'s",
        )


def _new_record(state: CaseState, step: CaseStep) -> dict[uuid.UUID, DocumentRecord]:
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


def _live_claim(state: CaseState) -> bool:
    return any(
        record.document_type is _T.BENEFIT_CLAIM and not record.invalidated
        for record in state.documents.values()
    )


def _check_request(state: CaseState, step: CaseStep) -> None:
    """Who may send a request after the case's first, and to whom."""
    kind = step.document_type
    if step.in_reply_to is not None and step.in_reply_to not in state.messages:
        raise _refused(
            step,
            "case.reply-to-unknown-message",
            f"message {step.in_reply_to} is not in the case",
        )
    if kind is _T.BENEFIT_CLAIM:
        if step.sender != state.owner:
            raise _refused(
                step, "case.not-owner", f"only {state.owner}, who opened the case, sends its claim"
            )
        if step.document_set_id not in state.documents:
            raise _refused(
                step,
                "case.claim-exists",
                "a case carries one claim; send the same claim (its document set) to another "
                "institution, or open a case for another claim",
            )
    elif kind is OPENING_DOCUMENT[state.case_type]:
        if step.sender != state.owner:
            raise _refused(
                step,
                "case.not-owner",
                f"only {state.owner}, who opened the case, sends it another {kind.root_name}",
            )
        if step.recipient not in state.participants:
            raise _refused(
                step,
                "case.request-to-non-participant",
                f"{step.recipient} takes no part in the case; open a case of its own",
            )
    elif not _live_claim(state):
        # An InsurancePeriodsRequest in a benefit-claim case: it serves the claim.
        raise _refused(
            step,
            "case.no-claim",
            "periods are asked for a claim, and the case has none that is not invalidated",
        )
    for request in state.open_requests.values():
        if (
            request.document_type is kind
            and request.sender == step.sender
            and request.recipient == step.recipient
        ):
            raise _refused(
                step,
                "case.request-already-open",
                f"{step.sender}'s {kind.root_name} {request.message_id} to {step.recipient} "
                "is still open; correct it with an update",
            )


def _opened_request(
    state: CaseState, step: CaseStep, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    request = OpenRequest(
        message_id=step.message_id,
        document_type=step.document_type,
        sender=step.sender,
        recipient=step.recipient,
        sent_at=step.at,
        due_at=step.at + _reply_period(reply_due, state.case_type),
        reminders=0,
        document_set_id=step.document_set_id,
    )
    return replace(
        state,
        participants=state.participants | {step.recipient},
        open_requests={**state.open_requests, step.message_id: request},
        documents=_new_record(state, step),
    )


def _open_request_named(
    state: CaseState, step: CaseStep, named_id: uuid.UUID | None, accepted: frozenset[DocumentType]
) -> tuple[uuid.UUID, OpenRequest]:
    """The open request that message ``named_id`` (any version of it) belongs to."""
    if named_id is None:
        raise _refused(
            step,
            "case.reply-without-request",
            f"a {step.document_type.root_name} names the message it answers",
        )
    named = state.messages.get(named_id)
    if named is None:
        raise _refused(
            step, "case.reply-to-unknown-message", f"message {named_id} is not in the case"
        )
    if named.document_type not in accepted:
        expected = " or ".join(sorted(kind.root_name for kind in accepted))
        raise _refused(
            step,
            "case.reply-to-wrong-document",
            f"a {step.document_type.root_name} answers a {expected}, and message {named_id} "
            f"is a {named.document_type.root_name}",
        )
    for key, request in state.open_requests.items():
        if (
            request.document_set_id == named.document_set_id
            and request.recipient == named.recipient
        ):
            return key, request
    raise _refused(
        step,
        "case.request-not-open",
        f"the {named.document_type.root_name} of message {named_id} is no longer open: "
        "answered, forwarded or invalidated",
    )


def _check_answer_parties(step: CaseStep, request: OpenRequest) -> None:
    if step.sender != request.recipient:
        raise _refused(
            step,
            "case.reply-from-wrong-institution",
            f"{request.message_id} was sent to {request.recipient}; only it answers, "
            f"not {step.sender}",
        )
    if step.recipient != request.sender:
        raise _refused(
            step,
            "case.reply-to-wrong-institution",
            f"the answer to {request.message_id} goes to {request.sender}, not {step.recipient}",
        )


def _answered(state: CaseState, step: CaseStep) -> CaseState:
    answered_type, closes = _ANSWERS[step.document_type]
    key, request = _open_request_named(state, step, step.in_reply_to, frozenset({answered_type}))
    _check_answer_parties(step, request)
    if step.document_type is _T.BENEFIT_CLAIM_ACKNOWLEDGEMENT and request.acknowledged:
        raise _refused(
            step,
            "case.already-acknowledged",
            f"claim {request.message_id} is acknowledged already; correct the acknowledgement "
            "with an update",
        )
    if step.document_type is _T.BENEFIT_DECISION and not request.acknowledged:
        raise _refused(
            step,
            "case.decision-before-acknowledgement",
            f"claim {request.message_id} is decided only after it was acknowledged",
        )
    open_requests = dict(state.open_requests)
    if closes:
        del open_requests[key]
    else:
        open_requests[key] = replace(request, acknowledged=True)
    certificates = dict(state.certificates)
    if step.document_type is _T.COVERAGE_CERTIFICATE:
        certificates[step.message_id] = CertificateRecord(
            message_id=step.message_id,
            document_set_id=step.document_set_id,
            sender=step.sender,
            recipient=step.recipient,
            issued_at=step.at,
        )
    return replace(
        state,
        open_requests=open_requests,
        certificates=certificates,
        documents=_new_record(state, step),
    )


def _is_owner_decision(state: CaseState, step: CaseStep) -> bool:
    """Whether ``step`` is the case owner's own decision on the claim it passed on."""
    return (
        step.document_type is _T.BENEFIT_DECISION
        and state.case_type is CaseType.BENEFIT_CLAIM
        and step.sender == state.owner
    )


def _owner_decided(state: CaseState, step: CaseStep) -> CaseState:
    """The owner tells an institution its claim went to what the owner itself decided."""
    if step.in_reply_to is not None:
        raise _refused(
            step,
            "case.owner-decision-answers",
            f"{state.owner}'s own decision answers no message; it is sent beside the claim, "
            f"not in reply to {step.in_reply_to}",
        )
    claims = [
        record
        for record in state.documents.values()
        if record.document_type is _T.BENEFIT_CLAIM and not record.invalidated
    ]
    if not claims:
        raise _refused(
            step,
            "case.no-claim",
            "a decision is on a claim, and the case has none that is not invalidated",
        )
    if step.recipient not in claims[0].recipients:
        raise _refused(
            step,
            "case.decision-to-non-recipient",
            f"{state.owner}'s decision goes to the institutions its claim went to, "
            f"not to {step.recipient}",
        )
    for set_id, record in state.documents.items():
        if (
            record.document_type is _T.BENEFIT_DECISION
            and record.sender == state.owner
            and set_id != step.document_set_id
        ):
            raise _refused(
                step,
                "case.decision-exists",
                f"{state.owner} decided already (document set {set_id}); send that decision "
                "to another institution, or correct it with an update",
            )
    return replace(state, documents=_new_record(state, step))


def _withdrawn(state: CaseState, step: CaseStep) -> CaseState:
    if step.in_reply_to is None:
        raise _refused(
            step,
            "case.reply-without-request",
            "a CoverageWithdrawal names the certificate it withdraws",
        )
    named = state.messages.get(step.in_reply_to)
    if named is None:
        raise _refused(
            step,
            "case.reply-to-unknown-message",
            f"message {step.in_reply_to} is not in the case",
        )
    if named.document_type is not _T.COVERAGE_CERTIFICATE:
        raise _refused(
            step,
            "case.reply-to-wrong-document",
            f"a CoverageWithdrawal answers a CoverageCertificate, and message "
            f"{step.in_reply_to} is a {named.document_type.root_name}",
        )
    certificate = next(
        record
        for record in state.certificates.values()
        if record.document_set_id == named.document_set_id
    )
    if step.sender != certificate.sender:
        raise _refused(
            step,
            "case.reply-from-wrong-institution",
            f"certificate {certificate.message_id} is withdrawn by {certificate.sender}, "
            f"who issued it, not by {step.sender}",
        )
    if step.recipient != certificate.recipient:
        raise _refused(
            step,
            "case.reply-to-wrong-institution",
            f"the withdrawal of certificate {certificate.message_id} goes to "
            f"{certificate.recipient}, not {step.recipient}",
        )
    if state.documents[certificate.document_set_id].invalidated:
        raise _refused(
            step,
            "case.document-invalidated",
            f"certificate {certificate.message_id} was invalidated; there is nothing to withdraw",
        )
    if certificate.withdrawn:
        raise _refused(
            step,
            "case.certificate-withdrawn",
            f"certificate {certificate.message_id} was withdrawn by {certificate.withdrawn_by}",
        )
    return replace(
        state,
        certificates={
            **state.certificates,
            certificate.message_id: replace(certificate, withdrawn_by=step.message_id),
        },
        documents=_new_record(state, step),
    )


def _closed(state: CaseState, step: CaseStep) -> CaseState:
    if step.recipient not in state.participants:
        raise _refused(
            step,
            "case.closure-to-non-participant",
            f"{step.recipient} takes no part in case {state.case_id}",
        )
    return replace(
        state,
        status=CaseStatus.CLOSED,
        closure=step.document_set_id,
        open_requests={},
        documents=_new_record(state, step),
    )


def _reminded(
    state: CaseState, step: CaseStep, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    if step.reminded is None:
        raise _refused(
            step, "case.reminder-without-request", "a Reminder names the request it reminds of"
        )
    if step.in_reply_to is not None and step.in_reply_to != step.reminded:
        raise _refused(
            step,
            "case.reminder-mismatch",
            f"the reminder names message {step.reminded} but answers {step.in_reply_to}",
        )
    key, request = _open_request_named(state, step, step.reminded, _REQUESTS)
    if step.sender != request.sender:
        raise _refused(
            step,
            "case.reminder-from-wrong-institution",
            f"only {request.sender}, who sent {request.message_id}, reminds of it",
        )
    if step.recipient != request.recipient:
        raise _refused(
            step,
            "case.reminder-to-wrong-institution",
            f"the reminder of {request.message_id} goes to {request.recipient}, "
            f"not {step.recipient}",
        )
    if step.at < request.due_at:
        raise _refused(
            step,
            "case.reminder-too-early",
            f"the answer to {request.message_id} is due at {request.due_at.isoformat()}; "
            "a reminder comes after that",
        )
    reminded = replace(
        request,
        reminders=request.reminders + 1,
        due_at=step.at + _reply_period(reply_due, state.case_type),
    )
    return replace(
        state,
        open_requests={**state.open_requests, key: reminded},
        documents=_new_record(state, step),
    )


def _forwarded(state: CaseState, step: CaseStep) -> CaseState:
    key, request = _open_request_named(state, step, step.in_reply_to, _REQUESTS)
    _check_answer_parties(step, request)
    target = step.forwarded_to
    if target is None:
        raise _refused(
            step,
            "case.forward-without-institution",
            "a CaseForward names the institution the request is forwarded to",
        )
    if target in (step.sender, step.recipient):
        raise _refused(
            step,
            "case.forward-to-party",
            f"a request is forwarded to a third institution, not to {target}",
        )
    open_requests = dict(state.open_requests)
    del open_requests[key]
    return replace(
        state,
        participants=state.participants | {target},
        open_requests=open_requests,
        forwarded=(*state.forwarded, (step.sender, target)),
        documents=_new_record(state, step),
    )


# --- Updates and invalidations ---------------------------------------------------------------


def _revision(state: CaseState, step: CaseStep) -> CaseState:
    record = state.documents.get(step.document_set_id)
    if record is None:
        raise _refused(
            step,
            "case.unknown-document-set",
            f"document set {step.document_set_id} is not in the case; a first version is new",
        )
    _check_same_document(step, record)
    if step.recipient not in record.recipients:
        raise _refused(
            step,
            "case.recipient-not-in-set",
            f"document set {step.document_set_id} never went to {step.recipient}",
        )
    # The latest version going to one more of the set's recipients.
    copy = (
        step.version == record.latest_version
        and step.action is record.latest_action
        and step.recipient not in record.latest_recipients
    )
    if not copy:
        if record.invalidated:
            raise _refused(
                step,
                "case.document-invalidated",
                f"document set {step.document_set_id} was invalidated",
            )
        if step.version != record.latest_version + 1:
            raise _refused(
                step,
                "case.version-not-next",
                f"document set {step.document_set_id} is at version {record.latest_version}; "
                f"the next is {record.latest_version + 1}, not {step.version}",
            )
    recipient = frozenset({step.recipient})
    revised = replace(
        record,
        latest_version=step.version,
        latest_action=step.action,
        invalidated=record.invalidated or step.action is _INVALIDATE,
        latest_recipients=(record.latest_recipients | recipient) if copy else recipient,
    )
    open_requests = dict(state.open_requests)
    if step.action is _INVALIDATE:
        for key, request in state.open_requests.items():
            if (
                request.document_set_id == step.document_set_id
                and request.recipient == step.recipient
            ):
                del open_requests[key]
    return replace(
        state,
        open_requests=open_requests,
        documents={**state.documents, step.document_set_id: revised},
    )
