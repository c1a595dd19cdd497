"""A running node with retention_interval_hours purges old payloads by itself."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import update
from sqlmodel import Session, col

from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.node.runtime import NodeRuntime
from gateway.store import MessageRecord, Trace
from support import AMQP_URL, delete_topology, example_bytes

pytestmark = [pytest.mark.broker, pytest.mark.asyncio]


async def test_the_runtime_purges_old_payloads_when_enabled(
    make_node: Callable[..., Node],
) -> None:
    run = uuid.uuid4().hex[:8]
    names = {
        "exchange": f"ssgw.t{run}.network",
        "queue_prefix": f"ssgw.t{run}.",
        "dead_letter_exchange": f"ssgw.t{run}.dead-letter",
    }
    node = make_node(
        "FR:CNAV",
        real_time=True,
        amqp_url=AMQP_URL,
        retention_days=30,
        retention_interval_hours=24,
        **names,
    )
    old = node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    recent = node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    for record in (old, recent):
        node.store.change_status(
            record.id or 0, MessageStatus.FAILED, now=node.clock(), trace=Trace("failed", "test")
        )
    with Session(node.store.engine) as session, session.begin():
        session.execute(
            update(MessageRecord)
            .where(col(MessageRecord.id) == old.id)
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
        )
    runtime = NodeRuntime(node)
    await runtime.start()
    try:
        async with asyncio.timeout(20):
            while (node.store.message(old.id or 0) or old).sealed:
                await asyncio.sleep(0.1)
    finally:
        await runtime.stop()
        await delete_topology(names)
    assert node.store.trace(old.message_id)[-1].stage == "purged"
    assert (node.store.message(recent.id or 0) or recent).sealed == recent.sealed
