"""What a node's API answers, as the clients hand it over: typed views of its documents, and
the refusal of a request."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "SED_LOSS_HEADER",
    "SED_MEDIA_TYPE",
    "CaseView",
    "GatewayApiError",
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

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Submission:
        return cls(
            uuid.UUID(data["id"]),
            uuid.UUID(data["case_id"]),
            data["status"],
            tuple(
                SedLoss(str(loss["path"]), str(loss["reason"])) for loss in data.get("losses", ())
            ),
        )


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

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> CaseView:
        return cls(
            id=uuid.UUID(data["id"]),
            case_type=data["case_type"],
            messages=tuple(MessageView.parse(m) for m in data["messages"]),
        )


@dataclass(frozen=True, slots=True)
class InboxItem:
    id: uuid.UUID
    cursor: int
    case_id: uuid.UUID
    case_type: str
    sender: str
    document_type: str
    in_reply_to: uuid.UUID | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> InboxItem:
        return cls(
            id=uuid.UUID(data["id"]),
            cursor=int(data["cursor"]),
            case_id=uuid.UUID(data["case_id"]),
            case_type=data["case_type"],
            sender=data["sender"],
            document_type=data["document_type"],
            in_reply_to=uuid.UUID(data["in_reply_to"]) if data["in_reply_to"] else None,
        )


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: tuple[InboxItem, ...]
    next: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> InboxPage:
        return cls(tuple(InboxItem.parse(item) for item in data["items"]), int(data["next"]))
