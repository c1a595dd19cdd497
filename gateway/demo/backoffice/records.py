"""What a reference back-office keeps of its work: what it sent, was refused, received and
decided, for the demo's summary and for tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from gateway.demo.backoffice.decisions import ClaimDecision

__all__ = ["DecisionRecord", "LodgedClaim", "Received", "Refusal", "Sent"]


@dataclass(frozen=True, slots=True)
class Sent:
    """A document the back-office handed to its node."""

    message_id: uuid.UUID
    case_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A document the node refused to send: the problem's status, code and detail."""

    document_type: str
    sender: str
    recipient: str
    status: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Received:
    """A document taken from the node's inbox."""

    message_id: uuid.UUID
    case_id: uuid.UUID
    document_type: str
    sender: str
    in_reply_to: uuid.UUID | None
    document: bytes


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision this institution made on a claim. ``sent_to`` names the institutions it
    went to: the claim's sender, or for a claim lodged here (whose decision is the claimant's)
    the institutions the claim was passed on to, so they know it too."""

    case_id: uuid.UUID
    decision: ClaimDecision
    sent_to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LodgedClaim:
    """A claim passed on to the other countries: the case, and each recipient's outcome."""

    case_id: uuid.UUID | None
    sent: tuple[Sent, ...]
    refused: tuple[Refusal, ...]
