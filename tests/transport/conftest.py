"""Broker fixtures: per-test names on the shared RabbitMQ, an inspector, and clean-up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aio_pika
import pytest
import pytest_asyncio

from gateway.transport import ReconnectingBus, TransportSettings
from transport.bus_testing import AMQP_URL, HOME, OTHER, WAIT, Broker, unique


@pytest.fixture
def settings() -> TransportSettings:
    """Names no other test uses, and short pauses so the tests stay quick."""
    prefix = f"test.{unique()}"
    return TransportSettings(
        amqp_url=AMQP_URL,
        exchange=f"{prefix}.network",
        queue_prefix=f"{prefix}.",
        dead_letter_exchange=f"{prefix}.dead-letter",
        connect_timeout=5.0,
        operation_timeout=WAIT,
        reconnect_interval=0.5,
        requeue_delay=0.2,
    )


@pytest_asyncio.fixture
async def broker(settings: TransportSettings) -> AsyncIterator[Broker]:
    """An inspection connection; deletes the test's queues and exchanges afterwards."""
    connection = await aio_pika.connect(
        AMQP_URL, timeout=5, client_properties={"connection_name": f"test-inspector-{unique()}"}
    )
    inspector = Broker(connection, settings)
    try:
        yield inspector
    finally:
        try:
            await inspector.delete_everything()
        finally:
            await connection.close()


@pytest_asyncio.fixture
async def bus(settings: TransportSettings, broker: Broker) -> AsyncIterator[ReconnectingBus]:
    """A started bus with the queues of HOME and OTHER; closed afterwards."""
    started = ReconnectingBus(settings, [HOME, OTHER], connection_name=f"test-bus-{unique()}")
    await started.start()
    try:
        yield started
    finally:
        await started.close()
