"""The demo's nodes, in its own process: each with its runtime on the broker and its API
server, an API key for its back-office and an operator for its console."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import uvicorn

from gateway.config import NodeSettings
from gateway.console import Accounts, Role
from gateway.errors import ConfigurationError, TransportError
from gateway.node import open_node
from gateway.node.runtime import NodeRuntime, transport_settings
from gateway.server import build_app, server_config
from gateway.transport import probe

__all__ = ["Nodes", "port_free", "probe_broker"]


def port_free(port: int) -> bool:
    with socket.socket() as probe_socket:
        # As uvicorn binds: connections of a previous run left in TIME_WAIT do not hold the
        # port, a listener does.
        probe_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe_socket.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _QuietServer(uvicorn.Server):
    """Several API servers share the demo's process: Ctrl-C stops the demo, which stops them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def probe_broker(settings: NodeSettings, amqp_url: str) -> None:
    """Fail early, with how to start it, when RabbitMQ does not answer."""
    try:
        await probe(transport_settings(settings))
    except TransportError as error:
        if "exchange" not in error.detail:
            raise ConfigurationError(
                f"RabbitMQ does not answer at {amqp_url.split('@')[-1]}: {error.detail}. "
                "Start it with 'rabbitmq-server -detached' (Debian package rabbitmq-server)."
            ) from None


@dataclass
class Nodes:
    """The running nodes: their runtimes and API servers, and each one's API key and port."""

    console_password: str
    runtimes: list[NodeRuntime] = field(default_factory=list)
    servers: list[tuple[_QuietServer, asyncio.Task[None]]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    async def start(self, institution: str, settings: NodeSettings) -> None:
        node = await asyncio.to_thread(open_node, settings)
        now = dt.datetime.now(dt.UTC)
        self.keys[institution] = node.actions.create_api_key("demo back-office")
        # One operator per node, to look around in its console.
        Accounts(node.database).add_operator(
            "demo", Role.OPERATOR, self.console_password, now=now, actor="demo"
        )
        runtime = NodeRuntime(node)
        await runtime.start()
        self.runtimes.append(runtime)
        app = build_app(node, readiness=runtime.ready)
        server = _QuietServer(server_config(app, "127.0.0.1", settings.api_port))
        self.servers.append((server, asyncio.create_task(server.serve())))
        self.ports[institution] = settings.api_port

    async def serving(self) -> None:
        while not all(server.started for server, _ in self.servers):
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for server, task in self.servers:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for runtime in self.runtimes:
            await runtime.stop()
            runtime.node.database.dispose()

    def access(self) -> list[str]:
        """How to reach each running node: its console, its API docs and its API key."""
        lines = [
            "\nThe nodes and their back-offices keep running; press Ctrl-C to stop them.",
            f"  console operator 'demo', password {self.console_password}",
        ]
        for institution, port in self.ports.items():
            base = f"http://127.0.0.1:{port}"
            lines.append(
                f"  {institution:<12} {base}/console   {base}/docs   "
                f"API key: {self.keys[institution]}"
            )
        return lines
