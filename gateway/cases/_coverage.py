"""The rules of the applicable-legislation flows of a coverage case (the flows: ``_flows``).

- **certificate-request**: a ``CoverageRequest`` (1.0, or purpose ``certificate-request``) is
  answered by a certificate or a refusal, as ``_machine`` describes; a determination for work
  in two or more states that answers it (purpose ``multi-state-determination``) is then
  followed like one sent on its own (below).
- **posting-notification** (A009, Art. 12 of Regulation 883/2004 and Art. 15 of 987/2009; and
  a certificate of coverage sent on its own, purpose ``certificate-issue``, as under the United
  States' agreements): no request. The notifying institution sends the certificate to each
  institution concerned (one set, one message each); each may object once, with a
  ``CoverageRefusal`` of purpose ``objection`` answering it, within :data:`NOTICE_MONTHS`.
- **multi-state-activity** (A003, Art. 13 of 883/2004 and Art. 16 of 987/2009): the
  determining institution sends its provisional determination to each institution concerned;
  each may disagree once (purpose ``disagreement``, A004) within the two months. Once they
  passed in silence, or after a disagreement (when the institutions have come to an
  agreement), the determining institution confirms it as definitive to that institution
  (``definitive-determination``, A012, answering the determination), once.
- **exception-agreement** (A001, Art. 16 of 883/2004 and Art. 18 of 987/2009): a request of
  purpose ``exception-request``, answered by an acceptance (``exception-acceptance``, A011), a
  partial acceptance (``exception-partial-acceptance``, A002) or a refusal (A002,
  ``exception-refusal`` or no purpose).
- **other-notification** (A010, Art. 11(3)(b) to (e) and 11(4)): a certificate sent on its
  own, like a posting notification, that no one objects to in the case.
- **change-notification** (A008): a ``CoverageRequest`` of purpose ``change-notification``
  asks nothing and waits for no answer; it opens a case of its own, or follows in any coverage
  case from a participant.

In every flow a notifying certificate comes from the case's owner, one set per case (corrected
by an update), and it may be withdrawn like any certificate (``CoverageWithdrawal``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Final

from gateway.cases._flows import CoverageFlow, CoveragePurpose, Notification, notice_ends
from gateway.cases._state import (
    REQUESTS,
    CaseState,
    CaseStep,
    CertificateRecord,
    documents_with,
    refused,
)
from gateway.documents import DocumentAction, DocumentType

__all__ = [
    "answers_notification",
    "check_flow",
    "flow_opened_by",
    "invalidated_notifications",
    "is_notification",
    "is_request",
    "noted",
    "notification_answered",
    "notified",
    "repeats_set",
]

_T = DocumentType
_P = CoveragePurpose
_F = CoverageFlow

#: The flow each opening document starts, by its type and purpose.
_OPENINGS: Final[Mapping[tuple[DocumentType, CoveragePurpose | None], CoverageFlow]] = (
    MappingProxyType(
        {
            (_T.COVERAGE_REQUEST, None): _F.CERTIFICATE_REQUEST,
            (_T.COVERAGE_REQUEST, _P.CERTIFICATE_REQUEST): _F.CERTIFICATE_REQUEST,
            (_T.COVERAGE_REQUEST, _P.EXCEPTION_REQUEST): _F.EXCEPTION,
            (_T.COVERAGE_REQUEST, _P.CHANGE_NOTIFICATION): _F.CHANGE_NOTIFICATION,
            (_T.COVERAGE_CERTIFICATE, _P.POSTING_NOTIFICATION): _F.POSTING_NOTIFICATION,
            (_T.COVERAGE_CERTIFICATE, _P.CERTIFICATE_ISSUE): _F.POSTING_NOTIFICATION,
            (_T.COVERAGE_CERTIFICATE, _P.MULTI_STATE_DETERMINATION): _F.MULTI_STATE,
            (_T.COVERAGE_CERTIFICATE, _P.OTHER_NOTIFICATION): _F.OTHER_NOTIFICATION,
        }
    )
)

_DECISIONS: Final = frozenset(
    {
        None,
        _P.CERTIFICATE_ISSUE,
        _P.POSTING_NOTIFICATION,
        _P.MULTI_STATE_DETERMINATION,
        _P.OTHER_NOTIFICATION,
    }
)
_CHANGE: Final = frozenset({_P.CHANGE_NOTIFICATION})
_Purposes = Mapping[DocumentType, frozenset[CoveragePurpose | None]]

#: What each flow carries: per document type, the purposes it may have.
_FLOW_PURPOSES: Final[Mapping[CoverageFlow, _Purposes]] = MappingProxyType(
    {
        _F.CERTIFICATE_REQUEST: {
            _T.COVERAGE_REQUEST: frozenset({None, _P.CERTIFICATE_REQUEST}) | _CHANGE,
            _T.COVERAGE_CERTIFICATE: _DECISIONS | {_P.DEFINITIVE_DETERMINATION},
            _T.COVERAGE_REFUSAL: frozenset({None, _P.DISAGREEMENT}),
        },
        _F.POSTING_NOTIFICATION: {
            _T.COVERAGE_REQUEST: _CHANGE,
            _T.COVERAGE_CERTIFICATE: frozenset({_P.POSTING_NOTIFICATION, _P.CERTIFICATE_ISSUE}),
            _T.COVERAGE_REFUSAL: frozenset({_P.OBJECTION}),
        },
        _F.MULTI_STATE: {
            _T.COVERAGE_REQUEST: _CHANGE,
            _T.COVERAGE_CERTIFICATE: frozenset(
                {_P.MULTI_STATE_DETERMINATION, _P.DEFINITIVE_DETERMINATION}
            ),
            _T.COVERAGE_REFUSAL: frozenset({_P.DISAGREEMENT}),
        },
        _F.EXCEPTION: {
            _T.COVERAGE_REQUEST: frozenset({_P.EXCEPTION_REQUEST}) | _CHANGE,
            _T.COVERAGE_CERTIFICATE: frozenset(
                {_P.EXCEPTION_ACCEPTANCE, _P.EXCEPTION_PARTIAL_ACCEPTANCE}
            ),
            _T.COVERAGE_REFUSAL: frozenset({None, _P.EXCEPTION_REFUSAL}),
        },
        _F.OTHER_NOTIFICATION: {
            _T.COVERAGE_REQUEST: _CHANGE,
            _T.COVERAGE_CERTIFICATE: frozenset({_P.OTHER_NOTIFICATION}),
        },
        _F.CHANGE_NOTIFICATION: {_T.COVERAGE_REQUEST: _CHANGE},
    }
)

#: The notifications an institution may object to, and what it objects with.
_OBJECTED_WITH: Final[Mapping[CoveragePurpose, CoveragePurpose]] = MappingProxyType(
    {
        _P.POSTING_NOTIFICATION: _P.OBJECTION,
        _P.CERTIFICATE_ISSUE: _P.OBJECTION,
        _P.MULTI_STATE_DETERMINATION: _P.DISAGREEMENT,
    }
)
#: The coverage documents that carry a purpose (a withdrawal has none).
_WITH_PURPOSE: Final = frozenset(
    {_T.COVERAGE_REQUEST, _T.COVERAGE_CERTIFICATE, _T.COVERAGE_REFUSAL}
)
_ANSWERING: Final = frozenset({_P.OBJECTION, _P.DISAGREEMENT, _P.DEFINITIVE_DETERMINATION})


def _named(purpose: CoveragePurpose | None) -> str:
    return purpose.value if purpose is not None else "no purpose"


def flow_opened_by(step: CaseStep) -> CoverageFlow | None:
    """The flow a coverage case that ``step`` opens follows; None when it opens none."""
    return _OPENINGS.get((step.document_type, step.purpose))


def check_flow(state: CaseState, step: CaseStep) -> None:
    """A coverage document has a purpose its case's flow carries, and a revision keeps it."""
    if state.flow is None or step.document_type not in _WITH_PURPOSE:
        return
    purposes = _FLOW_PURPOSES[state.flow].get(step.document_type, frozenset())
    if step.purpose not in purposes:
        raise refused(
            step,
            "case.purpose-not-in-flow",
            f"a {step.document_type.root_name} with {_named(step.purpose)} has no place in a "
            f"coverage case of the {state.flow.value} flow",
        )
    if step.action is not DocumentAction.NEW:
        earlier = next(
            (s for s in state.messages.values() if s.document_set_id == step.document_set_id),
            None,
        )
        if earlier is not None and earlier.purpose is not step.purpose:
            raise refused(
                step,
                "case.purpose-changed",
                f"document set {step.document_set_id} was sent with {_named(earlier.purpose)}, "
                f"not {_named(step.purpose)}",
            )


