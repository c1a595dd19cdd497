"""Submitting a document, and a message's status, trace and evidence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from gateway.api._access import Client, NodeDep
from gateway.api._idempotency import (
    REPLAYED_HEADER,
    IdempotencyKeyHeader,
    request_digest,
    respond,
)
from gateway.api._models import (
    Accepted,
    EvidenceBundle,
    MessageDetail,
    ReceiptView,
    SedLoss,
    TraceStep,
    message_summary,
)
from gateway.api._problems import Problem, problems
from gateway.documents import DocumentAction, document_from_json, read_json
from gateway.errors import ValidationFailed
from gateway.evidence import export_evidence
from gateway.node import Answer, Idempotency, Node
from gateway.sed import SED_MEDIA_TYPE, Transmission, import_sed
from gateway.store import IdempotencyKey, IdempotencyKeyTaken, MessageRecord, Role

__all__ = ["JSON_TYPE", "router"]

_XML_TYPES = ("application/xml", "text/xml")
JSON_TYPE = "application/json"

router = APIRouter()


@dataclass(frozen=True, slots=True)
class _Addressing:
    """Where a submitted document goes, and which case and set it belongs to."""

    recipient: str
    case_id: uuid.UUID | None
    in_reply_to: uuid.UUID | None
    document_set_id: uuid.UUID | None
    version: int
    action: DocumentAction
    protected_person: bool


@router.post(
    "/api/v1/messages",
    status_code=202,
    response_model=Accepted,
    summary="Submit a document for a partner institution",
    responses={
        202: {
            "headers": {
                "Location": {"description": "The message's path", "schema": {"type": "string"}},
                REPLAYED_HEADER: {
                    "description": "'true' on the first answer given again to a retry",
                    "schema": {"type": "string"},
                },
            }
        },
        **problems(
            400,
            401,
            403,
            409,
            413,
            415,
            422,
            503,
            meaning={
                409: "The case does not allow the document now, or the idempotency key came "
                "with another request",
                503: "The store is unavailable, or the node takes no new messages while its "
                "evidence chains have gone unanchored past the limit ('unanchored')",
            },
        ),
    },
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
    node: NodeDep,
    client: Client,
    recipient: Annotated[str, Query(description="Receiving institution, e.g. FR:CNAV.")],
    idempotency_key: IdempotencyKeyHeader = None,
    case_id: uuid.UUID | None = None,
    in_reply_to: uuid.UUID | None = None,
    document_set_id: uuid.UUID | None = None,
    version: Annotated[int, Query(ge=1, le=10_000)] = 1,
    action: DocumentAction = DocumentAction.NEW,
    protected_person: bool = False,
) -> Response:
    body = await _read_body(request, node.settings.max_document_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    key = None
    if idempotency_key is not None:
        assert client.id is not None
        digest = request_digest(content_type, request.query_params, body)
        key = IdempotencyKey(client.id, idempotency_key, digest)
        first = await run_in_threadpool(node.reading.first_answer, key)
        if first is not None:
            return respond(first, replayed=True)
    # A retry of an accepted submit still gets its answer; a new message waits for an anchor.
    node.refuse_if_unanchored()
    document, losses = await _document(node, content_type, body)
    addressing = _Addressing(
        recipient=recipient,
        case_id=case_id,
        in_reply_to=in_reply_to,
        document_set_id=document_set_id,
        version=version,
        action=action,
        protected_person=protected_person,
    )
    return await run_in_threadpool(_submitted, node, document, addressing, losses, key)


def _submitted(
    node: Node,
    document: bytes,
    addressing: _Addressing,
    losses: list[SedLoss],
    key: IdempotencyKey | None,
) -> Response:
    """Submit the document; under a key another submit took meanwhile, answer as it was."""

    def answer(record: MessageRecord) -> Answer:
        accepted = Accepted(
            id=record.message_id, case_id=record.case_id, status=record.status.value, losses=losses
        )
        location = f"/api/v1/messages/{record.message_id}"
        return Answer(202, location, accepted.model_dump_json().encode())

    try:
        record = node.submit(
            document,
            recipient=addressing.recipient,
            case_id=addressing.case_id,
            in_reply_to=addressing.in_reply_to,
            document_set_id=addressing.document_set_id,
            document_version=addressing.version,
            action=addressing.action,
            protected_person=addressing.protected_person,
            idempotency=None if key is None else Idempotency(key, answer),
        )
    except IdempotencyKeyTaken:
        assert key is not None
        first = node.reading.first_answer(key)
        # The other submit committed its key a moment ago, and keys live for hours.
        assert first is not None
        return respond(first, replayed=True)
    node.kick()
    return respond(answer(record))


async def _document(node: Node, content_type: str, body: bytes) -> tuple[bytes, list[SedLoss]]:
    """The XML document a body holds, and for a SED what that document could not carry."""
    if content_type == JSON_TYPE:
        return await run_in_threadpool(_json_to_xml, body), []
    if content_type == SED_MEDIA_TYPE:
        sending = Transmission(node.institution, node.clock().date())
        return await run_in_threadpool(_sed_to_xml, body, sending)
    if content_type in _XML_TYPES or not content_type:
        return body, []
    raise Problem(
        415,
        "unsupported-media-type",
        "Send XML, JSON or a SED",
        f"{content_type} is none of application/xml, application/json and {SED_MEDIA_TYPE}",
    )


@router.get(
    "/api/v1/messages/{message_id}",
    summary="A message's status and trace",
    response_model=MessageDetail,
    responses=problems(400, 401, 404, 503),
)
def message(message_id: uuid.UUID, node: NodeDep, _client: Client) -> MessageDetail:
    reading = node.reading
    record = reading.any_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such message", str(message_id))
    assert record.id is not None
    protected = reading.protected(record.case_id)
    return MessageDetail(
        **dict(message_summary(record, protected)),
        protected_person=protected,
        trace=[
            TraceStep(at=e.at.isoformat(), stage=e.stage, detail=e.detail)
            for e in reading.trace(record.message_id)
        ],
        receipts=[
            ReceiptView(
                received_at=r.received_at.isoformat(),
                outcome=r.outcome,
                digest=r.digest,
                message_id=r.receipt_message_id,
            )
            for r in reading.receipts(record.id)
        ],
    )


@router.get(
    "/api/v1/messages/{message_id}/evidence",
    summary="The evidence bundle of a message (the document for an auditor's key only)",
    description="An auditor's key gets the whole bundle, with the signed document (personal "
    "data); any other key a bundle whose envelope is replaced by its SHA-256, which still "
    "verifies offline (`ssgw evidence verify`).",
    response_class=JSONResponse,
    responses={
        200: {"model": EvidenceBundle},
        **problems(
            400,
            401,
            404,
            409,
            503,
            meaning={409: "No signed receipt yet, or the payload is no longer kept"},
        ),
    },
)
def evidence(message_id: uuid.UUID, node: NodeDep, client: Client) -> Response:
    record = node.reading.any_message(message_id)
    if record is None:
        raise Problem(404, "not-found", "No such message", str(message_id))
    bundle = export_evidence(node, record, redacted=client.role != Role.AUDITOR)
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
    data = _read_json(body, "sed.malformed")
    read = import_sed(data, transmission=sending)
    losses = [SedLoss(path=loss.path, reason=loss.reason) for loss in read.losses]
    return read.document.to_bytes(), losses


def _json_to_xml(body: bytes) -> bytes:
    return document_from_json(_read_json(body, "json.malformed"))


def _read_json(body: bytes, code: str) -> object:
    """The parsed body: JSON nested beyond the bound is refused like JSON that is broken."""
    try:
        return read_json(body)
    except ValidationFailed as error:
        raise Problem(
            400, code, "The body cannot be read as JSON", error.issues[0].message
        ) from None
