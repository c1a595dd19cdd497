#!/usr/bin/env python3
"""Fault-injection suite: real nodes, a private broker and a private database, real faults.

    .venv/bin/python scripts/faults.py                       # every scenario, 2000 messages each
    .venv/bin/python scripts/faults.py --count 200 --scenario kill-sender --scenario poison

The suite starts its own RabbitMQ node and its own PostgreSQL cluster in a temporary folder,
so stopping and restarting them disturbs nothing else on the machine. Each scenario runs a
sending node (FR:CNAV) and a receiving node (DE:DRV70001) as ``ssgw run`` processes, set up as
the demo sets them up, on fresh databases and fresh queues; it submits ``--count`` documents
through the sender's REST API, injects its fault while they flow, waits until every accepted
message has its receipt, and counts from both stores what happened. It exits 1 when any
accepted message was lost, delivered twice or unexpected, or a poison message is unaccounted
for. What each figure means: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx2
import psycopg
from lxml import etree

from adapters.client import GatewayApiError, GatewayClient
from adapters.demo import prepare_network, write_node_config
from gateway.codes import InstitutionId
from gateway.directory import Directory, load_directory
from gateway.documents import SCHEMA_DIR, build_envelope, validate_document
from gateway.errors import GatewayError
from gateway.exchange import Credentials, OutboundMessage, prepare_outbound
from gateway.security import KeyUse, issue_institution, load_certificate, seal, sign_enveloped
from gateway.transport import BusMessage, ReconnectingBus, TransportSettings

SENDER, RECEIVER = "FR:CNAV", "DE:DRV70001"
#: An institution the PKI knows but the directory does not list.
STRANGER = "FR:NOBODY01"
DOCUMENT = "InsurancePeriodsRequest"
#: Settings of the suite's nodes beyond the demo's: a short relay lease, so a killed worker's
#: claimed messages are taken up again within seconds, and a small document limit, so the
#: oversized poison stays small.
NODE_SETTINGS = (
    "relay_lease_seconds = 5\nmax_document_bytes = 1048576\nreceipt_timeout_seconds = 20"
)
MAX_DOCUMENT_BYTES = 1048576
FINAL = ("delivered", "rejected", "failed")
POISON_KINDS = (
    "garbage",
    "unknown-sender",
    "bad-signature",
    "wrong-recipient",
    "expired",
    "oversized",
)


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as(user: str, command: Sequence[str]) -> list[str]:
    """Run a service's command as its own system user when the suite runs as root."""
    return ["runuser", "-u", user, "--", *command] if os.geteuid() == 0 else list(command)


def _run(command: Sequence[str], *, timeout: float = 120, check: bool = True) -> str:
    result = subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


# Private services ----------------------------------------------------------------------------


class PrivateRabbit:
    """A RabbitMQ node of the suite's own: its own name, ports, data and log folders."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.node = f"{name}@localhost"
        self.port, self.dist_port = free_port(), free_port()
        for sub in ("mnesia", "log"):
            (folder / sub).mkdir(parents=True)
        (folder / "enabled_plugins").write_text("")
        # guest may connect from 127.0.0.1 (the default); listen there only.
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        if os.geteuid() == 0:
            shutil.chown(folder, "rabbitmq", "rabbitmq")
            for path in folder.rglob("*"):
                shutil.chown(path, "rabbitmq", "rabbitmq")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        return _run(["rabbitmqctl", "-n", self.node, *args], timeout=timeout, check=check)

    def start(self) -> None:
        environment = {
            "HOME": "/var/lib/rabbitmq",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
        }
        command = ["env", *(f"{k}={v}" for k, v in environment.items())]
        _run(
            _as("rabbitmq", [*command, "/usr/lib/rabbitmq/bin/rabbitmq-server", "-detached"]),
            timeout=60,
        )
        deadline = time.monotonic() + 120
        # The detached node registers itself after a moment; until then every call fails.
        while not self._started():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the private broker did not start (logs: {self.folder})")
            time.sleep(0.5)

    def _started(self) -> bool:
        result = subprocess.run(
            ["rabbitmqctl", "-n", self.node, "await_startup", "--timeout", "10"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        return result.returncode == 0

    def stop(self) -> None:
        self.ctl("stop", check=False)

    def depths(self) -> dict[str, int]:
        """Messages in each queue, ready or unacknowledged."""
        listing = self.ctl("list_queues", "name", "messages", "--quiet", "--no-table-headers")
        depths = {}
        for line in listing.splitlines():
            name, _, count = line.partition("\t")
            if count.strip().isdigit():
                depths[name.strip()] = int(count)
        return depths

    def wait_empty(self, queues: Sequence[str], timeout: float) -> bool:
        """Wait until the queues hold nothing, not even unacknowledged deliveries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            depths = self.depths()
            if all(depths.get(queue, 0) == 0 for queue in queues):
                return True
            time.sleep(0.5)
        return False