def is_request(step: CaseStep) -> bool:
    """Whether ``step`` asks something and waits for the answer; a change notification
    asks nothing."""
    return step.document_type in REQUESTS and step.purpose is not _P.CHANGE_NOTIFICATION


def is_notification(state: CaseState, step: CaseStep) -> bool:
    """Whether ``step`` notifies without answering: a change notification, or a certificate
    sent on its own in a flow that opens with one."""
    if step.purpose is _P.CHANGE_NOTIFICATION:
        return True
    return (
        step.document_type is _T.COVERAGE_CERTIFICATE
        and step.in_reply_to is None
        and state.flow is not None
        and _OPENINGS.get((step.document_type, step.purpose)) is state.flow
    )


def repeats_set(state: CaseState, step: CaseStep) -> bool:
    """Whether a new ``step`` may send a set already in the case to one more institution: a
    notification, or a confirmation that determinations are definitive."""
    return is_notification(state, step) or step.purpose is _P.DEFINITIVE_DETERMINATION


def notified(state: CaseState, step: CaseStep) -> CaseState:
    """The case after a notification: the recipient joins it; a certificate is recorded, and
    one that may be objected to waits :data:`NOTICE_MONTHS` for an objection."""
    after = replace(
        state,
        participants=state.participants | {step.recipient},
        documents=documents_with(state, step),
    )
    if step.document_type is not _T.COVERAGE_CERTIFICATE:
        return after
    _check_one_notifying_set(state, step)
    certificate = CertificateRecord(
        message_id=step.message_id,
        document_set_id=step.document_set_id,
        sender=step.sender,
        recipient=step.recipient,
        issued_at=step.at,
    )
    return noted(
        replace(after, certificates={**state.certificates, step.message_id: certificate}), step
    )


