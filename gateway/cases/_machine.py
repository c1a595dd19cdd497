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
  A coverage case follows one of the applicable-legislation flows its first document chooses
  (a certificate notifying a posting or a determination opens one too); their rules are in
  ``_coverage``.
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
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

from gateway.cases._answers import (
    answered,
    forwarded,
    is_owner_decision,
    owner_decided,
    reminded,
    withdrawn,
)
from gateway.cases._coverage import (
    answers_notification,
    check_flow,
    flow_opened_by,
    is_notification,
    is_request,
    noted,
    notification_answered,
    notified,
    repeats_set,
)
from gateway.cases._revisions import check_same_document, revised
from gateway.cases._state import (
    ANSWERS,
    BUSINESS,
    OPENING_DOCUMENT,
    REPEATABLE,
    CaseState,
    CaseStatus,
    CaseStep,
    OpenRequest,
    documents_with,
    refused,
    reply_period,
)
from gateway.documents import CaseType, DocumentAction, DocumentFamily, DocumentType

__all__ = ["apply_step", "opens_case", "overdue", "replay", "start_case"]

_T = DocumentType
_NEW = DocumentAction.NEW
_INVALIDATE = DocumentAction.INVALIDATE
_COVERAGE_OPENINGS = (
    "a new CoverageRequest (asking for a certificate or an exception, or notifying a change) "
    "or a new CoverageCertificate notifying a posting, a determination or another situation"
)


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
    reply_period(reply_due, case_type)
    _check_shape(step)
    if not opens_case(case_type, step) or step.action is not _NEW:
        opening = OPENING_DOCUMENT[case_type].root_name
        expected = _COVERAGE_OPENINGS if case_type is CaseType.COVERAGE else f"a new {opening}"
        raise refused(
            step,
            "case.first-document",
            f"a {case_type.value} case starts with {expected}, not with {_describe(step)}",
        )
    if step.in_reply_to is not None:
        raise refused(
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
        flow=flow_opened_by(step) if case_type is CaseType.COVERAGE else None,
    )
    if is_request(step):
        return _record_message(_opened_request(empty, step, reply_due), step)
    return _record_message(notified(empty, step), step)


def opens_case(case_type: CaseType, step: CaseStep) -> bool:
    """Whether ``step``'s document may open a case of ``case_type`` (whatever its action)."""
    if case_type is CaseType.COVERAGE:
        return flow_opened_by(step) is not None
    return step.document_type is OPENING_DOCUMENT[case_type]


