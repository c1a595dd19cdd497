"""The back-office REST API of a node (FastAPI; OpenAPI at /openapi.json, docs at /docs)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from gateway import __version__
from gateway.api._problems import (
    PROBLEM_RESPONSES,
    Problem,
    install_problem_handlers,
    problem_response,
)
from gateway.console import mount_console
from gateway.documents import (
    DocumentAction,
    DocumentType,
    document_from_json,
    document_to_json,
    parse_untrusted,
    validate_document,
)
from gateway.errors import GatewayError, ValidationFailed
from gateway.evidence import export_evidence
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.sed import SED_MEDIA_TYPE, Transmission, export_sed, import_sed
from gateway.store import ApiClient, CaseRecord, MessageRecord

__all__ = ["create_app"]

_XML_TYPES = ("application/xml", "text/xml")
_JSON_TYPE = "application/json"
_TECHNICAL = ("Receipt", "Rejection")

ReadinessCheck = Callable[[], Awaitable[None]]


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


def _summary(record: MessageRecord, protected: bool) -> dict[str, Any]:
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


def _protected(node: Node, case_id: uuid.UUID) -> bool:
    with node.store.reading() as session:
        case = session.get(CaseRecord, case_id)
        return bool(case and case.protected_person)


def _client(request: Request, authorization: Annotated[str | None, Header()] = None) -> ApiClient:
    """The back-office client whose bearer key came with the request."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(
            401, "unauthorized", "An API key is required", "send 'Authorization: Bearer <key>'"
        )
    node: Node = request.app.state.node
    found = node.store.api_client_for(authorization.removeprefix("Bearer ").strip())
    if found is None:
        raise Problem(401, "unauthorized", "The API key is not valid", "unknown or revoked key")
    return found


Client = Annotated[ApiClient, Depends(_client)]


