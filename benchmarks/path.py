"""The whole message path on this machine: two real nodes, the real broker, SQLite and PostgreSQL.

Run: ``.venv/bin/python benchmarks/path.py [--json FILE]`` (about 10 minutes), or ``--smoke``
for a run of seconds that only proves every part works. What it measures and how to read it is
in ``docs/performance.md``.

It writes a PKI, the signed sample directory and node settings in a temporary folder (the demo's
:func:`adapters.demo.prepare_network` and :func:`adapters.demo.write_node_config`), starts a
sending and a receiving node as separate ``ssgw run`` processes for each database kind, pushes
case-opening example documents through the REST API of the sender and follows them to DELIVERED
(the receiver's signed receipt came back). On PostgreSQL it also runs each node as several
``ssgw run`` worker processes on one database and queue (the fault suite's
``NodeProcesses``). The backlog is sealed with the sender's own keys in one process per core
and published straight to the stopped receiver's queue, as the sender's relay would. Every
broker object lives under a random prefix and every PostgreSQL database has a random name;
both are deleted at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import contextlib
import datetime as dt
import functools
import json
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import psycopg
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import col
from transport_raw import delete_topology, measure

from adapters.demo import prepare_network, write_node_config
from gateway.codes import COUNTRY_CODES, InstitutionId
from gateway.config import NodeSettings, load_settings
from gateway.directory import Directory, decide, load_directory, sign_directory
from gateway.documents import (
    SCHEMA_DIR,
    DocumentType,
    ValidatedDocument,
    parse_untrusted,
    validate_document,
)
from gateway.exchange import Credentials, Direction, MessageStatus, prepare_outbound
from gateway.node import (
    Dispatch,
    Tracing,
    configure_tracing,
    load_credentials,
    load_network_directory,
)
from gateway.node.runtime import publish_dispatches, transport_settings
from gateway.security import (
    KeyUse,
    SigningIdentity,
    authority_files,
    institution_files,
    load_certificate,
    load_private_key,
)
from gateway.store import MessageRecord, TraceEvent, connect
from gateway.transport import ReconnectingBus

# scripts/ is no package; the fault suite's class for the worker processes of one node is reused.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import faults

SENDER, RECIPIENT = "DE:DRV70001", "FR:CNAV"
#: The example documents that open a case, so each can be sent on its own, any number of times.
DOCUMENTS = ("BenefitClaim", "BenefitClaim-survivors", "InsurancePeriodsRequest")
EXAMPLES = SCHEMA_DIR / "examples"
AMQP_URL = os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
DATABASE_URL = os.environ.get(
    "GATEWAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Receipts arrive in milliseconds; a long timeout keeps resends out of the backlog phase,
# where the receiver is down on purpose.
NODE_SETTINGS = "receipt_timeout_seconds = 3600\n"
_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Plan:
    """How much of everything to do."""

    duration: float
    latency_seconds: float
    backlog: int
    large_bytes: int
    institutions: int
    agreements: int
    databases: tuple[str, ...]
    #: Worker processes per node in each run of the worker curve (PostgreSQL only).
    workers: tuple[int, ...] = (1, 2)
    workers_seconds: float = 30
    #: Worker processes of the receiver draining the backlog (PostgreSQL only).
    backlog_workers: int = 1
    window: int = 400
    concurrency: int = 8

    @classmethod
    def smoke(cls, databases: tuple[str, ...]) -> Plan:
        return cls(
            duration=3,
            latency_seconds=2,
            backlog=30,
            large_bytes=1024 * 1024,
            institutions=200,
            agreements=20,
            databases=databases,
            workers_seconds=3,
            backlog_workers=2,
            window=50,
            concurrency=4,
        )


# Node processes ---------------------------------------------------------------------------


class NodeProcess:
    """One ``ssgw run`` process, with what /proc says of its memory and CPU time."""

    def __init__(self, config: Path, log: Path) -> None:
        self.config = config
        self.settings: NodeSettings = load_settings(config)
        self.base_url = f"http://127.0.0.1:{self.settings.api_port}"
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def create_api_key(self) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "apikey", "create", "benchmark", "-c", self.config],
            capture_output=True,
            check=True,
            cwd=self.config.parent,
        )
        return result.stdout.decode().strip()

    def start(self) -> None:
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "gateway", "run", "-c", str(self.config)],
                cwd=self.config.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SystemExit(f"the node stopped at start; see {self._log}")
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    _say(f"node {self.settings.institution} runs as process {self.pid}")
                    return
            time.sleep(0.2)
        raise SystemExit(f"the node did not become ready in 60 s; see {self._log}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.pid)

    def memory(self, name: str) -> int:
        """VmRSS or VmHWM (the peak resident set) in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1]) * 1024
        raise KeyError(name)

    def reset_peak(self) -> None:
        # Writing 5 to clear_refs resets VmHWM to the current RSS (proc(5)).
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def stage_micros(self) -> dict[str, float]:
        """Mean microseconds per stage from the node's own histogram, ``ssgw_stage_seconds``."""
        text = httpx2.get(f"{self.base_url}/metrics", timeout=30).text
        sums: dict[str, float] = {}
        counts: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            if family.name != "ssgw_stage_seconds":
                continue
            for sample in family.samples:
                stage = sample.labels.get("stage", "")
                if sample.name.endswith("_sum"):
                    sums[stage] = sample.value
                elif sample.name.endswith("_count"):
                    counts[stage] = sample.value
        return {s: sums[s] / counts[s] * 1e6 for s in sorted(sums) if counts.get(s)}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime, fields 14 and 15 of proc(5), counted after the command's name.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _workers_cpu(node: faults.NodeProcesses) -> Callable[[], float]:
    """CPU seconds of all the worker processes of ``node`` so far."""
    return lambda: sum(_cpu_seconds(process.pid) for process in node.processes)


