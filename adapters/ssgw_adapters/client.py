"""A typed Python client for a node's back-office REST API.

    client = GatewayClient("http://127.0.0.1:8080", api_key)
    sent = client.submit(xml_bytes, recipient="DE:DRV70001")
    client.wait_for(sent.id, {"delivered"})
    for item in client.inbox(wait=10).items:
        document = client.document(item.id)
        ...  # hand it to the back-office, then:
        client.acknowledge(item.id)

A national application that already builds the EU's SEDs hands them over as they are
(:meth:`GatewayClient.submit_sed`) and reads what it receives as SEDs
(:meth:`GatewayClient.document_as_sed`); each says what the conversion could not carry.

Every refusal raises :class:`GatewayApiError` carrying the node's problem document.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx2

__all__ = [
    "SED_LOSS_HEADER",
    "SED_MEDIA_TYPE",
    "CaseView",
    "GatewayApiError",
    "GatewayClient",
    "InboxItem",
    "InboxPage",
    "MessageView",
    "ReceivedSed",
    "SedLoss",
    "Submission",
]

#: The media type of a SED (the EU's Structured Electronic Document, as JSON) in the API.
SED_MEDIA_TYPE: Final = "application/vnd.ssgw.sed+json"
#: The response header that names one value a document read as a SED could not carry.
SED_LOSS_HEADER: Final = "Ssgw-Sed-Loss"


class GatewayApiError(Exception):
    """The node refused a request; the fields are those of its RFC 9457 problem document."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.code = str(problem.get("code") or problem.get("type", "")).rsplit(":", 1)[-1]
        self.title = str(problem.get("title", ""))
        self.detail = str(problem.get("detail", ""))
        self.errors: list[Mapping[str, Any]] = list(problem.get("errors", []))
        self.reason = problem.get("reason")
        super().__init__(f"{status} {self.code}: {self.detail or self.title}")


