"""Broker isolation on the real RabbitMQ: an institution's user reads only its own queue and
publishes only with the routing keys of the institutions it may address."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from gateway.transport import TransportSettings, broker_definitions, rabbit_password_hash
from support import imported_definitions, rabbitmqctl

pytestmark = [pytest.mark.broker]

HOST = "127.0.0.1:5672"


@pytest.fixture
def fenced_network() -> Iterator[dict[str, object]]:
    """A vhost of its own with three institutions' users, imported from our definitions."""
    run = uuid.uuid4().hex[:8]
    vhost = f"ssgw-isolation-{run}"
    settings = TransportSettings(exchange="ssgw.network", queue_prefix="ssgw.")
    keys = {"de": f"de.drv{run}", "fr": f"fr.cnav{run}", "in": f"in.epfo{run}"}
    passwords = {name: uuid.uuid4().hex for name in keys}
    users = {keys[n]: (f"u-{keys[n]}", rabbit_password_hash(passwords[n])) for n in keys}
    # Germany may address France and India; France only Germany; India only Germany.
    addressable = {
        keys["de"]: [keys["fr"], keys["in"]],
        keys["fr"]: [keys["de"]],
        keys["in"]: [keys["de"]],
    }
    document = broker_definitions(settings, users, addressable, vhost)
    with imported_definitions(document):
        yield {"vhost": vhost, "settings": settings, "keys": keys, "passwords": passwords}


async def connect(network: dict[str, object], name: str) -> aio_pika.abc.AbstractConnection:
    keys: dict[str, str] = network["keys"]  # type: ignore[assignment]
    passwords: dict[str, str] = network["passwords"]  # type: ignore[assignment]
    url = f"amqp://u-{keys[name]}:{passwords[name]}@{HOST}/{quote(str(network['vhost']), safe='')}"
    return await aio_pika.connect(url, timeout=10)


def test_an_institution_reads_its_own_queue_and_no_other(fenced_network: dict[str, object]) -> None:
    settings: TransportSettings = fenced_network["settings"]  # type: ignore[assignment]
    keys: dict[str, str] = fenced_network["keys"]  # type: ignore[assignment]

    async def scenario() -> None:
        connection = await connect(fenced_network, "de")
        async with connection:
            own = await connection.channel()
            queue = await own.get_queue(settings.queue_name(keys["de"]), ensure=True)
            assert await queue.get(fail=False) is None  # may read its own queue
            foreign = await connection.channel()
            other = await foreign.get_queue(settings.queue_name(keys["fr"]), ensure=False)
            with pytest.raises(ChannelAccessRefused):
                await other.get(fail=False)
            configure = await connection.channel()
            with pytest.raises(ChannelAccessRefused):
                await configure.declare_queue(f"ssgw.{keys['de']}.extra", durable=True)

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def test_an_institution_publishes_only_to_its_partners(fenced_network: dict[str, object]) -> None:
    settings: TransportSettings = fenced_network["settings"]  # type: ignore[assignment]
    keys: dict[str, str] = fenced_network["keys"]  # type: ignore[assignment]

    async def scenario() -> None:
        connection = await connect(fenced_network, "fr")
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(settings.exchange, ensure=False)
            await exchange.publish(aio_pika.Message(b"to a partner"), routing_key=keys["de"])
            refused = await connection.channel(publisher_confirms=True)
            exchange = await refused.get_exchange(settings.exchange, ensure=False)
            # France has no agreement with India: this routing key is not France's to use.
            with pytest.raises(ChannelAccessRefused):
                await exchange.publish(aio_pika.Message(b"not a partner"), routing_key=keys["in"])
        germany = await connect(fenced_network, "de")
        async with germany:
            channel = await germany.channel()
            queue = await channel.get_queue(settings.queue_name(keys["de"]), ensure=False)
            message = await queue.get(fail=False, timeout=5)
            assert message is not None and message.body == b"to a partner"
            await message.ack()

    asyncio.run(asyncio.wait_for(scenario(), timeout=30))


def test_the_institution_queues_carry_the_dead_lettering_policy(
    fenced_network: dict[str, object],
) -> None:
    settings: TransportSettings = fenced_network["settings"]  # type: ignore[assignment]
    keys: dict[str, str] = fenced_network["keys"]  # type: ignore[assignment]
    vhost = str(fenced_network["vhost"])
    policy = f"{settings.queue_prefix}institution-queues"
    listed = rabbitmqctl("list_policies", "--vhost", vhost, "--quiet", "--no-table-headers")
    assert policy in listed and '"delivery-limit":20' in listed.replace(" ", "")
    queues = dict(
        line.split("\t")
        for line in rabbitmqctl(
            "list_queues", "--vhost", vhost, "name", "policy", "--quiet", "--no-table-headers"
        ).splitlines()
        if "\t" in line
    )
    for key in keys.values():
        assert queues[settings.queue_name(key)] == policy
    assert queues[settings.dead_letter_queue] == ""
