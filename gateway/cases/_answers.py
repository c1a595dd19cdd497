"""The steps that answer something in a case: replies to an open request, the owner's own
decision, a certificate's withdrawal, reminders and forwards (the rules: ``_machine``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import replace

from gateway.cases._state import (
    ANSWERS,
    REQUESTS,
    CaseState,
    CaseStep,
    CertificateRecord,
    OpenRequest,
    documents_with,
    refused,
    reply_period,
)
from gateway.documents import CaseType, DocumentType

__all__ = ["answered", "forwarded", "is_owner_decision", "owner_decided", "reminded", "withdrawn"]

_T = DocumentType


def _open_request_named(
    state: CaseState, step: CaseStep, named_id: uuid.UUID | None, accepted: frozenset[DocumentType]
) -> tuple[uuid.UUID, OpenRequest]:
    """The open request that message ``named_id`` (any version of it) belongs to."""
    if named_id is None:
        raise refused(
            step,
            "case.reply-without-request",
            f"a {step.document_type.root_name} names the message it answers",
        )
    named = state.messages.get(named_id)
    if named is None:
        raise refused(
            step, "case.reply-to-unknown-message", f"message {named_id} is not in the case"
        )
    if named.document_type not in accepted:
        expected = " or ".join(sorted(kind.root_name for kind in accepted))
        raise refused(
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
    raise refused(
        step,
        "case.request-not-open",
        f"the {named.document_type.root_name} of message {named_id} is no longer open: "
        "answered, forwarded or invalidated",
    )


def _check_answer_parties(step: CaseStep, request: OpenRequest) -> None:
    if step.sender != request.recipient:
        raise refused(
            step,
            "case.reply-from-wrong-institution",
            f"{request.message_id} was sent to {request.recipient}; only it answers, "
            f"not {step.sender}",
        )
    if step.recipient != request.sender:
        raise refused(
            step,
            "case.reply-to-wrong-institution",
            f"the answer to {request.message_id} goes to {request.sender}, not {step.recipient}",
        )


def answered(state: CaseState, step: CaseStep) -> CaseState:
    answered_type, closes = ANSWERS[step.document_type]
    key, request = _open_request_named(state, step, step.in_reply_to, frozenset({answered_type}))
    _check_answer_parties(step, request)
    if step.document_type is _T.BENEFIT_CLAIM_ACKNOWLEDGEMENT and request.acknowledged:
        raise refused(
            step,
            "case.already-acknowledged",
            f"claim {request.message_id} is acknowledged already; correct the acknowledgement "
            "with an update",
        )
    if step.document_type is _T.BENEFIT_DECISION and not request.acknowledged:
        raise refused(
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
        documents=documents_with(state, step),
    )


def is_owner_decision(state: CaseState, step: CaseStep) -> bool:
    """Whether ``step`` is the case owner's own decision on the claim it passed on."""
    return (
        step.document_type is _T.BENEFIT_DECISION
        and state.case_type is CaseType.BENEFIT_CLAIM
        and step.sender == state.owner
    )


def owner_decided(state: CaseState, step: CaseStep) -> CaseState:
    """The owner tells an institution its claim went to what the owner itself decided."""
    if step.in_reply_to is not None:
        raise refused(
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
        raise refused(
            step,
            "case.no-claim",
            "a decision is on a claim, and the case has none that is not invalidated",
        )
    if step.recipient not in claims[0].recipients:
        raise refused(
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
            raise refused(
                step,
                "case.decision-exists",
                f"{state.owner} decided already (document set {set_id}); send that decision "
                "to another institution, or correct it with an update",
            )
    return replace(state, documents=documents_with(state, step))


def _certificate_named(state: CaseState, step: CaseStep) -> CertificateRecord:
    """The certificate that the withdrawal ``step`` names (any version of it)."""
    if step.in_reply_to is None:
        raise refused(
            step,
            "case.reply-without-request",
            "a CoverageWithdrawal names the certificate it withdraws",
        )
    named = state.messages.get(step.in_reply_to)
    if named is None:
        raise refused(
            step,
            "case.reply-to-unknown-message",
            f"message {step.in_reply_to} is not in the case",
        )
    if named.document_type is not _T.COVERAGE_CERTIFICATE:
        raise refused(
            step,
            "case.reply-to-wrong-document",
            f"a CoverageWithdrawal answers a CoverageCertificate, and message "
            f"{step.in_reply_to} is a {named.document_type.root_name}",
        )
    # A notifying certificate goes to several institutions, one record each.
    return next(
        record
        for record in state.certificates.values()
        if record.document_set_id == named.document_set_id and record.recipient == named.recipient
    )


def withdrawn(state: CaseState, step: CaseStep) -> CaseState:
    certificate = _certificate_named(state, step)
    if step.sender != certificate.sender:
        raise refused(
            step,
            "case.reply-from-wrong-institution",
            f"certificate {certificate.message_id} is withdrawn by {certificate.sender}, "
            f"who issued it, not by {step.sender}",
        )
    if step.recipient != certificate.recipient:
        raise refused(
            step,
            "case.reply-to-wrong-institution",
            f"the withdrawal of certificate {certificate.message_id} goes to "
            f"{certificate.recipient}, not {step.recipient}",
        )
    if state.documents[certificate.document_set_id].invalidated:
        raise refused(
            step,
            "case.document-invalidated",
            f"certificate {certificate.message_id} was invalidated; there is nothing to withdraw",
        )
    if certificate.withdrawn:
        raise refused(
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
        documents=documents_with(state, step),
    )


def reminded(
    state: CaseState, step: CaseStep, reply_due: Mapping[CaseType, dt.timedelta]
) -> CaseState:
    if step.reminded is None:
        raise refused(
            step, "case.reminder-without-request", "a Reminder names the request it reminds of"
        )
    if step.in_reply_to is not None and step.in_reply_to != step.reminded:
        raise refused(
            step,
            "case.reminder-mismatch",
            f"the reminder names message {step.reminded} but answers {step.in_reply_to}",
        )
    key, request = _open_request_named(state, step, step.reminded, REQUESTS)
    if step.sender != request.sender:
        raise refused(
            step,
            "case.reminder-from-wrong-institution",
            f"only {request.sender}, who sent {request.message_id}, reminds of it",
        )
    if step.recipient != request.recipient:
        raise refused(
            step,
            "case.reminder-to-wrong-institution",
            f"the reminder of {request.message_id} goes to {request.recipient}, "
            f"not {step.recipient}",
        )
    if step.at < request.due_at:
        raise refused(
            step,
            "case.reminder-too-early",
            f"the answer to {request.message_id} is due at {request.due_at.isoformat()}; "
            "a reminder comes after that",
        )
    reminded = replace(
        request,
        reminders=request.reminders + 1,
        due_at=step.at + reply_period(reply_due, state.case_type),
    )
    return replace(
        state,
        open_requests={**state.open_requests, key: reminded},
        documents=documents_with(state, step),
    )


def forwarded(state: CaseState, step: CaseStep) -> CaseState:
    key, request = _open_request_named(state, step, step.in_reply_to, REQUESTS)
    _check_answer_parties(step, request)
    target = step.forwarded_to
    if target is None:
        raise refused(
            step,
            "case.forward-without-institution",
            "a CaseForward names the institution the request is forwarded to",
        )
    if target in (step.sender, step.recipient):
        raise refused(
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
        documents=documents_with(state, step),
    )
