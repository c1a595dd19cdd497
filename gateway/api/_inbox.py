"""The inbox: received documents waiting for the back-office, read and acknowledged."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gateway.api._access import Client, NodeDep
from gateway.api._inbox_signal import InboxSignal
from gateway.api._messages import JSON_TYPE
from gateway.api._models import Acknowledged, InboxItem, InboxPage
from gateway.api._problems import Problem, problems
from gateway.documents import DocumentType, document_to_json, parse_untrusted, validate_document
from gateway.errors import ValidationFailed
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.sed import SED_MEDIA_TYPE, Transmission, export_sed
from gateway.store import MessageRecord

__all__ = ["router"]

router = APIRouter()

_LOOK_AGAIN_SECONDS = 1.0


def _in_inbox(node: Node, message_id: uuid.UUID) -> MessageRecord:
    record = node.reading.inbox_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such received message", str(message_id))
    return record


@router.get(
    "/api/v1/inbox",
    summary="Received documents waiting for the back-office",
    response_model=InboxPage,
    responses=problems(400, 401, 503),
)
async def inbox(
    request: Request,
    node: NodeDep,
    _client: Client,
    after: Annotated[
        # Bounded like the database's integers: a larger cursor is a bad request, not a
        # server error.
        int, Query(ge=0, le=2**63 - 1, description="Cursor: the last item's cursor.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    wait: Annotated[float, Query(ge=0, le=60, description="Long-poll seconds.")] = 0,
) -> InboxPage:
    signal: InboxSignal = request.app.state.inbox_signal
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        news = signal.listen()
        items = await run_in_threadpool(lambda: node.reading.inbox(after=after, limit=limit))
        left = deadline - loop.time()
        if items or left <= 0:
            signal.forget(news)
            break
        # Woken by a document this process stored; otherwise looks again after a while, for
        # one that another worker process of the node received.
        await signal.wait(news, min(left, _LOOK_AGAIN_SECONDS))
    return InboxPage(
        items=[
            InboxItem(
                id=r.message_id,
                cursor=r.id,
                case_id=r.case_id,
                case_type=r.case_type,
                sender=r.sender,
                document_type=r.document_type,
                in_reply_to=r.in_reply_to,
                received_at=r.created_at.isoformat(),
                document=f"/api/v1/inbox/{r.message_id}/document",
            )
            for r in items
        ],
        next=items[-1].id if items else after,
    )


@router.get(
    "/api/v1/inbox/{message_id}/document",
    summary="The verified document of a received message (XML, or JSON or a SED on request)",
    response_class=Response,
    responses={
        200: {
            "description": "The document",
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                JSON_TYPE: {"schema": {"type": "object", "description": "The JSON form"}},
                SED_MEDIA_TYPE: {"schema": {"type": "object", "description": "A SED"}},
            },
        },
        **problems(
            400,
            401,
            404,
            406,
            410,
            503,
            meaning={406: "A SED was asked for and no SED type fits the document"},
        ),
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


@router.post(
    "/api/v1/inbox/{message_id}/ack",
    summary="Confirm the back-office took a document",
    response_model=Acknowledged,
    responses=problems(400, 401, 404, 503),
)
def acknowledge(message_id: uuid.UUID, node: NodeDep, _client: Client) -> Acknowledged:
    record = _in_inbox(node, message_id)
    if record.status is not MessageStatus.ACKNOWLEDGED:
        record = node.acknowledge(record)
    return Acknowledged(id=record.message_id, status=record.status.value)


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