def _check_one_notifying_set(state: CaseState, step: CaseStep) -> None:
    if step.sender != state.owner:
        raise refused(
            step,
            "case.not-owner",
            f"only {state.owner}, who opened the case, notifies in it",
        )
    for set_id, record in state.documents.items():
        if record.document_type is _T.COVERAGE_CERTIFICATE and set_id != step.document_set_id:
            raise refused(
                step,
                "case.notification-exists",
                f"the case's notification is document set {set_id}; send it to another "
                "institution, or correct it with an update",
            )


def noted(state: CaseState, step: CaseStep) -> CaseState:
    """The case with ``step``'s certificate waiting for objections, when it is of a purpose
    that may be objected to (a determination also when it answers a request)."""
    if step.purpose is None or step.purpose not in _OBJECTED_WITH:
        return state
    if step.in_reply_to is not None and step.purpose is not _P.MULTI_STATE_DETERMINATION:
        # A certificate the other institution asked for is not objected to in the case.
        return state
    notification = Notification(
        message_id=step.message_id,
        document_set_id=step.document_set_id,
        purpose=step.purpose,
        sender=step.sender,
        recipient=step.recipient,
        notified_at=step.at,
        due_at=notice_ends(step.at),
    )
    return replace(state, notifications={**state.notifications, step.message_id: notification})


def answers_notification(step: CaseStep) -> bool:
    """Whether ``step`` objects to, disagrees with or confirms a notification."""
    return step.purpose in _ANSWERING


