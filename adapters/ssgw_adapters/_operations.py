"""What the clients ask of a node's API and how they read its answers, written once, with no
I/O of its own.

Each operation is a generator: it yields the :class:`Call` s it makes, and the :class:`Pause` s
it needs between them; it is sent back each call's outcome (the response, or the transport
error that cut the call short) and returns what it read. ``GatewayClient`` carries operations
out with blocking calls, ``AsyncGatewayClient`` with awaited ones.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Collection, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypedDict, TypeVar

import httpx2

from ssgw_adapters._views import (
    SED_LOSS_HEADER,
    SED_MEDIA_TYPE,
    CaseView,
    GatewayApiError,
    InboxPage,
    MessageView,
    ReceivedSed,
    Submission,
)

__all__ = [
    "IDEMPOTENCY_HEADER",
    "ROUTES",
    "Call",
    "Operation",
    "Outcome",
    "Pause",
    "Retries",
    "SubmitOptions",
    "acknowledge",
    "case",
    "document",
    "document_as_sed",
    "document_json",
    "inbox",
    "message",
    "submit",
    "submit_sed",
    "wait_for",
]

T = TypeVar("T")

#: The node's routes the clients use, by name: the method and the path as the node's OpenAPI
#: document writes them. Every request is made from this table.
ROUTES: Final[Mapping[str, tuple[str, str]]] = {
    "submit": ("POST", "/api/v1/messages"),
    "message": ("GET", "/api/v1/messages/{message_id}"),
    "case": ("GET", "/api/v1/cases/{case_id}"),
    "inbox": ("GET", "/api/v1/inbox"),
    "document": ("GET", "/api/v1/inbox/{message_id}/document"),
    "acknowledge": ("POST", "/api/v1/inbox/{message_id}/ack"),
}

#: Sent with each submit: a retry of it gets the first try's answer instead of a second message.
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"

#: Answers of a proxy or a node that could not take the request just now.
_TRANSIENT: Final = frozenset({502, 503, 504})


@dataclass(frozen=True, slots=True)
class Call:
    """One request to the node; ``timeout`` None is the client's own."""

    method: str
    path: str
    params: Mapping[str, str | int | float] = field(default_factory=dict)
    content: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    """Wait this long before the next call."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Retries:
    """How often a submit is tried when no answer came (a lost connection, a timeout) or a
    502, 503 or 504 did, and the pause before the second try, doubled before each further
    one. Every try carries the same idempotency key, so the node stores the document once."""

    attempts: int = 3
    pause: float = 0.5


class SubmitOptions(TypedDict, total=False):
    """What a submit may say besides its document and recipient (see the node's API)."""

    case_id: uuid.UUID | None
    in_reply_to: uuid.UUID | None
    document_set_id: uuid.UUID | None
    version: int
    action: str
    protected_person: bool
    #: Give one to make retries across calls (or processes) idempotent; a new one is drawn
    #: for each call otherwise.
    idempotency_key: str


Outcome = httpx2.Response | httpx2.TransportError | None
Operation = Generator[Call | Pause, Outcome, T]


def _call(
    route: str,
    *,
    params: Mapping[str, str | int | float] | None = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
    **path: uuid.UUID,
) -> Call:
    """A call of a route of :data:`ROUTES`, its path filled with ``path``."""
    method, template = ROUTES[route]
    return Call(method, template.format(**path), params or {}, content, headers or {}, timeout)


def _answer(outcome: Outcome) -> httpx2.Response:
    """The response to a call; a transport error is raised as it came, a refusal as
    :class:`GatewayApiError`."""
    if isinstance(outcome, httpx2.TransportError):
        raise outcome
    assert outcome is not None, "a call is answered by a response or an error"
    if outcome.status_code >= 400:
        try:
            problem = outcome.json()
        except ValueError:
            problem = {"detail": outcome.text[:500]}
        raise GatewayApiError(outcome.status_code, problem)
    return outcome


def _once(call: Call) -> Generator[Call | Pause, Outcome, httpx2.Response]:
    return _answer((yield call))


def _transient(outcome: Outcome) -> bool:
    if isinstance(outcome, httpx2.TransportError):
        return True
    return outcome is not None and outcome.status_code in _TRANSIENT


def _retried(call: Call, retries: Retries) -> Generator[Call | Pause, Outcome, httpx2.Response]:
    outcome = yield call
    for attempt in range(1, retries.attempts):
        if not _transient(outcome):
            break
        yield Pause(retries.pause * 2 ** (attempt - 1))
        outcome = yield call
    return _answer(outcome)


def submit(
    document: bytes | Mapping[str, Any], recipient: str, options: SubmitOptions, retries: Retries
) -> Operation[Submission]:
    """A document as XML bytes, or its JSON form as a mapping."""
    if isinstance(document, bytes):
        return _submitted(document, "application/xml", recipient, options, retries)
    content = json.dumps(dict(document), ensure_ascii=False).encode()
    return _submitted(content, "application/json", recipient, options, retries)


def submit_sed(
    sed: Mapping[str, Any], recipient: str, options: SubmitOptions, retries: Retries
) -> Operation[Submission]:
    content = json.dumps(dict(sed), ensure_ascii=False).encode()
    return _submitted(content, SED_MEDIA_TYPE, recipient, options, retries)


def _submitted(
    content: bytes, media_type: str, recipient: str, options: SubmitOptions, retries: Retries
) -> Operation[Submission]:
    # Drawn once per submit, when it starts: each of its retries carries the same key.
    key = options.get("idempotency_key") or str(uuid.uuid4())
    params: dict[str, str | int | float] = {
        "recipient": recipient,
        "version": options.get("version", 1),
        "action": options.get("action", "new"),
    }
    for name, value in (
        ("case_id", options.get("case_id")),
        ("in_reply_to", options.get("in_reply_to")),
        ("document_set_id", options.get("document_set_id")),
    ):
        if value is not None:
            params[name] = str(value)
    if options.get("protected_person"):
        params["protected_person"] = "true"
    headers = {"Content-Type": media_type, IDEMPOTENCY_HEADER: key}
    call = _call("submit", params=params, content=content, headers=headers)
    return Submission.parse((yield from _retried(call, retries)).json())


def message(message_id: uuid.UUID) -> Operation[MessageView]:
    return MessageView.parse((yield from _once(_call("message", message_id=message_id))).json())


def case(case_id: uuid.UUID) -> Operation[CaseView]:
    return CaseView.parse((yield from _once(_call("case", case_id=case_id))).json())


def wait_for(
    message_id: uuid.UUID, statuses: Collection[str], timeout: float
) -> Operation[MessageView]:
    deadline = time.monotonic() + timeout
    while True:
        view = yield from message(message_id)
        if view.status in statuses:
            return view
        if time.monotonic() > deadline:
            raise TimeoutError(f"message {message_id} is still {view.status}")
        yield Pause(0.1)


def inbox(after: int, limit: int, wait: float) -> Operation[InboxPage]:
    params = {"after": after, "limit": limit, "wait": wait}
    call = _call("inbox", params=params, timeout=wait + 30)
    return InboxPage.parse((yield from _once(call)).json())


def _document(message_id: uuid.UUID, accept: str) -> Call:
    return _call("document", message_id=message_id, headers={"Accept": accept})


def document(message_id: uuid.UUID) -> Operation[bytes]:
    return (yield from _once(_document(message_id, "application/xml"))).content


def document_json(message_id: uuid.UUID) -> Operation[Mapping[str, Any]]:
    body: Mapping[str, Any] = (yield from _once(_document(message_id, "application/json"))).json()
    return body


def document_as_sed(message_id: uuid.UUID) -> Operation[ReceivedSed]:
    response = yield from _once(_document(message_id, SED_MEDIA_TYPE))
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    sed: object = None
    if media_type == SED_MEDIA_TYPE:
        try:
            sed = response.json()
        except ValueError:
            sed = None
    if not isinstance(sed, dict):
        raise GatewayApiError(
            response.status_code,
            {
                "code": "not-a-sed",
                "title": "The node did not answer with a SED",
                "detail": f"the answer is {media_type or 'untyped'}, not a {SED_MEDIA_TYPE} "
                "object; the node may not write SEDs",
            },
        )
    return ReceivedSed(sed, tuple(response.headers.get_list(SED_LOSS_HEADER)))


def acknowledge(message_id: uuid.UUID) -> Operation[None]:
    yield from _once(_call("acknowledge", message_id=message_id))
