"""How long the ``ssgw`` command takes to start and answer.

Run: ``.venv/bin/python benchmarks/cli_startup.py [--runs 20]`` (seconds). It runs
``ssgw --help``, ``ssgw --version`` and ``ssgw validate`` of one example document, each
``--runs`` times and each time in a fresh process, and beside them the baseline
``python -c pass`` of the same interpreter, which no command can beat. The runs are
interleaved, so a machine that slows down or speeds up while it runs weighs on every command
alike, and each command runs once untimed first, so no figure pays for compiling the modules.

It prints, per command, the median and the fastest wall time, the median and the lowest CPU
time (user and system, of the process and its children), and the median wall time as a
multiple of the baseline's. What the figures were before and after the command was made to
start lazily is in ``docs/performance.md`` ("CLI start-up").
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gateway.cli._progress import progress

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "schemas" / "examples" / "InsurancePeriodsRequest.xml"


@dataclass(frozen=True, slots=True)
class Command:
    label: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _ssgw() -> list[str]:
    """The installed ``ssgw`` script, run by this interpreter; the module without one."""
    script = Path(sys.executable).with_name("ssgw")
    return [sys.executable, str(script)] if script.exists() else [sys.executable, "-m", "gateway"]


def commands() -> list[Command]:
    ssgw = _ssgw()
    return [
        Command("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
        Command("ssgw --help", [*ssgw, "--help"]),
        Command("ssgw --version", [*ssgw, "--version"]),
        Command(f"ssgw validate {EXAMPLE.name}", [*ssgw, "validate", str(EXAMPLE)]),
    ]


def run_once(command: Command) -> tuple[float, float]:
    """One fresh process: its wall time and CPU time, in seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command.argv, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"error: {command.label} exited {done.returncode}: {last[0]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(measured: Sequence[Command], runs: int) -> None:
    for command in measured:
        run_once(command)
    with progress("starting ssgw", runs * len(measured)) as advance:
        for _ in range(runs):
            for command in measured:
                wall, cpu = run_once(command)
                command.wall.append(wall)
                command.cpu.append(cpu)
                advance()


def report(measured: Sequence[Command]) -> str:
    baseline = statistics.median(measured[0].wall)
    width = max(len(c.label) for c in measured)
    header = (
        f"{'command':<{width}}  {'wall median':>11}  {'wall min':>8}  "
        f"{'CPU median':>10}  {'CPU min':>7}  {'x baseline':>10}"
    )
    lines = [header]
    for command in measured:
        wall, cpu = statistics.median(command.wall), statistics.median(command.cpu)
        lines.append(
            f"{command.label:<{width}}  {wall * 1000:>8.0f} ms  {min(command.wall) * 1000:>5.0f} ms"
            f"  {cpu * 1000:>7.0f} ms  {min(command.cpu) * 1000:>4.0f} ms  {wall / baseline:>10.1f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=20, help="Timed runs per command (20).")
    options = parser.parse_args(argv)
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    measured = commands()
    measure(measured, options.runs)
    print(f"{options.runs} runs each, {sys.executable}")
    print(report(measured))
    return 0


if __name__ == "__main__":
    sys.exit(main())
