"""A typed Python client for a node's back-office REST API, blocking or asynchronous.

    client = GatewayClient("http://127.0.0.1:8080", api_key)
    sent = client.submit(xml_bytes, recipient="DE:DRV70001")
    client.wait_for(sent.id, {"delivered"})
    for item in client.inbox(wait=10).items:
        document = client.document(item.id)
        ...  # hand it to the back-office, then:
        client.acknowledge(item.id)

:class:`AsyncGatewayClient` has the same methods, to be awaited
(``sent = await client.submit(...)``); both make the same requests (see
:mod:`ssgw_adapters._operations`).

A national application that already builds the EU's SEDs hands them over as they are
(:meth:`GatewayClient.submit_sed`) and reads what it receives as SEDs
(:meth:`GatewayClient.document_as_sed`); each says what the conversion could not carry.

Each submit carries an ``Idempotency-Key``, new for each call unless one is given: when no
answer comes (a lost connection, a timeout) or the node answers 502, 503 or 504, the client
tries again with the same key (see :class:`Retries`), and the node stores the document once.

Every refusal raises :class:`GatewayApiError` carrying the node's problem document.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Collection, Mapping
from types import TracebackType
from typing import Any, TypeVar, Unpack

import httpx2

from ssgw_adapters import _operations as operations
from ssgw_adapters._operations import (
    IDEMPOTENCY_HEADER,
    ROUTES,
    Call,
    Operation,
    Outcome,
    Pause,
    Retries,
    SubmitOptions,
)
from ssgw_adapters._views import (
    SED_LOSS_HEADER,
    SED_MEDIA_TYPE,
    CaseView,
    GatewayApiError,
    InboxItem,
    InboxPage,
    MessageView,
    ReceivedSed,
    SedLoss,
    Submission,
)

__all__ = [
    "IDEMPOTENCY_HEADER",
    "ROUTES",
    "SED_LOSS_HEADER",
    "SED_MEDIA_TYPE",
    "AsyncGatewayClient",
    "CaseView",
    "GatewayApiError",
    "GatewayClient",
    "InboxItem",
    "InboxPage",
    "MessageView",
    "ReceivedSed",
    "Retries",
    "SedLoss",
    "Submission",
    "SubmitOptions",
]

T = TypeVar("T")

#: Frozen, so every client may share it.
_RETRIES = Retries()


def _http_options(base_url: str, api_key: str, timeout: float) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "headers": {"Authorization": f"Bearer {api_key}"},
        "timeout": timeout,
    }


def _request(call: Call) -> dict[str, Any]:
    """A call as the HTTP client's ``request`` takes it."""
    return {
        "params": call.params,
        "content": call.content,
        "headers": call.headers,
        "timeout": httpx2.USE_CLIENT_DEFAULT if call.timeout is None else call.timeout,
    }


