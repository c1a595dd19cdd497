"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib.util
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import aio_pika
import pycountry
import pytest
import sqlalchemy
import uvicorn
from starlette.types import ASGIApp

from gateway.config import NodeSettings
from gateway.documents import SCHEMA_DIR, ValidatedDocument, validate_document
from gateway.exchange import MessageStatus
from gateway.node import Arrival, Dispatch, Node, Verdict
from gateway.server import server_config
from gateway.store import MessageRecord, schema_state
from services import SERVICES, rabbitmqctl_command

EXAMPLES = SCHEMA_DIR / "examples"

AMQP_URL = SERVICES.amqp_url

#: The institutions the session's PKI issues keys for.
INSTITUTIONS = (
    "DE:DRV70001",
    "FR:CNAV",
    "FR:URSSAF",
    "IN:EPFO",
    "TN:CNSS",
    "NL:SVB01",
    "CA:ESDC",
    "US:SSAOIP",
    "AR:ANSES",
    "BR:INSS",
    "DE:BA0001",
    "FR:FTravail",
    "PT:CNP0001",
)


def example_bytes(name: str) -> bytes:
    """The bytes of ``schemas/examples/<name>.xml``."""
    return (EXAMPLES / f"{name}.xml").read_bytes()


def example(name: str) -> ValidatedDocument:
    """An example document, validated."""
    return validate_document(example_bytes(name))


class Steps:
    """Stands for a progress bar's ``advance``: remembers its total and the steps it moved."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0

    def __call__(self, steps: int = 1, *, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        self.done += steps


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


async def delete_topology(names: Mapping[str, str]) -> None:
    """Delete the queues and exchanges a test declared under its own names."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl",
        "list_queues",
        "name",
        "--quiet",
        "--no-table-headers",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    queues = [
        q.strip() for q in out.decode().splitlines() if q.strip().startswith(names["queue_prefix"])
    ]
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(names["exchange"])
        await channel.exchange_delete(names["dead_letter_exchange"])


