"""How long the relay may sleep: until the outbox's next entry falls due, within bounds, so an
idle node does not poll its store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from unittest import mock

import pytest

from gateway.node import Node
from gateway.node.runtime import NodeRuntime
from support import Clock, example_bytes


def test_an_empty_outbox_lets_the_relay_sleep_its_longest(make_node: Callable[..., Node]) -> None:
    node = make_node("FR:CNAV", relay_idle_seconds=7.0)
    assert node.relay_pause() == 7.0


def test_the_relay_sleeps_until_the_next_entry_falls_due(
    make_node: Callable[..., Node], clock: Clock
) -> None:
    node = make_node("FR:CNAV", receipt_timeout_seconds=3.0, relay_idle_seconds=30.0)
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    assert node.relay_pause() == node.settings.relay_interval_seconds  # due now
    (dispatch,) = node.due()
    assert node.relay_pause() == 30.0  # leased for a minute: no sooner than the longest pause
    node.published(dispatch)
    assert node.relay_pause() == pytest.approx(3.0)  # the receipt's deadline
    clock.advance(2.5)
    assert node.relay_pause() == pytest.approx(0.5)
    clock.advance(10)
    assert node.relay_pause() == node.settings.relay_interval_seconds  # overdue: the shortest


@pytest.mark.broker
@pytest.mark.asyncio
async def test_an_idle_relay_looks_at_the_outbox_once_per_longest_pause(
    make_node: Callable[..., Node],
    names: dict[str, str],
    network: Callable[..., Awaitable[NodeRuntime]],
) -> None:
    node = make_node("FR:CNAV", real_time=True, relay_idle_seconds=2.0, **names)
    with mock.patch.object(node, "due", wraps=node.due) as due:
        await network("FR:CNAV", node)
        await asyncio.sleep(1.0)
        # One look at start, the next 2 s later; a poll every relay_interval_seconds (0.2 s)
        # would have made five by now.
        assert due.call_count == 1
        node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
        node.kick()
        # Queued work wakes it at once, well before its next look.
        for _ in range(80):
            if due.call_count > 1:
                break
            await asyncio.sleep(0.01)
        assert due.call_count > 1
