"""The whole message path on this machine: two real nodes, the real broker, SQLite and PostgreSQL.

Run: ``.venv/bin/python benchmarks/path.py [--json FILE]`` (about 10 minutes), or ``--smoke``
for a run of seconds that only proves every part works. What it measures and how to read it is
in ``docs/performance.md``.

It writes a PKI, the signed sample directory and node settings in a temporary folder (the demo's
:func:`gateway.demo.prepare_network` and :func:`gateway.demo.write_node_config`), starts a
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
import contextlib
import datetime as dt
import functools
import json
import os
import secrets
import socket
import statistics
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from path_backlog import backlog
from path_directory import directory_scale
from path_floor import floor
from path_load import Load, large, latency_at, one_at_a_time, sustained, worker_curve
from path_nodes import Ledger, NodeProcess, databases
from path_plan import (
    AMQP_URL,
    DOCUMENTS,
    EXAMPLES,
    NODE_SETTINGS,
    RECIPIENT,
    SENDER,
    Plan,
    say,
)
from path_report import table
from transport_raw import delete_topology, measure, round_trip_ms

from gateway.demo import prepare_network, write_node_config
from gateway.node import load_network_directory
from gateway.node.runtime import transport_settings

# One database kind ------------------------------------------------------------------------------


async def one_kind(kind: str, plan: Plan, folder: Path, port: int) -> dict[str, Any]:
    """Everything measured with both nodes on one kind of database."""
    namespace = f"bench.{uuid.uuid4().hex[:8]}."
    with databases(kind, folder) as database_url:
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
        ledgers = {SENDER: Ledger(sending.settings.database_url)}
        ledgers[RECIPIENT] = Ledger(receiving.settings.database_url)
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
            result = await _while_running(kind, plan, load, ledgers[SENDER], nodes, documents)
            maximum = result["sustained"]["documents_per_second"]
            # Several processes on one SQLite file would queue behind its single writer.
            if kind == "postgresql" and plan.workers:
                for node in nodes:
                    node.stop()
                result["workers"] = await worker_curve(
                    configs, key, documents, ledgers, plan, folder / kind
                )
            count = plan.backlog or min(max(int(maximum * 30), 100), 100_000)
            workers = plan.backlog_workers if kind == "postgresql" else 1
            say(f"{kind}: a backlog of {count} messages filled and drained by {workers} worker(s)")
            result["backlog"] = await backlog(
                sending, receiving, ledgers[RECIPIENT], count, workers, folder / kind
            )
            return result
        finally:
            if load is not None:
                await load.close()
            for node in nodes:
                node.stop()
            for ledger in ledgers.values():
                ledger.close()
            await delete_topology(settings, keys)


async def _while_running(
    kind: str,
    plan: Plan,
    load: Load,
    sender: Ledger,
    nodes: Sequence[NodeProcess],
    documents: Sequence[bytes],
) -> dict[str, Any]:
    """What is measured with both nodes running as one process each: throughput, costs,
    latency at two rates, then one large document."""
    result: dict[str, Any] = {}
    say(f"{kind}: sustained throughput for {plan.duration:.0f} s")
    cpu = {node.settings.institution: node.cpu_seconds for node in nodes}
    rss = {node.settings.institution: functools.partial(node.memory, "VmRSS") for node in nodes}
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
        say(f"{kind}: latency at {share}% of {maximum:.0f} documents/s")
        result["latency"][f"at_{share}_percent"] = await latency_at(
            load, sender, maximum * share / 100, plan.latency_seconds
        )
    # After the load, so first-use costs (schemas, caches) are not counted as growth.
    say(f"{kind}: a {plan.large_bytes / 1e6:.0f} MB document")
    result["large_document"] = await large(load, sender, nodes, plan.large_bytes)
    say(f"{kind}: both nodes at rest for {plan.idle_seconds:.0f} s")
    result["idle_core_share"] = await idle(nodes, plan.idle_seconds)
    say(f"{kind}: {plan.one_at_a_time} documents one at a time on the idle network")
    result["one_at_a_time"] = await one_at_a_time(load, sender, plan.one_at_a_time)
    return result


async def idle(nodes: Sequence[NodeProcess], seconds: float) -> dict[str, float]:
    """Each node's CPU at rest, as a share of one core: nothing submitted, nothing due. The
    last receipts of the load settle first."""
    await asyncio.sleep(2)
    before = {n.settings.institution: n.cpu_seconds() for n in nodes}
    await asyncio.sleep(seconds)
    return {
        n.settings.institution: (n.cpu_seconds() - before[n.settings.institution]) / seconds
        for n in nodes
    }


# The run ----------------------------------------------------------------------------------------


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
            "idle_seconds": plan.idle_seconds,
            "one_at_a_time": plan.one_at_a_time,
            "floor_rounds": plan.floor_rounds,
        },
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg()},
        "databases": {},
    }
    with contextlib.ExitStack() as stack:
        if keep:
            folder = Path(tempfile.mkdtemp(prefix="ssgw-bench-"))
            say(f"settings, stores and node logs stay in {folder}")
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ssgw-bench-")))
        for kind in plan.databases:
            report["databases"][kind] = await one_kind(kind, plan, folder, port)
        report["raw_baseline"] = await _raw_baseline(report["databases"])
        say(f"floor: the essential work alone, {plan.floor_rounds} rounds per stage")
        documents = [(EXAMPLES / f"{name}.xml").read_bytes() for name in DOCUMENTS]
        report["floor"] = floor(folder / "floor", documents, plan.floor_rounds)
        report["floor_ms_per_document"] = report["floor"]["ms_per_document"]
        for figures in report["databases"].values():
            _compare_with_raw(figures, report["raw_baseline"])
            _compare_with_floor(figures, report["floor_ms_per_document"])
        say(f"directory of {plan.institutions} institutions")
        report["directory_scale"] = directory_scale(folder, plan.institutions, plan.agreements)
    return report


async def _raw_baseline(databases: Mapping[str, Any]) -> dict[str, Any]:
    """The bare bus with the same count and size of messages as the path carried, sealed."""
    delivered = max(int(f["sustained"]["delivered_in_window"]) for f in databases.values())
    count = max(delivered, 100)
    say(f"raw bus: {count} messages")
    body_bytes = int(max(f["documents"]["mean_sealed_bytes"] for f in databases.values()))
    raw = await measure(AMQP_URL, count, body_bytes, one_by_one=False)
    baseline: dict[str, Any] = {
        "messages": count,
        "body_bytes": body_bytes,
        "publish_per_second": raw["publish_many, window 256 (msg/s)"],
        "consume_per_second": raw["consume + ack, prefetch 64 (msg/s)"],
    }
    trips = sorted(await round_trip_ms(AMQP_URL, 50, body_bytes))
    baseline["round_trip_p50_ms"] = trips[len(trips) // 2]
    raw_rate = min(baseline["publish_per_second"], baseline["consume_per_second"])
    # A raw message's share of one second at the raw rate: the yardstick of every time.
    baseline["message_us"] = 1e6 / raw_rate
    return baseline


def _compare_with_raw(figures: dict[str, Any], baseline: Mapping[str, Any]) -> None:
    """Adds to one database kind's figures their ratios to the bare bus."""
    raw_rate = min(baseline["publish_per_second"], baseline["consume_per_second"])
    raw_us = baseline["message_us"]
    figures["sustained"]["ratio_to_raw"] = figures["sustained"]["documents_per_second"] / raw_rate
    figures["sustained"]["cpu_ratio_to_raw"] = {
        node: cpu * 1e6 / raw_us
        for node, cpu in figures["sustained"]["cpu_seconds_per_document"].items()
    }
    for curve in figures.get("workers", []):
        curve["ratio_to_raw"] = curve["documents_per_second"] / raw_rate
    figures["backlog"]["ratio_to_raw_consume"] = (
        figures["backlog"]["drain_per_second"] / baseline["consume_per_second"]
    )
    figures["stage_ratio_to_raw"] = {
        node: {stage: micros / raw_us for stage, micros in stages.items()}
        for node, stages in figures["stage_us"].items()
    }
    one = figures["one_at_a_time"]
    one["p50_ratio_to_round_trip"] = one["p50_ms"] / baseline["round_trip_p50_ms"]
    for latency in figures["latency"].values():
        for name in ("p50", "p95", "p99"):
            latency[f"{name}_ratio_to_raw"] = latency[f"{name}_ms"] * 1000 / raw_us