def create_app(node: Node, *, readiness: ReadinessCheck | None = None) -> FastAPI:
    """The API for one node. ``readiness`` checks the broker for /readyz."""
    app = FastAPI(
        title=f"Social security gateway node {node.institution}",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Submit documents to partner institutions and collect the documents "
        "they send. Every error is an RFC 9457 problem document.",
        responses=PROBLEM_RESPONSES,
    )
    app.state.node = node
    install_problem_handlers(app)
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-ui",
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Served from the node itself: no CDN at run time.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=app.title,
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    def received(message_id: uuid.UUID) -> MessageRecord:
        # Only documents that reached the inbox: not refused ones, not receipts.
        record = node.store.received_message(message_id)
        in_inbox = (MessageStatus.RECEIVED, MessageStatus.ACKNOWLEDGED)
        if record is None or record.status not in in_inbox or record.document_type in _TECHNICAL:
            raise Problem(404, "not-found", "No such received message", str(message_id))
        return record

    @app.post(
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
        if content_type == _JSON_TYPE:
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

    @app.get("/api/v1/messages/{message_id}", summary="A message's status and trace")
    def message(message_id: uuid.UUID, _client: Client) -> dict[str, Any]:
        record = node.store.any_message(message_id)
        if record is None:
            raise Problem(404, "not-found", "No such message", str(message_id))
        assert record.id is not None
        protected = _protected(node, record.case_id)
        return {
            **_summary(record, protected),
            "protected_person": protected,
            "trace": [
                {"at": e.at.isoformat(), "stage": e.stage, "detail": e.detail}
                for e in node.store.trace(record.message_id)
            ],
            "receipts": [
                {
                    "received_at": r.received_at.isoformat(),
                    "outcome": r.outcome,
                    "digest": r.digest,
                    "message_id": str(r.receipt_message_id),
                }
                for r in node.store.receipts(record.id)
            ],
        }

    @app.get(
        "/api/v1/messages/{message_id}/evidence",
        summary="The evidence bundle of a message (holds personal data)",
        responses={
            200: {"content": {"application/json": {}}},
            409: {"description": "No signed receipt yet, or the payload is no longer kept"},
        },
    )
    def evidence(message_id: uuid.UUID, _client: Client) -> Response:
        record = node.store.any_message(message_id)
        if record is None:
            raise Problem(404, "not-found", "No such message", str(message_id))
        bundle = export_evidence(node, record)
        return Response(
            bundle.to_json(),
            media_type=_JSON_TYPE,
            headers={
                "Content-Disposition": f'attachment; filename="evidence-{message_id}.json"',
                "Cache-Control": "no-store",
            },
        )

    @app.get("/api/v1/cases/{case_id}", summary="A case and its messages")
    def case(case_id: uuid.UUID, _client: Client) -> dict[str, Any]:
        found, messages = node.store.case_messages(case_id)
        if found is None:
            raise Problem(404, "not-found", "No such case", str(case_id))
        state = node.cases.state(case_id)
        now = node.clock()
        return {
            "id": str(found.id),
            "case_type": found.case_type,
            "protected_person": found.protected_person,
            "created_at": found.created_at.isoformat(),
            "updated_at": found.updated_at.isoformat(),
            # None where this node joined the case part-way and cannot judge it.
            "status": state.status.value if state else None,
            "open_requests": [
                {
                    "id": str(request.message_id),
                    "document_type": request.document_type.root_name,
                    "sender": request.sender,
                    "recipient": request.recipient,
                    "due_at": request.due_at.isoformat(),
                    "overdue": request.due_at < now,
                    "reminders": request.reminders,
                }
                for request in (state.open_requests.values() if state else ())
            ],
            "messages": [_summary(m, found.protected_person) for m in messages],
        }

    @app.get("/api/v1/inbox", summary="Received documents waiting for the back-office")
    async def inbox(
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
            items = await run_in_threadpool(lambda: node.store.inbox(after=after, limit=limit))
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

    @app.get(
        "/api/v1/inbox/{message_id}/document",
        summary="The verified document of a received message (XML, or JSON or a SED on request)",
        responses={
            200: {"content": {"application/xml": {}, "application/json": {}, SED_MEDIA_TYPE: {}}},
            406: {"description": "A SED was asked for and no SED type fits the document"},
        },
    )
    def inbox_document(
        message_id: uuid.UUID,
        _client: Client,
        accept: Annotated[str | None, Header()] = None,
    ) -> Response:
        record = received(message_id)
        document = node.document_of(record)
        if accept and SED_MEDIA_TYPE in accept:
            return _as_sed(document, Transmission(record.sender, record.created_at.date()))
        if accept and _JSON_TYPE in accept and "xml" not in accept:
            root = parse_untrusted(document).getroot()
            kind = DocumentType.from_root_name(record.document_type)
            return JSONResponse(document_to_json(kind, root))
        return Response(document, media_type="application/xml")

    @app.post("/api/v1/inbox/{message_id}/ack", summary="Confirm the back-office took a document")
    def acknowledge(message_id: uuid.UUID, _client: Client) -> dict[str, str]:
        record = received(message_id)
        if record.status is not MessageStatus.ACKNOWLEDGED:
            record = node.acknowledge(record)
        return {"id": str(record.message_id), "status": record.status.value}

    @app.get("/healthz", summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "institution": node.institution}

    @app.get("/readyz", summary="The store and the broker answer")
    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(node.store.ping)
            if readiness is not None:
                await readiness()
        except GatewayError as error:
            return problem_response(503, error.code, "Not ready", error.detail, request.url.path)
        return JSONResponse({"status": "ready"})

    @app.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {}}}},
    )
    def metrics() -> Response:
        node.metrics.outbox_depth.set(node.store.outbox_depth())
        return Response(generate_latest(node.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # The console's close() ends its live streams when the node stops (see gateway.node.runtime).
    app.state.console = mount_console(app, node).state.console
    return app


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


def _json_to_xml(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Problem(400, "json.malformed", "The body is not JSON", str(error)) from None
    return document_from_json(data)
