"""The backlog of the whole-path benchmark (``path.py``): the stopped receiver's queue filled
with documents sealed as the sending node seals them, then drained by its worker processes."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import functools
import multiprocessing
import os
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from path_load import wait_for
from path_nodes import Ledger, NodeProcess, NodeProcesses
from path_plan import DOCUMENTS, EXAMPLES, RECIPIENT

from gateway.config import load_settings
from gateway.directory import Directory
from gateway.documents import ValidatedDocument, validate_document
from gateway.exchange import Credentials, Direction, MessageStatus, prepare_outbound
from gateway.node import (
    Dispatch,
    Tracing,
    configure_tracing,
    load_credentials,
    load_network_directory,
)
from gateway.node.runtime import publish_dispatches, transport_settings
from gateway.transport import ReconnectingBus

__all__ = ["backlog", "seal_batch"]


@dataclass(frozen=True, slots=True)
class _Sealer:
    """What a fill process needs to seal documents as the sending node does."""

    credentials: Credentials
    directory: Directory
    documents: tuple[ValidatedDocument, ...]
    routing_key: str
    time_to_live: dt.timedelta


@functools.cache
def _sealer(config: Path) -> _Sealer:
    settings = load_settings(config)
    directory = load_network_directory(settings)
    return _Sealer(
        credentials=load_credentials(settings),
        directory=directory,
        documents=tuple(
            validate_document((EXAMPLES / f"{name}.xml").read_bytes()) for name in DOCUMENTS
        ),
        routing_key=directory.institution(RECIPIENT).routing_key,
        time_to_live=dt.timedelta(hours=settings.message_time_to_live_hours),
    )


def seal_batch(config: Path, first: int, count: int) -> list[Dispatch]:
    """Documents ``first`` to ``first + count`` of the fill, sealed with the credentials of the
    node of ``config`` as its ``Node.submit`` seals them; what its relay would publish of each.
    Runs in a fill process, which loads the keys and the directory once."""
    sealer = _sealer(config)
    dispatches = []
    for index in range(first, first + count):
        outbound = prepare_outbound(
            sealer.documents[index % len(sealer.documents)],
            credentials=sealer.credentials,
            directory=sealer.directory,
            recipient=RECIPIENT,
            now=dt.datetime.now(dt.UTC),
            time_to_live=sealer.time_to_live,
        )
        header = outbound.header
        dispatches.append(
            Dispatch(
                pk=index,
                body=outbound.sealed,
                message_id=str(header.message_id),
                case_id=str(header.case_id),
                document_type=header.document_type.root_name,
                sender=str(header.sender),
                recipient=str(header.recipient),
                routing_key=sealer.routing_key,
            )
        )
    return dispatches


async def fill(sending: NodeProcess, count: int) -> dict[str, Any]:
    """Seal ``count`` documents in one process per core and publish them to the receiver's
    queue as the sender's relay does; the ids and how long it took."""
    processes = os.cpu_count() or 1
    # Batches no larger than the relay's, and enough of them to keep every process busy.
    size = max(1, min(256, -(-count // (4 * processes))))
    settings = sending.settings
    tracing = configure_tracing(settings, settings.institution)
    ids: list[uuid.UUID] = []
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    # Spawned, not forked: this process runs threads (asyncio.to_thread, the database pool).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        async with ReconnectingBus(
            transport_settings(settings),
            [load_network_directory(settings).institution(RECIPIENT).routing_key],
            connection_name=f"ssgw benchmark fill {settings.queue_prefix}",
        ) as bus:
            # A few batches ahead, so sealing goes on while one is published and no more than
            # those few are held in memory.
            pending: collections.deque[asyncio.Future[list[Dispatch]]] = collections.deque()
            for first in range(0, count, size):
                pending.append(
                    loop.run_in_executor(
                        pool, seal_batch, sending.config, first, min(size, count - first)
                    )
                )
                if len(pending) > 2 * processes:
                    ids += await _publish(bus, tracing, await pending.popleft())
            while pending:
                ids += await _publish(bus, tracing, await pending.popleft())
    seconds = time.monotonic() - started
    return {
        "ids": ids,
        "fill_seconds": seconds,
        "fill_per_second": count / seconds,
        "fill_processes": processes,
    }


async def _publish(
    bus: ReconnectingBus, tracing: Tracing, dispatches: Sequence[Dispatch]
) -> list[uuid.UUID]:
    """One batch, published as ``NodeRuntime._relay_once`` publishes the outbox's."""
    results = await publish_dispatches(bus.publisher, tracing, dispatches)
    if failed := [error for error in results if error is not None]:
        raise SystemExit(f"filling the backlog failed: {failed[0].detail}")
    return [uuid.UUID(d.message_id) for d in dispatches]


async def backlog(
    sending: NodeProcess,
    receiving: NodeProcess,
    receiver: Ledger,
    count: int,
    workers: int,
    logs: Path,
) -> dict[str, Any]:
    """Fill the stopped receiver's queue with ``count`` messages, start it as ``workers``
    processes and time the drain from its ``received`` trace events."""
    receiving.stop()
    # The sender is stopped too: the receipts of messages it never stored wait in its queue
    # (deleted with the topology) instead of costing it CPU during the drain.
    sending.stop()
    filled = await fill(sending, count)
    ids = filled.pop("ids")
    received_before = receiver.count(Direction.IN, MessageStatus.RECEIVED)
    node = NodeProcesses(receiving.config, workers, logs)
    try:
        ready = await asyncio.to_thread(node.start)
        await wait_for(
            lambda: receiver.count(Direction.IN, MessageStatus.RECEIVED) - received_before,
            len(ids),
            # At least five messages a second, or the drain has stalled.
            timeout=600 + len(ids) / 5,
            every=1.0,
        )
    finally:
        node.stop()
    received = sorted((await asyncio.to_thread(receiver.stage_times, "received", ids)).values())
    tenth = max(len(received) // 10, 2)
    return {
        "messages": len(ids),
        **filled,
        "receiver_workers": workers,
        "ready_seconds": ready,
        "drain_seconds": received[-1] - received[0] if len(received) > 1 else float("nan"),
        "drain_per_second": _rate(received),
        "first_tenth_per_second": _rate(received[:tenth]),
        "last_tenth_per_second": _rate(received[-tenth:]),
    }


def _rate(times: Sequence[float]) -> float:
    """Events per second between the first and the last of ``times`` (sorted)."""
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return (len(times) - 1) / span if span > 0 else float("nan")
