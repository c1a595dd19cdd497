"""Searching messages by person: a POST, so that PINs and names never reach an access log."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from gateway.api._access import Client, NodeDep
from gateway.api._models import Time
from gateway.api._problems import problems
from gateway.exchange import PersonQuery
from gateway.store import Role

__all__ = ["router"]

router = APIRouter()


class PersonSearch(BaseModel):
    """Whom to look for, and why. One of: ``pin`` with ``country`` (the country that issued
    it); ``family_name``, with ``given_name`` and ``birth_date`` to narrow it (all of one
    person); or ``case_reference``, the back-office's own case number."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(
        None, max_length=1000, description="Why (10 to 500 characters); written to the audit log."
    )
    pin: str | None = Field(None, max_length=64)
    country: str | None = Field(None, max_length=2)
    family_name: str | None = Field(None, max_length=200)
    given_name: str | None = Field(None, max_length=200)
    birth_date: dt.date | None = None
    case_reference: str | None = Field(None, max_length=64)


class PersonMessage(BaseModel):
    """A message about the person: header fields only."""

    id: uuid.UUID
    direction: str
    case_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str
    status: str
    created_at: Time


class PersonMessages(BaseModel):
    messages: list[PersonMessage]


@router.post(
    "/api/v1/persons/messages",
    summary="The messages about one person, found through the blind index",
    description="Matches keyed hashes of the values asked for; no document is opened. Every "
    "search is written to the node's audit log with its reason. A protected person's messages "
    "are found with an auditor's key only. At most 200 messages, newest first.",
    response_model=PersonMessages,
    responses=problems(400, 401, 503),
)
def person_messages(search: PersonSearch, node: NodeDep, client: Client) -> PersonMessages:
    query = PersonQuery(reason=search.reason or "", **search.model_dump(exclude={"reason"}))
    rows = node.persons.search(query, actor=f"api:{client.name}", role=Role(client.role))
    return PersonMessages(
        messages=[
            PersonMessage(
                id=row.message_id,
                direction=row.direction.value,
                case_id=row.case_id,
                document_type=row.document_type,
                sender=row.sender,
                recipient=row.recipient,
                status=row.status.value,
                created_at=row.created_at.isoformat(),
            )
            for row in rows
        ]
    )
