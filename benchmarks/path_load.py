"""The load of the whole-path benchmark (``path.py``) and what it measures: throughput in a
closed loop, latency at a fixed rate, one large document, and several worker processes per node.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx2
from path_nodes import Ledger, NodeProcess, NodeProcesses, workers_cpu
from path_plan import EXAMPLES, RECIPIENT, SENDER, Plan, say

from gateway.exchange import Direction, MessageStatus

__all__ = [
    "Load",
    "exactly_once",
    "keep_window",
    "large",
    "large_document",
    "latency_at",
    "one_at_a_time",
    "sustained",
    "wait_for",
    "worker_curve",
]

#: A figure read from each node: CPU seconds or a resident set.
_Reading = TypeVar("_Reading", int, float)


class Load:
    """Submits documents to the sending node's REST API, as a back-office would; in turn to
    each of ``urls`` when the node runs several worker processes."""

    def __init__(self, urls: Sequence[str], key: str, documents: Sequence[bytes]) -> None:
        self._clients = [
            httpx2.AsyncClient(
                base_url=url,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/xml"},
                timeout=300,
                # Idle connections are dropped before uvicorn's 5 s keep-alive closes them, so
                # no request goes out on a connection the server is closing.
                limits=httpx2.Limits(
                    max_connections=64, max_keepalive_connections=64, keepalive_expiry=2
                ),
            )
            for url in urls
        ]
        self._turn = 0
        self._documents = documents
        self._next = 0
        self.submitted: dict[uuid.UUID, float] = {}
        self.failures = 0

    async def submit(self, document: bytes | None = None, at: float | None = None) -> None:
        if document is None:
            document = self._documents[self._next % len(self._documents)]
            self._next += 1
        started = time.time() if at is None else at
        client = self._clients[self._turn % len(self._clients)]
        self._turn += 1
        try:
            response = await client.post(
                "/api/v1/messages", params={"recipient": RECIPIENT}, content=document
            )
        except httpx2.TransportError:
            # Counted, not retried: the node may have taken the document before the fault.
            self.failures += 1
            return
        if response.status_code != 202:
            self.failures += 1
            return
        self.submitted[uuid.UUID(response.json()["id"])] = started

    async def close(self) -> None:
        for client in self._clients:
            await client.aclose()


async def _watch(read: Callable[[], int], every: float, latest: list[int]) -> None:
    while True:
        latest[0] = await asyncio.to_thread(read)
        await asyncio.sleep(every)


async def wait_for(
    read: Callable[[], int], target: int, timeout: float, every: float = 0.1
) -> float:
    """Seconds until ``read()`` reaches ``target``, asked every ``every`` seconds; raises when
    it does not within ``timeout``."""
    started = time.monotonic()
    while (value := await asyncio.to_thread(read)) < target:
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{value} of {target} after {timeout:.0f} s")
        await asyncio.sleep(every)
    return time.monotonic() - started


def _delivered(ledger: Ledger) -> Callable[[], int]:
    return lambda: ledger.count(Direction.OUT, MessageStatus.DELIVERED)


async def sustained(
    load: Load,
    ledger: Ledger,
    cpu: Mapping[str, Callable[[], float]],
    plan: Plan,
    duration: float,
    memory: Mapping[str, Callable[[], int]] | None = None,
) -> dict[str, Any]:
    """Closed loop: keep at most ``plan.window`` documents between submit and DELIVERED, as
    fast as the path takes them, and count what reaches DELIVERED over ``duration``.

    ``cpu`` reads the CPU seconds of each node so far, by institution; ``memory``, when
    given, its resident set now, read at the window's start, middle and end to see whether
    it grows with the messages once the first ones have warmed every cache up."""
    load.submitted.clear()
    delivered = _delivered(ledger)
    base = await asyncio.to_thread(delivered)
    latest = [base]
    watcher = asyncio.create_task(_watch(delivered, 0.1, latest))
    warmup = min(5.0, duration / 3)
    stop_at = time.monotonic() + warmup + duration
    workers = [
        asyncio.create_task(keep_window(load, plan.window, stop_at, base, latest))
        for _ in range(plan.concurrency)
    ]
    await asyncio.sleep(warmup)
    start = (time.monotonic(), await asyncio.to_thread(delivered), _read_all(cpu))
    rss: list[tuple[int, dict[str, int]]] = []
    sampler = asyncio.create_task(_sample_memory(rss, latest, memory or {}, duration))
    await asyncio.gather(*workers)
    end = (time.monotonic(), await asyncio.to_thread(delivered), _read_all(cpu))
    sampler.cancel()
    rss.append((latest[0], _read_all(memory or {})))
    watcher.cancel()
    count = end[1] - start[1]
    elapsed = end[0] - start[0]
    await wait_for(delivered, base + len(load.submitted), 300)
    figures: dict[str, Any] = {
        "documents_per_second": count / elapsed,
        "delivered_in_window": count,
        "seconds": elapsed,
        "submit_failures": load.failures,
        "cpu_seconds_per_document": {
            node: (end[2][node] - start[2][node]) / max(count, 1) for node in cpu
        },
    }
    if memory is not None:
        figures.update(_rss_growth(rss, memory))
    return figures


async def keep_window(
    load: Load, window: int, stop_at: float, base: int, latest: list[int]
) -> None:
    """Submits until ``stop_at``, while fewer than ``window`` documents are on their way
    (``latest[0] - base`` of those submitted have reached DELIVERED)."""
    while time.monotonic() < stop_at:
        if len(load.submitted) - (latest[0] - base) >= window:
            await asyncio.sleep(0.005)
            continue
        await load.submit()


async def _sample_memory(
    rss: list[tuple[int, dict[str, int]]],
    latest: list[int],
    memory: Mapping[str, Callable[[], int]],
    duration: float,
) -> None:
    """Adds to ``rss`` the delivered count and each node's resident set at the window's start
    and middle."""
    for _ in range(2):
        rss.append((latest[0], _read_all(memory)))
        await asyncio.sleep(duration / 2)


def _rss_growth(
    rss: Sequence[tuple[int, Mapping[str, int]]], memory: Mapping[str, Callable[[], int]]
) -> dict[str, Any]:
    """Resident-set growth per 1,000 documents delivered, over the window and its second half."""
    (first, at_start), (middle, at_middle), (last, at_end) = rss[0], rss[-2], rss[-1]
    return {
        "rss_growth_bytes_per_1000_documents": {
            node: (at_end[node] - at_start[node]) * 1000 / max(last - first, 1) for node in memory
        },
        "rss_growth_bytes_per_1000_documents_second_half": {
            node: (at_end[node] - at_middle[node]) * 1000 / max(last - middle, 1) for node in memory
        },
    }


def _read_all(readings: Mapping[str, Callable[[], _Reading]]) -> dict[str, _Reading]:
    return {node: read() for node, read in readings.items()}


async def latency_at(load: Load, ledger: Ledger, rate: float, seconds: float) -> dict[str, Any]:
    """Open loop: submit at a fixed ``rate`` whatever happens, then read submit->DELIVERED."""
    load.submitted.clear()
    count = max(int(rate * seconds), 1)
    begin = time.time()
    tasks = []
    for index in range(count):
        due = begin + index / rate
        await asyncio.sleep(max(due - time.time(), 0))
        tasks.append(asyncio.create_task(load.submit(at=due)))
    await asyncio.gather(*tasks)
    ids = list(load.submitted)
    with contextlib.suppress(TimeoutError):
        await wait_for(lambda: len(ledger.stage_times("delivered", ids)), len(ids), 300)
    times = ledger.stage_times("delivered", ids)
    samples = sorted((times[i] - load.submitted[i]) * 1000 for i in ids if i in times)
    return {
        "rate": rate,
        "documents": count,
        "delivered": len(samples),
        "p50_ms": _percentile(samples, 50),
        "p95_ms": _percentile(samples, 95),
        "p99_ms": _percentile(samples, 99),
    }


async def one_at_a_time(load: Load, ledger: Ledger, count: int) -> dict[str, Any]:
    """One document on an idle network, ``count`` times: each submitted once the one before
    was DELIVERED and the nodes had a moment's rest; submit->DELIVERED from the store."""
    load.submitted.clear()
    for _ in range(count):
        await load.submit()
        ids = list(load.submitted)
        delivered = functools.partial(_count_delivered, ledger, ids)
        await wait_for(delivered, len(ids), 60, 0.01)
        await asyncio.sleep(0.2)
    times = ledger.stage_times("delivered", list(load.submitted))
    samples = sorted((times[i] - at) * 1000 for i, at in load.submitted.items() if i in times)
    return {
        "documents": count,
        "p50_ms": _percentile(samples, 50),
        "p99_ms": _percentile(samples, 99),
    }


