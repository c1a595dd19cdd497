"""Sustained load across a three-member RabbitMQ cluster, and one member killed in the middle.

Run: ``.venv/bin/python benchmarks/cluster_failover.py [--seconds 60] [--kill-at 20]
[--workers 2] [--json FILE]``. Needs RabbitMQ installed on this machine (the cluster is started
by ``deploy/rabbitmq/local-cluster.sh``, the script operators are given, on free ports of its
own) and the PostgreSQL of GATEWAY_TEST_DATABASE_URL (each node gets a database of its own,
dropped at the end).

A sending node (DE:DRV70001) and a receiving node (FR:CNAV), each ``--workers`` ``ssgw run``
processes on its own PostgreSQL database, use the cluster: the sender's workers start on member
1, the receiver's on member 2, each with the other members as failover URLs. The closed-loop
load of ``path.py`` runs for ``--seconds``; at ``--kill-at`` member 1 is ended with SIGKILL. The
figures: documents per second before the kill, the lowest one-second rate after it (the dip),
the seconds until the rate is back at 80 % of the rate before (the recovery), and, once every
accepted document has reached DELIVERED, the count in both stores of each document: delivered
once at the sender, received once at the receiver, none lost, none stored twice. Copies the
receiver recognised and dropped (a publish repeated because its confirm was lost with the
member) are counted apart: they are the at-least-once bus doing its job, not duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from path_load import Load, exactly_once, keep_window, wait_for
from path_nodes import Ledger, NodeProcess, NodeProcesses, databases
from path_plan import DOCUMENTS, EXAMPLES, NODE_SETTINGS, RECIPIENT, SENDER, say

from gateway.demo import prepare_network, write_node_config
from gateway.exchange import Direction, MessageStatus

SCRIPT = Path(__file__).resolve().parents[1] / "deploy" / "rabbitmq" / "local-cluster.sh"
#: The sender's workers use member 1, the one killed; the receiver's use member 2.
HOME_MEMBER = {SENDER: 1, RECIPIENT: 2}


@contextmanager
def cluster(folder: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Three members on free ports; stopped and deleted at the end, whatever happened."""
    environment = os.environ | {"SSGW_CLUSTER_DIR": str(folder), "SSGW_CLUSTER_PORT": "auto"}
    try:
        _script(environment, "start")
        yield int((folder / "port").read_text()), environment
    finally:
        _script(environment, "stop")


def _script(environment: dict[str, str], *arguments: str) -> None:
    done = subprocess.run(
        [str(SCRIPT), *arguments], env=environment, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"local-cluster.sh {' '.join(arguments)}: {done.stderr.strip()}")


def _member_urls(base: int, first: int) -> list[str]:
    """The three members' URLs, starting with ``first``."""
    order = [first, *(m for m in (1, 2, 3) if m != first)]
    return [f"amqp://guest:guest@127.0.0.1:{base + m - 1}/" for m in order]


def _configs(folder: Path, base: int, database_url: Any) -> dict[str, tuple[Path, str]]:
    """Each node's settings file and database URL."""
    prepare_network(folder, (SENDER, RECIPIENT))
    namespace = f"bench.{uuid.uuid4().hex[:8]}."
    made = {}
    for institution in (SENDER, RECIPIENT):
        first, *others = _member_urls(base, HOME_MEMBER[institution])
        database = database_url(institution.replace(":", "_"))
        config = write_node_config(
            folder,
            institution,
            database_url=database,
            amqp_url=first,
            namespace=namespace,
            api_port=0,
            extra=NODE_SETTINGS + f"amqp_failover_urls = {json.dumps(others)}\n",
        )
        made[institution] = (config, database)
    return made


def timeline(delivered_at: Sequence[float], start: float, end: float) -> list[int]:
    """Documents reaching DELIVERED in each whole second from ``start`` to ``end``."""
    bins = [0] * max(int(end - start), 1)
    for at in delivered_at:
        second = int(at - start)
        if 0 <= second < len(bins):
            bins[second] += 1
    return bins


