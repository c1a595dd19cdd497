"""The inbox: received documents waiting for the back-office, read and acknowledged."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gateway.api._access import Client, NodeDep
from gateway.api._messages import JSON_TYPE
from gateway.api._problems import Problem
from gateway.documents import DocumentType, document_to_json, parse_untrusted, validate_document
from gateway.errors import ValidationFailed
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.sed import SED_MEDIA_TYPE, Transmission, export_sed
from gateway.store import MessageRecord

__all__ = ["router"]

router = APIRouter()


def _in_inbox(node: Node, message_id: uuid.UUID) -> MessageRecord:
    record = node.reading.inbox_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such received message", str(message_id))
    return record


@router.get("/api/v1/inbox", summary="Received documents waiting for the back-office")
async def inbox(
    node: NodeDep,
    _client: Client,
    after: Annotated[
        # Bounded like the database's integers: a larger cursor is a bad request, not a
        # server error.
        int, Query(ge=0, le=2**63 - 1, description="Cursor: the last item's cursor.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    wait: Annotated[float, Query(ge=0, le=60, description="Long-poll seconds.")] = 0,
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        items = await run_in_threadpool(lambda: node.reading.inbox(after=after, limit=limit))
        if items or asyncio.get_running_loop().time() >= deadline:
            break
        await asyncio.sleep(0.1)
    return {
        "items": [
            {
                "id": str(r.message_id),
                "cursor": r.id,
                "case_id": str(r.case_id),
                "case_type": r.case_type,
                "sender": r.sender,
                "document_type": r.document_type,
                "in_reply_to": str(r.in_reply_to) if r.in_reply_to else None,
                "received_at": r.created_at.isoformat(),
                "document": f"/api/v1/inbox/{r.message_id}/document",
            }
            for r in items
        ],
        "next": items[-1].id if items else after,
    }


@router.get(
    "/api/v1/inbox/{message_id}/document",
    summary="The verified document of a received message (XML, or JSON or a SED on request)",
    responses={
        200: {"content": {"application/xml": {}, "application/json": {}, SED_MEDIA_TYPE: {}}},
        406: {"description": "A SED was asked for and no SED type fits the document"},
    },
)
def inbox_document(
    message_id: uuid.UUID,
    node: NodeDep,
    _client: Client,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    record = _in_inbox(node, message_id)
    document = node.reading.document(record)
    if accept and SED_MEDIA_TYPE in accept:
        return _as_sed(document, Transmission(record.sender, record.created_at.date()))
    if accept and JSON_TYPE in accept and "xml" not in accept:
        root = parse_untrusted(document).getroot()
        kind = DocumentType.from_root_name(record.document_type)
        return JSONResponse(document_to_json(kind, root))
    return Response(document, media_type="application/xml")


@router.post("/api/v1/inbox/{message_id}/ack", summary="Confirm the back-office took a document")
def acknowledge(message_id: uuid.UUID, node: NodeDep, _client: Client) -> dict[str, str]:
    record = _in_inbox(node, message_id)
    if record.status is not MessageStatus.ACKNOWLEDGED:
        record = node.acknowledge(record)
    return {"id": str(record.message_id), "status": record.status.value}


def _as_sed(document: bytes, received: Transmission) -> Response:
    """A stored document as a SED; each value the SED has no field for is named in one
    ``Ssgw-Sed-Loss`` header."""
    try:
        written = export_sed(validate_document(document), transmission=received)
    except ValidationFailed as error:
        # A stored document is valid; what fails here is that no SED type fits it.
        raise Problem(
            406, "not-acceptable", "This document has no SED form", error.detail
        ) from None
    response = JSONResponse(written.sed, media_type=SED_MEDIA_TYPE)
    for loss in written.losses:
        response.headers.append("Ssgw-Sed-Loss", str(loss))
    return response
