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
import contextlib
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg

from gateway.codes import InstitutionId
from gateway.demo import prepare_network, write_node_config
from gateway.directory import Directory, load_directory
from gateway.security import issue_institution, load_certificate
from gateway.transport import BusMessage, ReconnectingBus, TransportSettings

# Loaded by file path too (the tests, the benchmarks): its sibling modules are found here.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fault_poison import POISON_KINDS, STRANGER, poison_messages
from fault_services import NodeProcesses, PrivatePostgres, PrivateRabbit, api_key, migrate, wait
from fault_traffic import DOCUMENT, RECEIVER, SENDER, Census, Result, Traffic, census

#: Settings of the suite's nodes beyond the demo's: a short relay lease, so a killed worker's
#: claimed messages are taken up again within seconds, and a small document limit, so the
#: oversized poison stays small.
NODE_SETTINGS = (
    "relay_lease_seconds = 5\nmax_document_bytes = 1048576\nreceipt_timeout_seconds = 20"
)

FINAL = ("delivered", "rejected", "failed")


def say(message: str) -> None:
    print(message, flush=True)


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
    suite = run.suite
    poison = poison_messages(suite.folder / "pki", suite.directory, suite.routing_key, copies=5)
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