class PrivatePostgres:
    """A PostgreSQL cluster of the suite's own, on a free port, with trust authentication."""

    def __init__(self, folder: Path) -> None:
        versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not versions:
            raise RuntimeError("no PostgreSQL server found under /usr/lib/postgresql")
        self.bin = versions[-1].parent
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        folder.mkdir(parents=True)
        if os.geteuid() == 0:
            # initdb refuses to run as root: the cluster belongs to the postgres user.
            shutil.chown(folder, "postgres", "postgres")
        _run(
            _as(
                "postgres",
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ],
            )
        )

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        _run(
            _as(
                "postgres",
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-l",
                    str(self.folder / "server.log"),
                    "-w",
                    "start",
                ],
            )
        )

    def stop(self, mode: str = "fast") -> None:
        _run(
            _as(
                "postgres",
                [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"],
            ),
            check=False,
        )

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


# Nodes ---------------------------------------------------------------------------------------


def migrate(config: Path) -> None:
    """Create the node's tables before its workers start (they would race to create them)."""
    _run([sys.executable, "-m", "gateway", "db", "migrate", "--config", str(config)])


def api_key(config: Path) -> str:
    """A new back-office API key of the node."""
    command = [sys.executable, "-m", "gateway", "apikey", "create", "faults", "--config"]
    return _run([*command, str(config)]).strip()


def wait(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` until it holds (True) or ``timeout`` seconds passed (False); a database
    that is away counts as "not yet"."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(psycopg.OperationalError):
            if check():
                return True
        time.sleep(0.5)
    return False


class NodeProcesses:
    """The ``ssgw run`` worker processes of one node, all on one settings file."""

    def __init__(self, config: Path, workers: int, logs: Path) -> None:
        self.config = config
        self.ports = [free_port() for _ in range(workers)]
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    def start(self, timeout: float = 90) -> float:
        """Start every worker; seconds until all were ready."""
        started = time.monotonic()
        for index, port in enumerate(self.ports):
            with (self.logs / f"{self.config.stem}-{index}.log").open("ab") as log:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "gateway", "run", "--config", str(self.config)],
                        cwd=self.config.parent,
                        env={**os.environ, "GATEWAY_API_PORT": str(port)},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        self.wait_ready(timeout)
        return time.monotonic() - started

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for url in self.urls:
            while not _ready(url):
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                    raise RuntimeError(
                        f"{self.config.stem} did not become ready (logs: {self.logs})"
                    )
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL every worker: no chance to finish anything."""
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        self.processes = []


def _ready(url: str) -> bool:
    try:
        return httpx2.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx2.TransportError:
        return False


# Traffic -------------------------------------------------------------------------------------


class Traffic:
    """Submits ``count`` documents through the sender's API from a few threads.

    A refused connection means the node never saw the request: it is tried again. A request
    cut off after it was sent is indeterminate (the node may have stored it); it is not sent
    again, as that could make a second business message.
    """

    def __init__(self, urls: Sequence[str], key: str, count: int, threads: int = 4) -> None:
        self.urls, self.key, self.count, self.threads = list(urls), key, count, threads
        self.document = (SCHEMA_DIR / "examples" / f"{DOCUMENT}.xml").read_bytes()
        self.accepted: set[str] = set()
        self.refused: collections.Counter[str] = collections.Counter()
        self.indeterminate = 0
        self.attempted = 0
        self._lock = threading.Lock()
        self._next = 0
        self._workers = [threading.Thread(target=self._work, args=(i,)) for i in range(threads)]

    def start(self) -> Traffic:
        for worker in self._workers:
            worker.start()
        return self

    def join(self) -> None:
        for worker in self._workers:
            worker.join()

    @property
    def settled(self) -> int:
        with self._lock:
            return len(self.accepted) + self.indeterminate + sum(self.refused.values())

    def wait_for(self, fraction: float, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while self.settled < self.count * fraction and time.monotonic() < deadline:
            time.sleep(0.05)

    def _take(self) -> bool:
        with self._lock:
            if self._next >= self.count:
                return False
            self._next += 1
            return True

    def _work(self, index: int) -> None:
        clients = [GatewayClient(url, self.key, timeout=30) for url in self.urls]
        try:
            while self._take():
                self._submit(clients[index % len(clients)])
        finally:
            for client in clients:
                client.close()

    def _submit(self, client: GatewayClient) -> None:
        while True:
            with self._lock:
                self.attempted += 1
            try:
                sent = client.submit(self.document, recipient=RECEIVER)
            except httpx2.ConnectError:
                time.sleep(0.2)  # the node is down: nothing reached it
                continue
            except httpx2.TransportError:
                with self._lock:
                    self.indeterminate += 1
                return
            except GatewayApiError as error:
                if error.status == 503:  # the store is away: nothing was stored
                    time.sleep(0.2)
                    continue
                with self._lock:
                    self.refused[error.code] += 1
                return
            with self._lock:
                self.accepted.add(str(sent.id))
            return


# What the stores say -------------------------------------------------------------------------


@dataclasses.dataclass
class Census:
    """Counted from the two stores after the drain."""

    sent: dict[str, tuple[str, int]]  # sender's business messages: id -> (status, attempts)
    received: dict[str, int]  # receiver's stored business messages: id -> rows
    received_events: dict[str, int]  # id -> "received" trace events
    duplicates: int
    dead_letters: collections.Counter[str]
    refused: collections.Counter[str]


def census(sender_url: str, receiver_url: str) -> Census:
    with psycopg.connect(sender_url) as connection:
        sent = {
            str(row[0]): (str(row[1]), int(row[2]))
            for row in connection.execute(
                "SELECT message_id, status, attempts FROM messages "
                "WHERE direction = 'out' AND document_type = %s",
                (DOCUMENT,),
            )
        }
    with psycopg.connect(receiver_url) as connection:
        received = {
            str(row[0]): int(row[1])
            for row in connection.execute(
                "SELECT message_id, count(*) FROM messages WHERE direction = 'in' "
                "AND document_type = %s AND status IN ('received', 'acknowledged') "
                "GROUP BY message_id",
                (DOCUMENT,),
            )
        }
        events = {
            str(row[0]): int(row[1])
            for row in connection.execute(
                "SELECT e.message_id, count(*) FROM trace_events e JOIN messages m "
                "ON m.message_id = e.message_id AND m.direction = 'in' "
                "WHERE e.stage = 'received' AND m.document_type = %s GROUP BY e.message_id",
                (DOCUMENT,),
            )
        }
        duplicates = connection.execute(
            "SELECT count(*) FROM trace_events WHERE stage = 'duplicate'"
        ).fetchone()
        dead = collections.Counter(
            {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    "SELECT reason_code, count(*) FROM dead_letters GROUP BY reason_code"
                )
            }
        )
        refused = collections.Counter(
            {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    "SELECT error_code, count(*) FROM messages WHERE direction = 'in' "
                    "AND status = 'refused' GROUP BY error_code"
                )
            }
        )
    return Census(sent, received, events, int(duplicates[0] if duplicates else 0), dead, refused)


# One run of a scenario -----------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    scenario: str
    attempted: int = 0
    accepted: int = 0
    indeterminate: int = 0
    refused_at_api: int = 0
    stored_by_sender: int = 0
    delivered_once: int = 0
    duplicated: int = 0
    lost: int = 0
    unexpected: int = 0
    acknowledged_not_stored: int = 0
    duplicates_suppressed: int = 0
    resends: int = 0
    receipt_coverage: float = 0.0
    rejected: dict[str, int] = dataclasses.field(default_factory=dict)
    poison_sent: int = 0
    copies_sent: int = 0
    poison_unaccounted: int = 0
    recover_seconds: float | None = None
    drain_seconds: float = 0.0
    drained: bool = True
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.drained
            and self.lost == 0
            and self.duplicated == 0
            and self.unexpected == 0
            and self.acknowledged_not_stored == 0
            and self.poison_unaccounted == 0
            # Every copy put on the bus was recognised (or its original was, when it came first).
            and self.duplicates_suppressed >= self.copies_sent
        )

    def lines(self) -> list[str]:
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items())) or "none"
        recover = "-" if self.recover_seconds is None else f"{self.recover_seconds:.1f} s"
        return [
            f"== {self.scenario}: {'PASS' if self.passed else 'FAIL'}",
            f"   sent {self.attempted} requests: accepted {self.accepted}, indeterminate "
            f"{self.indeterminate}, refused {self.refused_at_api}; stored by the sender "
            f"{self.stored_by_sender}",
            f"   delivered exactly once {self.delivered_once}, delivered twice "
            f"{self.duplicated}, lost {self.lost}, unexpected {self.unexpected}, "
            f"acknowledged but not stored {self.acknowledged_not_stored}",
            f"   duplicates suppressed {self.duplicates_suppressed}, resends {self.resends}, "
            f"receipt coverage {self.receipt_coverage:.1%}",
            f"   rejected with reason: {rejected}"
            + (
                f" (poison sent {self.poison_sent}, unaccounted {self.poison_unaccounted})"
                if self.poison_sent
                else ""
            ),
            f"   time to recover {recover}, to drain {self.drain_seconds:.1f} s"
            + ("" if self.drained else " (NOT DRAINED)"),
            *(f"   note: {note}" for note in self.notes),
        ]


class Run:
    """One scenario's network: fresh databases and queues, a sender and a receiver node."""

    def __init__(self, suite: Suite, name: str, workers: int) -> None:
        self.suite = suite
        tag = f"{name.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
        self.namespace = f"ssgw.f{tag}."
        self.databases = {
            institution: suite.create_database(f"ssgw_faults_{tag}_{institution[:2].lower()}")
            for institution in (SENDER, RECEIVER)
        }
        configs = {
            institution: write_node_config(
                suite.folder,
                institution,
                database_url=url,
                amqp_url=suite.amqp_url,
                namespace=self.namespace,
                api_port=0,
                extra=NODE_SETTINGS,
            )
            for institution, url in self.databases.items()
        }
        # Each scenario keeps its own settings file, named like its logs.
        for config in configs.values():
            config.rename(config.with_name(f"{tag}-{config.name}"))
        self.configs = {i: c.with_name(f"{tag}-{c.name}") for i, c in configs.items()}
        for config in self.configs.values():
            migrate(config)
        self.key = api_key(self.configs[SENDER])
        self.sender = NodeProcesses(self.configs[SENDER], workers, suite.logs)
        self.receiver = NodeProcesses(self.configs[RECEIVER], workers, suite.logs)

    def start(self) -> None:
        self.receiver.start()
        self.sender.start()

    def stop(self) -> None:
        self.sender.stop()
        self.receiver.stop()

    def census(self) -> Census:
        return census(self.databases[SENDER], self.databases[RECEIVER])

    def delivered_count(self) -> int:
        try:
            with psycopg.connect(self.databases[RECEIVER], connect_timeout=2) as connection:
                row = connection.execute(
                    "SELECT count(*) FROM messages WHERE direction = 'in' AND document_type = %s",
                    (DOCUMENT,),
                ).fetchone()
        except psycopg.OperationalError:
            return -1
        return int(row[0]) if row else 0

    def wait_for_progress(self, since: float) -> float | None:
        """Seconds from ``since`` until the receiver stored something new (None: not within
        two minutes)."""
        before = self.delivered_count()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            count = self.delivered_count()
            if before < 0:
                before = count  # the database was still away
            elif count > before:
                return time.monotonic() - since
            time.sleep(0.1)
        return None

    def drain(self, timeout: float) -> bool:
        """Wait until every message the sender stored is final and stored by the receiver."""

        def done() -> bool:
            counted = self.census()
            final = all(status in FINAL for status, _ in counted.sent.values())
            return final and set(counted.sent) <= set(counted.received)

        return wait(done, timeout)

    def publish(self, messages: Sequence[BusMessage]) -> None:
        """Put messages straight onto the bus, past every node."""

        async def go() -> None:
            settings = TransportSettings(
                amqp_url=self.suite.amqp_url,
                exchange=f"{self.namespace}network",
                queue_prefix=self.namespace,
                dead_letter_exchange=f"{self.namespace}dead-letter",
            )
            # A batch may not repeat a message id: copies of one message go in later batches.
            batches: list[list[BusMessage]] = []
            for message in messages:
                batch = next(
                    (b for b in batches if all(m.message_id != message.message_id for m in b)),
                    None,
                )
                if batch is None:
                    batches.append(batch := [])
                batch.append(message)
            outcomes: list[object] = []
            async with ReconnectingBus(
                settings, [self.suite.routing_key], connection_name="ssgw faults"
            ) as bus:
                for batch in batches:
                    outcomes.extend(await bus.publisher.publish_many(batch))
            failed = [o for o in outcomes if o is not None]
            if failed:
                raise RuntimeError(f"injecting failed: {failed[0]}")

        asyncio.run(go())


# Scenarios -----------------------------------------------------------------------------------

Fault = Callable[["Run", Traffic, Result], None]


def kill_sender(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.3)
    killed = time.monotonic()
    run.sender.kill()
    time.sleep(1.0)
    run.sender.start()
    result.recover_seconds = time.monotonic() - killed
    traffic.wait_for(0.6)
    killed = time.monotonic()
    run.sender.kill()
    time.sleep(1.0)
    run.sender.start()
    result.notes.append(
        f"killed twice with SIGKILL; back after {result.recover_seconds:.1f} s and "
        f"{time.monotonic() - killed:.1f} s"
    )


def kill_receiver(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.4)
    killed = time.monotonic()
    run.receiver.kill()
    time.sleep(2.0)
    run.receiver.start()
    result.recover_seconds = run.wait_for_progress(killed)


def restart_broker(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.4)
    stopped = time.monotonic()
    run.suite.rabbit.stop()
    time.sleep(2.0)
    run.suite.rabbit.start()
    run.sender.wait_ready(120)
    run.receiver.wait_ready(120)
    result.recover_seconds = run.wait_for_progress(stopped)


def restart_database(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.4)
    stopped = time.monotonic()
    # Immediate: like a crash, the server finishes nothing and recovers from its WAL.
    run.suite.postgres.stop("immediate")
    time.sleep(2.0)
    run.suite.postgres.start()
    result.recover_seconds = run.wait_for_progress(stopped)


def inject_duplicates(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.5)
    with psycopg.connect(run.databases[SENDER]) as connection:
        rows = connection.execute(
            "SELECT message_id, case_id, sealed FROM messages WHERE direction = 'out' "
            "AND document_type = %s AND status IN ('sent', 'delivered') LIMIT 200",
            (DOCUMENT,),
        ).fetchall()
    copies = [
        BusMessage(
            body=bytes(sealed),
            message_id=str(message_id),
            correlation_id=str(case_id),
            type=DOCUMENT,
            sender=SENDER,
            recipient=RECEIVER,
            routing_key=run.suite.routing_key,
        )
        for message_id, case_id, sealed in rows
        for _ in range(2)
    ]
    random.shuffle(copies)  # out of order, and apart from their originals
    run.publish(copies)
    result.notes.append(f"{len(copies)} copies of {len(rows)} sent messages put on the bus")
    result.copies_sent = len(copies)


def inject_poison(run: Run, traffic: Traffic, result: Result) -> None:
    traffic.wait_for(0.5)
    poison = run.suite.poison(run.suite.routing_key, copies=5)
    run.publish(poison)
    result.poison_sent = len(poison)
    result.notes.append(f"5 each of: {', '.join(POISON_KINDS)}")


SCENARIOS: dict[str, Fault] = {
    "kill-sender": kill_sender,
    "kill-receiver": kill_receiver,
    "restart-broker": restart_broker,
    "restart-database": restart_database,
    "duplicates": inject_duplicates,
    "poison": inject_poison,
}


# The suite -----------------------------------------------------------------------------------


class Suite:
    """The private services, the network's PKI and directory, and the scenarios' runs."""

    def __init__(self, folder: Path, *, workers: int, drain_timeout: float) -> None:
        self.folder = folder / "network"
        self.logs = folder / "logs"
        self.logs.mkdir(parents=True)
        self.workers = workers
        self.drain_timeout = drain_timeout
        self.directory_file = prepare_network(self.folder)
        issue_institution(self.folder / "pki", InstitutionId(STRANGER))
        self.directory: Directory = load_directory(
            self.directory_file.read_bytes(),
            load_certificate(self.folder / "pki" / "authority.pem"),
        )
        self.routing_key = self.directory.institution(RECEIVER).routing_key
        self.rabbit = PrivateRabbit(folder / "rabbit", f"ssgw-faults-{uuid.uuid4().hex[:6]}")
        self.postgres = PrivatePostgres(folder / "postgres")

    @property
    def amqp_url(self) -> str:
        return self.rabbit.url

    def create_database(self, name: str) -> str:
        return self.postgres.create_database(name)

    @contextlib.contextmanager
    def services(self) -> Iterator[None]:
        say(f"starting a private PostgreSQL on port {self.postgres.port}")
        self.postgres.start()
        try:
            say(f"starting a private RabbitMQ ({self.rabbit.node}) on port {self.rabbit.port}")
            self.rabbit.start()
            try:
                yield
            finally:
                self.rabbit.stop()
        finally:
            self.postgres.stop()

    def run(self, name: str, count: int) -> Result:
        result = Result(name)
        run = Run(self, name, self.workers)
        run.start()
        try:
            traffic = Traffic(run.sender.urls, run.key, count).start()
            started = time.monotonic()
            try:
                SCENARIOS[name](run, traffic, result)
            finally:
                traffic.join()
            result.drained = run.drain(self.drain_timeout)
            queues = [
                f"{run.namespace}{self.directory.institution(i).routing_key}"
                for i in (SENDER, RECEIVER)
            ]
            if not self.rabbit.wait_empty(queues, timeout=120):
                result.drained = False
                result.notes.append("the nodes' queues did not empty")
            result.drain_seconds = time.monotonic() - started
            self._count(run, traffic, result)
        finally:
            run.stop()
        return result

    def _count(self, run: Run, traffic: Traffic, result: Result) -> None:
        counted = run.census()
        result.attempted = traffic.attempted
        result.accepted = len(traffic.accepted)
        result.indeterminate = traffic.indeterminate
        result.refused_at_api = sum(traffic.refused.values())
        result.stored_by_sender = len(counted.sent)
        result.acknowledged_not_stored = len(traffic.accepted - set(counted.sent))
        once = [
            m
            for m in counted.sent
            if counted.received.get(m) == 1 and counted.received_events.get(m) == 1
        ]
        result.delivered_once = len(once)
        result.duplicated = sum(
            1
            for m in counted.received
            if counted.received[m] > 1 or counted.received_events.get(m, 0) > 1
        )
        result.lost = len(set(counted.sent) - set(counted.received))
        result.unexpected = len(set(counted.received) - set(counted.sent))
        result.duplicates_suppressed = counted.duplicates
        result.resends = sum(max(attempts - 1, 0) for _, attempts in counted.sent.values())
        delivered = sum(1 for status, _ in counted.sent.values() if status == "delivered")
        result.receipt_coverage = delivered / len(counted.sent) if counted.sent else 1.0
        result.rejected = dict(counted.dead_letters + counted.refused)
        if result.poison_sent:
            accounted = sum(counted.dead_letters.values()) + sum(counted.refused.values())
            result.poison_unaccounted = max(result.poison_sent - accounted, 0)
        dead_lettered = self.rabbit.depths().get(f"{run.namespace}dead-letter", 0)
        if dead_lettered != sum(counted.dead_letters.values()):
            result.notes.append(
                f"the broker's dead-letter queue holds {dead_lettered}, the store lists "
                f"{sum(counted.dead_letters.values())}"
            )
            result.poison_unaccounted = max(
                result.poison_unaccounted, sum(counted.dead_letters.values()) - dead_lettered
            )

    def poison(self, routing_key: str, copies: int) -> list[BusMessage]:
        """Messages the receiver must refuse, each kind ``copies`` times, with new ids."""
        pki = self.folder / "pki"
        sender = Credentials.from_pki(pki, InstitutionId(SENDER))
        stranger = Credentials.from_pki(pki, InstitutionId(STRANGER))
        now = dt.datetime.now(dt.UTC)
        (recipient_certificate, *_) = self.directory.certificates(RECEIVER, KeyUse.ENCRYPTION, now)
        document = validate_document((SCHEMA_DIR / "examples" / f"{DOCUMENT}.xml").read_bytes())

        def outbound(
            to: str = RECEIVER, at: dt.datetime = now, ttl: float = 3600.0
        ) -> OutboundMessage:
            return prepare_outbound(
                document,
                credentials=sender,
                directory=self.directory,
                recipient=to,
                now=at,
                time_to_live=dt.timedelta(seconds=ttl),
            )

        def message(
            body: bytes,
            message_id: uuid.UUID,
            sender_id: str = SENDER,
            case_id: uuid.UUID | None = None,
        ) -> BusMessage:
            return BusMessage(
                body=body,
                message_id=str(message_id),
                correlation_id=str(case_id or uuid.uuid4()),
                type=DOCUMENT,
                sender=sender_id,
                recipient=RECEIVER,
                routing_key=routing_key,
            )

        elsewhere = self._another_recipient(outbound)
        made: list[BusMessage] = []
        for _ in range(copies):
            made.append(message(os.urandom(2000), uuid.uuid4()))
            # A well-formed envelope from an institution the directory does not list.
            fine = outbound()
            header = dataclasses.replace(
                fine.header, sender=InstitutionId(STRANGER), message_id=uuid.uuid4()
            )
            signed = sign_enveloped(build_envelope(header, document.root), stranger.signing)
            made.append(
                message(
                    seal(etree.tostring(signed), recipient_certificate),
                    header.message_id,
                    STRANGER,
                    header.case_id,
                )
            )
            # Signed by the sender, then altered.
            tampered = etree.fromstring(fine.signed_envelope)
            text = next(e for e in tampered.iter() if e.text and e.text.strip())
            text.text = (text.text or "") + "x"
            made.append(
                message(
                    seal(etree.tostring(tampered), recipient_certificate),
                    fine.header.message_id,
                    case_id=fine.header.case_id,
                )
            )
            # Authentic, but signed for another institution.
            other = outbound(to=elsewhere)
            made.append(
                message(
                    seal(other.signed_envelope, recipient_certificate),
                    other.header.message_id,
                    case_id=other.header.case_id,
                )
            )
            # Authentic, but expired before it arrives.
            old = outbound(at=now - dt.timedelta(seconds=10), ttl=1.0)
            made.append(
                message(
                    seal(old.signed_envelope, recipient_certificate),
                    old.header.message_id,
                    case_id=old.header.case_id,
                )
            )
            made.append(message(os.urandom(MAX_DOCUMENT_BYTES * 4 // 3 + 8192), uuid.uuid4()))
        return made

    def _another_recipient(self, outbound: Callable[..., OutboundMessage]) -> str:
        """An institution the sender may send the document to, other than the receiver."""
        for institution in sorted(self.directory.institutions):
            if institution in (SENDER, RECEIVER, STRANGER):
                continue
            try:
                outbound(to=institution)
            except GatewayError:
                continue
            return institution
        raise RuntimeError("the directory lists no other institution the sender may address")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=2000, help="documents per scenario")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable); default: all",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes per node")
    parser.add_argument("--drain-timeout", type=float, default=300.0, help="seconds")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    options = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="ssgw-faults-"))
    folder.chmod(0o755)
    results: list[Result] = []
    try:
        suite = Suite(folder, workers=options.workers, drain_timeout=options.drain_timeout)
        with suite.services():
            for name in options.scenario or list(SCENARIOS):
                say(f"scenario {name}: {options.count} documents")
                result = suite.run(name, options.count)
                results.append(result)
                for line in result.lines():
                    say(line)
    finally:
        if options.keep:
            say(f"work folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    failed = [r.scenario for r in results if not r.passed]
    say(
        f"{len(results) - len(failed)} of {len(results)} scenarios passed"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
