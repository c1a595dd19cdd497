"""Publishing with publisher confirms: a publish returns only once the broker has the message."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

import aiormq.abc
from aio_pika.abc import AbstractRobustChannel
from pamqp.commands import Basic

from gateway.errors import (
    BrokerUnavailable,
    MessageUnroutable,
    PublishRefused,
    TopologyMismatch,
    TransportError,
)
from gateway.transport._errors import translated
from gateway.transport._messages import APP_ID, CONTENT_TYPE, BusMessage
from gateway.transport._settings import TransportSettings
from gateway.transport._topology import TopologyWatch

PERSISTENT = 2
_RESTORE_POLL = 0.05


class Publisher:
    """Publishes to the network exchange on one confirm channel; made by ReconnectingBus.

    Every publish is persistent and mandatory: the broker either confirms it is stored in a
    bound queue, or the call raises. Safe to call from many tasks at once.
    """

    def __init__(
        self,
        channel: AbstractRobustChannel,
        settings: TransportSettings,
        topology: TopologyWatch | None = None,
    ) -> None:
        self._channel = channel
        self._settings = settings
        self._topology = topology or TopologyWatch()
        self._closed = False

    async def publish(self, message: BusMessage) -> None:
        """Publish ``message`` and wait for the broker's confirm.

        Raises MessageUnroutable (no queue bound for the routing key), PublishRefused (nack),
        BrokerUnavailable (no connection within ``operation_timeout``, or lost before the
        confirm: the message may or may not have been stored, so resend with the same id).
        """
        properties = Basic.Properties(
            content_type=CONTENT_TYPE,
            delivery_mode=PERSISTENT,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            message_type=message.type,
            app_id=APP_ID,
            timestamp=dt.datetime.now(dt.UTC),
            headers=dict(message.amqp_headers()),
        )
        await self._publish_raw(
            exchange=self._settings.exchange,
            routing_key=message.routing_key,
            body=message.body,
            properties=properties,
            action=f"publish message {message.message_id!r}",
        )

    async def publish_many(self, messages: Sequence[BusMessage]) -> list[TransportError | None]:
        """Publish ``messages`` with up to ``confirm_window`` confirms outstanding at once.

        Returns one outcome per message, in order: None when the broker confirmed it, else
        the TransportError that ``publish`` raised for it. Once one publish finds the broker
        unavailable, the messages not yet sent are not attempted and get BrokerUnavailable
        too, so a batch fails in one ``operation_timeout``, not one per window. Frames leave
        in the given order, but a relay must not rely on order across retries. Message ids
        must be unique within a batch (the broker's returns are matched by message id).
        """
        ids = [message.message_id for message in messages]
        if len(set(ids)) != len(ids):
            raise ValueError("a batch must not repeat a message id")
        outcomes: list[TransportError | None] = [None] * len(messages)
        window = asyncio.Semaphore(self._settings.confirm_window)
        unavailable: list[BrokerUnavailable] = []

        async def publish_one(index: int, message: BusMessage) -> None:
            try:
                await self.publish(message)
            except TransportError as exc:
                outcomes[index] = exc
                if isinstance(exc, BrokerUnavailable):
                    unavailable.append(exc)
            finally:
                window.release()

        async with asyncio.TaskGroup() as group:
            for index, message in enumerate(messages):
                await window.acquire()
                if unavailable:
                    window.release()
                    outcomes[index] = BrokerUnavailable(
                        f"publish message {message.message_id!r}: not attempted, "
                        f"{unavailable[0].detail}"
                    )
                    continue
                group.create_task(publish_one(index, message))
        return outcomes

    async def _publish_raw(
        self,
        *,
        exchange: str,
        routing_key: str,
        body: bytes,
        properties: Basic.Properties,
        action: str,
    ) -> None:
        """Publish mandatory with a confirm; the seam's one way to put bytes on the bus."""
        if self._closed:
            raise BrokerUnavailable(f"{action}: the bus connection is closed")
        try:
            with translated(self._settings, action, routing_key=routing_key):
                async with asyncio.timeout(self._settings.operation_timeout):
                    channel = await self._open_channel()
                    result = await channel.basic_publish(
                        body,
                        exchange=exchange,
                        routing_key=routing_key,
                        properties=properties,
                        mandatory=True,
                    )
        except TopologyMismatch as exc:
            self._topology.request_if_missing(exc)
            raise
        if isinstance(result, Basic.Ack):
            return
        if isinstance(result, aiormq.abc.DeliveredMessage):
            raise MessageUnroutable(
                routing_key,
                f"{action}: the broker returned the message, no queue is bound for routing "
                f"key {routing_key!r}",
            )
        raise PublishRefused(f"{action}: the broker did not confirm the message ({result!r})")

    async def _open_channel(self) -> aiormq.abc.AbstractChannel:
        # After a reconnection the robust channel reports ready a moment before its new
        # aiormq channel replaces the closed one; publishing on the closed one would fail
        # although nothing was sent, so wait for the new one instead.
        while True:
            await self._channel.ready()
            channel = await self._channel.get_underlay_channel()
            if not channel.is_closed:
                return channel
            await asyncio.sleep(_RESTORE_POLL)

    async def close(self) -> None:
        """Refuse further publishes and close the channel."""
        self._closed = True
        with translated(self._settings, "close the publish channel"):
            await self._channel.close()
