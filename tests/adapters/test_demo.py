"""``ssgw demo --once``: five nodes on the real broker play every scenario as expected."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from support import delete_topology

pytestmark = pytest.mark.broker


def free_base_port() -> int:
    """A port with the four after it free too (best effort; the demo checks again)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base < 60000 and all(_free(base + i) for i in range(5)):
            return base
    raise AssertionError("no five free ports in a row")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"ssgw.demo{uuid.uuid4().hex[:8]}."
    yield name
    asyncio.run(
        delete_topology(
            {
                "queue_prefix": name,
                "exchange": f"{name}network",
                "dead_letter_exchange": f"{name}dead-letter",
            }
        )
    )


def test_the_demo_plays_every_scenario_once(tmp_path: Path, namespace: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--once",
            "--folder",
            str(tmp_path / "demo"),
            "--base-port",
            str(free_base_port()),
            "--namespace",
            namespace,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "UNEXPECTED" not in result.output
    assert result.output.count(" delivered ") == 8
    assert "refused: invalidity is outside the material scope of IN-DE for DE" in result.output
    assert "refused: no social security agreement binds FR and IN" in result.output
