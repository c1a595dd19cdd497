"""Submits under an idempotency key: the key, and the answer a retry of the submit gets again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.store import IdempotencyKey, MessageRecord

__all__ = ["Answer", "Idempotency"]


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to a submit as the API sent it: its status, ``Location`` and body."""

    status: int
    location: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A submit under an idempotency key. ``answer`` makes the submit's answer from the
    message it stores: the node keeps that answer with the key, in the message's transaction."""

    key: IdempotencyKey
    answer: Callable[[MessageRecord], Answer]
