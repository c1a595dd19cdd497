"""The life of a message, as a small state machine.

Outbound::

    accepted --publish confirmed--> sent --receipt--> delivered
        |                            |  \\--rejection--> rejected
        |                            \\--no receipt after the last attempt, or expired--> failed
        \\--expired before any send---------------------------------------------> failed
    failed --operator retry--> accepted;  failed --late receipt--> delivered

Inbound::

    received (waiting in the back-office inbox) --back-office ack--> acknowledged
    (a message that fails a check is stored as refused; its sender gets a signed rejection)
"""

from __future__ import annotations

import enum

__all__ = ["Direction", "IllegalTransition", "MessageStatus", "check_transition"]


class Direction(enum.StrEnum):
    OUT = "out"
    IN = "in"


class MessageStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    FAILED = "failed"
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"

    @property
    def is_final(self) -> bool:
        return not _TRANSITIONS[self] or self is MessageStatus.FAILED


_TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    # A receipt can arrive before the broker's confirm of the publish has been recorded.
    MessageStatus.ACCEPTED: frozenset(
        {
            MessageStatus.SENT,
            MessageStatus.FAILED,
            MessageStatus.DELIVERED,
            MessageStatus.REJECTED,
        }
    ),
    MessageStatus.SENT: frozenset(
        {
            MessageStatus.SENT,
            MessageStatus.DELIVERED,
            MessageStatus.REJECTED,
            MessageStatus.FAILED,
        }
    ),
    MessageStatus.DELIVERED: frozenset(),
    MessageStatus.REJECTED: frozenset(),
    # A receipt that arrives after the message was given up still proves delivery.
    MessageStatus.FAILED: frozenset(
        {MessageStatus.ACCEPTED, MessageStatus.DELIVERED, MessageStatus.REJECTED}
    ),
    MessageStatus.RECEIVED: frozenset({MessageStatus.ACKNOWLEDGED}),
    MessageStatus.ACKNOWLEDGED: frozenset(),
    MessageStatus.REFUSED: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow."""


def check_transition(current: MessageStatus, new: MessageStatus) -> None:
    if new not in _TRANSITIONS[current]:
        raise IllegalTransition(f"a message cannot go from {current.value} to {new.value}")
