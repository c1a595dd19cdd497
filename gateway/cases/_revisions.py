"""Updates and invalidations: a document set continued by its sender (the rules: ``_machine``)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from gateway.cases._coverage import invalidated_notifications
from gateway.cases._state import CaseState, CaseStep, DocumentRecord, OpenRequest, refused
from gateway.documents import DocumentAction

__all__ = ["check_same_document", "revised"]

_INVALIDATE = DocumentAction.INVALIDATE


def check_same_document(step: CaseStep, record: DocumentRecord) -> None:
    if record.document_type is not step.document_type:
        raise refused(
            step,
            "case.document-type-changed",
            f"document set {step.document_set_id} is a {record.document_type.root_name}, "
            f"not a {step.document_type.root_name}",
        )
    if record.sender != step.sender:
        raise refused(
            step,
            "case.not-document-sender",
            f"document set {step.document_set_id} is {record.sender}'s, not {step.sender}'s",
        )


def revised(state: CaseState, step: CaseStep) -> CaseState:
    record = state.documents.get(step.document_set_id)
    if record is None:
        raise refused(
            step,
            "case.unknown-document-set",
            f"document set {step.document_set_id} is not in the case; a first version is new",
        )
    check_same_document(step, record)
    if step.recipient not in record.recipients:
        raise refused(
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
            raise refused(
                step,
                "case.document-invalidated",
                f"document set {step.document_set_id} was invalidated",
            )
        if step.version != record.latest_version + 1:
            raise refused(
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
    if step.action is not _INVALIDATE:
        return replace(state, documents={**state.documents, step.document_set_id: revised})
    return replace(
        state,
        open_requests=_without_requests_of(state, step),
        notifications=invalidated_notifications(state, step),
        documents={**state.documents, step.document_set_id: revised},
    )


def _without_requests_of(state: CaseState, step: CaseStep) -> dict[uuid.UUID, OpenRequest]:
    """The open requests, less those the invalidated document set made of its recipient."""
    return {
        key: request
        for key, request in state.open_requests.items()
        if not (
            request.document_set_id == step.document_set_id and request.recipient == step.recipient
        )
    }
