"""The large-document memory profile runs in its smoke size and reports every figure.

No figure is judged here (memory depends on the allocator and the machine); only that the
document crosses the whole path and that the JSON has every field, each a number.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("submit", "relay", "receive", "receipt")
PHASE_FIGURES = (
    "seconds",
    "traced_peak_bytes",
    "traced_peak_ratio",
    "rss_growth_bytes",
    "rss_growth_ratio",
    "retained_ratio",
)
STAGE_FIGURES = (
    "held_at_start",
    "traced_peak",
    "rss_peak",
    "seconds",
    "held_ratio",
    "traced_peak_ratio",
    "rss_peak_ratio",
)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@pytest.mark.slow
def test_the_smoke_run_reports_every_figure(tmp_path: Path) -> None:
    report_file = tmp_path / "large.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "large_document.py"),
            "--smoke",
            "--json",
            str(report_file),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(report_file.read_text())
    assert report["document_bytes"] > 1024 * 1024 * 0.9
    assert report["sealed_bytes"] > report["document_bytes"]
    assert tuple(report["phases"]) == PHASES
    for name, phase in report["phases"].items():
        for figure in PHASE_FIGURES:
            assert _number(phase[figure]), (name, figure, phase.get(figure))
        assert phase["stages"], name
        for stage in phase["stages"]:
            assert isinstance(stage["label"], str) and stage["label"], (name, stage)
            assert isinstance(stage["timed"], bool), (name, stage)
            for figure in STAGE_FIGURES:
                assert _number(stage[figure]), (name, stage["label"], figure)
    timed = {s["stage"] for s in report["phases"]["submit"]["stages"] if s["timed"]}
    assert {"validate", "sign", "encrypt", "database"} <= timed
    timed = {s["stage"] for s in report["phases"]["receive"]["stages"] if s["timed"]}
    assert {"decrypt", "verify", "validate", "database"} <= timed
    assert "whole submit" in result.stdout
    assert "whole receive" in result.stdout
