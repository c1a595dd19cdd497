"""Consuming one queue with manual acknowledgements, resubscribing after every reconnection."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from types import MappingProxyType
from typing import Any

import aiormq
import aiormq.abc
from aio_pika.abc import AbstractRobustChannel
from pamqp.commands import Basic
from pamqp.common import FieldTable

from gateway.errors import TransportError
from gateway.transport._errors import translated
from gateway.transport._messages import (
    ORIGINAL_QUEUE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    REASON_HEADER,
    RECIPIENT_HEADER,
    SENDER_HEADER,
    IncomingDelivery,
    int_or_zero,
    read_deaths,
    read_headers,
    text_or_empty,
)
from gateway.transport._publisher import PERSISTENT, Publisher
from gateway.transport._settings import TransportSettings
from gateway.transport._topology import TopologyWatch

log = logging.getLogger("gateway.transport")

DeliveryHandler = Callable[[IncomingDelivery], Awaitable[None]]
"""Receives each delivery; settles it with ack, reject_to_dead_letter or requeue."""

_MAX_REASON = 1024
_MAX_BACKOFF = 30.0


class _Settlement:
    """Sends the one answer a delivery gets, on the channel that delivered it."""

    def __init__(self, consumer: Consumer, message: aiormq.abc.DeliveredMessage) -> None:
        self._consumer = consumer
        self._message = message
        self._state = "pending"

    @property
    def settled(self) -> bool:
        return self._state == "settled"

    def _begin(self) -> None:
        if self._state != "pending":
            # A second answer for one delivery tag would make the broker close the channel.
            raise RuntimeError(f"this delivery is already {self._state}")
        self._state = "settling"

    async def ack(self) -> None:
        self._begin()
        await self._send_ack()

    async def requeue(self) -> None:
        self._begin()
        try:
            with translated(self._consumer._settings, "requeue a delivery"):
                await self._message.channel.basic_nack(self._tag(), requeue=True)
        finally:
            self._state = "settled"

    async def dead_letter(self, reason: str) -> None:
        reason = " ".join(reason.split())[:_MAX_REASON]
        if not reason:
            raise ValueError("a dead-letter reason must not be empty")
        self._begin()
        try:
            await self._consumer._publish_dead_letter(self._message, reason)
        except BaseException:
            self._state = "pending"
            raise
        # Only now: the confirmed copy is in the dead-letter queue. If this ack is lost the
        # original comes back and is dead-lettered again: a duplicate there, never a loss.
        await self._send_ack()

    async def _send_ack(self) -> None:
        try:
            with translated(self._consumer._settings, "acknowledge a delivery"):
                await self._message.channel.basic_ack(self._tag())
        finally:
            # Even when the ack could not be sent: the broker will deliver the message again,
            # and this delivery tag must not be answered a second time.
            self._state = "settled"

    def _tag(self) -> int:
        tag = self._message.delivery_tag
        if tag is None:
            raise RuntimeError("a consumed message has a delivery tag")
        return tag


class Consumer:
    """Consumes one queue with manual acks and ``prefetch`` deliveries in flight.

    Made by :meth:`ReconnectingBus.consume`. Each delivery runs ``handler`` in its own task,
    so up to ``prefetch`` handlers run at once. The handler settles the delivery. If it raises,
    or returns without settling, the delivery is requeued after ``requeue_delay``; the quorum
    queue's delivery limit then dead-letters a message that keeps failing.
    """

    def __init__(
        self,
        channel: AbstractRobustChannel,
        queue: str,
        handler: DeliveryHandler,
        settings: TransportSettings,
        publisher: Publisher,
        topology: TopologyWatch,
    ) -> None:
        self._channel = channel
        self._queue = queue
        self._handler = handler
        self._settings = settings
        self._publisher = publisher
        self._topology = topology
        self._tag = f"ssgw.{uuid.uuid4().hex}"
        self._resubscribe = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._stopped = False

    @property
    def queue(self) -> str:
        """The queue this consumer reads."""
        return self._queue

    async def start(self) -> None:
        """Subscribe now; raise TopologyMismatch if the queue is missing, and so on."""
        with translated(self._settings, f"set the prefetch of {self._queue!r}"):
            async with asyncio.timeout(self._settings.operation_timeout):
                await self._channel.set_qos(prefetch_count=self._settings.prefetch)
        await self._subscribe()
        self._channel.reopen_callbacks.add(self._on_reopen)
        self._supervisor = asyncio.create_task(
            self._keep_subscribed(), name=f"ssgw consumer {self._queue}"
        )

    async def stop(self, drain_timeout: float | None = None) -> None:
        """Stop receiving, let running handlers finish (up to ``drain_timeout``), close.

        Deliveries not settled by then go back to the queue when the channel closes.
        """
        if self._stopped:
            return
        self._stopped = True
        self._channel.reopen_callbacks.discard(self._on_reopen)
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
        try:
            with translated(self._settings, f"cancel the consumer of {self._queue!r}"):
                async with asyncio.timeout(self._settings.operation_timeout):
                    channel = await self._channel.get_underlay_channel()
                    if not channel.is_closed:
                        await channel.basic_cancel(self._tag)
        except TransportError as exc:
            log.info("consumer of %s not cancelled cleanly: %s", self._queue, exc.detail)
        pending = set(self._handlers)
        if pending:
            timeout = self._settings.operation_timeout if drain_timeout is None else drain_timeout
            _, late = await asyncio.wait(pending, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        try:
            with translated(self._settings, f"close the channel of {self._queue!r}"):
                await self._channel.close()
        except TransportError as exc:
            log.info("channel of %s not closed cleanly: %s", self._queue, exc.detail)

    def _on_reopen(self, _channel: object) -> None:
        # Called inside aio-pika's channel restore; the work happens in the supervisor task,
        # since the restore is not finished (and the channel not ready) until this returns.
        self._resubscribe.set()

    def _on_cancelled(self, frame: Basic.Cancel) -> None:
        if frame.consumer_tag == self._tag and not self._stopped:
            log.warning("the broker cancelled the consumer of %s", self._queue)
            self._resubscribe.set()

    async def _subscribe(self) -> None:
        with translated(self._settings, f"consume from {self._queue!r}"):
            async with asyncio.timeout(self._settings.operation_timeout):
                await self._channel.ready()
                channel = await self._channel.get_underlay_channel()
                if isinstance(channel, aiormq.Channel) and self._tag in channel.consumers:
                    return
                channel.on_consumer_cancel_callbacks.add(self._on_cancelled)
                await channel.basic_consume(self._queue, self._on_message, consumer_tag=self._tag)

    async def _keep_subscribed(self) -> None:
        while True:
            await self._resubscribe.wait()
            backoff = self._settings.reconnect_interval
            while True:
                self._resubscribe.clear()
                try:
                    async with asyncio.timeout(self._settings.operation_timeout):
                        await self._topology.ready.wait()
                except TimeoutError:
                    pass
                try:
                    await self._subscribe()
                except TransportError as exc:
                    self._topology.request_if_missing(exc)
                    log.warning(
                        "resubscribing to %s failed, retrying in %g s: %s",
                        self._queue,
                        backoff,
                        exc.detail,
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    continue
                log.info("consuming from %s again", self._queue)
                break

    async def _on_message(self, message: aiormq.abc.DeliveredMessage) -> None:
        # aiormq runs this in a task it cancels when the channel closes. The handler runs in
        # a task of ours instead, so a dropped connection does not cancel the node's work
        # half-way (say, inside a database transaction): the handler finishes, its ack fails
        # with BrokerUnavailable, and the broker delivers the message again.
        task = asyncio.create_task(self._handle(message), name=f"ssgw delivery {self._queue}")
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _handle(self, message: aiormq.abc.DeliveredMessage) -> None:
        settlement = _Settlement(self, message)
        message_id = text_or_empty(message.header.properties.message_id)
        try:
            await self._handler(_delivery(message, self._queue, settlement))
        except Exception:
            log.warning(
                "handler failed for message %r from %s; requeue in %g s",
                message_id,
                self._queue,
                self._settings.requeue_delay,
                exc_info=True,
            )
        else:
            if settlement.settled:
                return
            log.warning(
                "handler returned without settling message %r from %s; requeue in %g s",
                message_id,
                self._queue,
                self._settings.requeue_delay,
            )
        # A pause, so a fault that lasts a while (database down) is not retried in a hot loop.
        await asyncio.sleep(self._settings.requeue_delay)
        if settlement.settled:
            return
        try:
            await settlement.requeue()
        except (TransportError, RuntimeError) as exc:
            # The channel is gone or the handler settled meanwhile; the broker redelivers
            # whatever was not acknowledged.
            log.info("requeue of message %r not sent: %s", message_id, exc)

    async def _publish_dead_letter(self, message: aiormq.abc.DeliveredMessage, reason: str) -> None:
        # A copy with the reason, published with a confirm; see _Settlement.dead_letter.
        original = message.header.properties
        headers = _encodable(original.headers) if isinstance(original.headers, dict) else {}
        routing_key = text_or_empty(message.routing_key)
        headers[REASON_HEADER] = reason
        headers[ORIGINAL_QUEUE_HEADER] = self._queue
        headers[ORIGINAL_ROUTING_KEY_HEADER] = routing_key
        # The original's user id and expiration are left out: the broker refuses a user id
        # other than ours, and the copy must not expire in the dead-letter queue. Malformed
        # values (not text where text belongs) are left out too, as they cannot be re-encoded.
        properties = Basic.Properties(
            content_type=_text_or_none(original.content_type),
            content_encoding=_text_or_none(original.content_encoding),
            headers=headers,
            delivery_mode=PERSISTENT,
            priority=original.priority if isinstance(original.priority, int) else None,
            correlation_id=_text_or_none(original.correlation_id),
            reply_to=_text_or_none(original.reply_to),
            message_id=_text_or_none(original.message_id),
            timestamp=original.timestamp if isinstance(original.timestamp, dt.datetime) else None,
            message_type=_text_or_none(original.message_type),
            app_id=_text_or_none(original.app_id),
        )
        await self._publisher._publish_raw(
            exchange=self._settings.dead_letter_exchange,
            routing_key=routing_key,
            body=message.body,
            properties=properties,
            action=f"dead-letter message {text_or_empty(original.message_id)!r}",
        )


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _encodable(table: dict[Any, Any]) -> FieldTable:
    """A received headers table that pamqp can encode again (its decoder yields bytes for
    strings that are not UTF-8, which its encoder refuses)."""

    def value_of(value: object) -> Any:
        if isinstance(value, bytes):
            return bytearray(value)
        if isinstance(value, dict):
            return _encodable(value)
        if isinstance(value, list):
            return [value_of(item) for item in value]
        return value

    return {
        key if isinstance(key, str) else bytes(key).decode("utf-8", "replace"): value_of(value)
        for key, value in table.items()
    }


def _delivery(
    message: aiormq.abc.DeliveredMessage, queue: str, settlement: _Settlement
) -> IncomingDelivery:
    properties = message.header.properties
    raw_headers = properties.headers if isinstance(properties.headers, dict) else {}
    headers = read_headers(raw_headers)
    timestamp = properties.timestamp
    return IncomingDelivery(
        body=bytes(message.body),
        message_id=text_or_empty(properties.message_id),
        correlation_id=text_or_empty(properties.correlation_id),
        type=text_or_empty(properties.message_type),
        sender=headers.pop(SENDER_HEADER, ""),
        recipient=headers.pop(RECIPIENT_HEADER, ""),
        routing_key=text_or_empty(message.routing_key),
        headers=MappingProxyType(headers),
        queue=queue,
        exchange=text_or_empty(message.exchange),
        redelivered=bool(getattr(message.delivery, "redelivered", False)),
        delivery_count=int_or_zero(raw_headers.get("x-delivery-count")),
        deaths=read_deaths(raw_headers.get("x-death")),
        timestamp=timestamp if isinstance(timestamp, dt.datetime) else None,
        content_type=text_or_empty(properties.content_type),
        app_id=text_or_empty(properties.app_id),
        _settlement=settlement,
    )