def _notification_named(state: CaseState, step: CaseStep) -> Notification:
    """The notification that ``step`` answers (any version of it, to that recipient)."""
    named_id = step.in_reply_to
    if named_id is None:
        raise refused(
            step, "case.reply-without-request", f"a {_named(step.purpose)} names what it answers"
        )
    named = state.messages.get(named_id)
    if named is None:
        raise refused(
            step, "case.reply-to-unknown-message", f"message {named_id} is not in the case"
        )
    wanted = (
        {_P.MULTI_STATE_DETERMINATION}
        if step.purpose is _P.DEFINITIVE_DETERMINATION
        else {notified for notified, answer in _OBJECTED_WITH.items() if answer is step.purpose}
    )
    if named.purpose not in wanted:
        expected = " or ".join(sorted(purpose.value for purpose in wanted))
        raise refused(
            step,
            "case.reply-to-wrong-document",
            f"a {_named(step.purpose)} answers a {expected}, and message {named_id} is "
            f"a {named.document_type.root_name} with {_named(named.purpose)}",
        )
    for notification in state.notifications.values():
        if (
            notification.document_set_id == named.document_set_id
            and notification.recipient == named.recipient
        ):
            return notification
    raise refused(
        step,
        "case.notification-not-open",
        f"the {_named(named.purpose)} of message {named_id} was invalidated",
    )


def notification_answered(state: CaseState, step: CaseStep) -> CaseState:
    """The case after an objection, a disagreement or a confirmation as definitive."""
    notification = _notification_named(state, step)
    if step.purpose is _P.DEFINITIVE_DETERMINATION:
        answered = _confirmed(step, notification)
    else:
        answered = _objected(step, notification)
    return replace(
        state,
        notifications={**state.notifications, notification.message_id: answered},
        documents=documents_with(state, step),
    )


def _check_parties(step: CaseStep, sender: str, recipient: str, notification: Notification) -> None:
    if (step.sender, step.recipient) != (sender, recipient):
        raise refused(
            step,
            "case.reply-from-wrong-institution"
            if step.sender != sender
            else "case.reply-to-wrong-institution",
            f"a {_named(step.purpose)} on message {notification.message_id} goes from "
            f"{sender} to {recipient}, not from {step.sender} to {step.recipient}",
        )


def _check_not_definitive(step: CaseStep, notification: Notification) -> None:
    if notification.definitive_by is not None:
        raise refused(
            step,
            "case.determination-definitive",
            f"the determination of message {notification.message_id} was confirmed as "
            f"definitive by message {notification.definitive_by}",
        )


def _objected(step: CaseStep, notification: Notification) -> Notification:
    _check_parties(step, notification.recipient, notification.sender, notification)
    _check_not_definitive(step, notification)
    if notification.objected_by is not None:
        raise refused(
            step,
            "case.already-objected",
            f"{step.sender} answered message {notification.message_id} with "
            f"{notification.objected_by} already; correct that with an update",
        )
    if step.at >= notification.due_at:
        raise refused(
            step,
            "case.objection-too-late",
            f"the {_named(step.purpose)} period for the {notification.purpose.value} of message "
            f"{notification.message_id} (notified {notification.notified_at.isoformat()}) "
            f"ended at {notification.due_at.isoformat()}",
        )
    return replace(notification, objected_by=step.message_id)


def _confirmed(step: CaseStep, notification: Notification) -> Notification:
    _check_parties(step, notification.sender, notification.recipient, notification)
    _check_not_definitive(step, notification)
    if notification.objected_by is None and step.at < notification.due_at:
        raise refused(
            step,
            "case.determination-provisional",
            f"the determination of message {notification.message_id} stays provisional until "
            f"{notification.due_at.isoformat()}; before that it is confirmed only after "
            f"{notification.recipient} disagreed and the institutions agreed",
        )
    return replace(notification, definitive_by=step.message_id)


def invalidated_notifications(state: CaseState, step: CaseStep) -> dict[uuid.UUID, Notification]:
    """The case's notifications without those that the invalidation ``step`` takes back."""
    return {
        key: notification
        for key, notification in state.notifications.items()
        if not (
            notification.document_set_id == step.document_set_id
            and notification.recipient == step.recipient
        )
    }
