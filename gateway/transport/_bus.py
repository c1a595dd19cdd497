"""The node's one connection to the broker, kept alive across broker restarts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import replace
from types import TracebackType

import aio_pika
from aio_pika.abc import AbstractRobustChannel

from gateway.errors import BrokerUnavailable, TransportError
from gateway.transport._consumer import Consumer, DeliveryHandler
from gateway.transport._errors import translated
from gateway.transport._failover import FailoverConnection
from gateway.transport._publisher import Publisher
from gateway.transport._settings import TransportSettings, check_routing_key
from gateway.transport._topology import TopologyWatch, declare_topology

log = logging.getLogger("gateway.transport")

_MAX_BACKOFF = 30.0


class ReconnectingBus:
    """Owns the node's robust AMQP connection and the channels opened on it.

    ``start`` connects, declares the topology for ``routing_keys`` and opens the publish
    channel. When the connection drops, aio-pika reconnects every ``reconnect_interval``
    seconds and reopens the channels; this class then declares the topology again and each
    consumer subscribes again. Publishes made while disconnected wait up to
    ``operation_timeout`` for the connection to come back.

    ``connection_name`` is shown by the broker (``rabbitmqctl list_connections``).
    """

    def __init__(
        self,
        settings: TransportSettings,
        routing_keys: Iterable[str] = (),
        *,
        connection_name: str = "ssgw",
    ) -> None:
        self._settings = settings
        self._routing_keys = tuple(check_routing_key(key) for key in routing_keys)
        self._connection_name = connection_name
        self._connection: FailoverConnection | None = None
        self._control: AbstractRobustChannel | None = None
        self._publisher: Publisher | None = None
        self._consumers: list[Consumer] = []
        self._topology = TopologyWatch()
        self._maintainer: asyncio.Task[None] | None = None

    @property
    def settings(self) -> TransportSettings:
        """The settings this bus was made with."""
        return self._settings

    @property
    def connected(self) -> bool:
        """True while the connection is open (False during a reconnection)."""
        connection = self._connection
        return connection is not None and not connection.is_closed and connection.connected.is_set()

    @property
    def publisher(self) -> Publisher:
        """The publisher on this connection's confirm channel (after ``start``)."""
        if self._publisher is None:
            raise RuntimeError("the bus is not started")
        return self._publisher

    async def start(self) -> None:
        """Connect, declare the topology and open the publish channel.

        Raises BrokerUnavailable, BrokerAccessRefused or TopologyMismatch; nothing is left
        open then.
        """
        if self._connection is not None:
            raise RuntimeError("the bus is already started")
        self._connection = await self._connect()
        try:
            self._control = await self._open_channel(confirms=False)
            await declare_topology(self._control, self._settings, self._routing_keys)
            self._topology.declared()
            self._control.reopen_callbacks.add(self._on_control_reopen)
            self._maintainer = asyncio.create_task(self._keep_topology(), name="ssgw bus topology")
            self._publisher = Publisher(
                await self._open_channel(confirms=True), self._settings, self._topology
            )
        except BaseException:
            with contextlib.suppress(TransportError):
                await self.close()
            raise
        log.info("connected to %s as %r", self._member(), self._connection_name)

    async def _connect(self) -> FailoverConnection:
        """The connection to the first member of the cluster that answers, in the order of
        the settings; raises the last member's error if none does."""
        members = (self._settings.amqp_url, *self._settings.failover_urls)
        for index in range(len(members) - 1):
            try:
                return await self._connect_to(members, index)
            except BrokerUnavailable as error:
                log.warning("trying the next broker: %s", error.detail)
        return await self._connect_to(members, len(members) - 1)

    async def _connect_to(self, members: tuple[str, ...], index: int) -> FailoverConnection:
        connection = FailoverConnection(
            members[index],
            failover=members[index + 1 :] + members[:index],
            client_properties={"connection_name": self._connection_name},
            reconnect_interval=self._settings.reconnect_interval,
        )
        # Errors name the member tried, not the first of the list.
        member = replace(self._settings, amqp_url=members[index], failover_urls=())
        try:
            with translated(member, "connect"):
                await connection.connect(timeout=self._settings.connect_timeout)
        except BaseException:
            await connection.close()
            raise
        return connection

    async def consume(self, routing_key: str, handler: DeliveryHandler) -> Consumer:
        """Start consuming the queue of ``routing_key`` on a channel of its own.

        Raises TopologyMismatch if the queue does not exist, BrokerAccessRefused if this
        broker user may not read it.
        """
        if self._publisher is None:
            raise RuntimeError("the bus is not started")
        channel = await self._open_channel(confirms=False)
        consumer = Consumer(
            channel,
            self._settings.queue_name(routing_key),
            handler,
            self._settings,
            self._publisher,
            self._topology,
        )
        try:
            await consumer.start()
        except BaseException:
            await consumer.stop()
            raise
        self._consumers.append(consumer)
        return consumer

    async def close(self) -> None:
        """Stop the consumers (running handlers may finish), close channels and connection."""
        for consumer in self._consumers:
            await consumer.stop()
        self._consumers.clear()
        if self._maintainer is not None:
            self._maintainer.cancel()
            await asyncio.gather(self._maintainer, return_exceptions=True)
            self._maintainer = None
        if self._control is not None:
            self._control.reopen_callbacks.discard(self._on_control_reopen)
        try:
            if self._publisher is not None:
                await self._publisher.close()
        except TransportError as exc:
            log.info("publish channel not closed cleanly: %s", exc.detail)
        connection, self._connection = self._connection, None
        if connection is not None:
            with translated(self._settings, "close the connection"):
                await connection.close()

    async def __aenter__(self) -> ReconnectingBus:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def _open_channel(self, *, confirms: bool) -> AbstractRobustChannel:
        connection = self._connection
        if connection is None:
            raise BrokerUnavailable("the bus is not connected")
        with translated(self._settings, "open a channel"):
            async with asyncio.timeout(self._settings.operation_timeout):
                channel = connection.channel(publisher_confirms=confirms, on_return_raises=confirms)
                await channel.initialize()
        return channel

    def _member(self) -> str:
        """The member of the cluster in use, for logs."""
        return self._settings.broker if self._connection is None else self._connection.member

    def _on_control_reopen(self, _channel: object) -> None:
        # Inside aio-pika's restore: only flag the work; the maintainer task does it.
        self._topology.request()

    async def _keep_topology(self) -> None:
        while True:
            await self._topology.stale.wait()
            backoff = self._settings.reconnect_interval
            while True:
                self._topology.stale.clear()
                try:
                    if self._control is None:
                        return
                    await declare_topology(self._control, self._settings, self._routing_keys)
                except TransportError as exc:
                    log.warning(
                        "declaring the topology again failed, retrying in %g s: %s",
                        backoff,
                        exc.detail,
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, _MAX_BACKOFF)
                    continue
                self._topology.declared()
                log.info("topology declared again on %s", self._member())
                break


async def probe(settings: TransportSettings, routing_keys: Iterable[str] = ()) -> None:
    """Check that the broker answers and the network exchange exists; for readiness checks.

    With ``routing_keys``, also check passively (declaring nothing) that the dead-letter
    exchange and those keys' queues exist. Opens and closes a short connection of its own.
    Raises BrokerUnavailable (unreachable or silent), BrokerAccessRefused (credentials) or
    TopologyMismatch (something missing); the detail names the broker's host, never the
    password.
    """
    with translated(settings, f"probe the broker at {settings.broker}"):
        connection = await aio_pika.connect(
            settings.amqp_url,
            timeout=settings.connect_timeout,
            client_properties={"connection_name": "ssgw probe"},
        )
        try:
            async with asyncio.timeout(settings.operation_timeout):
                channel = await connection.channel(publisher_confirms=False)
                amqp = await channel.get_underlay_channel()
                await amqp.exchange_declare(settings.exchange, passive=True)
            keys = list(routing_keys)
            if keys:
                await declare_topology(channel, replace(settings, declare_topology=False), keys)
        finally:
            await connection.close()
