"""The million-row benchmark of the console's queries, run small so that it cannot rot (its
timings are not judged here)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from gateway.store import connect, verify_trace_chain
from support import load_script

pytestmark = pytest.mark.database


def test_the_query_benchmark_fills_a_database_and_times_every_query() -> None:
    benchmark = load_script("console_queries", folder="benchmarks")
    now = dt.datetime.now(dt.UTC)
    name = f"ssgw_test_{uuid.uuid4().hex[:12]}"
    with benchmark.scratch_database(benchmark.ADMIN_URL, name) as url:
        benchmark.fill(url, 10_000, now=now)
        engine = connect(url)
        try:
            # Filled as the node writes: the trace chain verifies.
            report = verify_trace_chain(engine)
            assert report.ok and report.checked == 10_000, report.problem
            timings = benchmark.measure(engine, now=now, repeat=1)
        finally:
            engine.dispose()
    by_name = {t.name: t for t in timings}
    assert by_name["first page"].rows == 50
    assert by_name["message id"].rows == 1
    assert by_name["latest change (live updates)"].rows == 10_000
    assert by_name["deep keyset page (80 days back)"].rows == 50
    assert by_name["dashboard, last week"].rows > 0
