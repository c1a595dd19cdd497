"""``ssgw demo --once``: five nodes on the real broker play every scenario as expected."""

from __future__ import annotations

import asyncio
import re
import socket
import time
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
    started = time.monotonic()
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
    elapsed = time.monotonic() - started

    output = result.output
    assert result.exit_code == 0, output
    assert "UNEXPECTED" not in output
    assert elapsed < 50, f"the demo took {elapsed:.0f} s"
    # The old-age claim: 2 claims, 2 acknowledgements, 4 periods requests and their 4 replies,
    # 2 decisions answering the claims and DRV's own told to both; the postings: 2 requests, a
    # certificate and a refusal.
    assert output.count(" delivered ") == 20
    assert "DE:DRV70001 tells FR:CNAV its decision" in output
    assert "DE:DRV70001 tells IN:EPFO its decision" in output
    # Each institution's decision on the old-age claim, and each agreement's shares.
    assert "FR:CNAV         385.04 EUR a month   pro rata 4018/13544 under EU-883-2004" in output
    assert "IN:EPFO        3490.32 INR a month   pro rata 4244/14500 under IN-DE" in output
    assert "DE:DRV70001    1180.85 EUR a month   pro rata 10256/14500 under IN-DE" in output
    assert "shares under EU-883-2004: DE 9526/13544 + FR 4018/13544 = 1" in output
    assert "shares under IN-DE: DE 10256/14500 + IN 4244/14500 = 1" in output
    assert "FR:CNAV      could not ask IN for periods: no social security agreement binds" in output
    # The certificate, the posting refused as too long, the claim refused by policy.
    assert re.search(r"certificate FR-URSSAF-\d{4}-0000001 issued by FR:URSSAF to TN:CNSS", output)
    assert "posting refused by FR:URSSAF: period-exceeds-limit" in output
    assert "refused: invalidity is outside the material scope of IN-DE for DE" in output
