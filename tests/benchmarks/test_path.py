"""The whole-path benchmark runs end to end in its smoke size and reports every figure.

No timing is judged here (the machine is shared); only that the command completes against
the real broker and database, that its JSON has every field, each a number where one is
expected, and that with several workers per node every document was delivered once.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODES = ("DE:DRV70001", "FR:CNAV")
STAGES = ("validate", "policy", "sign", "encrypt", "decrypt", "verify", "database", "publish")

#: Every figure of one database kind; a tuple names the keys of a per-node mapping, a list
#: gives what each item of a list holds.
KIND_FIGURES: Mapping[str, Any] = {
    "sustained": {
        "documents_per_second": float,
        "delivered_in_window": int,
        "seconds": float,
        "submit_failures": int,
        "cpu_seconds_per_document": NODES,
        "rss_growth_bytes_per_1000_documents": NODES,
        "rss_growth_bytes_per_1000_documents_second_half": NODES,
        "cpu_ratio_to_raw": NODES,
        "cpu_ratio_to_floor": float,
        "ratio_to_raw": float,
    },
    "documents": {"types": list, "mean_bytes": float, "mean_sealed_bytes": float},
    "stage_us": NODES,
    "stage_ratio_to_raw": NODES,
    "peak_rss_bytes": NODES,
    "latency": {
        share: {
            "rate": float,
            "documents": int,
            "delivered": int,
            "p50_ms": float,
            "p95_ms": float,
            "p99_ms": float,
            "p50_ratio_to_raw": float,
            "p95_ratio_to_raw": float,
            "p99_ratio_to_raw": float,
        }
        for share in ("at_50_percent", "at_90_percent")
    },
    "large_document": {
        "bytes": int,
        "seconds_to_delivered": float,
        "rss_growth_bytes": NODES,
        "rss_growth_ratio": NODES,
    },
    "idle_core_share": NODES,
    "one_at_a_time": {
        "documents": int,
        "p50_ms": float,
        "p99_ms": float,
        "p50_ratio_to_round_trip": float,
    },
    "backlog": {
        "messages": int,
        "fill_seconds": float,
        "fill_per_second": float,
        "fill_processes": int,
        "receiver_workers": int,
        "ready_seconds": float,
        "drain_seconds": float,
        "drain_per_second": float,
        "first_tenth_per_second": float,
        "last_tenth_per_second": float,
        "ratio_to_raw_consume": float,
    },
}
#: The worker curve, run on PostgreSQL only: one item per count of worker processes.
WORKER_FIGURES: Mapping[str, Any] = {
    "workers": [
        {
            "workers": int,
            "documents_per_second": float,
            "delivered_in_window": int,
            "seconds": float,
            "submit_failures": int,
            "cpu_seconds_per_document": NODES,
            "ratio_to_raw": float,
            "cpu_ratio_to_floor": float,
            "submitted": int,
            "delivered_once": int,
            "received_once": int,
            "lost": int,
            "received_twice": int,
            "duplicates": int,
            "exactly_once": bool,
        }
    ]
}
#: The floor's stages, each timed on its own: the document's and its receipt's.
FLOOR_STAGES = tuple(
    f"{message} {stage}"
    for message in ("document", "receipt")
    for stage in ("sign", "seal", "at rest", "open", "parse", "validate", "verify")
)
REPORT_FIGURES: Mapping[str, Any] = {
    "floor_ms_per_document": float,
    "floor": {"ms_per_document": float, "stage_us": {s: float for s in FLOOR_STAGES}},
    "raw_baseline": {
        "messages": int,
        "body_bytes": int,
        "publish_per_second": float,
        "consume_per_second": float,
        "message_us": float,
        "round_trip_p50_ms": float,
    },
    "directory_scale": {
        "institutions": int,
        "agreements": int,
        "signed_bytes": int,
        "load_and_verify_seconds": float,
        "policy_decision_us": float,
    },
}


def _check(value: Any, expected: Any, where: str) -> None:
    if isinstance(expected, Mapping):
        assert isinstance(value, dict), where
        for key, inner in expected.items():
            assert key in value, f"{where}.{key} is missing"
            _check(value[key], inner, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(value, list) and value, f"{where} is not a list or is empty"
        for index, item in enumerate(value):
            _check(item, expected[0], f"{where}[{index}]")
    elif isinstance(expected, tuple):
        assert isinstance(value, dict) and set(expected) <= set(value), where
        for key in expected:
            inner = value[key]
            if isinstance(inner, dict):
                assert inner, f"{where}.{key} is empty"
                for name, number in inner.items():
                    _check(number, float, f"{where}.{key}.{name}")
            else:
                _check(inner, float, f"{where}.{key}")
    elif expected is float:
        assert isinstance(value, int | float) and math.isfinite(value), f"{where}: {value!r}"
    else:
        assert isinstance(value, expected), f"{where}: {value!r}"


@pytest.mark.broker
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
@pytest.mark.slow
def test_the_smoke_run_reports_every_figure(kind: str, tmp_path: Path) -> None:
    report_file = tmp_path / "path.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "path.py"),
            "--smoke",
            "--databases",
            kind,
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
    assert set(report["databases"]) == {kind}
    _check(report["databases"][kind], KIND_FIGURES, kind)
    _check(report, REPORT_FIGURES, "report")
    figures = report["databases"][kind]
    for node in NODES:
        assert set(STAGES) <= set(figures["stage_us"][node]), node
    assert "end to end" in result.stdout
    assert "backlog drain" in result.stdout
    assert "of a core (target under 1 %" in result.stdout
    assert "the raw round trip (target at most 3x" in result.stdout
    assert "of raw; target at least 0.06" in result.stdout
    assert "x the floor (target at most 2x" in result.stdout
    assert report["floor_ms_per_document"] == pytest.approx(
        sum(report["floor"]["stage_us"].values()) / 1e3
    )
    assert figures["one_at_a_time"]["documents"] == report["plan"]["one_at_a_time"]
    assert figures["backlog"]["messages"] == report["plan"]["backlog"]
    # Several processes on one SQLite file would only queue behind its one writer.
    workers = report["plan"]["backlog_workers"] if kind == "postgresql" else 1
    assert figures["backlog"]["receiver_workers"] == workers
    if kind == "sqlite":
        assert "workers" not in figures
        return
    _check(figures, WORKER_FIGURES, kind)
    curve = figures["workers"]
    assert [run["workers"] for run in curve] == report["plan"]["workers"] == [1, 2]
    for run in curve:
        assert run["exactly_once"], run
        assert run["delivered_once"] == run["received_once"] == run["submitted"] > 0, run
        assert run["lost"] == run["received_twice"] == run["duplicates"] == 0, run
    assert "2 worker(s)/node" in result.stdout
