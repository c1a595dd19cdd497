"""Settings, the declared topology, and the readiness probe."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import aio_pika
import pytest

from gateway.errors import (
    BrokerAccessRefused,
    BrokerUnavailable,
    ConfigurationError,
    TopologyMismatch,
)
from gateway.transport import (
    ReconnectingBus,
    TransportSettings,
    check_routing_key,
    declare_topology,
    probe,
)
from transport.bus_testing import HOME, OTHER, Broker, message, run_command, with_settings


def test_settings_keep_the_password_out_of_repr_and_broker() -> None:
    settings = TransportSettings(amqp_url="amqp://node:s3cr3t@rabbit.example:5672/ssgw")
    assert "s3cr3t" not in repr(settings)
    assert settings.broker == "amqp://rabbit.example:5672/ssgw"
    assert settings.queue_name("de.drv70001") == "ssgw.de.drv70001"
    assert settings.dead_letter_queue == "ssgw.dead-letter"


@pytest.mark.parametrize(
    "changes",
    [
        {"amqp_url": "http://127.0.0.1/"},
        {"amqp_url": "amqp:///"},
        {"exchange": ""},
        {"exchange": "amq.topic"},
        {"dead_letter_exchange": "ssgw.network"},
        {"prefetch": 0},
        {"confirm_window": -1},
        {"delivery_limit": True},
        {"operation_timeout": 0},
        {"requeue_delay": -1.0},
    ],
)
def test_settings_refuse_what_cannot_work(changes: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        with_settings(TransportSettings(), **changes)


@pytest.mark.parametrize("key", ["", "#", "de.*", "de..x", ".de", "de.", "de x", "dé.x", "a" * 256])
def test_wildcards_and_odd_routing_keys_are_refused(key: str) -> None:
    # A binding with "#" or "*" would let one institution's queue read others' traffic.
    with pytest.raises(ValueError, match="routing key"):
        check_routing_key(key)
    with pytest.raises(ValueError, match="routing key"):
        message(key)


def test_a_routing_key_cannot_name_the_dead_letter_queue() -> None:
    with pytest.raises(ValueError, match="dead-letter"):
        TransportSettings().queue_name("dead-letter")


async def _queue_facts(prefix: str) -> dict[str, str]:
    listing = await run_command(
        "rabbitmqctl", "-q", "list_queues", "--no-table-headers", "name", "type", "durable",
        "arguments",
    )  # fmt: skip
    return {
        line.split("\t", 1)[0]: line.split("\t", 1)[1]
        for line in listing.splitlines()
        if line.startswith(prefix)
    }


@pytest.mark.broker
@pytest.mark.asyncio
async def test_topology_is_declared_idempotently_with_quorum_queues(
    settings: TransportSettings, broker: Broker
) -> None:
    channel = await broker.connection.channel()
    await declare_topology(channel, settings, [HOME, OTHER])
    await declare_topology(channel, settings, [OTHER, HOME, HOME])
    await channel.close()

    facts = await _queue_facts(settings.queue_prefix)
    assert set(facts) == {
        settings.queue_name(HOME),
        settings.queue_name(OTHER),
        settings.dead_letter_queue,
    }
    for queue in (settings.queue_name(HOME), settings.queue_name(OTHER)):
        queue_type, durable, arguments = facts[queue].split("\t", 2)
        assert (queue_type, durable) == ("quorum", "true")
        arguments = arguments.replace(" ", "")
        assert '{"x-delivery-limit",20}' in arguments
        assert f'{{"x-dead-letter-exchange","{settings.dead_letter_exchange}"}}' in arguments
        assert '{"x-dead-letter-strategy","at-least-once"}' in arguments
    assert facts[settings.dead_letter_queue].startswith("quorum\ttrue")

    # Passive declares find all of it; a different queue type is refused as a mismatch.
    for queue in facts:
        assert await broker.message_count(queue) == 0
    check = await broker.connection.channel()
    await check.declare_exchange(settings.exchange, passive=True)
    await check.declare_exchange(settings.dead_letter_exchange, passive=True)
    await check.close()
    classic = await broker.connection.channel()
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
        await classic.declare_queue(settings.queue_name(HOME), durable=True)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_each_queue_receives_exactly_its_routing_key(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    await bus.publisher.publish(message(HOME))
    await bus.publisher.publish(message(HOME))
    await bus.publisher.publish(message(OTHER))

    assert await broker.message_count(settings.queue_name(HOME)) == 2
    assert await broker.message_count(settings.queue_name(OTHER)) == 1
    assert await broker.message_count(settings.dead_letter_queue) == 0


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_queue_declared_otherwise_is_a_topology_mismatch(
    settings: TransportSettings, broker: Broker
) -> None:
    channel = await broker.connection.channel()
    await channel.declare_queue(
        settings.queue_name(HOME), durable=True, arguments={"x-queue-type": "quorum"}
    )
    await channel.close()

    bus = ReconnectingBus(settings, [HOME])
    with pytest.raises(TopologyMismatch, match=r"inequivalent arg 'x-"):
        await bus.start()
    assert not bus.connected


@pytest.mark.broker
@pytest.mark.asyncio
async def test_probe_passes_when_the_exchange_exists(
    settings: TransportSettings, bus: ReconnectingBus
) -> None:
    await asyncio.wait_for(probe(settings), timeout=15)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_probe_names_a_missing_exchange(settings: TransportSettings, broker: Broker) -> None:
    with pytest.raises(TopologyMismatch, match=re.escape(settings.exchange)):
        await asyncio.wait_for(probe(settings), timeout=15)


@pytest.mark.asyncio
async def test_probe_of_an_unreachable_broker_names_the_host_not_the_password(
    settings: TransportSettings,
) -> None:
    # Port 1 on localhost: nothing listens there, so the connection is refused at once.
    down = with_settings(
        settings, amqp_url="amqp://node:pa55word@127.0.0.1:1/", connect_timeout=3.0
    )
    with pytest.raises(BrokerUnavailable) as raised:
        await asyncio.wait_for(probe(down), timeout=15)
    assert "127.0.0.1:1" in raised.value.detail
    assert "pa55word" not in raised.value.detail
    assert "pa55word" not in repr(raised.value.__cause__)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_probe_with_a_wrong_password_is_access_refused(settings: TransportSettings) -> None:
    url = urlsplit(settings.amqp_url)
    wrong = url._replace(
        netloc=f"{url.username}:not-the-password@{url.hostname}:{url.port or 5672}"
    )
    refused = with_settings(settings, amqp_url=wrong.geturl())
    with pytest.raises(BrokerAccessRefused) as raised:
        await asyncio.wait_for(probe(refused), timeout=15)
    assert "not-the-password" not in raised.value.detail


@pytest.mark.asyncio
async def test_starting_a_bus_without_a_broker_fails_at_once(settings: TransportSettings) -> None:
    down = with_settings(
        settings, amqp_url="amqp://node:pa55word@127.0.0.1:1/", connect_timeout=3.0
    )
    bus = ReconnectingBus(down, [HOME])
    with pytest.raises(BrokerUnavailable, match=r"127\.0\.0\.1:1") as raised:
        await asyncio.wait_for(bus.start(), timeout=15)
    assert "pa55word" not in raised.value.detail
    assert not bus.connected
