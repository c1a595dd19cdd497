"""Errors at the HTTP edge: every refusal is an RFC 9457 problem document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.errors import (
    CaseStateError,
    ConfigurationError,
    EvidenceUnavailable,
    GatewayError,
    IdempotencyKeyReused,
    NotPermitted,
    PayloadPurged,
    SearchRefused,
    StoreUnavailable,
    Unanchored,
    ValidationFailed,
)

__all__ = [
    "PROBLEM_RESPONSES",
    "Problem",
    "install_problem_handlers",
    "problem_body",
    "problem_response",
    "problems",
]

PROBLEM_TYPE = "urn:ssgw:problem:"
MEDIA_TYPE = "application/problem+json"


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "code", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "code": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "reason": {"type": ["string", "null"]},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}

#: What each refusal status means, as the OpenAPI document describes it.
_MEANINGS: dict[int, str] = {
    400: "The request is malformed",
    401: "No valid API key",
    403: "The agreement policy does not permit the exchange",
    404: "Not found",
    406: "No SED type fits the document",
    409: "The request conflicts with what the node holds",
    410: "The document is no longer kept",
    413: "The document is too large",
    414: "The request line is too long",
    415: "Neither XML, nor JSON, nor a SED",
    422: "The document is not valid",
    431: "The request headers are too large",
    503: "The store or the broker is unavailable",
}


def problems(
    *statuses: int, meaning: Mapping[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI responses of the refusals a route gives, each a problem document;
    ``meaning`` says what a status means on this route, where it says more than the usual."""
    return {
        status: {
            "description": (meaning or {}).get(status, _MEANINGS[status]),
            "content": {MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


#: The HTTP server's own refusals, which any request may get before it reaches a route (see
#: gateway.api._http); each route adds the refusals of its own.
PROBLEM_RESPONSES = problems(400, 414, 431)


class Problem(Exception):
    """A refusal raised by an endpoint itself (not found, unauthorised, too large...)."""

    def __init__(self, status: int, code: str, title: str, detail: str = "") -> None:
        super().__init__(detail or title)
        self.status, self.code, self.title, self.detail = status, code, title, detail


def problem_body(
    status: int, kind: str, title: str, detail: str, instance: str, **extra: Any
) -> dict[str, Any]:
    """The members of a problem document, for the API's answers and the server's own."""
    return {
        "type": PROBLEM_TYPE + kind,
        "code": kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }


def problem_response(
    status: int,
    kind: str,
    title: str,
    detail: str,
    instance: str,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem document; ``kind`` becomes the type URI, ``extra`` extension members."""
    body = problem_body(status, kind, title, detail, instance, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


#: The status and title of each kind of refusal; the first class that matches counts.
_GATEWAY_STATUSES: tuple[tuple[type[GatewayError], int, str], ...] = (
    (ValidationFailed, 422, "The document is not valid"),
    (NotPermitted, 403, "The agreement policy does not permit this exchange"),
    (CaseStateError, 409, "The case does not allow this document now"),
    (EvidenceUnavailable, 409, "There is no evidence to bundle for this message"),
    (IdempotencyKeyReused, 409, "The idempotency key came with another request"),
    (PayloadPurged, 410, "The document is no longer kept"),
    (SearchRefused, 400, "The search is refused"),
    (StoreUnavailable, 503, "The node's store is unavailable"),
    (Unanchored, 503, "The node takes no new messages: its evidence is unanchored"),
    (ConfigurationError, 500, "The node is misconfigured"),
)


def _gateway_status(error: GatewayError) -> tuple[int, str]:
    for kind, status, title in _GATEWAY_STATUSES:
        if isinstance(error, kind):
            return status, title
    return 422, "The message cannot be processed"


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(GatewayError)
    async def gateway_error(request: Request, error: GatewayError) -> JSONResponse:
        status, title = _gateway_status(error)
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationFailed):
            extra["errors"] = [
                {"code": i.code, "message": i.message, "line": i.line, "path": i.path}
                for i in error.issues
            ]
        if isinstance(error, NotPermitted | CaseStateError):
            extra["reason"] = error.reason
        return problem_response(status, error.code, title, error.detail, request.url.path, **extra)

    @app.exception_handler(Problem)
    async def endpoint_problem(request: Request, problem: Problem) -> JSONResponse:
        return problem_response(
            problem.status, problem.code, problem.title, problem.detail, request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "code": "request." + str(item.get("type", "invalid")),
                "message": str(item.get("msg", "")),
                "path": ".".join(str(part) for part in item.get("loc", ())),
            }
            for item in error.errors()
        ]
        listed = "; ".join(f"{e['path']}: {e['message']}" for e in errors)
        return problem_response(
            400, "bad-request", "The request is malformed", listed, request.url.path, errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http-error")
        return problem_response(
            error.status_code, code, str(error.detail), str(error.detail), request.url.path
        )

    _describe_problems_only(app)


def _describe_problems_only(app: FastAPI) -> None:
    """FastAPI describes a 422 in a format of its own for every route with parameters; the
    node answers a malformed parameter with a 400 problem document instead, and gives a 422
    only where a route declares one. Its OpenAPI document leaves FastAPI's out."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        document = generate()
        if fresh:
            _drop_validation_errors(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _drop_validation_errors(document: dict[str, Any]) -> None:
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.get("responses", {})
            added = responses.get("422")
            if added is not None and MEDIA_TYPE not in added.get("content", {}):
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
