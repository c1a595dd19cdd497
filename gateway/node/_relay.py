"""Relaying: the outbox's due messages handed to the runtime to publish, and what the broker
said of each publish recorded."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from gateway.errors import GatewayError
from gateway.exchange import MessageStatus
from gateway.node._parts import TECHNICAL_NAMES, NodeParts
from gateway.store import Attempt, MessageRecord, Trace

__all__ = ["Dispatch", "Relay"]

log = logging.getLogger("gateway.node")

_PUBLISH_RETRY_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A message the relay should publish now; ``attempts`` is the number of its publishes
    confirmed before this one, as the claim found it."""

    pk: int
    body: bytes
    message_id: str
    case_id: str
    document_type: str
    sender: str
    recipient: str
    routing_key: str
    attempts: int = 0


class Relay:
    """The outbox as the runtime's relay sees it."""

    def __init__(self, node: NodeParts) -> None:
        self._node = node

    def due(self, limit: int) -> list[Dispatch]:
        """See :meth:`gateway.node.Node.due`."""
        node = self._node
        now = node.clock()
        dispatches: list[Dispatch] = []
        lease = dt.timedelta(seconds=node.settings.relay_lease_seconds)
        with node.metrics.stage("database"):
            due = node.store.claim_due(now, limit, lease=lease)
        for record in due:
            assert record.id is not None
            if now >= record.expires_at:
                self._fail(record, "expired", "the message expired before a receipt came", now)
                continue
            if record.attempts >= node.settings.max_attempts:
                self._fail(
                    record,
                    "no-receipt",
                    f"no receipt after {record.attempts} attempts",
                    now,
                )
                continue
            try:
                routing_key = node.directory.institution(record.recipient).routing_key
            except GatewayError as error:
                self._fail(record, error.code, error.detail, now)
                continue
            dispatches.append(
                Dispatch(
                    pk=record.id,
                    body=record.sealed,
                    message_id=str(record.message_id),
                    case_id=str(record.case_id),
                    document_type=record.document_type,
                    sender=record.sender,
                    recipient=record.recipient,
                    routing_key=routing_key,
                    attempts=record.attempts,
                )
            )
        return dispatches

    def pause(self) -> float:
        """See :meth:`gateway.node.Node.relay_pause`."""
        settings = self._node.settings
        due = self._node.store.next_due_at()
        if due is None:
            return settings.relay_idle_seconds
        wait = (due - self._node.clock()).total_seconds()
        return min(max(wait, settings.relay_interval_seconds), settings.relay_idle_seconds)

    def _fail(self, record: MessageRecord, code: str, detail: str, now: dt.datetime) -> None:
        assert record.id is not None
        self._node.store.change_status(
            record.id,
            MessageStatus.FAILED,
            now=now,
            trace=Trace("failed", detail),
            error_code=code,
            error_detail=detail,
        )
        self._node.metrics.message("out", record.document_type, record.recipient, "failed")
        log.warning("message failed", extra={"message_id": str(record.message_id), "code": code})

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long to wait for a receipt after the ``attempts``-th send."""
        settings = self._node.settings
        seconds = settings.receipt_timeout_seconds * 2 ** max(attempts - 1, 0)
        return dt.timedelta(seconds=min(seconds, settings.retry_backoff_max_seconds))

    def published(self, dispatches: tuple[Dispatch, ...]) -> None:
        """See :meth:`gateway.node.Node.published`."""
        node = self._node
        now = node.clock()
        started = time.perf_counter()
        attempts = []
        for dispatch in dispatches:
            attempt = dispatch.attempts + 1
            # A receipt or rejection expects no receipt of its own: nothing to wait for.
            technical = dispatch.document_type in TECHNICAL_NAMES
            attempts.append(
                Attempt(
                    dispatch.pk,
                    next_due=None if technical else now + self.backoff(attempt),
                    trace=Trace("sent", f"attempt {attempt}, confirmed by the broker"),
                )
            )
        node.store.record_attempts(attempts, now=now)
        node.metrics.observe_batch("database", time.perf_counter() - started, len(dispatches))
        for dispatch in dispatches:
            if dispatch.attempts == 0:
                node.metrics.message("out", dispatch.document_type, dispatch.recipient, "sent")
            else:
                node.metrics.resends.inc()

    def publish_failed(self, dispatch: Dispatch, reason: str) -> None:
        """See :meth:`gateway.node.Node.publish_failed`."""
        now = self._node.clock()
        self._node.store.postpone(
            dispatch.pk,
            due_at=now + dt.timedelta(seconds=_PUBLISH_RETRY_SECONDS),
            trace=Trace("publish-failed", reason),
            now=now,
        )
