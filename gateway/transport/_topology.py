"""The exchanges, queues and bindings of the network, declared the same way every time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aio_pika.abc import AbstractChannel, AbstractRobustChannel
from aiormq.exceptions import ChannelNotFoundEntity
from pamqp.common import FieldTable

from gateway.errors import TransportError
from gateway.transport._errors import translated
from gateway.transport._settings import TransportSettings, check_routing_key

NETWORK_EXCHANGE_TYPE = "topic"
DEAD_LETTER_EXCHANGE_TYPE = "fanout"


def queue_arguments(settings: TransportSettings) -> FieldTable:
    """The arguments of an institution's queue; a queue declared otherwise is refused.

    At-least-once dead-lettering keeps a message in its queue until the dead-letter queue has
    confirmed it, so a poison message dead-lettered by the delivery limit cannot be lost on
    the way. The broker requires ``x-overflow: reject-publish`` for it; no length limit is
    set, so that overflow rule never refuses a publish.
    """
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": settings.delivery_limit,
        "x-dead-letter-exchange": settings.dead_letter_exchange,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


def dead_letter_queue_arguments() -> FieldTable:
    """The arguments of the dead-letter queue: quorum, no limit, no further dead-lettering."""
    return {"x-queue-type": "quorum"}


async def declare_topology(
    channel: AbstractChannel, settings: TransportSettings, routing_keys: Iterable[str]
) -> None:
    """Declare the network exchange, the dead-letter exchange and queue, and one queue per key.

    Each routing key gets the durable quorum queue ``settings.queue_name(key)``, bound to the
    network exchange with exactly that key. Declaring what already exists with the same
    arguments changes nothing, so every node runs this at start and after each reconnection.

    Raises TopologyMismatch if something exists with other arguments, BrokerAccessRefused if
    the broker user may not configure it, BrokerUnavailable if the broker does not answer.
    """
    keys = list(dict.fromkeys(check_routing_key(key) for key in routing_keys))
    queues = [(settings.queue_name(key), key) for key in keys]
    with translated(settings, "declare the topology"):
        async with asyncio.timeout(settings.operation_timeout):
            if isinstance(channel, AbstractRobustChannel):
                await channel.ready()
            # The aiormq channel: aio-pika's declare would also register each exchange and
            # queue for its own re-declaration, a second mechanism we do not want.
            amqp = await channel.get_underlay_channel()
            if not settings.declare_topology:
                # Passive declarations need no configure permission; they only check.
                await amqp.exchange_declare(settings.exchange, passive=True)
                await amqp.exchange_declare(settings.dead_letter_exchange, passive=True)
                for queue, _ in queues:
                    await amqp.queue_declare(queue, passive=True)
                return
            await amqp.exchange_declare(
                settings.exchange, exchange_type=NETWORK_EXCHANGE_TYPE, durable=True
            )
            await amqp.exchange_declare(
                settings.dead_letter_exchange,
                exchange_type=DEAD_LETTER_EXCHANGE_TYPE,
                durable=True,
            )
            await amqp.queue_declare(
                settings.dead_letter_queue,
                durable=True,
                arguments=dead_letter_queue_arguments(),
            )
            await amqp.queue_bind(
                settings.dead_letter_queue, settings.dead_letter_exchange, routing_key=""
            )
            for queue, key in queues:
                await amqp.queue_declare(queue, durable=True, arguments=queue_arguments(settings))
                await amqp.queue_bind(queue, settings.exchange, routing_key=key)


class TopologyWatch:
    """Whether the topology is believed to be in place; any part of the seam that finds an
    exchange or queue missing asks for it to be declared again."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.stale = asyncio.Event()

    def declared(self) -> None:
        self.ready.set()

    def request(self) -> None:
        self.ready.clear()
        self.stale.set()

    def request_if_missing(self, error: TransportError) -> None:
        """Ask for a re-declaration if ``error`` says an exchange or queue does not exist."""
        if isinstance(error.__cause__, ChannelNotFoundEntity):
            self.request()
