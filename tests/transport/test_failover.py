"""A node on a cluster of brokers goes on with another member when its own is lost.

The cluster is three RabbitMQ members on this machine, started by the script operators are
given for the same purpose (deploy/rabbitmq/local-cluster.sh); a member is ended with SIGKILL,
as a crash would end it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.errors import BrokerUnavailable, ConfigurationError, TransportError
from gateway.transport import BusMessage, IncomingDelivery, ReconnectingBus, TransportSettings
from transport.bus_testing import HOME, message, unique

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "rabbitmq" / "local-cluster.sh"
SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
#: Failing over takes a reconnection and, for the queue, the election of a new leader.
FAILOVER_WAIT = 90.0


def _refused_url() -> str:
    """An AMQP URL on a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"amqp://guest:guest@127.0.0.1:{port}/"


@dataclass(frozen=True)
class Cluster:
    environment: dict[str, str]

    def url(self, member: int) -> str:
        # The port the script chose for member 1, kept in its folder.
        first = int((Path(self.environment["SSGW_CLUSTER_DIR"]) / "port").read_text())
        return f"amqp://guest:guest@127.0.0.1:{first + member - 1}/"

    def run(self, *arguments: str) -> str:
        done = subprocess.run(
            [str(SCRIPT), *arguments],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    def connections(self, member: int) -> str:
        """The client connections of one member, by their names."""
        done = subprocess.run(
            [
                "rabbitmqctl",
                "-q",
                "-n",
                f"ssgw-{member}@localhost",
                "list_connections",
                "client_properties",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    if not SERVER.exists():
        pytest.skip(f"RabbitMQ is not installed here ({SERVER} is missing)")
    # Not under pytest's own folder: the members run as the broker's user, who may not enter
    # it. The script deletes the folder when it stops the cluster.
    folder = Path(tempfile.mkdtemp(prefix="ssgw-cluster-"))
    environment = os.environ | {"SSGW_CLUSTER_DIR": str(folder), "SSGW_CLUSTER_PORT": "auto"}
    started = Cluster(environment)
    try:
        started.run("start")
        yield started
    finally:
        started.run("stop")


def _settings(url: str, *failover: str) -> TransportSettings:
    prefix = f"test.{unique()}"
    return TransportSettings(
        amqp_url=url,
        failover_urls=failover,
        exchange=f"{prefix}.network",
        queue_prefix=f"{prefix}.",
        dead_letter_exchange=f"{prefix}.dead-letter",
        connect_timeout=3.0,
        operation_timeout=10.0,
        reconnect_interval=0.5,
    )


async def _publish(bus: ReconnectingBus, sent: BusMessage) -> None:
    """Publish like the relay: the same message again until the broker confirms it."""
    async with asyncio.timeout(FAILOVER_WAIT):
        while True:
            try:
                await bus.publisher.publish(sent)
            except TransportError:
                await asyncio.sleep(0.2)
            else:
                return


@pytest.mark.asyncio
@pytest.mark.broker
@pytest.mark.slow
async def test_the_bus_starts_on_a_later_member_when_the_first_does_not_answer(
    cluster: Cluster,
) -> None:
    name = f"test-failover-{unique()}"
    bus = ReconnectingBus(_settings(_refused_url(), cluster.url(2)), [HOME], connection_name=name)
    await bus.start()
    try:
        received: asyncio.Queue[str] = asyncio.Queue()

        async def handler(delivery: IncomingDelivery) -> None:
            await delivery.ack()
            received.put_nowait(delivery.message_id)

        await bus.consume(HOME, handler)
        sent = message()
        await _publish(bus, sent)
        assert await asyncio.wait_for(received.get(), FAILOVER_WAIT) == sent.message_id
        assert name in cluster.connections(2)
    finally:
        await bus.close()


@pytest.mark.asyncio
@pytest.mark.broker
@pytest.mark.slow
async def test_nothing_is_lost_when_the_member_in_use_dies(cluster: Cluster) -> None:
    # After member 1 the list names a member that does not answer: the bus must move past it
    # to member 2 rather than knock at the dead door for ever.
    name = f"test-failover-{unique()}"
    settings = _settings(cluster.url(1), _refused_url(), cluster.url(2), cluster.url(3))
    bus = ReconnectingBus(settings, [HOME], connection_name=name)
    await bus.start()
    received: set[str] = set()
    everything = asyncio.Event()
    sent = [message() for _ in range(60)]

    async def handler(delivery: IncomingDelivery) -> None:
        await delivery.ack()
        received.add(delivery.message_id)
        if received >= {m.message_id for m in sent}:
            everything.set()

    try:
        assert name in cluster.connections(1)
        await bus.consume(HOME, handler)
        for each in sent[:30]:
            await _publish(bus, each)
        cluster.run("kill", "1")
        for each in sent[30:]:
            await _publish(bus, each)
        await asyncio.wait_for(everything.wait(), FAILOVER_WAIT)
        assert name in cluster.connections(2)
    finally:
        await bus.close()
        cluster.run("start-member", "1")
    assert received == {m.message_id for m in sent}


@pytest.mark.asyncio
@pytest.mark.broker
async def test_no_member_answering_is_one_error_naming_the_last_tried() -> None:
    first, last = _refused_url(), _refused_url()
    bus = ReconnectingBus(_settings(first, last), [HOME])
    with pytest.raises(BrokerUnavailable) as raised:
        await bus.start()
    port = last.rsplit(":", 1)[1].rstrip("/")
    assert f"127.0.0.1:{port}" in raised.value.detail
    assert "guest" not in raised.value.detail


def test_a_failover_url_that_is_not_amqp_is_refused_by_its_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="failover AMQP URL 2 must be amqp://"):
        TransportSettings(failover_urls=("amqp://a:5672/", "http://b.example/"))
    monkeypatch.setenv("GATEWAY_AMQP_FAILOVER_URLS", '["mqtt://b.example/"]')
    with pytest.raises(ConfigurationError) as raised:
        load_settings(None, institution="FR:CNAV")
    assert "GATEWAY_AMQP_FAILOVER_URLS" in str(raised.value)
    assert "URL 1 must be an amqp:// or amqps:// URL" in str(raised.value)
