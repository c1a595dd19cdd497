"""The start-up benchmark runs with one run per command and prints every figure.

No figure is judged (they depend on the machine and what else runs on it); only that each
command started, answered and got its row of numbers beside the baseline's.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^(?P<label>.+?)\s+(\d+ ms\s+){4}\d+\.\d$")


def test_one_run_each_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "cli_startup.py"), "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [m for line in done.stdout.splitlines() if (m := ROW.match(line))]
    assert [m["label"] for m in rows] == [
        "python -c pass (baseline)",
        "ssgw --help",
        "ssgw --version",
        "ssgw validate InsurancePeriodsRequest.xml",
    ]
    assert rows[0].group(0).endswith(" 1.0")
    assert done.stderr == ""
