"""Live updates: the console's event stream needs a login, reports a change, and ends when the
console closes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx2
import pytest

from console.console_testing import PASSWORD, Scenario, csrf_of
from gateway.console import Role
from gateway.console._site import Console
from gateway.server import build_app
from gateway.store import Trace
from support import serving


@pytest.fixture
def served(scenario: Scenario, operators: dict[Role, str]) -> Iterator[tuple[str, Console]]:
    """The console node served on a local port, its live streams looking every 50 ms."""
    app = build_app(scenario.node)
    console: Console = app.state.console
    console.live_poll_seconds = 0.05
    with serving(app) as base:
        yield base, console


def _log_in(client: httpx2.Client) -> None:
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"name": "vera", "password": PASSWORD, "csrf": csrf_of(page.text), "next": ""},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console/messages"


def test_the_event_stream_needs_a_login(served: tuple[str, Console]) -> None:
    base, _ = served
    with httpx2.Client(base_url=base, timeout=10) as client:
        response = client.get("/console/events")
    assert response.status_code == 401
    assert response.text == ""


def test_a_change_is_reported_on_the_stream(
    served: tuple[str, Console], scenario: Scenario
) -> None:
    base, _ = served
    with httpx2.Client(base_url=base, timeout=10) as client:
        _log_in(client)
        with client.stream("GET", "/console/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-store"
            lines = response.iter_lines()
            assert next(lines) == "retry: 3000"
            node = scenario.node
            node.store.note(scenario.delivered, Trace("looked-at", ""), node.clock())
            received = []
            for line in lines:
                if line:
                    received.append(line)
                if line.startswith("data: "):
                    break
    assert received[0].startswith("id: ") and "event: change" in received


def test_closing_the_console_ends_its_streams(served: tuple[str, Console]) -> None:
    base, console = served
    with httpx2.Client(base_url=base, timeout=10) as client:
        _log_in(client)
        with client.stream("GET", "/console/events") as response:
            lines = response.iter_lines()
            assert next(lines) == "retry: 3000"
            started = time.monotonic()
            threading.Timer(0.2, console.close).start()
            rest = list(lines)  # ends when the server ends the response
    assert time.monotonic() - started < 5
    assert not any(line.startswith("event:") for line in rest)
