"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Mapping

import aio_pika

from gateway.documents import SCHEMA_DIR, ValidatedDocument, validate_document

EXAMPLES = SCHEMA_DIR / "examples"

AMQP_URL = os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")

#: The institutions the session's PKI issues keys for.
INSTITUTIONS = (
    "DE:DRV70001",
    "FR:CNAV",
    "FR:URSSAF",
    "IN:EPFO",
    "TN:CNSS",
    "NL:SVB01",
    "CA:ESDC",
    "US:SSAOIP",
    "AR:ANSES",
    "BR:INSS",
)


def example_bytes(name: str) -> bytes:
    """The bytes of ``schemas/examples/<name>.xml``."""
    return (EXAMPLES / f"{name}.xml").read_bytes()


def example(name: str) -> ValidatedDocument:
    """An example document, validated."""
    return validate_document(example_bytes(name))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def delete_topology(names: Mapping[str, str]) -> None:
    """Delete the queues and exchanges a test declared under its own names."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "list_queues",
        "name",
        "--quiet",
        "--no-table-headers",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    queues = [
        q.strip() for q in out.decode().splitlines() if q.strip().startswith(names["queue_prefix"])
    ]
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(names["exchange"])
        await channel.exchange_delete(names["dead_letter_exchange"])
