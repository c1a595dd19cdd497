"""Idempotent submits: with an ``Idempotency-Key`` header, a retried submit gets the answer its
first try got, and stores nothing more.

A key belongs to the API client that sent it. The node keeps the key, the digest of the request
(its content type, query and body) and the answer, in the transaction that stores the message;
the same key with another request is refused (409 ``idempotency-key-reused``). A submit that was
refused stores nothing, so its retry is judged afresh.
"""

from __future__ import annotations

import hashlib
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Header, Response
from starlette.datastructures import QueryParams

from gateway.node import Answer

__all__ = ["REPLAYED_HEADER", "IdempotencyKeyHeader", "request_digest", "respond"]

#: Marks an answer given again to a retry.
REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        # Visible ASCII characters (RFC 9110's VCHAR): no spaces, nothing a proxy may rewrite.
        pattern=r"^[!-~]+$",
        description="Makes a retried submit get the first try's answer instead of sending "
        "the document again: 1 to 255 visible ASCII characters, e.g. a random UUID, new for "
        "each document and the same for each retry of it. Kept for idempotency_key_hours.",
    ),
]


def request_digest(content_type: str, query: QueryParams, body: bytes) -> str:
    """SHA-256 of what tells two submits apart: the content type, the query and the body."""
    digest = hashlib.sha256()
    for part in (content_type, urlencode(sorted(query.multi_items()))):
        # Neither part can hold a line break, so each ends where its line does.
        digest.update(part.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


def respond(answer: Answer, *, replayed: bool = False) -> Response:
    """The HTTP response of a submit's answer, first given or given again."""
    headers = {"Location": answer.location} if answer.location else {}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(
        answer.body, status_code=answer.status, media_type="application/json", headers=headers
    )