class Ledger:
    """Reads a node's store directly: how many messages reached a status, and when."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = connect(url)

    def count(self, direction: Direction, status: MessageStatus) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.scalar(
                    select(func.count())
                    .select_from(MessageRecord)
                    .where(
                        col(MessageRecord.direction) == direction,
                        col(MessageRecord.status) == status,
                        col(MessageRecord.document_type).not_in(_TECHNICAL),
                    )
                )
                or 0
            )

    def mean_sealed_size(self) -> float:
        """Mean size of the sealed business documents sent (what travels on the bus)."""
        with self.engine.connect() as connection:
            return float(
                connection.scalar(
                    select(func.avg(col(MessageRecord.size))).where(
                        col(MessageRecord.direction) == Direction.OUT,
                        col(MessageRecord.document_type).not_in(_TECHNICAL),
                        col(MessageRecord.size) < 1_000_000,
                    )
                )
                or 0
            )

    def stage_times(self, stage: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, float]:
        """Wall-clock time of each message's trace event ``stage``."""
        found: dict[uuid.UUID, float] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(ids):
                rows = connection.execute(
                    select(col(TraceEvent.message_id), col(TraceEvent.at)).where(
                        col(TraceEvent.stage) == stage, col(TraceEvent.message_id).in_(chunk)
                    )
                )
                for message_id, at in rows:
                    found[message_id] = _timestamp(at)
        return found

    def rows(
        self, direction: Direction, ids: Sequence[uuid.UUID], status: MessageStatus | None = None
    ) -> collections.Counter[uuid.UUID]:
        """How many stored messages (of ``status``, when given) each of ``ids`` has."""
        found: collections.Counter[uuid.UUID] = collections.Counter()
        with self.engine.connect() as connection:
            for chunk in _chunks(ids):
                query = select(col(MessageRecord.message_id), func.count()).where(
                    col(MessageRecord.direction) == direction,
                    col(MessageRecord.message_id).in_(chunk),
                )
                if status is not None:
                    query = query.where(col(MessageRecord.status) == status)
                for message_id, count in connection.execute(
                    query.group_by(col(MessageRecord.message_id))
                ):
                    found[message_id] = int(count)
        return found

    def events(self, stage: str, ids: Sequence[uuid.UUID]) -> collections.Counter[uuid.UUID]:
        """How many trace events ``stage`` each of ``ids`` has."""
        found: collections.Counter[uuid.UUID] = collections.Counter()
        with self.engine.connect() as connection:
            for chunk in _chunks(ids):
                rows = connection.execute(
                    select(col(TraceEvent.message_id), func.count())
                    .where(col(TraceEvent.stage) == stage, col(TraceEvent.message_id).in_(chunk))
                    .group_by(col(TraceEvent.message_id))
                )
                for message_id, count in rows:
                    found[message_id] = int(count)
        return found

    def close(self) -> None:
        self.engine.dispose()


