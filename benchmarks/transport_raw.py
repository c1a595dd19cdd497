"""Throughput of the bus seam on this machine: one-by-one publishing vs a confirm window.

Run: ``.venv/bin/python benchmarks/transport_raw.py [--messages N] [--body-bytes B]
[--url URL] [--json FILE]``. Needs the RabbitMQ of GATEWAY_TEST_AMQP_URL (default
amqp://guest:guest@127.0.0.1:5672/). Declares a topology under a random prefix, publishes N
messages awaiting each confirm, then N with ``publish_many`` (``confirm_window`` in flight),
consumes them all with acks, prints messages per second and deletes what it declared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import aio_pika

from gateway.transport import BusMessage, IncomingDelivery, ReconnectingBus, TransportSettings

ROUTING_KEY = "de.drv70001"


def _messages(count: int, body: bytes) -> list[BusMessage]:
    return [
        BusMessage(
            body=body,
            message_id=uuid.uuid4().hex,
            correlation_id="case-bench",
            type="InsurancePeriodsReply",
            sender="FR:CNAV",
            recipient="DE:DRV70001",
            routing_key=ROUTING_KEY,
        )
        for _ in range(count)
    ]


def _own_topology(url: str) -> TransportSettings:
    """Exchanges and queues under a random prefix of their own, deleted afterwards."""
    prefix = f"bench.{uuid.uuid4().hex[:8]}"
    return TransportSettings(
        amqp_url=url,
        exchange=f"{prefix}.network",
        queue_prefix=f"{prefix}.",
        dead_letter_exchange=f"{prefix}.dead-letter",
    )


def _connection_name(settings: TransportSettings) -> str:
    return f"ssgw benchmark {settings.queue_prefix.rstrip('.')}"


async def measure(
    url: str, count: int, body_bytes: int, *, one_by_one: bool = True
) -> dict[str, float]:
    """Messages per second publishing (one by one when asked, then windowed) and consuming.

    The whole-path benchmark (``benchmarks/path.py``) takes its raw baseline from here.
    """
    settings = _own_topology(url)
    body = b"x" * body_bytes
    figures: dict[str, float] = {}
    bus = ReconnectingBus(settings, [ROUTING_KEY], connection_name=_connection_name(settings))
    await bus.start()
    try:
        if one_by_one:
            single = _messages(count, body)
            started = time.perf_counter()
            for message in single:
                await bus.publisher.publish(message)
            figures["publish one-by-one (msg/s)"] = count / (time.perf_counter() - started)

        windowed = _messages(count, body)
        started = time.perf_counter()
        outcomes = await bus.publisher.publish_many(windowed)
        figures["publish_many, window 256 (msg/s)"] = count / (time.perf_counter() - started)
        assert outcomes == [None] * count, "some publishes failed"

        done = asyncio.Event()
        seen = 0
        total = 2 * count if one_by_one else count

        async def handler(delivery: IncomingDelivery) -> None:
            nonlocal seen
            await delivery.ack()
            seen += 1
            if seen == total:
                done.set()

        started = time.perf_counter()
        consumer = await bus.consume(ROUTING_KEY, handler)
        await asyncio.wait_for(done.wait(), timeout=600)
        figures["consume + ack, prefetch 64 (msg/s)"] = total / (time.perf_counter() - started)
        await consumer.stop()
    finally:
        await bus.close()
        await delete_topology(settings, [ROUTING_KEY])
    return figures


async def round_trip_ms(url: str, count: int, body_bytes: int) -> list[float]:
    """Milliseconds from publishing a message to one queue until its answer, published by
    that queue's consumer on receipt, arrives at a second queue: the bus's part of a document
    and its receipt, one at a time on an idle broker."""
    settings = _own_topology(url)
    keys = [ROUTING_KEY, _ANSWER_KEY]
    bus = ReconnectingBus(settings, keys, connection_name=_connection_name(settings))
    await bus.start()
    answered: asyncio.Queue[float] = asyncio.Queue()

    async def answer(delivery: IncomingDelivery) -> None:
        await delivery.ack()
        await bus.publisher.publish(_answer_to(delivery))

    async def arrived(delivery: IncomingDelivery) -> None:
        await delivery.ack()
        answered.put_nowait(time.perf_counter())

    try:
        consumers = [
            await bus.consume(ROUTING_KEY, answer),
            await bus.consume(_ANSWER_KEY, arrived),
        ]
        samples = []
        for message in _messages(count + 1, b"x" * body_bytes):
            started = time.perf_counter()
            await bus.publisher.publish(message)
            samples.append((await asyncio.wait_for(answered.get(), 30) - started) * 1000)
        for consumer in consumers:
            await consumer.stop()
    finally:
        await bus.close()
        await delete_topology(settings, keys)
    return samples[1:]  # the first pays for the channels' start


_ANSWER_KEY = "fr.cnav"


def _answer_to(delivery: IncomingDelivery) -> BusMessage:
    return BusMessage(
        body=delivery.body,
        message_id=uuid.uuid4().hex,
        correlation_id="case-bench",
        type="Receipt",
        sender="DE:DRV70001",
        recipient="FR:CNAV",
        routing_key=_ANSWER_KEY,
    )


async def delete_topology(settings: TransportSettings, routing_keys: Iterable[str]) -> None:
    """Delete the queues of ``routing_keys``, the dead-letter queue and both exchanges."""
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        for key in routing_keys:
            await channel.queue_delete(settings.queue_name(key))
        await channel.queue_delete(settings.dead_letter_queue)
        await channel.exchange_delete(settings.exchange)
        await channel.exchange_delete(settings.dead_letter_exchange)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--body-bytes", type=int, default=7000, help="a sealed 5 KB document")
    parser.add_argument(
        "--url",
        default=os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    figures = asyncio.run(measure(args.url, args.messages, args.body_bytes))
    print(f"{args.messages} messages of {args.body_bytes} bytes, persistent, quorum queue")
    for label, value in figures.items():
        print(f"  {label:<38} {value:>9,.0f}")
    ratio = figures["publish_many, window 256 (msg/s)"] / figures["publish one-by-one (msg/s)"]
    print(f"  windowed / one-by-one                  {ratio:>9.1f}x")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
