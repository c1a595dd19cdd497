"""A network of EESSI's size on one RabbitMQ node: declare it, hold it idle, load it, and one
message through it; then the same institutions behind one queue per country.

Run: ``.venv/bin/python benchmarks/broker_scale.py [--institutions 3400] [--countries 32]
[--load 20000] [--body-bytes 5800] [--json FILE]``. Needs the RabbitMQ of
GATEWAY_TEST_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672/) running on this machine:
``rabbitmqctl status`` gives its process id, whose memory and CPU are read from ``/proc``.
Everything is declared under a random prefix and deleted at the end, whatever happened. What
it measures and how to read it is in ``docs/performance.md``.

Two layouts, each measured the same way:

- **per institution** (the product's own): one quorum queue per institution, bound to the
  network's topic exchange with its routing key, declared by the product's
  :func:`gateway.transport.declare_topology` exactly as a node declares it at start;
- **per country**: one quorum queue per country, bound to a headers exchange that routes on the
  recipient's country, so a country's access point takes every message for its institutions.
"""

from __future__ import annotations

import abc
import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractQueue

from gateway.transport import TransportSettings, declare_topology

AMQP_URL = os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The broker, seen from outside ------------------------------------------------------------------


class Broker:
    """The local broker's memory and CPU, read from ``/proc``: under the load of thousands of
    queues, ``rabbitmqctl status`` can take longer than the measure itself."""

    def __init__(self) -> None:
        self.pid = self._pid()
        self._tick = os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _pid() -> int:
        try:
            done = subprocess.run(
                ["rabbitmqctl", "status", "--formatter", "json"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            return int(json.loads(done.stdout)["pid"])
        except (OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
            raise SystemExit(f"error: rabbitmqctl status did not answer: {error}") from None

    def memory_bytes(self) -> int:
        """The broker process's resident memory."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise SystemExit(f"error: /proc/{self.pid}/status has no VmRSS")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self._tick

    async def core_share(self, seconds: float) -> float:
        """The broker's CPU over ``seconds`` as a share of one core."""
        before = self.cpu_seconds()
        await asyncio.sleep(seconds)
        return (self.cpu_seconds() - before) / seconds


# The network's names ----------------------------------------------------------------------------


def institutions(count: int, countries: int) -> list[tuple[str, str]]:
    """``count`` routing keys spread over ``countries`` made-up country codes, as
    (country, routing key) pairs."""
    codes = [f"c{index:02d}" for index in range(countries)]
    return [(codes[i % countries], f"{codes[i % countries]}.inst{i:05d}") for i in range(count)]


def settings(prefix: str) -> TransportSettings:
    return TransportSettings(
        amqp_url=AMQP_URL,
        exchange=f"{prefix}network",
        queue_prefix=prefix,
        dead_letter_exchange=f"{prefix}dead-letter",
        operation_timeout=600,
    )


@contextlib.asynccontextmanager
async def channel() -> AsyncIterator[AbstractChannel]:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        yield await connection.channel(publisher_confirms=True)


# One layout -------------------------------------------------------------------------------------


class Layout(abc.ABC):
    """How messages reach the institutions: declared, addressed, and taken down again."""

    name = ""

    def __init__(self, prefix: str, network: Sequence[tuple[str, str]]) -> None:
        self.prefix = prefix
        self.network = network

    @abc.abstractmethod
    async def declare(self, amqp: AbstractChannel) -> None:
        """See the subclasses."""

    @abc.abstractmethod
    def queue_of(self, country: str, key: str) -> str:
        """See the subclasses."""

    @abc.abstractmethod
    def queues(self) -> list[str]:
        """See the subclasses."""

    @abc.abstractmethod
    async def publish(self, amqp: AbstractChannel, country: str, key: str, body: bytes) -> None:
        """See the subclasses."""

    async def delete(self, amqp: AbstractChannel) -> None:
        for queue in self.queues():
            await amqp.queue_delete(queue)


class PerInstitution(Layout):
    """The product's own: a quorum queue per institution on the network's topic exchange."""

    name = "per institution"

    async def declare(self, amqp: AbstractChannel) -> None:
        await declare_topology(amqp, settings(self.prefix), [key for _, key in self.network])

    def queue_of(self, country: str, key: str) -> str:
        return settings(self.prefix).queue_name(key)

    def queues(self) -> list[str]:
        own = settings(self.prefix)
        return [own.queue_name(key) for _, key in self.network] + [own.dead_letter_queue]

    async def publish(self, amqp: AbstractChannel, country: str, key: str, body: bytes) -> None:
        exchange = await amqp.get_exchange(settings(self.prefix).exchange, ensure=False)
        await exchange.publish(_message(body, country, key), routing_key=key)

    async def delete(self, amqp: AbstractChannel) -> None:
        await super().delete(amqp)
        own = settings(self.prefix)
        await amqp.exchange_delete(own.exchange)
        await amqp.exchange_delete(own.dead_letter_exchange)


class PerCountry(Layout):
    """A quorum queue per country, fed by a headers exchange on the recipient's country."""

    name = "per country"

    @property
    def exchange(self) -> str:
        return f"{self.prefix}countries"

    def countries(self) -> list[str]:
        return sorted({country for country, _ in self.network})

    async def declare(self, amqp: AbstractChannel) -> None:
        exchange = await amqp.declare_exchange(
            self.exchange, aio_pika.ExchangeType.HEADERS, durable=True
        )
        for country in self.countries():
            queue = await amqp.declare_queue(
                f"{self.prefix}{country}", durable=True, arguments={"x-queue-type": "quorum"}
            )
            await queue.bind(exchange, arguments={"x-match": "all", "recipient-country": country})

    def queue_of(self, country: str, key: str) -> str:
        return f"{self.prefix}{country}"

    def queues(self) -> list[str]:
        return [f"{self.prefix}{country}" for country in self.countries()]

    async def publish(self, amqp: AbstractChannel, country: str, key: str, body: bytes) -> None:
        exchange = await amqp.get_exchange(self.exchange, ensure=False)
        await exchange.publish(_message(body, country, key), routing_key="")

    async def delete(self, amqp: AbstractChannel) -> None:
        await super().delete(amqp)
        await amqp.exchange_delete(self.exchange)


def _message(body: bytes, country: str, key: str) -> aio_pika.Message:
    return aio_pika.Message(
        body,
        message_id=uuid.uuid4().hex,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers={"recipient-country": country, "recipient": key},
    )


# The measures -----------------------------------------------------------------------------------


async def one_message_ms(layout: Layout, amqp: AbstractChannel, body: bytes, count: int) -> float:
    """p50 of publish -> delivered to the consumer of one institution's queue, one at a time."""
    country, key = layout.network[len(layout.network) // 2]
    queue: AbstractQueue = await amqp.get_queue(layout.queue_of(country, key), ensure=False)
    arrived: asyncio.Queue[float] = asyncio.Queue()

    async def take(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        await message.ack()
        arrived.put_nowait(time.perf_counter())

    tag = await queue.consume(take)
    samples = []
    for _ in range(count + 1):
        started = time.perf_counter()
        await layout.publish(amqp, country, key, body)
        samples.append((await asyncio.wait_for(arrived.get(), 30) - started) * 1000)
    await queue.cancel(tag)
    return statistics.median(samples[1:])


async def load(layout: Layout, amqp: AbstractChannel, body: bytes, count: int) -> float:
    """Publishes ``count`` messages spread over every institution, 256 confirms in flight;
    returns messages per second. The messages stay queued."""
    window = asyncio.Semaphore(256)

    async def one(index: int) -> None:
        country, key = layout.network[index % len(layout.network)]
        async with window:
            await layout.publish(amqp, country, key, body)

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - started)


async def measure(layout: Layout, broker: Broker, args: argparse.Namespace) -> dict[str, Any]:
    body = b"x" * args.body_bytes
    figures: dict[str, Any] = {"queues": len(layout.queues()), "prefix": layout.prefix}
    async with channel() as amqp:
        before = broker.memory_bytes()
        say(f"{layout.name}: declaring {figures['queues']} queues")
        started = time.perf_counter()
        try:
            await layout.declare(amqp)
            figures["declare_seconds"] = time.perf_counter() - started
            await asyncio.sleep(args.settle)
            figures["memory_idle_bytes"] = broker.memory_bytes()
            figures["memory_per_queue_bytes"] = (figures["memory_idle_bytes"] - before) / (
                figures["queues"]
            )
            say(f"{layout.name}: the broker at rest for {args.settle:.0f} s")
            figures["broker_idle_core_share"] = await broker.core_share(args.settle)
            figures["one_message_p50_ms"] = await one_message_ms(layout, amqp, body, 20)
            say(f"{layout.name}: {args.load} messages spread over every institution")
            figures["load_publish_per_second"] = await load(layout, amqp, body, args.load)
            figures["memory_loaded_bytes"] = broker.memory_bytes()
        finally:
            say(f"{layout.name}: deleting what it declared")
            started = time.perf_counter()
            await layout.delete(amqp)
            figures["delete_seconds"] = time.perf_counter() - started
    figures["memory_before_bytes"] = before
    return figures


def _line(name: str, figures: dict[str, Any]) -> str:
    mib = 2**20
    before, idle = figures["memory_before_bytes"] / mib, figures["memory_idle_bytes"] / mib
    per_queue = figures["memory_per_queue_bytes"] / 1024
    return (
        f"{name:<16} {figures['queues']:>5} queues: declared in {figures['declare_seconds']:.1f} s,"
        f" memory {before:,.0f} -> {idle:,.0f} MiB idle ({per_queue:,.0f} KiB per queue),"
        f" broker at rest {figures['broker_idle_core_share']:.1%} of a core;"
        f" one message p50 {figures['one_message_p50_ms']:.2f} ms; load"
        f" {figures['load_publish_per_second']:,.0f} msg/s, then"
        f" {figures['memory_loaded_bytes'] / mib:,.0f} MiB with the load queued;"
        f" deleted in {figures['delete_seconds']:.1f} s"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    broker = Broker()
    network = institutions(args.institutions, args.countries)
    report: dict[str, Any] = {
        "institutions": args.institutions,
        "countries": args.countries,
        "load_messages": args.load,
        "body_bytes": args.body_bytes,
        "layouts": {},
    }
    for layout_type in (PerInstitution, PerCountry):
        layout = layout_type(f"bench.scale.{uuid.uuid4().hex[:8]}.", network)
        report["layouts"][layout.name] = await measure(layout, broker, args)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--institutions", type=int, default=3400)
    parser.add_argument("--countries", type=int, default=32)
    parser.add_argument("--load", type=int, default=20_000, help="messages queued under load")
    parser.add_argument("--body-bytes", type=int, default=5800, help="a sealed 2 KB document")
    parser.add_argument("--settle", type=float, default=10, help="seconds at rest before reading")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.institutions < 1 or not 1 <= args.countries <= args.institutions or args.load < 1:
        parser.error("give at least one institution, 1 to --institutions countries and a load")
    report = asyncio.run(run(args))
    for name, figures in report["layouts"].items():
        print(_line(name, figures))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