def apply_step(
    state: CaseState, step: CaseStep, *, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    """The case after ``step``; raises :class:`CaseStateError` when the case does not allow it.

    ``state`` is never changed.
    """
    reply_period(reply_due, state.case_type)
    _check_shape(step)
    if step.message_id in state.messages:
        raise refused(
            step, "case.duplicate-message", f"message {step.message_id} is already in the case"
        )
    if state.status is CaseStatus.CLOSED and not (
        step.document_type is _T.CASE_CLOSURE and step.document_set_id == state.closure
    ):
        raise refused(step, "case.closed", f"case {state.case_id} is closed")
    family = step.document_type.family
    if family is not DocumentFamily.CASE and step.document_type not in BUSINESS[state.case_type]:
        raise refused(
            step,
            "case.document-not-in-case",
            f"a {step.document_type.root_name} has no place in a {state.case_type.value} case",
        )
    if step.sender not in state.participants:
        raise refused(
            step, "case.not-participant", f"{step.sender} takes no part in case {state.case_id}"
        )
    check_flow(state, step)
    after = _new_document(state, step, reply_due) if step.action is _NEW else revised(state, step)
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


def _describe(step: CaseStep) -> str:
    purpose = f" with {step.purpose.value}" if step.purpose is not None else ""
    return (
        f"{step.action.value} {step.document_type.root_name}{purpose} (message {step.message_id})"
    )


def _check_shape(step: CaseStep) -> None:
    """What a step must be whatever the case: a case document, its fields used as meant."""
    kind = step.document_type
    if kind.family is DocumentFamily.TECHNICAL:
        raise refused(
            step,
            "case.technical-document",
            f"a {kind.root_name} answers a message, not a case: it is no case step",
        )
    if step.forwarded_to is not None and kind is not _T.CASE_FORWARD:
        raise refused(step, "case.field-unexpected", "only a CaseForward names forwarded_to")
    if step.reminded is not None and kind is not _T.REMINDER:
        raise refused(step, "case.field-unexpected", "only a Reminder names a reminded message")
    if step.sender == step.recipient:
        raise refused(step, "case.self-addressed", f"{step.sender} sends to itself")
    if kind.family is DocumentFamily.CASE and step.action is not _NEW:
        raise refused(
            step,
            "case.action-not-new",
            f"a {kind.root_name} acts on the case once; it is never updated or invalidated",
        )


def _check_version_one(step: CaseStep) -> None:
    if step.version != 1:
        raise refused(
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
    if is_request(step):
        _check_request(state, step)
        return _opened_request(state, step, reply_due)
    if is_notification(state, step):
        return notified(state, step)
    if is_owner_decision(state, step):
        return owner_decided(state, step)
    if answers_notification(step):
        return notification_answered(state, step)
    if kind in ANSWERS:
        return noted(answered(state, step), step)
    if kind is _T.COVERAGE_WITHDRAWAL:
        return withdrawn(state, step)
    if kind is _T.CASE_CLOSURE:
        return _closed(state, step)
    if kind is _T.REMINDER:
        return reminded(state, step, reply_due)
    if kind is _T.CASE_FORWARD:
        return forwarded(state, step)
    raise AssertionError(f"no rule for {kind.root_name}")  # pragma: no cover


def _check_new_set(state: CaseState, step: CaseStep) -> None:
    """A new document has a fresh set, or repeats a claim, the owner's decision or a closure
    to one more recipient."""
    record = state.documents.get(step.document_set_id)
    if record is None:
        return
    repeatable = step.document_type in REPEATABLE or repeats_set(state, step)
    if not repeatable and not is_owner_decision(state, step):
        raise refused(
            step,
            "case.set-id-reused",
            f"document set {step.document_set_id} is already in the case; a new document "
            "needs a set id of its own",
        )
    check_same_document(step, record)
    if record.invalidated:
        raise refused(
            step,
            "case.document-invalidated",
            f"document set {step.document_set_id} was invalidated",
        )
    if step.recipient in record.recipients:
        raise refused(
            step,
            "case.already-sent-to-recipient",
            f"document set {step.document_set_id} already went to {step.recipient}",
        )


def _live_claim(state: CaseState) -> bool:
    return any(
        record.document_type is _T.BENEFIT_CLAIM and not record.invalidated
        for record in state.documents.values()
    )


def _check_request(state: CaseState, step: CaseStep) -> None:
    """Who may send a request after the case's first, and to whom."""
    kind = step.document_type
    if step.in_reply_to is not None and step.in_reply_to not in state.messages:
        raise refused(
            step,
            "case.reply-to-unknown-message",
            f"message {step.in_reply_to} is not in the case",
        )
    if kind is _T.BENEFIT_CLAIM:
        _check_claim_sent_on(state, step)
    elif kind is OPENING_DOCUMENT[state.case_type]:
        _check_further_request(state, step)
    elif not _live_claim(state):
        # An InsurancePeriodsRequest in a benefit-claim case: it serves the claim.
        raise refused(
            step,
            "case.no-claim",
            "periods are asked for a claim, and the case has none that is not invalidated",
        )
    _check_not_open_already(state, step)


def _check_claim_sent_on(state: CaseState, step: CaseStep) -> None:
    """A claim after the first goes from the owner, as the case's one claim to one more
    institution."""
    if step.sender != state.owner:
        raise refused(
            step, "case.not-owner", f"only {state.owner}, who opened the case, sends its claim"
        )
    if step.document_set_id not in state.documents:
        raise refused(
            step,
            "case.claim-exists",
            "a case carries one claim; send the same claim (its document set) to another "
            "institution, or open a case for another claim",
        )


def _check_further_request(state: CaseState, step: CaseStep) -> None:
    """Another request of the opening type goes from the owner to a participant."""
    if step.sender != state.owner:
        raise refused(
            step,
            "case.not-owner",
            f"only {state.owner}, who opened the case, sends it another "
            f"{step.document_type.root_name}",
        )
    if step.recipient not in state.participants:
        raise refused(
            step,
            "case.request-to-non-participant",
            f"{step.recipient} takes no part in the case; open a case of its own",
        )


def _check_not_open_already(state: CaseState, step: CaseStep) -> None:
    """No institution has two open requests of one type to the same institution."""
    kind = step.document_type
    for request in state.open_requests.values():
        if (
            request.document_type is kind
            and request.sender == step.sender
            and request.recipient == step.recipient
        ):
            raise refused(
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
        due_at=step.at + reply_period(reply_due, state.case_type),
        reminders=0,
        document_set_id=step.document_set_id,
    )
    return replace(
        state,
        participants=state.participants | {step.recipient},
        open_requests={**state.open_requests, step.message_id: request},
        documents=documents_with(state, step),
    )


def _closed(state: CaseState, step: CaseStep) -> CaseState:
    if step.recipient not in state.participants:
        raise refused(
            step,
            "case.closure-to-non-participant",
            f"{step.recipient} takes no part in case {state.case_id}",
        )
    return replace(
        state,
        status=CaseStatus.CLOSED,
        closure=step.document_set_id,
        open_requests={},
        documents=documents_with(state, step),
    )