def _compare_with_floor(figures: dict[str, Any], floor_ms: float) -> None:
    """Adds the two nodes' CPU per delivered document as a multiple of the floor."""
    sustained_ = figures["sustained"]
    both_ms = sum(sustained_["cpu_seconds_per_document"].values()) * 1e3
    sustained_["cpu_ratio_to_floor"] = both_ms / floor_ms
    for curve in figures.get("workers", []):
        curve["cpu_ratio_to_floor"] = (
            sum(curve["cpu_seconds_per_document"].values()) * 1e3 / floor_ms
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = _parser()
    args = parser.parse_args(argv)
    report = asyncio.run(run(_plan(parser, args), args.port or _free_ports(), keep=args.keep))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if any(
        not curve["exactly_once"]
        for figures in report["databases"].values()
        for curve in figures.get("workers", [])
    ):
        raise SystemExit("with several workers, not every document was delivered exactly once")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
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
    return parser


def _plan(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Plan:
    """The plan the arguments ask for; exits through ``parser`` on arguments that make none."""
    databases = tuple(k.strip() for k in args.databases.split(",") if k.strip())
    if unknown := set(databases) - {"sqlite", "postgresql"}:
        parser.error(f"unknown database kinds: {', '.join(sorted(unknown))}")
    try:
        workers = tuple(int(w) for w in args.workers.split(",") if w.strip())
    except ValueError:
        parser.error(f"--workers takes whole numbers separated by commas, not {args.workers!r}")
    if min(workers, default=1) < 1 or args.backlog_workers < 1:
        parser.error("a node needs at least one worker process")
    if args.smoke:
        return Plan.smoke(databases)
    return Plan(
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


if __name__ == "__main__":
    main()
