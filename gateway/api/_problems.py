"""Errors at the HTTP edge: every refusal is an RFC 9457 problem document."""

from __future__ import annotations

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
    NotPermitted,
    PayloadPurged,
    StoreUnavailable,
    ValidationFailed,
)

__all__ = [
    "PROBLEM_RESPONSES",
    "Problem",
    "install_problem_handlers",
    "problem_body",
    "problem_response",
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

#: The refusals any endpoint may answer with, for the OpenAPI document: each one a problem
#: document (FastAPI would otherwise describe a 422 in its own format, which the node never
#: sends).
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "content": {MEDIA_TYPE: {"schema": _PROBLEM_SCHEMA}}}
    for status, description in {
        400: "The request is malformed",
        401: "No valid API key",
        403: "The agreement policy does not permit the exchange",
        404: "Not found",
        409: "The case does not allow the document now",
        413: "The document is too large",
        415: "Neither XML nor JSON",
        422: "The document is not valid",
        503: "The store or the broker is unavailable",
    }.items()
}


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


def _gateway_status(error: GatewayError) -> tuple[int, str]:
    if isinstance(error, ValidationFailed):
        return 422, "The document is not valid"
    if isinstance(error, NotPermitted):
        return 403, "The agreement policy does not permit this exchange"
    if isinstance(error, CaseStateError):
        return 409, "The case does not allow this document now"
    if isinstance(error, EvidenceUnavailable):
        return 409, "There is no evidence to bundle for this message"
    if isinstance(error, PayloadPurged):
        return 410, "The document is no longer kept"
    if isinstance(error, StoreUnavailable):
        return 503, "The node's store is unavailable"
    if isinstance(error, ConfigurationError):
        return 500, "The node is misconfigured"
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
