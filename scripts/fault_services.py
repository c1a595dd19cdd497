"""The processes of the fault-injection suite (``faults.py``): its private RabbitMQ node and
PostgreSQL cluster, and the ``ssgw run`` worker processes of its nodes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx2
import psycopg

__all__ = ["NodeProcesses", "PrivatePostgres", "PrivateRabbit", "api_key", "migrate", "wait"]


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
