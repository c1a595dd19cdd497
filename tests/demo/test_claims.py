"""The reference back-office's claim decisions: the acknowledgement, the pension's start
and the pro-rata amount under each agreement."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from demo.backoffice_testing import (
    CNAV,
    DRV,
    EPFO,
    TODAY,
    periods_request,
    replied_periods,
    the_claim,
    valid,
)
from gateway.demo.backoffice.decisions import (
    acknowledge_claim,
    as_of_day,
    decide_claim,
    effective_from,
    plan_periods_requests,
)
from gateway.demo.backoffice.documents import Claim, read_decision
from gateway.demo.backoffice.samples import POSTED_WORKER
from gateway.directory import Directory


def test_the_acknowledgement_names_the_periods_awaited(directory: Directory) -> None:
    claim = the_claim()
    plan = plan_periods_requests(
        EPFO, claim, directory=directory, today=TODAY, claim_sender="DE:DRV70001"
    )

    document = acknowledge_claim(
        EPFO, claim, today=TODAY, local_case_number="EPFO-1", awaiting=plan.ask
    )

    root = valid(document).root
    assert root.findtext("{urn:ssgw:claims:1}ClaimReceivedOn") == "2026-11-25"
    assert root.findtext("{urn:ssgw:claims:1}MissingInformation/{urn:ssgw:claims:1}Code") == (
        "periods-abroad"
    )


def test_the_pension_starts_the_month_after_the_claim() -> None:
    assert effective_from(dt.date(2026, 9, 15)) == dt.date(2026, 10, 1)
    assert effective_from(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert as_of_day(dt.date(2026, 9, 15)) == dt.date(2026, 9, 30)


def test_the_amount_is_the_theoretical_amount_times_the_fraction_in_cents(
    directory: Directory,
) -> None:
    claim = the_claim()
    german = replied_periods(DRV, periods_request(claim.insured))

    decision = decide_claim(
        CNAV, claim, german, directory=directory, today=TODAY, local_case_number="CNAV-1"
    )

    chosen = decision.chosen
    assert decision.granted and chosen is not None
    # France totalizes its own periods with Germany's under the EU Regulation: 4,018 French
    # days of 13,544 (the German voluntary period lies inside French employment).
    assert (chosen.agreement, chosen.own_days, chosen.total_days) == ("EU-883-2004", 4018, 13544)
    # 35.00 a month per year of insurance, over 445 months.
    assert chosen.total_months == 445
    assert chosen.theoretical == Decimal("1297.92")
    exact = Decimal(chosen.theoretical) * chosen.own_days / chosen.total_days
    assert chosen.amount == exact.quantize(Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("385.04")
    summary = read_decision(valid(decision.document).root)
    assert summary.granted
    assert (summary.amount, summary.currency) == (Decimal("385.04"), "EUR")
    assert summary.pro_rata == (Decimal(4018), Decimal(13544))


def test_periods_counted_are_the_days_that_counted(directory: Directory) -> None:
    claim = the_claim()
    french = replied_periods(CNAV, periods_request(claim.insured))

    decision = decide_claim(
        DRV, claim, french, directory=directory, today=TODAY, local_case_number="DRV-1"
    )

    root = valid(decision.document).root
    counted = [
        (period.findtext("{urn:ssgw:claims:1}Kind"), period.findtext("{urn:ssgw:claims:1}End"))
        for period in root.iter("{urn:ssgw:claims:1}Period")
    ]
    # The voluntary period counts no day beside French employment; the running employment
    # counts up to the day before the pension starts.
    assert counted == [
        ("education", "1980-06-30"),
        ("military-service", "1981-09-30"),
        ("employment", "1989-12-31"),
        ("employment", "2026-09-30"),
    ]


def test_each_agreement_s_shares_sum_to_one(directory: Directory) -> None:
    claim = the_claim()
    request = periods_request(claim.insured)
    from_de = replied_periods(DRV, request)
    from_fr = replied_periods(CNAV, request)
    from_in = replied_periods(EPFO, request)

    french = decide_claim(
        CNAV, claim, from_de, directory=directory, today=TODAY, local_case_number="F"
    )
    indian = decide_claim(
        EPFO, claim, from_de, directory=directory, today=TODAY, local_case_number="I"
    )
    german = decide_claim(
        DRV, claim, from_fr + from_in, directory=directory, today=TODAY, local_case_number="D"
    )

    shares: dict[str | None, Fraction] = {}
    for decision in (french, indian, german):
        valid(decision.document)
        for calculation in decision.calculations:
            shares[calculation.agreement] = (
                shares.get(calculation.agreement, Fraction(0)) + calculation.fraction
            )
    assert shares == {"EU-883-2004": 1, "IN-DE": 1}
    # Germany calculates under each agreement and grants the higher amount.
    assert german.chosen is not None
    assert german.chosen.amount == max(c.amount for c in german.calculations)
    assert len(german.calculations) == 2


def test_periods_of_a_country_no_agreement_binds_are_not_totalized(
    directory: Directory,
) -> None:
    claim = the_claim()
    request = periods_request(claim.insured)
    indian = replied_periods(EPFO, request)
    german = replied_periods(DRV, request)

    with_india = decide_claim(
        CNAV, claim, german + indian, directory=directory, today=TODAY, local_case_number="F"
    )
    without = decide_claim(
        CNAV, claim, german, directory=directory, today=TODAY, local_case_number="F"
    )

    assert with_india.chosen == without.chosen


def test_an_unknown_claimant_is_refused_with_a_reason(directory: Directory) -> None:
    claim = the_claim()
    stranger = Claim(
        benefit_kind=claim.benefit_kind,
        claimant=POSTED_WORKER,
        deceased=None,
        claim_date=claim.claim_date,
        residence=claim.residence,
        other_countries=("FR",),
        local_case_number=None,
    )

    decision = decide_claim(
        EPFO, stranger, [], directory=directory, today=TODAY, local_case_number="EPFO-9"
    )

    summary = read_decision(valid(decision.document).root)
    assert not decision.granted and not summary.granted
    assert summary.amount is None
    assert summary.reasons == ("other",)
    assert decision.calculations == ()


def test_a_claim_on_the_own_periods_alone_has_the_whole_share(directory: Directory) -> None:
    claim = the_claim()

    decision = decide_claim(
        DRV, claim, [], directory=directory, today=TODAY, local_case_number="DRV-2"
    )

    assert decision.chosen is not None
    assert decision.chosen.agreement is None
    assert decision.chosen.fraction == 1
    assert decision.chosen.amount == decision.chosen.theoretical
    valid(decision.document)
