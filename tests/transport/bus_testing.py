"""Helpers of the transport tests: sample messages, a broker inspector, recording handlers."""

from __future__ import annotations

import asyncio
import re
import struct
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import SplitResult, unquote, urlsplit

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage
from pamqp import frame
from pamqp.base import Frame
from pamqp.body import ContentBody
from pamqp.commands import Basic, Channel, Confirm, Connection
from pamqp.header import ContentHeader, ProtocolHeader

from gateway.transport import (
    BusMessage,
    IncomingDelivery,
    TransportSettings,
)
from services import SERVICES

AMQP_URL = SERVICES.amqp_url
HOME = "de.drv70001"
OTHER = "fr.cnav"
WAIT = 10.0
"""Upper bound of every wait in these tests, in seconds."""


def unique() -> str:
    return uuid.uuid4().hex[:10]


def message(routing_key: str = HOME, *, message_id: str | None = None) -> BusMessage:
    return BusMessage(
        body=b"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyJ9.sealed",
        message_id=message_id or f"msg-{unique()}",
        correlation_id="case-1",
        type="InsurancePeriodsRequest",
        sender="FR:CNAV",
        recipient="DE:DRV70001",
        routing_key=routing_key,
        headers={"schema-version": "1"},
    )


async def run_command(*argv: str) -> str:
    """Run a broker command line tool, bounded in time; its standard output."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode(errors="replace")


@dataclass
class Broker:
    """A plain (not reconnecting) connection of the test's own, to look at the broker."""

    connection: AbstractConnection
    settings: TransportSettings

    async def message_count(self, queue: str) -> int:
        """Ready messages in ``queue``, by a passive declare on a fresh channel."""
        channel = await self.connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            count = declared.declaration_result.message_count
            return int(count or 0)
        finally:
            await channel.close()

    async def get(self, queue: str, timeout: float = WAIT) -> AbstractIncomingMessage:
        """The next message of ``queue`` (acknowledged), waiting up to ``timeout``."""
        channel = await self.connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
            async with asyncio.timeout(timeout):
                while True:
                    got = await declared.get(no_ack=True, fail=False)
                    if got is not None:
                        return got
                    await asyncio.sleep(0.05)
        finally:
            await channel.close()

    async def delete_everything(self) -> None:
        settings = self.settings
        channel = await self.connection.channel()
        try:
            for key in (HOME, OTHER):
                await channel.queue_delete(settings.queue_name(key))
            await channel.queue_delete(settings.dead_letter_queue)
            await channel.exchange_delete(settings.exchange)
            await channel.exchange_delete(settings.dead_letter_exchange)
        finally:
            await channel.close()


@dataclass
class Received:
    """Deliveries a test handler saw, with a way to wait for them."""

    deliveries: list[IncomingDelivery]
    arrived: asyncio.Condition

    async def wait_for(self, count: int, timeout: float = WAIT) -> list[IncomingDelivery]:
        async with asyncio.timeout(timeout), self.arrived:
            await self.arrived.wait_for(lambda: len(self.deliveries) >= count)
        return list(self.deliveries)


def recording(
    settle: Callable[[IncomingDelivery], Awaitable[None]],
) -> tuple[Received, Callable[[IncomingDelivery], Awaitable[None]]]:
    """A handler that records each delivery after ``settle`` ran (even if it raised)."""
    received = Received([], asyncio.Condition())

    async def handler(delivery: IncomingDelivery) -> None:
        try:
            await settle(delivery)
        finally:
            async with received.arrived:
                received.deliveries.append(delivery)
                received.arrived.notify_all()

    return received, handler


async def ack(delivery: IncomingDelivery) -> None:
    await delivery.ack()


async def connection_pids(name: str) -> list[str]:
    """Broker-side pids of the connections whose client_properties carry ``name``."""
    listing = await run_command("rabbitmqctl", "-q", "list_connections", "pid", "client_properties")
    return [
        match.group(0)
        for line in listing.splitlines()
        if f'"{name}"' in line and (match := re.match(r"<[^>]+>", line.strip()))
    ]


def with_settings(settings: TransportSettings, **changes: object) -> TransportSettings:
    return replace(settings, **changes)  # type: ignore[arg-type]


class _BareAmqp:
    """One hand-made AMQP connection: frames written, and the frame awaited read back."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def receive(self) -> Frame:
        head = await self.reader.readexactly(7)
        rest = await self.reader.readexactly(int.from_bytes(head[3:7], "big") + 1)
        _, _, value = frame.unmarshal(head + rest)
        assert isinstance(value, Frame), value
        return value

    async def expect(self, kind: type[Frame]) -> Frame:
        async with asyncio.timeout(WAIT):
            while not isinstance(value := await self.receive(), kind):
                assert not isinstance(value, Connection.Close | Channel.Close), value
        return value

    async def open_confirmed_channel(self, parts: SplitResult) -> None:
        """Log in as ``parts`` says, and open channel 1 with publisher confirms."""
        self.writer.write(ProtocolHeader().marshal())
        await self.expect(Connection.Start)
        login = f"\0{unquote(parts.username or 'guest')}\0{unquote(parts.password or 'guest')}"
        self.writer.write(frame.marshal(Connection.StartOk(response=login), 0))
        tune = await self.expect(Connection.Tune)
        assert isinstance(tune, Connection.Tune)
        self.writer.write(frame.marshal(Connection.TuneOk(tune.channel_max, tune.frame_max, 0), 0))
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        self.writer.write(frame.marshal(Connection.Open(virtual_host=vhost), 0))
        await self.expect(Connection.OpenOk)
        self.writer.write(frame.marshal(Channel.Open(), 1))
        await self.expect(Channel.OpenOk)
        self.writer.write(frame.marshal(Confirm.Select(), 1))
        await self.expect(Confirm.SelectOk)


def _content_header(
    body: bytes, properties: Basic.Properties | None, raw_properties: tuple[int, bytes] | None
) -> bytes:
    if raw_properties is None:
        return frame.marshal(ContentHeader(0, len(body), properties or Basic.Properties()), 1)
    flags, encoded = raw_properties
    payload = struct.pack(">HHQH", Basic.frame_id, 0, len(body), flags) + encoded
    return struct.pack(">BHI", 2, 1, len(payload)) + payload + b"\xce"


async def publish_bare(
    url: str,
    queue: str,
    body: bytes,
    properties: Basic.Properties | None = None,
    *,
    raw_properties: tuple[int, bytes] | None = None,
) -> None:
    """Publish straight to ``queue`` over a hand-made AMQP connection, confirmed.

    aiormq gives every publish a message id; this speaks the protocol with pamqp alone, so
    the message carries exactly ``properties`` (none at all by default), like one from a
    foreign or broken client. ``raw_properties`` (property flags, encoded properties) sends
    bytes no encoder would produce, such as short strings that are not UTF-8.
    """
    parts = urlsplit(url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(parts.hostname, parts.port or 5672), timeout=WAIT
    )
    amqp = _BareAmqp(reader, writer)
    try:
        await amqp.open_confirmed_channel(parts)
        writer.write(frame.marshal(Basic.Publish(exchange="", routing_key=queue), 1))
        header = _content_header(body, properties, raw_properties)
        writer.write(header + frame.marshal(ContentBody(body), 1))
        await amqp.expect(Basic.Ack)
        writer.write(frame.marshal(Connection.Close(200, "done", 0, 0), 0))
        await amqp.expect(Connection.CloseOk)
    finally:
        writer.close()
        await writer.wait_closed()
