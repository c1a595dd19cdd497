"""A case: its state as this node knows it, its open requests and its messages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from gateway.api._access import Client, NodeDep
from gateway.api._models import CaseView, OpenRequestView, message_summary
from gateway.api._problems import Problem, problems

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/api/v1/cases/{case_id}",
    summary="A case and its messages",
    response_model=CaseView,
    responses=problems(400, 401, 404, 503),
)
def case(case_id: uuid.UUID, node: NodeDep, _client: Client) -> CaseView:
    found, messages = node.reading.case(case_id)
    if found is None:
        raise Problem(404, "not-found", "No such case", str(case_id))
    state = node.reading.case_state(case_id)
    now = node.clock()
    return CaseView(
        id=found.id,
        case_type=found.case_type,
        protected_person=found.protected_person,
        created_at=found.created_at.isoformat(),
        updated_at=found.updated_at.isoformat(),
        status=state.status.value if state else None,
        open_requests=[
            OpenRequestView(
                id=request.message_id,
                document_type=request.document_type.root_name,
                sender=request.sender,
                recipient=request.recipient,
                due_at=request.due_at.isoformat(),
                overdue=request.due_at < now,
                reminders=request.reminders,
            )
            for request in (state.open_requests.values() if state else ())
        ],
        messages=[message_summary(m, found.protected_person) for m in messages],
    )
