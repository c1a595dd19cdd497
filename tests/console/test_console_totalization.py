"""The case view totalizes a case's periods per agreement, for the country of the institution that
decides the case: Germany adds France's periods under the EU Regulation and India's under the
India-Germany agreement, never France's and India's together; France adds none of India's."""

from __future__ import annotations

import re
import uuid

from console.console_testing import Login, Scenario
from gateway.cases import CareersByAgreement, periods_from_reply, totalize_by_agreement
from gateway.documents import parse_untrusted
from support import Clock, deliver, example_bytes

_TOTALS = re.compile(
    r'<table class="list totals agreement-totals" data-agreement="([^"]+)">(.*?)</table>', re.S
)
_ROW = re.compile(r'<tr><th scope="row">([A-Z]{2})</th><td>(\d+)</td>')


def _case_owned_by_germany(scenario: Scenario, clock: Clock) -> uuid.UUID:
    """A case Germany opens with a periods request to France, which replies with the example
    career in Germany, France and India."""
    germany, france = scenario.germany, scenario.node
    request = germany.submit(example_bytes("InsurancePeriodsRequest"), recipient="FR:CNAV")
    deliver(germany, france)
    clock.advance(2)
    deliver(france, germany)
    clock.advance(60)
    france.submit(
        example_bytes("InsurancePeriodsReply"),
        recipient="DE:DRV70001",
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    deliver(france, germany)
    clock.advance(1)
    deliver(germany, france)
    return request.case_id


def _expected(scenario: Scenario, competent: str) -> CareersByAgreement:
    reply = parse_untrusted(example_bytes("InsurancePeriodsReply")).getroot()
    return totalize_by_agreement(
        periods_from_reply(reply),
        competent_country=competent,
        agreements_between=scenario.node.directory.agreements_between,
        as_of=scenario.node.clock().date(),
    )


def _totals(html: str) -> dict[str, dict[str, int]]:
    """Each agreement's totals table: the days counted by country."""
    return {
        agreement: {country: int(days) for country, days in _ROW.findall(table)}
        for agreement, table in _TOTALS.findall(html)
    }


def test_a_case_decided_in_germany_totalizes_france_and_india_under_their_own_agreements(
    scenario: Scenario, login: Login, clock: Clock
) -> None:
    case_id = _case_owned_by_germany(scenario, clock)
    html = login("vera").get(f"/console/cases/{case_id}").text
    expected = _expected(scenario, "DE")
    eu, in_de = expected.careers

    totals = _totals(html)
    assert set(totals) == {"EU-883-2004", "IN-DE"}
    assert totals["EU-883-2004"] == dict(eu.career.days_by_country)
    assert totals["IN-DE"] == dict(in_de.career.days_by_country)
    assert set(totals["EU-883-2004"]) == {"DE", "FR"}
    assert set(totals["IN-DE"]) == {"DE", "IN"}
    # Each agreement has its own total and Germany's own pro-rata share of it.
    for career in (eu, in_de):
        assert f"{career.career.total_days} days, {career.career.total_months} months" in html
        assert f"pro-rata share of DE: {float(career.share * 100):.2f} %" in html
    assert eu.share != in_de.share
    assert "Not totalized (no agreement)" not in html
    # The chart draws one counted lane per agreement, after the countries' lanes.
    lanes = re.findall(r'<text class="lane-label"[^>]*>([^<]+)</text>', html)
    assert lanes == ["DE", "FR", "IN", "EU-883-2004", "IN-DE"]


def test_a_case_decided_in_france_leaves_india_out_with_the_reason(
    scenario: Scenario, login: Login
) -> None:
    # The scenario's case: France asked Germany, which replied with the same career.
    html = login("vera").get(f"/console/cases/{scenario.case_id}").text
    (eu,) = _expected(scenario, "FR").careers

    assert _totals(html) == {"EU-883-2004": dict(eu.career.days_by_country)}
    assert f"pro-rata share of FR: {float(eu.share * 100):.2f} %" in html
    left_out = re.search(r'<table class="list not-totalized">(.*?)</table>', html, re.S)
    assert left_out is not None and "Not totalized (no agreement)" in left_out.group(1)
    assert '<th scope="row">IN</th>' in left_out.group(1)
    assert "no agreement binds FR and IN" in left_out.group(1)
