"""The broker-scale benchmark runs end to end at a small size and reports every figure.

No figure is judged here (the broker and the machine are shared); only that the command
completes against the real broker, that each layout has every figure, and that it deleted
everything it declared.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import aio_pika
import pytest

from services import SERVICES

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "declare_seconds",
    "memory_idle_bytes",
    "memory_per_queue_bytes",
    "broker_idle_core_share",
    "one_message_p50_ms",
    "load_publish_per_second",
    "memory_loaded_bytes",
    "delete_seconds",
    "memory_before_bytes",
)


@pytest.mark.asyncio
@pytest.mark.broker
@pytest.mark.slow
async def test_a_small_run_reports_both_layouts_and_leaves_nothing(tmp_path: Path) -> None:
    report_file = tmp_path / "scale.json"
    arguments = ["--institutions", "40", "--countries", "4", "--load", "200", "--settle", "1"]
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "broker_scale.py"),
            *arguments,
            "--json",
            str(report_file),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(report_file.read_text())
    layouts = report["layouts"]
    assert set(layouts) == {"per institution", "per country"}
    assert layouts["per institution"]["queues"] == 41  # and the dead-letter queue
    assert layouts["per country"]["queues"] == 4
    for name, figures in layouts.items():
        for figure in FIGURES:
            value = figures[figure]
            assert isinstance(value, int | float) and math.isfinite(value), (name, figure)
    assert "per institution" in result.stdout and "per country" in result.stdout
    connection = await aio_pika.connect(SERVICES.amqp_url)
    async with connection:
        for name, first in (("per institution", "c00.inst00000"), ("per country", "c00")):
            # Everything it declared is gone: a passive declare of its first queue fails.
            channel = await connection.channel()
            with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
                await channel.declare_queue(f"{layouts[name]['prefix']}{first}", passive=True)