_TECHNICAL = [DocumentType.RECEIPT.root_name, DocumentType.REJECTION.root_name]


def _chunks(ids: Sequence[uuid.UUID]) -> Iterator[Sequence[uuid.UUID]]:
    # Bounded IN lists: a query's parameters stay well under the drivers' limits.
    for start in range(0, len(ids), 500):
        yield ids[start : start + 500]


def _timestamp(at: dt.datetime) -> float:
    # SQLite gives back naive datetimes; the store writes UTC.
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()


# The load ---------------------------------------------------------------------------------


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


async def _wait_for(
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

    async def worker() -> None:
        while time.monotonic() < stop_at:
            if len(load.submitted) - (latest[0] - base) >= plan.window:
                await asyncio.sleep(0.005)
                continue
            await load.submit()

    workers = [asyncio.create_task(worker()) for _ in range(plan.concurrency)]
    await asyncio.sleep(warmup)
    start = (time.monotonic(), await asyncio.to_thread(delivered), _read_all(cpu))
    rss: list[tuple[int, dict[str, int]]] = []

    async def sample_memory() -> None:
        for _ in range(2):
            rss.append((latest[0], {node: read() for node, read in (memory or {}).items()}))
            await asyncio.sleep(duration / 2)

    sampler = asyncio.create_task(sample_memory())
    await asyncio.gather(*workers)
    end = (time.monotonic(), await asyncio.to_thread(delivered), _read_all(cpu))
    sampler.cancel()
    rss.append((latest[0], {node: read() for node, read in (memory or {}).items()}))
    watcher.cancel()
    count = end[1] - start[1]
    elapsed = end[0] - start[0]
    await _wait_for(delivered, base + len(load.submitted), 300)
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
        (first, at_start), (middle, at_middle), (last, at_end) = rss[0], rss[-2], rss[-1]
        figures["rss_growth_bytes_per_1000_documents"] = {
            node: (at_end[node] - at_start[node]) * 1000 / max(last - first, 1) for node in memory
        }
        figures["rss_growth_bytes_per_1000_documents_second_half"] = {
            node: (at_end[node] - at_middle[node]) * 1000 / max(last - middle, 1) for node in memory
        }
    return figures


def _read_all(cpu: Mapping[str, Callable[[], float]]) -> dict[str, float]:
    return {node: read() for node, read in cpu.items()}


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
        await _wait_for(lambda: len(ledger.stage_times("delivered", ids)), len(ids), 300)
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
    await _wait_for(lambda: len(ledger.stage_times("delivered", [message_id])), 1, 300)
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


# Several worker processes per node --------------------------------------------------------


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
        _say(f"postgresql: {count} worker(s) per node for {plan.workers_seconds:.0f} s")
        nodes = {i: faults.NodeProcesses(configs[i], count, logs) for i in (SENDER, RECIPIENT)}
        load: Load | None = None
        try:
            # The receiver first: the sender's first publishes find a consumer.
            for institution in (RECIPIENT, SENDER):
                await asyncio.to_thread(nodes[institution].start)
            load = Load(nodes[SENDER].urls, key, documents)
            cpu = {institution: _workers_cpu(node) for institution, node in nodes.items()}
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


# The backlog ------------------------------------------------------------------------------


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
    node = faults.NodeProcesses(receiving.config, workers, logs)
    try:
        ready = await asyncio.to_thread(node.start)
        await _wait_for(
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


# One database kind ------------------------------------------------------------------------


@contextlib.contextmanager
def _databases(kind: str, folder: Path) -> Iterator[Callable[[str], str]]:
    """Gives each node a fresh database URL; drops the PostgreSQL databases afterwards."""
    if kind == "sqlite":
        yield lambda name: f"sqlite:///{folder / name}.db"
        return
    admin = make_url(DATABASE_URL)
    libpq = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    made: list[str] = []

    def create(_name: str) -> str:
        name = f"ssgw_bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(libpq, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return admin.set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with psycopg.connect(libpq, autocommit=True) as connection:
            for name in made:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def one_kind(kind: str, plan: Plan, folder: Path, port: int) -> dict[str, Any]:
    """Everything measured with both nodes on one kind of database."""
    namespace = f"bench.{uuid.uuid4().hex[:8]}."
    with _databases(kind, folder) as database_url:
        prepare_network(folder / kind, (SENDER, RECIPIENT))
        configs = {
            institution: write_node_config(
                folder / kind,
                institution,
                database_url=database_url(institution.replace(":", "_")),
                amqp_url=AMQP_URL,
                namespace=namespace,
                api_port=port + index,
                extra=NODE_SETTINGS,
            )
            for index, institution in enumerate((SENDER, RECIPIENT))
        }
        sending = NodeProcess(configs[SENDER], folder / f"{kind}-sender.log")
        receiving = NodeProcess(configs[RECIPIENT], folder / f"{kind}-receiver.log")
        nodes = (sending, receiving)
        sender = Ledger(sending.settings.database_url)
        receiver = Ledger(receiving.settings.database_url)
        documents = [(EXAMPLES / f"{name}.xml").read_bytes() for name in DOCUMENTS]
        settings = transport_settings(sending.settings)
        keys = [
            i.routing_key for i in load_network_directory(sending.settings).institutions.values()
        ]
        load: Load | None = None
        try:
            key = sending.create_api_key()
            for node in nodes:
                node.start()
            load = Load([sending.base_url], key, documents)
            result: dict[str, Any] = {}
            _say(f"{kind}: sustained throughput for {plan.duration:.0f} s")
            cpu = {node.settings.institution: node.cpu_seconds for node in nodes}
            rss = {
                node.settings.institution: functools.partial(node.memory, "VmRSS") for node in nodes
            }
            result["sustained"] = await sustained(load, sender, cpu, plan, plan.duration, rss)
            result["documents"] = {
                "types": list(DOCUMENTS),
                "mean_bytes": statistics.mean(len(d) for d in documents),
                "mean_sealed_bytes": sender.mean_sealed_size(),
            }
            result["stage_us"] = {n.settings.institution: n.stage_micros() for n in nodes}
            result["peak_rss_bytes"] = {n.settings.institution: n.memory("VmHWM") for n in nodes}
            maximum = result["sustained"]["documents_per_second"]
            result["latency"] = {}
            for share in (50, 90):
                _say(f"{kind}: latency at {share}% of {maximum:.0f} documents/s")
                result["latency"][f"at_{share}_percent"] = await latency_at(
                    load, sender, maximum * share / 100, plan.latency_seconds
                )
            # After the load, so first-use costs (schemas, caches) are not counted as growth.
            _say(f"{kind}: a {plan.large_bytes / 1e6:.0f} MB document")
            result["large_document"] = await large(load, sender, nodes, plan.large_bytes)
            # Several processes on one SQLite file would queue behind its single writer.
            if kind == "postgresql" and plan.workers:
                for node in nodes:
                    node.stop()
                ledgers = {SENDER: sender, RECIPIENT: receiver}
                result["workers"] = await worker_curve(
                    configs, key, documents, ledgers, plan, folder / kind
                )
            count = plan.backlog or min(max(int(maximum * 30), 100), 100_000)
            workers = plan.backlog_workers if kind == "postgresql" else 1
            _say(f"{kind}: a backlog of {count} messages filled and drained by {workers} worker(s)")
            result["backlog"] = await backlog(
                sending, receiving, receiver, count, workers, folder / kind
            )
            return result
        finally:
            if load is not None:
                await load.close()
            for node in nodes:
                node.stop()
            sender.close()
            receiver.close()
            await delete_topology(settings, keys)


# The directory at scale -------------------------------------------------------------------


def directory_scale(folder: Path, institutions: int, agreements: int) -> dict[str, Any]:
    """A signed directory of many institutions and agreements: load+verify and policy time.

    Each made-up institution carries the two certificates of one real institution, so the
    snapshot has the size and the parsing work of a real one without issuing thousands of keys.
    """
    pki = folder / "sqlite" / "pki"
    if not pki.exists():
        prepare_network(folder / "sqlite", (SENDER, RECIPIENT))
    source = parse_untrusted((EXAMPLES / "Directory.xml").read_bytes()).getroot()
    ns = source.nsmap[None]
    d = f"{{{ns}}}"
    listed = source.find(f"{d}Institutions")
    treaties = source.find(f"{d}Agreements")
    assert listed is not None and treaties is not None
    files = institution_files(pki, InstitutionId(SENDER))
    certificates = {
        use: load_certificate(files.certificate(use)).public_bytes(Encoding.DER) for use in KeyUse
    }
    # Spread over every country, so that, as in the world, two countries share one or two
    # agreements rather than dozens.
    countries = sorted(COUNTRY_CODES)
    for index in range(institutions):
        country = countries[index % len(countries)]
        entry = etree.SubElement(
            listed,
            f"{d}Institution",
            id=f"{country}:B{index:05d}",
            country=country,
            routingKey=f"{country.lower()}.b{index:05d}",
        )
        etree.SubElement(entry, f"{d}Name").text = f"Benchmark institution {index}"
        branches = etree.SubElement(entry, f"{d}Branches")
        for branch in ("old-age", "invalidity", "survivors"):
            etree.SubElement(branches, f"{d}Branch").text = branch
        case_types = etree.SubElement(entry, f"{d}CaseTypes")
        for case_type in ("insurance-periods", "benefit-claim"):
            etree.SubElement(case_types, f"{d}CaseType").text = case_type
        for use, der in certificates.items():
            certificate = etree.SubElement(entry, f"{d}Certificate", use=use.value)
            certificate.text = base64.b64encode(der).decode("ascii")
    pairs = [(a, b) for a in countries for b in countries if a < b]
    for index in range(agreements):
        first, second = pairs[index % len(pairs)]
        agreement = etree.SubElement(
            treaties, f"{d}Agreement", id=f"BENCH-{index:04d}", stage="in-force"
        )
        etree.SubElement(agreement, f"{d}Title").text = f"Benchmark agreement {index}"
        for country in (first, second):
            party = etree.SubElement(agreement, f"{d}Party", country=country)
            etree.SubElement(party, f"{d}Branch").text = "old-age"
        etree.SubElement(agreement, f"{d}Principle").text = "totalization"
        etree.SubElement(agreement, f"{d}InForce", attrib={"from": "2000-01-01"})
    authority = authority_files(pki)
    identity = SigningIdentity(
        load_private_key(authority.key), load_certificate(authority.certificate)
    )
    signed = sign_directory(etree.tostring(source), authority=identity)
    started = time.perf_counter()
    directory = load_directory(signed, identity.certificate)
    load_seconds = time.perf_counter() - started
    document = validate_document((EXAMPLES / "BenefitClaim.xml").read_bytes())
    today = dt.date.today()
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        decide(
            directory,
            sender=InstitutionId(SENDER),
            recipient=InstitutionId(RECIPIENT),
            document_type=document.document_type,
            schema_version=document.schema_version,
            branches=document.branches,
            on=today,
        )
    decision_us = (time.perf_counter() - started) / rounds * 1e6
    return {
        "institutions": len(directory.institutions),
        "agreements": agreements,
        "signed_bytes": len(signed),
        "load_and_verify_seconds": load_seconds,
        "policy_decision_us": decision_us,
    }


# The report -------------------------------------------------------------------------------


def _free_ports() -> int:
    """A port that is free, and the one after it too, both below the range the kernel takes
    outgoing connections' local ports from. A port from that range can become a connection's
    local port before the node binds it, and the node then fails to start; binding port 0
    gives an odd port there, and Linux gives connections the even ones, such as the next."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(100):
        port = 10_000 + secrets.randbelow(max(low - 10_001, 1_000))
        with socket.socket() as first, socket.socket() as second:
            try:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise SystemExit("found no two free ports in a row; give --port")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _table(report: Mapping[str, Any]) -> str:
    raw = report["raw_baseline"]
    raw_rate = min(raw["publish_per_second"], raw["consume_per_second"])
    lines = [
        f"raw bus: publish {raw['publish_per_second']:,.0f}/s, consume "
        f"{raw['consume_per_second']:,.0f}/s ({raw['messages']} x {raw['body_bytes']} bytes)",
    ]
    for kind, figures in report["databases"].items():
        sustained_ = figures["sustained"]
        lines.append("")
        lines.append(f"{kind}")
        lines.append(
            f"  end to end        {sustained_['documents_per_second']:>9,.1f} documents/s"
            f"   ({sustained_['documents_per_second'] / raw_rate:.3f} of raw)"
        )
        for name, latency in figures["latency"].items():
            lines.append(
                f"  latency {name:<13} p50 {latency['p50_ms']:>8.1f} ms  p95 "
                f"{latency['p95_ms']:>8.1f} ms  p99 {latency['p99_ms']:>8.1f} ms"
                f"  at {latency['rate']:.0f}/s"
            )
        for node, cpu in sustained_["cpu_seconds_per_document"].items():
            rss = figures["peak_rss_bytes"][node] / 2**20
            growth = sustained_["rss_growth_bytes_per_1000_documents"][node] / 2**20
            later = sustained_["rss_growth_bytes_per_1000_documents_second_half"][node] / 2**20
            lines.append(
                f"  {node:<12} CPU {cpu * 1e3:>7.2f} ms/document   peak RSS {rss:>7.1f} MB"
                f"   RSS {growth:+.2f} MB per 1,000 documents ({later:+.2f} in the second half)"
            )
        for node, stages in figures["stage_us"].items():
            cells = "  ".join(f"{name} {value:,.0f}" for name, value in stages.items())
            lines.append(f"  {node:<12} us: {cells}")
        big = figures["large_document"]
        growth = ", ".join(f"{n} {r:.2f}x" for n, r in big["rss_growth_ratio"].items())
        lines.append(
            f"  {big['bytes'] / 1e6:.1f} MB document   {big['seconds_to_delivered']:.2f} s to "
            f"DELIVERED, RSS growth {growth}"
        )
        for curve in figures.get("workers", []):
            cpu = ", ".join(
                f"{n} {c * 1e3:.2f}" for n, c in curve["cpu_seconds_per_document"].items()
            )
            lines.append(
                f"  {curve['workers']} worker(s)/node {curve['documents_per_second']:>9,.1f}"
                f" documents/s   ({curve['documents_per_second'] / raw_rate:.3f} of raw),"
                f" CPU ms/document {cpu}; {_once(curve)}"
            )
        drain = figures["backlog"]
        lines.append(
            f"  backlog {drain['messages']:>7}     filled in {drain['fill_seconds']:.1f} s"
            f" ({drain['fill_per_second']:,.0f}/s, {drain['fill_processes']} processes),"
            f" drained by {drain['receiver_workers']} worker(s) in"
            f" {drain['drain_seconds']:.1f} s"
        )
        lines.append(
            f"  backlog drain     {drain['drain_per_second']:>9,.1f} messages/s"
            f" ({drain['drain_per_second'] / raw['consume_per_second']:.3f} of raw consume);"
            f" first tenth {drain['first_tenth_per_second']:,.1f}/s, last tenth"
            f" {drain['last_tenth_per_second']:,.1f}/s"
        )
    scale = report["directory_scale"]
    lines.append("")
    lines.append(
        f"directory of {scale['institutions']:,} institutions and {scale['agreements']:,} "
        f"agreements ({scale['signed_bytes'] / 1e6:.1f} MB): load+verify "
        f"{scale['load_and_verify_seconds']:.2f} s, policy decision "
        f"{scale['policy_decision_us']:.1f} us"
    )
    return "\n".join(lines)


def _once(curve: Mapping[str, Any]) -> str:
    if curve["exactly_once"]:
        return f"all {curve['submitted']} delivered and received once"
    return (
        f"NOT EXACTLY ONCE: of {curve['submitted']}, delivered once {curve['delivered_once']},"
        f" received once {curve['received_once']}, lost {curve['lost']}, received twice"
        f" {curve['received_twice']}, duplicates {curve['duplicates']}"
    )


async def run(plan: Plan, port: int, *, keep: bool = False) -> dict[str, Any]:
    report: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "plan": {
            "duration_seconds": plan.duration,
            "latency_seconds": plan.latency_seconds,
            "backlog": plan.backlog,
            "large_bytes": plan.large_bytes,
            "workers": list(plan.workers),
            "workers_seconds": plan.workers_seconds,
            "backlog_workers": plan.backlog_workers,
            "window": plan.window,
            "concurrency": plan.concurrency,
        },
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "databases": {},
    }
    with contextlib.ExitStack() as stack:
        if keep:
            folder = Path(tempfile.mkdtemp(prefix="ssgw-bench-"))
            _say(f"settings, stores and node logs stay in {folder}")
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ssgw-bench-")))
        for kind in plan.databases:
            report["databases"][kind] = await one_kind(kind, plan, folder, port)
        delivered = max(
            int(f["sustained"]["delivered_in_window"]) for f in report["databases"].values()
        )
        count = max(delivered, 100)
        _say(f"raw bus: {count} messages")
        # The same count and size of messages as the path carried, sealed.
        body_bytes = int(
            max(f["documents"]["mean_sealed_bytes"] for f in report["databases"].values())
        )
        raw = await measure(AMQP_URL, count, body_bytes, one_by_one=False)
        report["raw_baseline"] = {
            "messages": count,
            "body_bytes": body_bytes,
            "publish_per_second": raw["publish_many, window 256 (msg/s)"],
            "consume_per_second": raw["consume + ack, prefetch 64 (msg/s)"],
        }
        raw_rate = min(
            report["raw_baseline"]["publish_per_second"],
            report["raw_baseline"]["consume_per_second"],
        )
        # A raw message's share of one second at the raw rate: the yardstick of every time.
        raw_us = 1e6 / raw_rate
        report["raw_baseline"]["message_us"] = raw_us
        for figures in report["databases"].values():
            figures["sustained"]["ratio_to_raw"] = (
                figures["sustained"]["documents_per_second"] / raw_rate
            )
            figures["sustained"]["cpu_ratio_to_raw"] = {
                node: cpu * 1e6 / raw_us
                for node, cpu in figures["sustained"]["cpu_seconds_per_document"].items()
            }
            for curve in figures.get("workers", []):
                curve["ratio_to_raw"] = curve["documents_per_second"] / raw_rate
            figures["backlog"]["ratio_to_raw_consume"] = (
                figures["backlog"]["drain_per_second"]
                / report["raw_baseline"]["consume_per_second"]
            )
            figures["stage_ratio_to_raw"] = {
                node: {stage: micros / raw_us for stage, micros in stages.items()}
                for node, stages in figures["stage_us"].items()
            }
            for latency in figures["latency"].values():
                for name in ("p50", "p95", "p99"):
                    latency[f"{name}_ratio_to_raw"] = latency[f"{name}_ms"] * 1000 / raw_us
        _say(f"directory of {plan.institutions} institutions")
        report["directory_scale"] = directory_scale(folder, plan.institutions, plan.agreements)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a run of seconds, small figures")
    parser.add_argument("--duration", type=float, default=60, help="seconds of sustained load")
    parser.add_argument("--latency-seconds", type=float, default=15, help="seconds per rate")
    parser.add_argument(
        "--backlog",
        type=int,
        default=0,
        help="messages queued while the receiver is down (default: 30 s of the sustained rate, "
        "at most 100,000; give 100000 for the full drain figure)",
    )
    parser.add_argument(
        "--backlog-workers",
        type=int,
        default=1,
        help="worker processes of the receiver draining the backlog (PostgreSQL only)",
    )
    parser.add_argument(
        "--workers",
        default="1,2",
        help="comma-separated worker processes per node, one run each (PostgreSQL only; "
        "empty: no worker curve)",
    )
    parser.add_argument(
        "--workers-seconds", type=float, default=30, help="seconds of load per worker count"
    )
    parser.add_argument("--large-mb", type=float, default=20, help="size of the big document")
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--agreements", type=int, default=1_000)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="first of two API ports (default: two free ones)"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--keep", action="store_true", help="keep the node logs and stores")
    args = parser.parse_args(argv)
    databases = tuple(k.strip() for k in args.databases.split(",") if k.strip())
    if unknown := set(databases) - {"sqlite", "postgresql"}:
        parser.error(f"unknown database kinds: {', '.join(sorted(unknown))}")
    try:
        workers = tuple(int(w) for w in args.workers.split(",") if w.strip())
    except ValueError:
        parser.error(f"--workers takes whole numbers separated by commas, not {args.workers!r}")
    if min(workers, default=1) < 1 or args.backlog_workers < 1:
        parser.error("a node needs at least one worker process")
    plan = (
        Plan.smoke(databases)
        if args.smoke
        else Plan(
            duration=args.duration,
            latency_seconds=args.latency_seconds,
            backlog=args.backlog,
            large_bytes=int(args.large_mb * 1024 * 1024),
            institutions=args.institutions,
            agreements=args.agreements,
            databases=databases,
            workers=workers,
            workers_seconds=args.workers_seconds,
            backlog_workers=args.backlog_workers,
        )
    )
    report = asyncio.run(run(plan, args.port or _free_ports(), keep=args.keep))
    print(_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if any(
        not curve["exactly_once"]
        for figures in report["databases"].values()
        for curve in figures.get("workers", [])
    ):
        raise SystemExit("with several workers, not every document was delivered exactly once")


if __name__ == "__main__":
    main()
