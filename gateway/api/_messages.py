"""Submitting a document, and a message's status, trace and evidence."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from gateway.api._access import Client, NodeDep
from gateway.api._problems import Problem
from gateway.documents import DocumentAction, document_from_json
from gateway.evidence import export_evidence
from gateway.sed import SED_MEDIA_TYPE, Transmission, import_sed
from gateway.store import MessageRecord

__all__ = ["JSON_TYPE", "message_summary", "router"]

_XML_TYPES = ("application/xml", "text/xml")
JSON_TYPE = "application/json"

router = APIRouter()


class SedLoss(BaseModel):
    """A value of a submitted SED that our document has no place for."""

    path: str
    reason: str


class Accepted(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    status: str
    #: For a SED: what the document made of it could not carry (empty for XML and JSON).
    losses: list[SedLoss] = []


def message_summary(record: MessageRecord, protected: bool) -> dict[str, Any]:
    """A message's header fields. For a protected person's case the stored error text is left
    out: a refused document's checker text can quote its values."""
    return {
        "id": str(record.message_id),
        "direction": record.direction.value,
        "case_id": str(record.case_id),
        "case_type": record.case_type,
        "in_reply_to": str(record.in_reply_to) if record.in_reply_to else None,
        "document_type": record.document_type,
        "schema_version": record.schema_version,
        "document_set": {
            "id": str(record.document_set_id),
            "version": record.document_version,
            "action": record.action,
        },
        "sender": record.sender,
        "recipient": record.recipient,
        "status": record.status.value,
        "created_at": record.created_at.isoformat(),
        "updated_at": record.updated_at.isoformat(),
        "expires_at": record.expires_at.isoformat(),
        "attempts": record.attempts,
        "size": record.size,
        "digest": record.digest,
        "error": (
            {"code": record.error_code, "detail": None if protected else record.error_detail}
            if record.error_code
            else None
        ),
    }


@router.post(
    "/api/v1/messages",
    status_code=202,
    response_model=Accepted,
    summary="Submit a document for a partner institution",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
                SED_MEDIA_TYPE: {"schema": {"type": "object"}},
            },
        }
    },
)
async def submit(
    request: Request,
    response: Response,
    node: NodeDep,
    _client: Client,
    recipient: Annotated[str, Query(description="Receiving institution, e.g. FR:CNAV.")],
    case_id: uuid.UUID | None = None,
    in_reply_to: uuid.UUID | None = None,
    document_set_id: uuid.UUID | None = None,
    version: Annotated[int, Query(ge=1, le=10_000)] = 1,
    action: DocumentAction = DocumentAction.NEW,
    protected_person: bool = False,
) -> Accepted:
    body = await _read_body(request, node.settings.max_document_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    losses: list[SedLoss] = []
    if content_type == JSON_TYPE:
        document = await run_in_threadpool(_json_to_xml, body)
    elif content_type == SED_MEDIA_TYPE:
        sending = Transmission(node.institution, node.clock().date())
        document, losses = await run_in_threadpool(_sed_to_xml, body, sending)
    elif content_type in _XML_TYPES or not content_type:
        document = body
    else:
        raise Problem(
            415,
            "unsupported-media-type",
            "Send XML, JSON or a SED",
            f"{content_type} is none of application/xml, application/json and {SED_MEDIA_TYPE}",
        )
    record = await run_in_threadpool(
        lambda: node.submit(
            document,
            recipient=recipient,
            case_id=case_id,
            in_reply_to=in_reply_to,
            document_set_id=document_set_id,
            document_version=version,
            action=action,
            protected_person=protected_person,
        )
    )
    node.kick()
    response.headers["Location"] = f"/api/v1/messages/{record.message_id}"
    return Accepted(
        id=record.message_id,
        case_id=record.case_id,
        status=record.status.value,
        losses=losses,
    )


@router.get("/api/v1/messages/{message_id}", summary="A message's status and trace")
def message(message_id: uuid.UUID, node: NodeDep, _client: Client) -> dict[str, Any]:
    reading = node.reading
    record = reading.any_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such message", str(message_id))
    assert record.id is not None
    protected = reading.protected(record.case_id)
    return {
        **message_summary(record, protected),
        "protected_person": protected,
        "trace": [
            {"at": e.at.isoformat(), "stage": e.stage, "detail": e.detail}
            for e in reading.trace(record.message_id)
        ],
        "receipts": [
            {
                "received_at": r.received_at.isoformat(),
                "outcome": r.outcome,
                "digest": r.digest,
                "message_id": str(r.receipt_message_id),
            }
            for r in reading.receipts(record.id)
        ],
    }


@router.get(
    "/api/v1/messages/{message_id}/evidence",
    summary="The evidence bundle of a message (holds personal data)",
    responses={
        200: {"content": {"application/json": {}}},
        409: {"description": "No signed receipt yet, or the payload is no longer kept"},
    },
)
def evidence(message_id: uuid.UUID, node: NodeDep, _client: Client) -> Response:
    record = node.reading.any_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such message", str(message_id))
    bundle = export_evidence(node, record)
    return Response(
        bundle.to_json(),
        media_type=JSON_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{message_id}.json"',
            "Cache-Control": "no-store",
        },
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "too-large", "The document is too large", f"at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "too-large", "The document is too large", f"at most {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body:
        raise Problem(
            400, "empty-body", "The request has no document", "send the document as the body"
        )
    return body


def _sed_to_xml(body: bytes, sending: Transmission) -> tuple[bytes, list[SedLoss]]:
    """The document a SED makes, sent by this node's institution today."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise Problem(400, "sed.malformed", "The body is not JSON", str(error)) from None
    read = import_sed(data, transmission=sending)
    losses = [SedLoss(path=loss.path, reason=loss.reason) for loss in read.losses]
    return read.document.to_bytes(), losses


def _json_to_xml(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(400, "json.malformed", "The body is not JSON", str(error)) from None
    return document_from_json(data)
