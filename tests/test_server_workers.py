"""``ssgw run --workers``: several processes, each a whole node, on one API port, store and queue.

They run as real processes against the real broker and PostgreSQL: the supervisor, its
workers, their consumers on the node's one queue, a worker killed and replaced, and a stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import settings_toml
from gateway.node import Node
from services import rabbitmqctl_command
from support import delete_topology, free_port

runner = CliRunner()
WAIT = 60.0


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found |= {int(child) for child in text}
    # Only the workers: multiprocessing may start a helper of its own beside them.
    return {c for c in found if b"ssgw" in _cmdline(c) or b"spawn_main" in _cmdline(c)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT:.0f} s: {what}")
        time.sleep(0.2)


@pytest.fixture
def postgres_node(
    make_node: Callable[..., Node], database_kind: str, names: dict[str, str]
) -> Iterator[Node]:
    if database_kind != "postgresql":
        pytest.skip("several workers need PostgreSQL")
    yield make_node("FR:CNAV", **names)
    asyncio.run(delete_topology(names))


@pytest.fixture
def supervisor(
    postgres_node: Node, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(postgres_node.settings, api_port=port))
    with (tmp_path / "node.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", "--workers", "2", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process, f"http://127.0.0.1:{port}"
    finally:
        workers = _children(process.pid) if process.poll() is None else set()
        process.kill()
        process.wait()
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)


def _consumers(node: Node) -> int:
    """Consumers on the queues of this test's own names: the node's one queue."""
    listing = subprocess.run(
        [*rabbitmqctl_command(), "list_consumers", "-q", "--no-table-headers", "queue_name"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    prefix = node.settings.queue_prefix
    return sum(1 for line in listing.splitlines() if line.strip().startswith(prefix))


def _ready(base_url: str) -> bool:
    try:
        return httpx2.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx2.TransportError:
        return False


@pytest.mark.slow
@pytest.mark.broker
def test_workers_share_the_port_and_queue_a_dead_one_is_replaced_and_all_stop(
    postgres_node: Node, supervisor: tuple[subprocess.Popen[bytes], str]
) -> None:
    process, base_url = supervisor
    _until(lambda: _ready(base_url), "the API answers ready")
    _until(lambda: len(_children(process.pid)) == 2, "two workers run")
    _until(lambda: _consumers(postgres_node) == 2, "both consume the node's queue")
    victim = min(_children(process.pid))
    os.kill(victim, signal.SIGKILL)
    _until(
        lambda: victim not in _children(process.pid) and len(_children(process.pid)) == 2,
        "the killed worker is replaced",
    )
    _until(lambda: _consumers(postgres_node) == 2, "the new worker consumes")
    workers = _children(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT) == 0
    assert not [w for w in workers if Path(f"/proc/{w}").exists()], "a worker outlived the stop"


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("0", "--workers must be a number from 1 to 64 or 'auto', not '0'"),
        ("many", "--workers must be a number from 1 to 64 or 'auto', not 'many'"),
        ("65", "--workers must be a number from 1 to 64 or 'auto', not '65'"),
    ],
)
def test_a_worker_count_that_is_none_is_one_line(
    make_node: Callable[..., Node], tmp_path: Path, given: str, error: str
) -> None:
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(make_node("FR:CNAV").settings))
    result = runner.invoke(app, ["run", "--workers", given, "--config", str(config)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: {error}"]


def test_several_workers_on_sqlite_are_refused_with_the_reason(
    make_node: Callable[..., Node], tmp_path: Path, database_kind: str
) -> None:
    if database_kind != "sqlite":
        pytest.skip("the SQLite refusal")
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(make_node("FR:CNAV").settings))
    result = runner.invoke(app, ["run", "--workers", "auto", "--config", str(config)])
    if len(os.sched_getaffinity(0)) == 1:
        pytest.skip("one core: 'auto' is one worker, which SQLite takes")
    assert result.exit_code == 2
    assert "a SQLite store has one writer" in result.output


@pytest.mark.slow
@pytest.mark.broker
def test_workers_stop_when_their_supervisor_is_killed(
    supervisor: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, _ = supervisor
    _until(lambda: len(_children(process.pid)) == 2, "two workers run")
    workers = _children(process.pid)
    process.kill()
    process.wait()
    _until(
        lambda: not [w for w in workers if Path(f"/proc/{w}").exists()],
        "the orphaned workers stop",
    )
