"""Which request dependencies of the node's HTTP app run in a worker thread.

FastAPI runs a plain ``def`` dependency in a thread of its pool: a hop that costs about 0.2 ms
of CPU on every request. Only dependencies that read the store (and so may block) take it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from conftest import node_settings
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import Mount

from gateway.node import open_node
from gateway.server import build_app

# Each of these reads the store: the API key's client, the operator's session.
READS_THE_STORE = {"_client", "logged_in"}


def _routes(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """Every API route, inside included routers and mounted applications too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes)
        elif isinstance(route, Mount):
            yield from _routes(route.routes)


def _dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def _runs_inline(call: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(call):
        return True
    # A security scheme is an object whose __call__ is a coroutine function.
    return not inspect.isroutine(call) and inspect.iscoroutinefunction(type(call).__call__)


def test_only_dependencies_that_read_the_store_run_in_a_worker_thread(
    pki_dir: Path, signed_directory_file: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    node = open_node(node_settings(pki_dir, signed_directory_file, "DE:DRV70001", url))
    try:
        routes = list(_routes(build_app(node).routes))
    finally:
        node.database.dispose()
    threaded = {
        call.__name__
        for route in routes
        for call in _dependencies(route.dependant)
        if not _runs_inline(call)
    }
    assert len(routes) > 20  # the API's and the console's routes were all found
    assert threaded == READS_THE_STORE
