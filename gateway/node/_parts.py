"""What every job of a node works with, and the message row they all write.

The jobs (submitting, relaying, receiving, upkeep) are apart, but they share the node's
settings, keys, directory, store, metrics and clock. They read them from the node itself at
each call, so that a reloaded directory or replaced metrics reach every job at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from gateway.config import NodeSettings
from gateway.directory import Directory
from gateway.documents import DocumentType, EnvelopeHeader
from gateway.exchange import Credentials, Direction, MessageStatus
from gateway.node._metrics import NodeMetrics
from gateway.store import MessageRecord, Store

if TYPE_CHECKING:
    # Only named here: the case book itself tells technical documents apart with this module.
    from gateway.node._cases import CaseBook
    from gateway.node._persons import Persons

__all__ = ["TECHNICAL", "TECHNICAL_NAMES", "NodeParts", "message_record"]

#: Receipts and rejections: they answer a message and expect no answer of their own.
TECHNICAL = frozenset({DocumentType.RECEIPT, DocumentType.REJECTION})
TECHNICAL_NAMES = frozenset(t.root_name for t in TECHNICAL)


class NodeParts(Protocol):
    """The node as its jobs see it (:class:`gateway.node.Node` is one)."""

    settings: NodeSettings
    credentials: Credentials
    directory: Directory
    store: Store
    metrics: NodeMetrics
    cases: CaseBook
    persons: Persons
    clock: Callable[[], dt.datetime]

    def kick(self) -> None:
        """Wake the relay: something was queued."""

    def inbox_changed(self) -> None:
        """Wake whoever waits for the inbox: a received document entered it."""


def message_record(
    header: EnvelopeHeader,
    direction: Direction,
    status: MessageStatus,
    *,
    sealed: bytes,
    digest: str,
    now: dt.datetime,
) -> MessageRecord:
    """A message row from its signed header; ``partner`` is the other institution."""
    return MessageRecord(
        message_id=header.message_id,
        direction=direction,
        case_id=header.case_id,
        case_type=header.case_type.value,
        in_reply_to=header.in_reply_to,
        document_set_id=header.document_set_id,
        document_version=header.document_version,
        action=header.action.value,
        sender=header.sender,
        recipient=header.recipient,
        partner=header.recipient if direction is Direction.OUT else header.sender,
        document_type=header.document_type.root_name,
        schema_version=header.schema_version,
        status=status,
        created_at=now,
        updated_at=now,
        expires_at=header.expires,
        size=len(sealed),
        digest=digest,
        sealed=sealed,
    )
