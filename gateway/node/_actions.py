"""What operators do to a node, from the console or the command line: each rule written once.

The console records its audit event before it acts; the command line acts on the store of a
node that may be running elsewhere, whose relay then finds what was queued.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from gateway.errors import GatewayError
from gateway.exchange import Direction, MessageStatus
from gateway.store import MessageRecord, Role, Store, Trace

__all__ = ["Actions", "NotRetryable", "retryable"]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _nothing() -> None:
    """No relay to wake: the node that sends is another process."""


class NotRetryable(GatewayError):
    """The message named is not a failed message this node sent."""

    code = "not-retryable"


def retryable(record: MessageRecord) -> bool:
    """Whether an operator may send a message again: only a failed message this node sent.

    A received message is never sent, and one still moving or settled has nothing to retry.
    """
    return record.direction is Direction.OUT and record.status is MessageStatus.FAILED


class Actions:
    """The operators' actions on one node's store."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
        wake: Callable[[], None] = _nothing,
    ) -> None:
        self._store = store
        self._clock = clock
        self._wake = wake

    def retry(self, record: MessageRecord, *, by: str) -> MessageRecord:
        """Send a failed message again: same id, same sealed bytes, attempts counted anew;
        ``by`` says who asked, for its trace.

        Raises :class:`NotRetryable` unless :func:`retryable`, :class:`IllegalTransition` or
        :class:`KeyError` when the message changed or went meanwhile, and
        :class:`PayloadPurged` when retention removed the bytes to send.
        """
        if not retryable(record):
            raise NotRetryable(
                f"message {record.message_id} is {record.status.value}; "
                "only failed messages are retried"
            )
        assert record.id is not None
        requeued = self._store.requeue(record.id, now=self._clock(), trace=Trace("retried", by))
        self._wake()
        return requeued

    def retry_sent(self, message_id: uuid.UUID, *, by: str) -> MessageRecord:
        """:meth:`retry` the message this node sent with this id."""
        record = self._store.sent_message(message_id)
        if record is None:
            raise NotRetryable(f"no sent message has the id {message_id}")
        return self.retry(record, by=by)

    def create_api_key(self, name: str, role: Role = Role.OPERATOR) -> str:
        """Register a back-office system; returns its key, which is shown once, not kept.
        Only an auditor's key reads personal data (full evidence bundles, protected persons)."""
        return self._store.create_api_client(name, self._clock(), role)

    def revoke_api_key(self, name: str) -> bool:
        """Revoke a back-office system's key at once; False when none active has that name."""
        return self._store.revoke_api_client(name, self._clock())
