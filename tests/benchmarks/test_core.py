"""benchmarks/core.py: a few rounds print every stage; a wrong example is one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _core(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "benchmarks" / "core.py"), *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_a_short_run_prints_every_stage() -> None:
    result = _core("--rounds", "3", "--example", "InsurancePeriodsRequest.xml")
    assert result.returncode == 0, result.stderr
    for stage in ("parse", "sign", "verify", "encrypt", "decrypt", "whole outbound"):
        assert stage in result.stdout


def test_an_unknown_example_is_one_line() -> None:
    result = _core("--rounds", "1", "--example", "Nope")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: --example: no example 'Nope' in {ROOT / 'schemas' / 'examples'}"
    ]
