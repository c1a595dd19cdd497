"""The node process put together: the bus runtime, the API and the console, side by side.

This is the one place that knows all three. The API and the console are each an application of
their own over the node; here they are mounted on one ASGI application and served by uvicorn
beside the runtime (consumer, relay, upkeep), which knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import FrameType

import uvicorn
import uvloop
from fastapi import FastAPI
from starlette.types import ASGIApp

from gateway.api import MAX_REQUEST_HEAD, ProblemH11Protocol, ReadinessCheck, create_app
from gateway.config import NodeSettings
from gateway.console import mount_console
from gateway.logs import configure_logging
from gateway.node import Node, configure_tracing, open_node
from gateway.node.runtime import NodeRuntime

__all__ = ["build_app", "serve", "server_config"]


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


async def _serve(settings: NodeSettings) -> None:
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
        await server.serve()
    finally:
        await runtime.stop()
        node.database.dispose()
        tracing.close()


def serve(settings: NodeSettings) -> None:
    """Run a node until SIGTERM or Ctrl-C."""
    configure_logging(settings.log_level)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # uvloop's event loop costs the node 3-5 % less CPU per document than asyncio's
    # (docs/performance.md); aio-pika and uvicorn run on it unchanged.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner,
    ):
        runner.run(_serve(settings))
