"""The node process put together: the bus runtime, the API and the console, side by side.

This is the one place that knows all three. The API and the console are each an application of
their own over the node; here they are mounted on one ASGI application and served by uvicorn
beside the runtime (consumer, relay, upkeep), which knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

import uvicorn
import uvloop
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api import MAX_REQUEST_HEAD, ProblemH11Protocol, ReadinessCheck, create_app
from gateway.config import NodeSettings
from gateway.console import mount_console
from gateway.errors import ConfigurationError, GatewayError
from gateway.logs import configure_logging
from gateway.node import Node, configure_tracing, open_node
from gateway.node.runtime import NodeRuntime

__all__ = ["build_app", "serve", "server_config"]

log = logging.getLogger("gateway.node")


def build_app(node: Node, *, readiness: ReadinessCheck | None = None) -> FastAPI:
    """The API with the console mounted beside it under /console."""
    app = create_app(node, readiness=readiness)
    # The console's close() ends its live streams when the server stops (see _Server).
    app.state.console = mount_console(app, node).state.console
    return app


def server_config(app: ASGIApp, host: str, port: int) -> uvicorn.Config:
    """uvicorn's settings for a node's API: requests it cannot read get problem documents."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        http=ProblemH11Protocol,
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD,
    )


class _Server(uvicorn.Server):
    """uvicorn's server, which also ends the console's live streams as soon as a stop is asked
    for: a graceful stop waits for open responses, and an event stream never ends by itself."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_exit = on_exit

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_exit()
        super().handle_exit(sig, frame)


async def _serve(settings: NodeSettings, listener: socket.socket | None = None) -> None:
    node = await asyncio.to_thread(open_node, settings)
    tracing = configure_tracing(settings, node.institution)
    runtime = NodeRuntime(node, tracing)
    await runtime.start()
    app = build_app(node, readiness=runtime.ready)
    server = _Server(
        server_config(app, settings.api_host, settings.api_port),
        on_exit=app.state.console.close,
    )
    try:
        # uvicorn turns SIGTERM and SIGINT into a graceful stop of the server.
        await server.serve(sockets=None if listener is None else [listener])
    finally:
        await runtime.stop()
        node.database.dispose()
        tracing.close()


def serve(settings: NodeSettings, *, workers: int = 1) -> None:
    """Run a node until SIGTERM or Ctrl-C: in this process, or as ``workers`` processes that
    share the API's socket, the store and the queue (PostgreSQL only: see the CLI)."""
    configure_logging(settings.log_level)
    if workers > 1:
        _supervise(settings, workers)
    else:
        _run(settings, None)


def _run(settings: NodeSettings, listener: socket.socket | None) -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # uvloop's event loop costs the node 3-5 % less CPU per document than asyncio's
    # (docs/performance.md); aio-pika and uvicorn run on it unchanged.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        runner.run(_serve(settings, listener))


# Workers --------------------------------------------------------------------------------------

#: A worker's exit status when it could not start (settings, keys, store, broker): starting
#: another would fail the same way, so the whole node stops instead.
_COULD_NOT_START = 3


def _worker(settings: NodeSettings, listener: socket.socket, supervisor: int) -> None:
    """One worker process: a whole node (store, consumer, relay, API) on the shared socket.
    ``supervisor`` is the process id of the supervisor, given by it: asked here, it could
    already be another's, were the supervisor killed while this worker was starting."""
    configure_logging(settings.log_level)
    threading.Thread(target=_end_with, args=(supervisor,), daemon=True).start()
    try:
        _run(settings, listener)
    except GatewayError as error:
        log.error("the worker could not start: %s", error.detail)
        sys.exit(_COULD_NOT_START)


def _end_with(supervisor: int) -> None:
    """Stop this worker as SIGTERM would once its supervisor is gone (killed outright, say):
    no worker goes on serving a node nobody supervises."""
    while os.getppid() == supervisor:
        time.sleep(1)
    log.warning("the supervisor (process %d) is gone; this worker stops", supervisor)
    os.kill(os.getpid(), signal.SIGTERM)


def _supervise(settings: NodeSettings, count: int) -> None:
    """Start ``count`` workers on one listening socket and keep them running: a worker that
    ends is replaced, unless it could not start; SIGTERM or Ctrl-C stops them all.

    uvicorn's own supervisor runs an application it imports by name; a worker here is a whole
    node with its bus runtime, so the node keeps its own few lines of supervision instead.
    """
    listener = server_config(_no_app, settings.api_host, settings.api_port).bind_socket()
    spawn = multiprocessing.get_context("spawn")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def started() -> multiprocessing.process.BaseProcess:
        process = spawn.Process(
            target=_worker, args=(settings, listener, os.getpid()), name="ssgw worker"
        )
        process.start()
        return process

    workers = [started() for _ in range(count)]
    log.info("node running as %d workers on %s", count, listener.getsockname())
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(workers):
                if process.exitcode is None:
                    continue
                if process.exitcode == _COULD_NOT_START:
                    raise ConfigurationError("a worker could not start; its reason is logged above")
                log.warning(
                    "worker %d ended (status %s); starting another", process.pid, process.exitcode
                )
                workers[index] = started()
    finally:
        _stop_all(workers)
        listener.close()


def _stop_all(workers: list[multiprocessing.process.BaseProcess]) -> None:
    for process in workers:
        if process.is_alive():
            process.terminate()
    for process in workers:
        process.join(timeout=30)
        if process.is_alive():
            process.kill()
            process.join()


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The supervisor only binds the socket; the workers serve it."""
    raise RuntimeError("the supervisor serves nothing")
