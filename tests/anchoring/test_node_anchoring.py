"""A node anchored by its TSA: it keeps working while the TSA is away, says how long it has
been unanchored, refuses new submits past the limit with the reason, and takes them again
once the TSA answers."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable

import pytest
from fastapi.testclient import TestClient

from anchoring.conftest import INTERVAL_SECONDS, LIMIT_HOURS, LocalTsa
from gateway.api import create_app
from gateway.errors import Unanchored
from gateway.node import Node
from gateway.node.runtime import NodeRuntime
from gateway.store import Anchors
from support import Clock, example_bytes

REQUEST = example_bytes("InsurancePeriodsRequest")


def unanchored_seconds(node: Node) -> float:
    value = node.metrics.registry.get_sample_value("ssgw_unanchored_seconds")
    assert value is not None
    return value


def failures(node: Node) -> float:
    return node.metrics.registry.get_sample_value("ssgw_anchor_failures_total") or 0.0


def submit(client: TestClient, key: str) -> tuple[int, dict[str, object]]:
    answer = client.post(
        "/api/v1/messages",
        params={"recipient": "DE:DRV70001"},
        content=REQUEST,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/xml"},
    )
    return answer.status_code, answer.json()


def test_the_node_works_on_without_its_tsa_and_refuses_past_the_limit(
    make_node: Callable[..., Node],
    tsa_settings: dict[str, object],
    local_tsa: LocalTsa,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    node = make_node("FR:CNAV", **tsa_settings)
    key = node.store.create_api_client("back-office", clock.now)
    client = TestClient(create_app(node), raise_server_exceptions=False)
    assert node.anchor().anchored
    anchored_at = clock.now
    local_tsa.stop()

    clock.advance(INTERVAL_SECONDS)
    run = node.anchor()
    assert not run.anchored and "did not answer" in (run.reason or "")
    assert run.next_in == dt.timedelta(seconds=60)
    assert failures(node) == 1
    assert "anchoring failed" in caplog.text
    assert submit(client, key)[0] == 202  # the node goes on
    assert unanchored_seconds(node) == INTERVAL_SECONDS
    clock.advance(LIMIT_HOURS * 3600 - INTERVAL_SECONDS)
    assert unanchored_seconds(node) == LIMIT_HOURS * 3600  # grows between turns too
    assert submit(client, key)[0] == 202  # at the limit, not past it

    clock.advance(1)
    node.anchor()
    status, problem = submit(client, key)
    assert status == 503
    assert problem["code"] == "unanchored"
    assert "no RFC 3161 anchor for 1.0 h, past the limit of 1 h" in str(problem["detail"])
    state = node.reading.anchoring()
    assert state.past_limit and state.last_anchor == anchored_at

    local_tsa.start()
    assert node.anchor().anchored
    assert unanchored_seconds(node) == 0
    assert submit(client, key)[0] == 202
    assert len(Anchors(node.store.engine).all()) == 2


def test_before_the_first_anchor_evidence_waits_since_its_oldest_row(
    make_node: Callable[..., Node],
    tsa_settings: dict[str, object],
    local_tsa: LocalTsa,
    clock: Clock,
) -> None:
    local_tsa.stop()
    node = make_node("FR:CNAV", **tsa_settings)
    assert unanchored_seconds(node) == 0  # nothing to anchor yet
    node.submit(REQUEST, recipient="DE:DRV70001")
    written = clock.now
    clock.advance(LIMIT_HOURS * 3600 + 1)
    assert not node.anchor().anchored
    assert node.reading.anchoring().since == written
    with pytest.raises(Unanchored):
        node.refuse_if_unanchored()


def test_a_node_without_a_tsa_never_refuses(make_node: Callable[..., Node], clock: Clock) -> None:
    node = make_node("FR:CNAV")
    node.submit(REQUEST, recipient="DE:DRV70001")
    clock.advance(30 * 24 * 3600)
    run = node.anchor()
    assert not run.anchored and run.reason == "anchoring is off (no tsa_url)"
    node.refuse_if_unanchored()
    assert not node.reading.anchoring().warning
    assert unanchored_seconds(node) == 0


@pytest.mark.broker
@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_running_node_anchors_on_its_timer(
    network: Callable[..., Awaitable[NodeRuntime]],
    tsa_settings: dict[str, object],
    local_tsa: LocalTsa,
) -> None:
    runtime = await network("FR:CNAV", **(tsa_settings | {"anchor_interval_seconds": 10}))
    anchors = Anchors(runtime.node.store.engine)
    async with asyncio.timeout(30):
        while len(await asyncio.to_thread(anchors.all)) < 2:
            await asyncio.sleep(0.2)
    first, second = await asyncio.to_thread(anchors.all)
    # Once at start, then after the interval: the timer sleeps in between.
    assert dt.timedelta(seconds=9) < second.recorded_at - first.recorded_at
    assert local_tsa.requests == 2