def dip_and_recovery(bins: Sequence[int], kill_second: int) -> dict[str, Any]:
    """The rate before the kill, the lowest second after it, and the seconds until two
    seconds in a row are back at 80 % of the rate before (None if they never are)."""
    before = statistics.mean(bins[2:kill_second]) if kill_second > 3 else float(bins[0])
    after = list(bins[kill_second:])
    recovery = next(
        (
            second + 2
            for second in range(len(after) - 1)
            if min(after[second : second + 2]) >= 0.8 * before
        ),
        None,
    )
    return {
        "per_second_before": before,
        "lowest_second_after": min(after) if after else 0,
        "recovery_seconds": recovery,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="ssgw-failover-"))
    root.chmod(0o755)  # the cluster's members run as the broker's user, below this folder
    try:
        return await _in(root, args)
    finally:
        if args.keep:
            say(f"the nodes' logs stay in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


async def _in(root: Path, args: argparse.Namespace) -> dict[str, Any]:
    with databases("postgresql", root) as database_url, cluster(root / "cluster") as (base, env):
        made = _configs(root / "network", base, database_url)
        key = NodeProcess(made[SENDER][0], root / "apikey.log").create_api_key()
        nodes = {i: NodeProcesses(made[i][0], args.workers, root) for i in (SENDER, RECIPIENT)}
        ledgers = {i: Ledger(made[i][1]) for i in (SENDER, RECIPIENT)}
        documents = [(EXAMPLES / f"{name}.xml").read_bytes() for name in DOCUMENTS]
        load: Load | None = None
        try:
            for institution in (RECIPIENT, SENDER):
                await asyncio.to_thread(nodes[institution].start)
            load = Load(nodes[SENDER].urls, key, documents)
            report = await _load_with_kill(args, load, ledgers[SENDER], env)
            ids = list(load.submitted)
            report |= await asyncio.to_thread(
                exactly_once, ledgers[SENDER], ledgers[RECIPIENT], ids
            )
        finally:
            if load is not None:
                await load.close()
            for node in nodes.values():
                node.stop()
            for ledger in ledgers.values():
                ledger.close()
    return report | {"workers_per_node": args.workers, "seconds": args.seconds}


async def _load_with_kill(
    args: argparse.Namespace, load: Load, sender: Ledger, environment: dict[str, str]
) -> dict[str, Any]:
    def delivered() -> int:
        return sender.count(Direction.OUT, MessageStatus.DELIVERED)

    base = await asyncio.to_thread(delivered)
    latest = [base]

    async def watch() -> None:
        while True:
            latest[0] = await asyncio.to_thread(delivered)
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    start = time.time()
    stop_at = time.monotonic() + args.seconds
    clients = [asyncio.create_task(keep_window(load, 200, stop_at, base, latest)) for _ in range(8)]
    await asyncio.sleep(args.kill_at)
    say(f"killing member 1 at {time.time() - start:.1f} s")
    killed_at = time.time()
    await asyncio.to_thread(_script, environment, "kill", "1")
    await asyncio.gather(*clients)
    end = time.time()
    say(f"load over; waiting until all {len(load.submitted)} accepted documents are DELIVERED")
    drain = await wait_for(delivered, base + len(load.submitted), 600)
    watcher.cancel()
    times = await asyncio.to_thread(sender.stage_times, "delivered", list(load.submitted))
    bins = timeline(list(times.values()), start, end)
    return {
        "submit_failures": load.failures,
        "per_second": bins,
        "killed_at_second": killed_at - start,
        "drain_seconds_after_load": drain,
        **dip_and_recovery(bins, int(killed_at - start)),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60, help="seconds of load")
    parser.add_argument("--kill-at", type=float, default=20, help="second at which to kill")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per node")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the nodes' logs")
    args = parser.parse_args(argv)
    if not 0 < args.kill_at < args.seconds or args.workers < 1:
        parser.error("--kill-at must fall within --seconds, and a node needs a worker")
    report = asyncio.run(run(args))
    recovery = report["recovery_seconds"]
    print(
        f"{report['workers_per_node']} workers per node on PostgreSQL, three brokers, member 1"
        f" killed at {report['killed_at_second']:.1f} s of {report['seconds']:.0f} s:"
        f" {report['per_second_before']:.1f} documents/s before, lowest second after"
        f" {report['lowest_second_after']}, back at 80 % after"
        f" {'never' if recovery is None else f'{recovery} s'};"
        f" {report['submitted']} accepted, delivered once {report['delivered_once']},"
        f" received once {report['received_once']}, lost {report['lost']}, stored twice"
        f" {report['received_twice']}, bus copies recognised and dropped {report['duplicates']}"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if not (report["delivered_once"] == report["received_once"] == report["submitted"]):
        raise SystemExit("not every accepted document was delivered and received exactly once")
    if report["received_twice"] or report["lost"]:
        raise SystemExit("a document was lost or stored twice")


if __name__ == "__main__":
    main()
