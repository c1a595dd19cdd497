"""The running node on the bus: consumer, outbox relay and upkeep in one asyncio process.

The node (``_service``) does the work in worker threads; this module only moves bytes
between it and the bus, and settles each delivery after the service's transaction committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence

from gateway.config import NodeSettings
from gateway.errors import GatewayError, StoreUnavailable, TransportError
from gateway.node._cases import CASE_READ_DOCUMENTS
from gateway.node._inbound import Arrival, Verdict
from gateway.node._relay import Dispatch
from gateway.node._service import Node
from gateway.node._tracing import MessageIdentity, Tracing
from gateway.store import Retention
from gateway.transport import (
    BusMessage,
    Consumer,
    IncomingDelivery,
    Publisher,
    ReconnectingBus,
    TransportSettings,
)

__all__ = ["NodeRuntime", "publish_dispatches", "transport_settings"]

log = logging.getLogger("gateway.node")

_RELAY_BATCH = 256


def transport_settings(settings: NodeSettings) -> TransportSettings:
    return TransportSettings(
        amqp_url=settings.amqp_url,
        failover_urls=tuple(settings.amqp_failover_urls),
        exchange=settings.exchange,
        queue_prefix=settings.queue_prefix,
        dead_letter_exchange=settings.dead_letter_exchange,
        prefetch=settings.prefetch,
        confirm_window=settings.confirm_window,
        delivery_limit=settings.delivery_limit,
        connect_timeout=settings.broker_connect_timeout_seconds,
        operation_timeout=settings.broker_operation_timeout_seconds,
        reconnect_interval=settings.broker_reconnect_interval_seconds,
        requeue_delay=settings.requeue_delay_seconds,
        declare_topology=settings.declare_topology,
    )


class NodeRuntime:
    """Connects a :class:`Node` to the bus: consumes its queue and relays its outbox."""

    def __init__(self, node: Node, tracing: Tracing | None = None) -> None:
        self.node = node
        # No-op unless a tracer provider is given or configured (``otel_endpoint``).
        self.tracing = tracing or Tracing(node.institution)
        own = node.directory.institution(node.institution).routing_key
        # A node that may configure the broker declares every institution's queue, so messages
        # for a partner whose node is down wait in the partner's queue; a fenced node checks
        # only its own.
        keys = (
            sorted(i.routing_key for i in node.directory.institutions.values())
            if node.settings.declare_topology
            else [own]
        )
        self.bus = ReconnectingBus(
            transport_settings(node.settings),
            routing_keys=keys,
            connection_name=f"ssgw node {node.institution}",
        )
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._relay: asyncio.Task[None] | None = None
        self._reconciler: asyncio.Task[None] | None = None
        self._directory_watch: asyncio.Task[None] | None = None
        self._retention: asyncio.Task[None] | None = None
        self._anchoring: asyncio.Task[None] | None = None
        self._consumer: Consumer | None = None

    async def start(self) -> None:
        """Connect, declare the topology, start consuming and relaying."""
        loop = asyncio.get_running_loop()

        def wake() -> None:
            loop.call_soon_threadsafe(self._wake.set)

        self.node.on_new_work(wake)
        await self.bus.start()
        routing_key = self.node.directory.institution(self.node.institution).routing_key
        self._consumer = await self.bus.consume(routing_key, self._on_delivery)
        self._relay = asyncio.create_task(self._relay_loop(), name="ssgw relay")
        self._reconciler = asyncio.create_task(self._reconcile_loop(), name="ssgw reconciler")
        self._directory_watch = asyncio.create_task(self._directory_loop(), name="ssgw directory")
        settings = self.node.settings
        if settings.retention_days and settings.retention_interval_hours:
            self._retention = asyncio.create_task(self._retention_loop(), name="ssgw retention")
        if settings.tsa_url is not None:
            self._anchoring = asyncio.create_task(self._anchor_loop(), name="ssgw anchoring")
        log.info("node %s is running", self.node.institution)

    async def stop(self) -> None:
        """Stop taking deliveries, let running handlers finish, stop the relay, disconnect.

        Whatever was not finished stays on the broker (unacknowledged) or in the outbox, so
        nothing is lost: it is taken up again at the next start.
        """
        self._stopping.set()
        self._wake.set()
        for task in (self._reconciler, self._directory_watch, self._retention, self._anchoring):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._relay is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        await self.bus.close()

    async def ready(self) -> None:
        """For /readyz: raise when the broker connection is down."""
        if not self.bus.connected:
            raise TransportError(f"not connected to the broker at {self.bus.settings.broker}")

    async def _on_delivery(self, delivery: IncomingDelivery) -> None:
        identity = MessageIdentity(
            message_id=delivery.message_id,
            case_id=delivery.correlation_id,
            document_type=delivery.type,
            sender=delivery.sender,
            recipient=delivery.recipient,
        )
        with self.tracing.receiving(identity, delivery.headers):
            await self._handle_delivery(delivery)

    async def _handle_delivery(self, delivery: IncomingDelivery) -> None:
        arrival = Arrival(
            body=delivery.body,
            message_id=delivery.message_id,
            sender=delivery.sender,
            recipient=delivery.recipient,
            case_id=delivery.correlation_id,
            document_type=delivery.type,
        )
        try:
            outcome = await asyncio.to_thread(self.node.receive, arrival)
        except StoreUnavailable as error:
            # Raising makes the consumer requeue the delivery. Waiting longer each time means
            # the queue's delivery limit (20) is reached only after an outage of about 17
            # minutes; then the message is dead-lettered with its reason, not lost.
            log.warning("store unavailable, delivery returned", extra={"reason": error.detail})
            await asyncio.sleep(min(2 ** min(delivery.delivery_count, 6), 60))
            raise
        if outcome.verdict is Verdict.ACK:
            await delivery.ack()
            self._wake.set()  # a receipt or rejection was queued
        else:
            await delivery.reject_to_dead_letter(outcome.reason)

    async def _relay_loop(self) -> None:
        """Publish what is due, then sleep until the outbox's next entry falls due or this
        process queues something (``_wake``): an idle node does not poll its store."""
        while not self._stopping.is_set():
            try:
                while await self._relay_once() == _RELAY_BATCH:
                    pass
                pause = await asyncio.to_thread(self.node.relay_pause)
            except GatewayError as error:
                # The store or the broker is away: the outbox keeps everything; try again.
                log.warning("relay paused: %s", error.detail)
                pause = min(self.node.settings.relay_interval_seconds * 10, 5.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)
            self._wake.clear()

    async def _reconcile_loop(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.node.reconcile)
            except GatewayError as error:
                log.warning("reconciliation skipped: %s", error.detail)
            await asyncio.sleep(self.node.settings.reconcile_interval_seconds)

    async def _retention_loop(self) -> None:
        """Purge old payloads now and then every ``retention_interval_hours``."""
        settings = self.node.settings
        assert settings.retention_days and settings.retention_interval_hours
        retention = Retention(self.node.store.engine)
        while True:
            try:
                result = await asyncio.to_thread(
                    retention.run,
                    settings.retention_days,
                    now=self.node.clock(),
                    keep_types=CASE_READ_DOCUMENTS,
                )
                if result.purged:
                    log.info("retention purged %d payloads", result.purged)
            except GatewayError as error:
                log.warning("retention skipped: %s", error.detail)
            await asyncio.sleep(settings.retention_interval_hours * 3600)

    async def _anchor_loop(self) -> None:
        """Anchor the evidence chains when due, then sleep until the next anchor is due (or,
        after a failure, until the TSA is tried again)."""
        while True:
            try:
                run = await asyncio.to_thread(self.node.anchor)
                pause = run.next_in.total_seconds()
            except GatewayError as error:
                log.warning("anchoring skipped: %s", error.detail)
                pause = min(self.node.settings.anchor_interval_seconds, 60.0)
            await asyncio.sleep(max(pause, 1.0))

    async def _directory_loop(self) -> None:
        """Pick up a newer signed directory without a restart (rotation, revocation)."""
        path = self.node.settings.directory_file
        seen = None
        while True:
            await asyncio.sleep(self.node.settings.directory_reload_seconds)
            try:
                stamp = path.stat().st_mtime_ns
                if stamp == seen:
                    continue
                seen = stamp
                await asyncio.to_thread(self.node.reload_directory, path.read_bytes())
            except OSError as error:
                log.warning("cannot read the directory file: %s", error.strerror)
            except GatewayError as error:
                # Keep the snapshot in force; a bad file never replaces a good one.
                log.error("directory file refused: %s", error.detail)

    async def _relay_once(self) -> int:
        dispatches = await asyncio.to_thread(self.node.due, _RELAY_BATCH)
        if not dispatches:
            return 0
        started = time.perf_counter()
        results = await publish_dispatches(self.bus.publisher, self.tracing, dispatches)
        self.node.metrics.observe_batch("publish", time.perf_counter() - started, len(dispatches))
        await asyncio.to_thread(self._settle_publishes, dispatches, results)
        return len(dispatches)

    def _settle_publishes(
        self, dispatches: list[Dispatch], results: list[TransportError | None]
    ) -> None:
        confirmed = [d for d, error in zip(dispatches, results, strict=True) if error is None]
        if confirmed:
            self.node.published(*confirmed)
        for dispatch, error in zip(dispatches, results, strict=True):
            if error is not None:
                self.node.publish_failed(dispatch, error.detail)


async def publish_dispatches(
    publisher: Publisher, tracing: Tracing, dispatches: Sequence[Dispatch]
) -> list[TransportError | None]:
    """Publish a relay batch with publisher confirms, each message in a span of its own whose
    context travels in the AMQP headers; what went wrong with each, or None."""
    spans = tracing.start_publishing([_identity(d) for d in dispatches])
    results = await publisher.publish_many(
        [_bus_message(d, span.headers) for d, span in zip(dispatches, spans, strict=True)]
    )
    for span, error in zip(spans, results, strict=True):
        span.finish(None if error is None else error.detail)
    return results


def _identity(dispatch: Dispatch) -> MessageIdentity:
    return MessageIdentity(
        message_id=dispatch.message_id,
        case_id=dispatch.case_id,
        document_type=dispatch.document_type,
        sender=dispatch.sender,
        recipient=dispatch.recipient,
    )


def _bus_message(dispatch: Dispatch, headers: Mapping[str, str]) -> BusMessage:
    return BusMessage(
        body=dispatch.body,
        message_id=dispatch.message_id,
        correlation_id=dispatch.case_id,
        type=dispatch.document_type,
        sender=dispatch.sender,
        recipient=dispatch.recipient,
        routing_key=dispatch.routing_key,
        headers=headers,
    )
