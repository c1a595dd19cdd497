"""The broker drops our connection (only ours: the broker is shared); nothing is lost."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from gateway.errors import BrokerUnavailable, TransportError
from gateway.transport import BusMessage, IncomingDelivery, ReconnectingBus, TransportSettings
from transport.bus_testing import (
    HOME,
    WAIT,
    Broker,
    ack,
    connection_pids,
    message,
    recording,
    run_command,
    unique,
)

COUNT = 50


async def drop_connection(name: str) -> None:
    """Close our bus connection from the broker side; wait until the bus is back."""
    [pid] = await connection_pids(name)
    await run_command("rabbitmqctl", "-q", "close_connection", pid, "test: forced close")
    async with asyncio.timeout(WAIT):
        while (pids := await connection_pids(name)) in ([], [pid]):
            await asyncio.sleep(0.1)
    assert len(pids) == 1


async def publish_until_routed(bus: ReconnectingBus, sent: BusMessage) -> list[str]:
    """Publish like a relay: retry with the same message until the broker confirms it.

    Returns the codes of the failed attempts.
    """
    failures: list[str] = []
    async with asyncio.timeout(WAIT):
        while True:
            try:
                await bus.publisher.publish(sent)
            except TransportError as exc:
                failures.append(exc.code)
                await asyncio.sleep(0.1)
            else:
                return failures


async def wait_until_empty(queue: str) -> None:
    """Until the queue holds no message, ready or unacknowledged (acks reached the broker)."""
    async with asyncio.timeout(WAIT):
        while True:
            listing = await run_command(
                "rabbitmqctl", "-q", "list_queues", "--no-table-headers", "name", "messages"
            )
            counts = dict(line.split("\t") for line in listing.splitlines() if "\t" in line)
            if counts.get(queue) == "0":
                return
            await asyncio.sleep(0.2)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_publishing_and_consuming_resume_and_every_message_arrives_once(
    settings: TransportSettings, broker: Broker
) -> None:
    name = f"test-reconnect-{unique()}"
    bus = ReconnectingBus(settings, [HOME], connection_name=name)
    await bus.start()
    try:
        received, handler = recording(ack)
        await bus.consume(HOME, handler)
        before = [message(HOME) for _ in range(COUNT)]
        assert await bus.publisher.publish_many(before) == [None] * COUNT
        await received.wait_for(COUNT)
        await wait_until_empty(settings.queue_name(HOME))

        await drop_connection(name)
        after = [message(HOME) for _ in range(COUNT)]
        assert await bus.publisher.publish_many(after) == [None] * COUNT
        await received.wait_for(2 * COUNT)
        await wait_until_empty(settings.queue_name(HOME))
        assert bus.connected
    finally:
        await bus.close()

    seen = Counter(delivery.message_id for delivery in received.deliveries)
    assert seen == Counter(sent.message_id for sent in before + after)
    assert set(seen.values()) == {1}


@pytest.mark.broker
@pytest.mark.asyncio
async def test_deliveries_unacknowledged_at_the_drop_come_back_redelivered(
    settings: TransportSettings, broker: Broker
) -> None:
    name = f"test-reconnect-{unique()}"
    bus = ReconnectingBus(settings, [HOME], connection_name=name)
    await bus.start()
    held: list[IncomingDelivery] = []
    release = asyncio.Event()
    late_acks: list[BrokerUnavailable] = []

    async def hold_first_attempt(delivery: IncomingDelivery) -> None:
        if not delivery.redelivered:
            held.append(delivery)
            await release.wait()
            try:
                await delivery.ack()
            except BrokerUnavailable as exc:
                late_acks.append(exc)
            return
        await delivery.ack()

    try:
        received, handler = recording(hold_first_attempt)
        await bus.consume(HOME, handler)
        sent = [message(HOME) for _ in range(10)]
        assert await bus.publisher.publish_many(sent) == [None] * 10
        async with asyncio.timeout(WAIT):
            while len(held) < 10:
                await asyncio.sleep(0.05)

        await drop_connection(name)
        release.set()
        await received.wait_for(20)
        await wait_until_empty(settings.queue_name(HOME))
    finally:
        await bus.close()

    # The acks sent on the dead channel failed loudly; the broker delivered each message again.
    assert len(late_acks) == 10
    again = [delivery for delivery in received.deliveries if delivery.redelivered]
    assert sorted(delivery.message_id for delivery in again) == sorted(m.message_id for m in sent)
    assert all(delivery.settled for delivery in again)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_closed_bus_refuses_to_publish(settings: TransportSettings, broker: Broker) -> None:
    bus = ReconnectingBus(settings, [HOME])
    await bus.start()
    publisher = bus.publisher
    await bus.close()
    with pytest.raises(BrokerUnavailable, match="closed"):
        await publisher.publish(message(HOME))
    outcomes = await publisher.publish_many([message(HOME) for _ in range(600)])
    assert all(isinstance(outcome, BrokerUnavailable) for outcome in outcomes)
    assert sum("not attempted" in str(outcome) for outcome in outcomes) >= 600 - 256


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_deleted_queue_is_declared_again_and_consuming_resumes(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    received, handler = recording(ack)
    await bus.consume(HOME, handler)
    channel = await broker.connection.channel()
    await channel.queue_delete(settings.queue_name(HOME))
    await channel.close()

    sent = message(HOME)
    failures = await publish_until_routed(bus, sent)
    [got] = await received.wait_for(1)
    assert got.message_id == sent.message_id
    assert set(failures) <= {"unroutable"}


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_deleted_exchange_is_declared_again_with_its_bindings(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    channel = await broker.connection.channel()
    await channel.exchange_delete(settings.exchange)
    await channel.close()

    sent = message(HOME)
    failures = await publish_until_routed(bus, sent)
    assert failures[:1] == ["topology-mismatch"]
    got = await broker.get(settings.queue_name(HOME))
    assert got.message_id == sent.message_id
