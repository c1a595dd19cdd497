"""The dashboard: volumes, time to receipt and error rate as SVG charts with tables of the same
figures, partners that stopped answering, and overdue requests."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from console.console_testing import Login, Scenario
from gateway.console._charts import line_chart, top_series
from gateway.console._dashboard import Range, dashboard, percentile
from support import Clock


def test_the_dashboard_draws_its_charts_with_titles_and_tables(
    scenario: Scenario, login: Login
) -> None:
    client = login("vera")
    page = client.get("/console/dashboard")
    assert page.status_code == 200
    html = page.text
    assert 'href="/console/dashboard" aria-current="page"' in html
    charts = re.findall(r'<svg class="line-chart"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) == 4
    for labels in charts:
        title, desc = labels.split()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    assert html.count('<table class="list figures-table">') == 4
    # The day's documents: the answered request, its reply, the failed one and the refused one.
    assert "4 documents in all" in html
    assert "1 of 4 documents failed" in html or "2 of 4 documents failed" in html
    assert "<polyline" in html


@pytest.mark.parametrize("span", ["hour", "day", "week"])
def test_every_range_can_be_chosen(scenario: Scenario, login: Login, span: str) -> None:
    page = login("vera").get(f"/console/dashboard?range={span}")
    assert page.status_code == 200
    assert f'href="/console/dashboard?range={span}" aria-current="page"' in page.text
    rows = re.search(
        r"<caption>Documents per type</caption>.*?<tbody>(.*?)</tbody>", page.text, re.S
    )
    assert rows is not None
    assert rows.group(1).count("<tr>") == Range(span).buckets


def test_an_unknown_range_is_explained(scenario: Scenario, login: Login) -> None:
    page = login("vera").get("/console/dashboard?range=year'--")
    assert page.status_code == 400
    assert "Choose the last hour, day or week" in page.text


def test_a_partner_that_stopped_answering_stands_out(scenario: Scenario, login: Login) -> None:
    # The failed request never got its receipt, though Germany receipted earlier ones.
    figures = dashboard(
        scenario.node.store.engine,
        Range.DAY,
        now=scenario.node.clock(),
        threshold=dt.timedelta(seconds=10),
    )
    (silent,) = figures.silent
    assert silent.partner == "DE:DRV70001" and silent.stopped and silent.waiting == 1
    assert silent.waiting_since == scenario.failed.created_at
    html = login("vera").get("/console/dashboard").text
    assert "stopped answering" in html and "silent-stopped" in html


def test_no_partner_is_silent_within_the_receipt_timeout(scenario: Scenario) -> None:
    figures = dashboard(
        scenario.node.store.engine,
        Range.DAY,
        now=scenario.node.clock(),
        threshold=dt.timedelta(days=1),
    )
    assert figures.silent == []


def test_the_figures_count_documents_latency_and_errors(scenario: Scenario) -> None:
    now = scenario.node.clock()
    figures = dashboard(
        scenario.node.store.engine, Range.DAY, now=now, threshold=dt.timedelta(seconds=10)
    )
    assert sum(figures.totals) == 4
    assert sum(figures.by_partner["DE:DRV70001"]) == 4
    assert sum(figures.by_type["InsurancePeriodsRequest"]) == 3
    assert sum(figures.by_type["InsurancePeriodsReply"]) == 1
    assert sum(figures.problems) == 2  # the failed and the refused request
    receipted = [bucket for bucket in figures.latency if bucket.count]
    (bucket,) = receipted
    # Sent, then receipted 5 s later (2 s to Germany, 3 s back).
    assert bucket.p50 == pytest.approx(5, abs=0.01)
    assert bucket.p95 == pytest.approx(5, abs=0.01)
    # The rejected request, a week old, is outside the day.
    assert figures.buckets[0].start == now - dt.timedelta(days=1)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50 and percentile(values, 0.95) == 95
    assert percentile([3.0], 0.95) == 3 and percentile([], 0.5) is None


def test_many_series_are_cut_to_the_largest_and_others() -> None:
    series = {f"P{i}": [i, i] for i in range(1, 10)}
    kept = top_series(series, limit=4)
    assert list(kept) == ["P9", "P8", "P7", "others"]
    assert kept["others"] == [sum(range(1, 7))] * 2


def test_a_missing_value_breaks_the_line() -> None:
    chart = line_chart({"p50": [1.0, None, 2.0, 3.0]}, ["a", "b", "c", "d"])
    (series,) = chart.series
    assert len(series.runs) == 2 and len(series.points) == 3


def test_overdue_requests_are_listed_with_their_case(
    scenario: Scenario, login: Login, clock: Clock
) -> None:
    # The failed and the rejected requests are still open in their cases (the case counts
    # what was sent); 61 days later their answers are overdue, the older one first.
    clock.advance(61 * 86_400)
    client = login("vera")
    html = client.get("/console/dashboard").text
    assert re.search(r'Overdue requests <span class="count">2</span>', html)
    older = html.index(f"/console/cases/{scenario.rejected.case_id}")
    assert older < html.index(f"/console/cases/{scenario.failed.case_id}")
    assert 'class="badge badge-overdue">overdue' in html
    case = client.get(f"/console/cases/{scenario.failed.case_id}").text
    assert "1 overdue" in case and "row-overdue" in case
    # The answered request's case has nothing open.
    answered = client.get(f"/console/cases/{scenario.case_id}").text
    assert "row-overdue" not in answered and "No request of this case waits" in answered


def test_the_value_axis_ends_at_a_round_number() -> None:
    for values, top in (([0.0], 1.0), ([3.0], 5.0), ([7.0], 10.0), ([120.0], 200.0)):
        chart = line_chart({"n": values}, ["a"])
        assert chart.y_ticks[-1].label == f"{top:g}", values


def test_an_empty_range_says_so_instead_of_drawing_empty_charts(
    scenario: Scenario, login: Login, clock: Clock
) -> None:
    clock.advance(2 * 86_400)
    html = login("vera").get("/console/dashboard?range=hour").text
    assert '<svg class="line-chart"' not in html
    assert html.count("nothing in this range.") == 4
    assert html.count('<table class="list figures-table">') == 4
