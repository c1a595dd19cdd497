"""Two ``ssgw run`` workers of one node share its queue and its outbox on the real RabbitMQ and
PostgreSQL: every message is published once and delivered once, and both workers work."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from support import AMQP_URL, delete_topology, load_script

pytestmark = [pytest.mark.broker, pytest.mark.database, pytest.mark.slow]

COUNT = 300
DOCUMENT = "InsurancePeriodsRequest"


def counter(metrics: str, name: str, **labels: str) -> float:
    """The sum of a Prometheus counter's samples whose labels include ``labels``."""
    total = 0.0
    for line in metrics.splitlines():
        match = re.match(rf"{name}\{{(.*)\}} (\S+)$", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            total += float(match.group(2))
    return total


def scrape(urls: list[str]) -> list[str]:
    return [httpx2.get(f"{url}/metrics", timeout=10).text for url in urls]


@pytest.mark.parametrize(
    "database_kind", [pytest.param("postgresql", marks=pytest.mark.database)], indirect=False
)
def test_two_workers_of_each_node_publish_and_deliver_every_message_once(
    tmp_path: Path, database_url: Callable[[str], str], database_kind: str
) -> None:
    faults = load_script("faults")
    sender, receiver = faults.SENDER, faults.RECEIVER
    folder = tmp_path / "network"
    faults.prepare_network(folder, (sender, receiver))
    run = uuid.uuid4().hex[:8]
    names = {
        "queue_prefix": f"ssgw.w{run}.",
        "exchange": f"ssgw.w{run}.network",
        "dead_letter_exchange": f"ssgw.w{run}.dead-letter",
    }
    databases = {institution: database_url(institution) for institution in (sender, receiver)}
    nodes = {}
    for institution, url in databases.items():
        config = faults.write_node_config(
            folder,
            institution,
            database_url=url,
            amqp_url=AMQP_URL,
            namespace=names["queue_prefix"],
            api_port=0,
            # No resend may blur "published once": the receipt has time to come back.
            extra="relay_lease_seconds = 5\nreceipt_timeout_seconds = 600",
        )
        faults.migrate(config)
        nodes[institution] = faults.NodeProcesses(config, workers=2, logs=tmp_path)
    key = faults.api_key(nodes[sender].config)
    try:
        nodes[receiver].start()
        nodes[sender].start()
        traffic = faults.Traffic(nodes[sender].urls, key, COUNT).start()
        traffic.join()
        assert len(traffic.accepted) == COUNT, traffic.refused

        def census() -> Any:
            return faults.census(databases[sender], databases[receiver])

        drained = faults.wait(
            lambda: all(status == "delivered" for status, _ in census().sent.values()),
            timeout=240,
        )
        counted = census()
        assert drained, "not every message was delivered and receipted in time"

        def published_counts() -> list[float]:
            return [
                counter(
                    m, "ssgw_messages_total", direction="out", status="sent", document_type=DOCUMENT
                )
                for m in scrape(nodes[sender].urls)
            ]

        # A receipt may come back before the relay has recorded its batch of confirmed
        # publishes; the count catches up as soon as it has.
        faults.wait(lambda: sum(published_counts()) >= COUNT, timeout=30)
        published = published_counts()
        received_metrics = scrape(nodes[receiver].urls)
    finally:
        for processes in nodes.values():
            processes.stop()
        asyncio.run(delete_topology(names))

    assert set(counted.sent) == traffic.accepted
    # Published once: at most one attempt each (none is recorded when the receipt came in
    # before the relay reported the publish), and the receiver saw no copy (no duplicate);
    # delivered once: one stored row and one "received" trace event each.
    assert {attempts for _, attempts in counted.sent.values()} <= {0, 1}
    assert counted.received == dict.fromkeys(traffic.accepted, 1)
    assert counted.received_events == dict.fromkeys(traffic.accepted, 1)
    assert counted.duplicates == 0 and not counted.dead_letters
    # Both workers of each node did part of the work.
    taken = [
        counter(m, "ssgw_messages_total", direction="in", status="received", document_type=DOCUMENT)
        for m in received_metrics
    ]
    assert sum(published) == COUNT and min(published) > 0, published
    assert sum(taken) == COUNT and min(taken) > 0, taken
