"""The nodes the whole-path benchmark (``path.py``) runs and reads: one ``ssgw run`` process with
what /proc says of it, the fault suite's worker processes of one node, and a node's store."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx2
import psycopg
from path_plan import DATABASE_URL, say
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlmodel import col

from gateway.config import NodeSettings, load_settings
from gateway.documents import DocumentType
from gateway.exchange import Direction, MessageStatus
from gateway.store import MessageRecord, TraceEvent, connect

# scripts/ is no package; the fault suite's class for the worker processes of one node is reused.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from fault_services import NodeProcesses

__all__ = ["Ledger", "NodeProcess", "NodeProcesses", "databases", "workers_cpu"]

_TICKS = os.sysconf("SC_CLK_TCK")


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
                    say(f"node {self.settings.institution} runs as process {self.pid}")
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


def workers_cpu(node: NodeProcesses) -> Callable[[], float]:
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


@contextlib.contextmanager
def databases(kind: str, folder: Path) -> Iterator[Callable[[str], str]]:
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