def rabbitmqctl(*args: str, given: str | None = None) -> str:
    """Run a broker command (``given`` on its standard input); its output. Fails the test when
    the command fails."""
    result = subprocess.run(
        [*rabbitmqctl_command(), *args],
        input=given,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


@contextlib.contextmanager
def imported_definitions(document: Mapping[str, Any]) -> Iterator[None]:
    """Import broker definitions (users, permissions, topology of one vhost), wait until the
    broker has them, and remove the vhost and users afterwards."""
    (vhost,) = (entry["name"] for entry in document["vhosts"])
    # On standard input, so a broker in a container reads it as well as a local one.
    rabbitmqctl("import_definitions", "--format", "json", given=json.dumps(document))
    users = [entry["name"] for entry in document["users"]]
    queues = [entry["name"] for entry in document["queues"]]
    deadline = time.monotonic() + 30
    # The import finishes in the background: wait for every user and queue.
    while True:
        listed = rabbitmqctl("list_permissions", "--vhost", vhost, "--quiet", "--no-table-headers")
        names = rabbitmqctl(
            "list_queues", "--vhost", vhost, "name", "--quiet", "--no-table-headers"
        )
        if all(u in listed for u in users) and all(q in names.split() for q in queues):
            break
        assert time.monotonic() < deadline, "the definitions were not imported in time"
        time.sleep(0.2)
    try:
        yield
    finally:
        rabbitmqctl("delete_vhost", vhost)
        for user in users:
            rabbitmqctl("delete_user", user)


def arrival(dispatch: Dispatch) -> Arrival:
    """What the bus hands the recipient for a dispatched message, headers and all."""
    return Arrival(
        dispatch.body,
        dispatch.message_id,
        dispatch.sender,
        dispatch.recipient,
        dispatch.case_id,
        dispatch.document_type,
    )


def relay(node: Node) -> list[Dispatch]:
    """What a relay does: take the due messages and report each publish as confirmed."""
    dispatches = node.due()
    for dispatch in dispatches:
        node.published(dispatch)
    return dispatches


def deliver(sender: Node, receiver: Node) -> list[Verdict]:
    """Carry the sender's due messages to the receiver without a broker."""
    return [receiver.receive(arrival(d)).verdict for d in relay(sender)]


@contextlib.contextmanager
def serving(app: ASGIApp, port: int = 0) -> Iterator[str]:
    """Serve an ASGI app on a local port (free if 0) in a background thread; its base URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    port = listener.getsockname()[1]
    # The node's own server settings, so the tests see what a node's clients see.
    config = server_config(app, "127.0.0.1", port)
    config.timeout_graceful_shutdown = 5
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        assert not thread.is_alive(), "the server did not stop"


def free_port() -> int:
    """A local port nothing listens on now (best effort: it may be taken before use)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config_file(settings: NodeSettings, path: Path) -> Path:
    """Write a node's settings as the TOML file ``ssgw ... --config`` reads; returns ``path``."""
    lines = [
        f"{name} = {json.dumps(str(getattr(settings, name)))}"
        for name in (
            "institution",
            "database_url",
            "directory_file",
            "authority_certificate",
            "signing_key",
            "signing_certificate",
        )
    ]
    for pair in settings.encryption_keys:
        lines += [
            "[[encryption_keys]]",
            f"key = {json.dumps(str(pair.key))}",
            f"certificate = {json.dumps(str(pair.certificate))}",
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def load_script(name: str, folder: str = "scripts") -> ModuleType:
    """A script of ``scripts/`` or ``benchmarks/`` (not a package module) loaded as a
    module, once."""
    module_name = f"ssgw_{folder}_{name}"
    if module_name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / folder / f"{name}.py"
        spec = importlib.util.spec_from_file_location(module_name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered before it runs: its dataclasses look their module up by name.
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


#: How long a test on the real broker waits for what it expects.
WAIT = 30.0


async def eventually(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Wait until ``check`` (run in a thread: it may read the store) holds, or fail the test."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await asyncio.to_thread(check):
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def status_of(node: Node, record: MessageRecord) -> MessageStatus:
    """The message's status in the node's store now."""
    found = node.store.message(record.id or 0)
    assert found is not None
    return found.status


# --- Comparing SEDs field by field -------------------------------------------------------------


def flatten_json(value: object, path: str = "") -> dict[str, object]:
    """``value`` as JSON pointer -> leaf, without nulls and empties; the text of an element
    with attributes (``$``) stands at the element's own path."""
    if isinstance(value, Mapping):
        flat: dict[str, object] = {}
        for key, child in value.items():
            flat.update(flatten_json(child, path if key == "$" else f"{path}/{key}"))
        return flat
    if isinstance(value, list):
        flat = {}
        for index, child in enumerate(value):
            flat.update(flatten_json(child, f"{path}/{index}"))
        return flat
    if value is None or value == "":
        return {}
    return {path: value}


def sed_normalised(flat: dict[str, object]) -> dict[str, object]:
    """What docs/sed.md says the import normalises: a country in three letters is written in
    two."""
    return {
        path: _alpha_2(value) if path.rpartition("/")[2] in _COUNTRY_MEMBERS else value
        for path, value in flat.items()
    }


#: The members of a SED that hold a country code.
_COUNTRY_MEMBERS = frozenset({"land", "hjemmebase"})


def _alpha_2(value: object) -> object:
    if isinstance(value, str) and len(value) == 3:
        country = pycountry.countries.get(alpha_3=value)
        return country.alpha_2 if country else value
    return value


def without_losses(
    flat: dict[str, object], lost_paths: Iterable[str], prefix: str = ""
) -> dict[str, object]:
    """``flat`` less every path a loss names (a loss of an element takes its text too)."""
    lost = {path.removeprefix(prefix).removesuffix("/$") for path in lost_paths}
    return {
        path: value
        for path, value in flat.items()
        if not any(path == gone or path.startswith(gone + "/") for gone in lost)
    }


def schema_head() -> str:
    """The store's newest revision: where ``ssgw db migrate`` brings a store, so tests that
    name it need no change when a migration is added."""
    engine = sqlalchemy.create_engine("sqlite://")
    try:
        [head] = schema_state(engine).heads
    finally:
        engine.dispose()
    return head