@dataclass(frozen=True, slots=True)
class SedLoss:
    """A value of a submitted SED that the node's document has no place for: where it is in
    the SED (a JSON pointer), and why it was not carried."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Submission:
    id: uuid.UUID
    case_id: uuid.UUID
    status: str
    #: For a SED: what the document made of it could not carry (empty for XML and JSON).
    losses: tuple[SedLoss, ...] = ()


@dataclass(frozen=True, slots=True)
class ReceivedSed:
    """A received document as a SED, and each value of the document the SED has no field
    for, as the node names it (``"<pointer into the document>: <why>"``)."""

    sed: Mapping[str, Any]
    losses: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MessageView:
    """A message's status as the node reports it, with its trace."""

    id: uuid.UUID
    direction: str
    case_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str
    status: str
    attempts: int
    error: Mapping[str, Any] | None
    trace: tuple[Mapping[str, Any], ...]
    raw: Mapping[str, Any]

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> MessageView:
        return cls(
            id=uuid.UUID(data["id"]),
            direction=data["direction"],
            case_id=uuid.UUID(data["case_id"]),
            document_type=data["document_type"],
            sender=data["sender"],
            recipient=data["recipient"],
            status=data["status"],
            attempts=int(data.get("attempts", 0)),
            error=data.get("error"),
            trace=tuple(data.get("trace", ())),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class CaseView:
    id: uuid.UUID
    case_type: str
    messages: tuple[MessageView, ...]


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: uuid.UUID
    cursor: int
    case_id: uuid.UUID
    case_type: str
    sender: str
    document_type: str
    in_reply_to: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next: int


class GatewayClient:
    """Talks to one node on behalf of one back-office system."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 30.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._http = httpx2.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **options: Any) -> httpx2.Response:
        response = self._http.request(method, path, **options)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:500]}
            raise GatewayApiError(response.status_code, problem)
        return response

    @staticmethod
    def _submit_params(
        recipient: str,
        case_id: uuid.UUID | None,
        in_reply_to: uuid.UUID | None,
        document_set_id: uuid.UUID | None,
        version: int,
        action: str,
        protected_person: bool,
    ) -> dict[str, str]:
        params: dict[str, str] = {"recipient": recipient, "version": str(version), "action": action}
        for name, value in (
            ("case_id", case_id),
            ("in_reply_to", in_reply_to),
            ("document_set_id", document_set_id),
        ):
            if value is not None:
                params[name] = str(value)
        if protected_person:
            params["protected_person"] = "true"
        return params

    def submit(
        self,
        document: bytes | Mapping[str, Any],
        *,
        recipient: str,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
        version: int = 1,
        action: str = "new",
        protected_person: bool = False,
    ) -> Submission:
        """Hand a document (XML bytes, or the JSON form as a mapping) to the node."""
        params = self._submit_params(
            recipient, case_id, in_reply_to, document_set_id, version, action, protected_person
        )
        if isinstance(document, bytes):
            response = self._call(
                "POST",
                "/api/v1/messages",
                params=params,
                content=document,
                headers={"Content-Type": "application/xml"},
            )
        else:
            response = self._call("POST", "/api/v1/messages", params=params, json=dict(document))
        body = response.json()
        return Submission(uuid.UUID(body["id"]), uuid.UUID(body["case_id"]), body["status"])

    def submit_sed(
        self,
        sed: Mapping[str, Any],
        *,
        recipient: str,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
        version: int = 1,
        action: str = "new",
        protected_person: bool = False,
    ) -> Submission:
        """Hand a SED (the parsed JSON of one of the EU's documents) to the node, which sends
        the schema 2.0 document it makes of it. ``losses`` in the answer lists each value of
        the SED that document has no place for; a SED the node cannot read, or whose document
        is not valid, is refused (422, each issue pointing into the SED)."""
        response = self._call(
            "POST",
            "/api/v1/messages",
            params=self._submit_params(
                recipient, case_id, in_reply_to, document_set_id, version, action, protected_person
            ),
            content=json.dumps(dict(sed), ensure_ascii=False).encode(),
            headers={"Content-Type": SED_MEDIA_TYPE},
        )
        body = response.json()
        return Submission(
            uuid.UUID(body["id"]),
            uuid.UUID(body["case_id"]),
            body["status"],
            tuple(
                SedLoss(str(loss["path"]), str(loss["reason"])) for loss in body.get("losses", ())
            ),
        )

    def message(self, message_id: uuid.UUID) -> MessageView:
        return MessageView.parse(self._call("GET", f"/api/v1/messages/{message_id}").json())

    def case(self, case_id: uuid.UUID) -> CaseView:
        body = self._call("GET", f"/api/v1/cases/{case_id}").json()
        return CaseView(
            id=uuid.UUID(body["id"]),
            case_type=body["case_type"],
            messages=tuple(MessageView.parse(m) for m in body["messages"]),
        )

    def wait_for(
        self, message_id: uuid.UUID, statuses: Collection[str], *, timeout: float = 60.0
    ) -> MessageView:
        """Poll until the message reaches one of ``statuses``; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            view = self.message(message_id)
            if view.status in statuses:
                return view
            if time.monotonic() > deadline:
                raise TimeoutError(f"message {message_id} is still {view.status}")
            time.sleep(0.1)

    def inbox(self, *, after: int = 0, limit: int = 50, wait: float = 0) -> InboxPage:
        """Received documents after the cursor; ``wait`` long-polls up to that many seconds."""
        body = self._call(
            "GET",
            "/api/v1/inbox",
            params={"after": after, "limit": limit, "wait": wait},
            timeout=wait + 30,
        ).json()
        return InboxPage(
            items=tuple(
                InboxItem(
                    id=uuid.UUID(item["id"]),
                    cursor=int(item["cursor"]),
                    case_id=uuid.UUID(item["case_id"]),
                    case_type=item["case_type"],
                    sender=item["sender"],
                    document_type=item["document_type"],
                    in_reply_to=uuid.UUID(item["in_reply_to"]) if item["in_reply_to"] else None,
                )
                for item in body["items"]
            ),
            next=int(body["next"]),
        )

    def document(self, message_id: uuid.UUID) -> bytes:
        """The verified XML document of a received message."""
        return self._call(
            "GET",
            f"/api/v1/inbox/{message_id}/document",
            headers={"Accept": "application/xml"},
        ).content

    def document_json(self, message_id: uuid.UUID) -> Mapping[str, Any]:
        """The same document in its JSON form."""
        body: Mapping[str, Any] = self._call(
            "GET",
            f"/api/v1/inbox/{message_id}/document",
            headers={"Accept": "application/json"},
        ).json()
        return body

    def document_as_sed(self, message_id: uuid.UUID) -> ReceivedSed:
        """The same document as a SED, with what the SED has no field for.

        A document no SED type fits is refused by the node (406). A node that does not write
        SEDs answers with another media type: that is a :class:`GatewayApiError` too
        (``not-a-sed``), rather than a document the caller would misread.
        """
        response = self._call(
            "GET",
            f"/api/v1/inbox/{message_id}/document",
            headers={"Accept": SED_MEDIA_TYPE},
        )
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

    def acknowledge(self, message_id: uuid.UUID) -> None:
        """Tell the node the back-office has taken the document; it leaves the inbox."""
        self._call("POST", f"/api/v1/inbox/{message_id}/ack")