def _count_delivered(ledger: Ledger, ids: Sequence[uuid.UUID]) -> int:
    return len(ledger.stage_times("delivered", ids))


def _percentile(samples: Sequence[float], percent: float) -> float:
    if not samples:
        return float("nan")
    index = min(round(percent / 100 * (len(samples) - 1)), len(samples) - 1)
    return samples[index]


def large_document(size: int) -> bytes:
    """A valid BenefitClaim of about ``size`` bytes: a claimant with very many long forenames
    (the parser allows 100,000 elements, so each carries 155 three-byte characters)."""
    source = (EXAMPLES / "BenefitClaim.xml").read_text(encoding="utf-8")
    line = "<c:Forename>" + "\u1e00" * 155 + "</c:Forename>\n"
    count = max(size // len(line.encode()), 1)
    anchor = "<c:Forename>Jürgen</c:Forename>"
    return source.replace(anchor, anchor + "\n" + line * count).encode()


async def large(
    load: Load, ledger: Ledger, nodes: Sequence[NodeProcess], size: int
) -> dict[str, Any]:
    """One big document across the path; how much each node's resident set grows."""
    document = large_document(size)
    before = {}
    for node in nodes:
        node.reset_peak()
        before[node.settings.institution] = node.memory("VmRSS")
    load.submitted.clear()
    started = time.monotonic()
    await load.submit(document)
    if not load.submitted:
        raise SystemExit("the sending node refused the large document")
    message_id = next(iter(load.submitted))
    await wait_for(lambda: len(ledger.stage_times("delivered", [message_id])), 1, 300)
    growth = {
        node.settings.institution: node.memory("VmHWM") - before[node.settings.institution]
        for node in nodes
    }
    return {
        "bytes": len(document),
        "seconds_to_delivered": time.monotonic() - started,
        "rss_growth_bytes": growth,
        "rss_growth_ratio": {name: grown / len(document) for name, grown in growth.items()},
    }


# Several worker processes per node --------------------------------------------------------------


async def worker_curve(
    configs: Mapping[str, Path],
    key: str,
    documents: Sequence[bytes],
    ledgers: Mapping[str, Ledger],
    plan: Plan,
    logs: Path,
) -> list[dict[str, Any]]:
    """The sustained phase again for each count of ``plan.workers``, every node run as that
    many ``ssgw run`` processes on its one database and queue, the load spread over the
    sender's; then whether each document was delivered and received exactly once."""
    runs = []
    for count in plan.workers:
        say(f"postgresql: {count} worker(s) per node for {plan.workers_seconds:.0f} s")
        nodes = {i: NodeProcesses(configs[i], count, logs) for i in (SENDER, RECIPIENT)}
        load: Load | None = None
        try:
            # The receiver first: the sender's first publishes find a consumer.
            for institution in (RECIPIENT, SENDER):
                await asyncio.to_thread(nodes[institution].start)
            load = Load(nodes[SENDER].urls, key, documents)
            cpu = {institution: workers_cpu(node) for institution, node in nodes.items()}
            figures = await sustained(load, ledgers[SENDER], cpu, plan, plan.workers_seconds)
            ids = list(load.submitted)
        finally:
            if load is not None:
                await load.close()
            for node in nodes.values():
                node.stop()
        once = await asyncio.to_thread(exactly_once, ledgers[SENDER], ledgers[RECIPIENT], ids)
        runs.append({"workers": count, **figures, **once})
    return runs


def exactly_once(sender: Ledger, receiver: Ledger, ids: Sequence[uuid.UUID]) -> dict[str, Any]:
    """Counted in both stores: each of ``ids`` one row at the sender, DELIVERED, and one row
    and one ``received`` event at the receiver, which recognised no copy of it."""
    sent = sender.rows(Direction.OUT, ids)
    delivered = sender.rows(Direction.OUT, ids, MessageStatus.DELIVERED)
    stored = receiver.rows(Direction.IN, ids)
    received = receiver.events("received", ids)
    copies = receiver.events("duplicate", ids)
    figures = {
        "submitted": len(ids),
        "delivered_once": sum(1 for i in ids if sent[i] == delivered[i] == 1),
        "received_once": sum(1 for i in ids if stored[i] == received[i] == 1),
        "lost": sum(1 for i in ids if stored[i] == 0),
        "received_twice": sum(1 for i in ids if stored[i] > 1 or received[i] > 1),
        # Copies the receiver recognised and dropped: a message was published more than once.
        "duplicates": sum(copies.values()),
    }
    figures["exactly_once"] = (
        figures["delivered_once"] == figures["received_once"] == len(ids)
        and figures["received_twice"] == figures["duplicates"] == 0
    )
    return figures