class GatewayClient:
    """Talks to one node on behalf of one back-office system."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        retries: Retries = _RETRIES,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._http = httpx2.Client(**_http_options(base_url, api_key, timeout), transport=transport)
        self._retries = retries

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _run(self, operation: Operation[T]) -> T:
        outcome: Outcome = None
        while True:
            try:
                step = operation.send(outcome)
            except StopIteration as done:
                result: T = done.value
                return result
            if isinstance(step, Pause):
                time.sleep(step.seconds)
                outcome = None
                continue
            try:
                outcome = self._http.request(step.method, step.path, **_request(step))
            except httpx2.TransportError as error:
                outcome = error

    def submit(
        self,
        document: bytes | Mapping[str, Any],
        *,
        recipient: str,
        **options: Unpack[SubmitOptions],
    ) -> Submission:
        """Hand a document (XML bytes, or the JSON form as a mapping) to the node."""
        return self._run(operations.submit(document, recipient, options, self._retries))

    def submit_sed(
        self, sed: Mapping[str, Any], *, recipient: str, **options: Unpack[SubmitOptions]
    ) -> Submission:
        """Hand a SED (the parsed JSON of one of the EU's documents) to the node, which sends
        the schema 2.0 document it makes of it. ``losses`` in the answer lists each value of
        the SED that document has no place for; a SED the node cannot read, or whose document
        is not valid, is refused (422, each issue pointing into the SED)."""
        return self._run(operations.submit_sed(sed, recipient, options, self._retries))

    def message(self, message_id: uuid.UUID) -> MessageView:
        return self._run(operations.message(message_id))

    def case(self, case_id: uuid.UUID) -> CaseView:
        return self._run(operations.case(case_id))

    def wait_for(
        self, message_id: uuid.UUID, statuses: Collection[str], *, timeout: float = 60.0
    ) -> MessageView:
        """Poll until the message reaches one of ``statuses``; TimeoutError otherwise."""
        return self._run(operations.wait_for(message_id, statuses, timeout))

    def inbox(self, *, after: int = 0, limit: int = 50, wait: float = 0) -> InboxPage:
        """Received documents after the cursor; ``wait`` long-polls up to that many seconds."""
        return self._run(operations.inbox(after, limit, wait))

    def document(self, message_id: uuid.UUID) -> bytes:
        """The verified XML document of a received message."""
        return self._run(operations.document(message_id))

    def document_json(self, message_id: uuid.UUID) -> Mapping[str, Any]:
        """The same document in its JSON form."""
        return self._run(operations.document_json(message_id))

    def document_as_sed(self, message_id: uuid.UUID) -> ReceivedSed:
        """The same document as a SED, with what the SED has no field for.

        A document no SED type fits is refused by the node (406). A node that does not write
        SEDs answers with another media type: that is a :class:`GatewayApiError` too
        (``not-a-sed``), rather than a document the caller would misread.
        """
        return self._run(operations.document_as_sed(message_id))

    def acknowledge(self, message_id: uuid.UUID) -> None:
        """Tell the node the back-office has taken the document; it leaves the inbox."""
        self._run(operations.acknowledge(message_id))


class AsyncGatewayClient:
    """:class:`GatewayClient` for asyncio: the same methods, each to be awaited."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        retries: Retries = _RETRIES,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx2.AsyncClient(
            **_http_options(base_url, api_key, timeout), transport=transport
        )
        self._retries = retries

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncGatewayClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self, operation: Operation[T]) -> T:
        outcome: Outcome = None
        while True:
            try:
                step = operation.send(outcome)
            except StopIteration as done:
                result: T = done.value
                return result
            if isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
                outcome = None
                continue
            try:
                outcome = await self._http.request(step.method, step.path, **_request(step))
            except httpx2.TransportError as error:
                outcome = error

    async def submit(
        self,
        document: bytes | Mapping[str, Any],
        *,
        recipient: str,
        **options: Unpack[SubmitOptions],
    ) -> Submission:
        return await self._run(operations.submit(document, recipient, options, self._retries))

    async def submit_sed(
        self, sed: Mapping[str, Any], *, recipient: str, **options: Unpack[SubmitOptions]
    ) -> Submission:
        return await self._run(operations.submit_sed(sed, recipient, options, self._retries))

    async def message(self, message_id: uuid.UUID) -> MessageView:
        return await self._run(operations.message(message_id))

    async def case(self, case_id: uuid.UUID) -> CaseView:
        return await self._run(operations.case(case_id))

    async def wait_for(
        self, message_id: uuid.UUID, statuses: Collection[str], *, timeout: float = 60.0
    ) -> MessageView:
        return await self._run(operations.wait_for(message_id, statuses, timeout))

    async def inbox(self, *, after: int = 0, limit: int = 50, wait: float = 0) -> InboxPage:
        return await self._run(operations.inbox(after, limit, wait))

    async def document(self, message_id: uuid.UUID) -> bytes:
        return await self._run(operations.document(message_id))

    async def document_json(self, message_id: uuid.UUID) -> Mapping[str, Any]:
        return await self._run(operations.document_json(message_id))

    async def document_as_sed(self, message_id: uuid.UUID) -> ReceivedSed:
        return await self._run(operations.document_as_sed(message_id))

    async def acknowledge(self, message_id: uuid.UUID) -> None:
        await self._run(operations.acknowledge(message_id))
