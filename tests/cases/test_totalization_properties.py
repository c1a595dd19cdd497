"""Totalization: properties that hold for any career."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from cases.careers import INSTITUTIONS, PENSIONS
from gateway.cases import (
    PRECEDENCE,
    InsurancePeriod,
    PeriodKind,
    Tier,
    totalize,
)
from gateway.codes import Branch, InstitutionId

# --- Properties of any career ---------------------------------------------------------------

BASE = datetime.date(2000, 1, 1)
BOUNDED = settings(max_examples=200, deadline=None)


# Strategies built once: building them inside the composite on every draw costs more than
# the totalization under test.
_COUNTRY = st.sampled_from(sorted(INSTITUTIONS))
_INSTITUTION = {
    country: st.sampled_from([InstitutionId(i) for i in ids])
    for country, ids in INSTITUTIONS.items()
}
_START_OFFSET = st.integers(0, 2000)
_LENGTH = st.one_of(st.none(), st.integers(0, 1200))
_KIND = st.sampled_from(list(PeriodKind))
_COUNTS_FOR = st.frozensets(st.sampled_from(sorted(PENSIONS)), min_size=1)


@st.composite
def insurance_periods(draw: st.DrawFn) -> InsurancePeriod:
    """Periods crowded into about eight years, so that they overlap often."""
    country = draw(_COUNTRY)
    start = BASE + datetime.timedelta(days=draw(_START_OFFSET))
    length = draw(_LENGTH)
    return InsurancePeriod(
        country=country,
        institution=draw(_INSTITUTION[country]),
        start=start,
        end=None if length is None else start + datetime.timedelta(days=length),
        kind=draw(_KIND),
        counts_for=draw(_COUNTS_FOR),
    )


careers = st.lists(insurance_periods(), max_size=8)
as_of_days = st.builds(lambda days: BASE + datetime.timedelta(days=days), st.integers(-30, 3300))


def covered_days(periods: Iterable[InsurancePeriod], as_of: datetime.date) -> set[int]:
    """Every day some period covers, worked out the slow and obvious way."""
    days: set[int] = set()
    for each in periods:
        last = each.last_counted_day(as_of)
        if last is not None:
            days.update(range(each.start.toordinal(), last.toordinal() + 1))
    return days


@BOUNDED
@given(careers, as_of_days)
def test_the_total_never_exceeds_the_calendar_span(
    periods: list[InsurancePeriod], as_of: datetime.date
) -> None:
    career = totalize(periods, as_of=as_of)
    counted = [p for p in periods if p.last_counted_day(as_of) is not None]
    if not counted:
        assert career.total_days == 0
        return
    first = min(p.start for p in counted)
    last = max(d for p in counted if (d := p.last_counted_day(as_of)) is not None)
    assert career.total_days <= (last - first).days + 1
    # Sharper: each day some period covers is counted exactly once.
    assert career.total_days == len(covered_days(periods, as_of))


@BOUNDED
@given(careers, as_of_days)
def test_the_shares_sum_to_exactly_one(
    periods: list[InsurancePeriod], as_of: datetime.date
) -> None:
    career = totalize(periods, as_of=as_of)
    if career.total_days:
        assert sum(career.pro_rata.values(), Fraction(0)) == 1
        assert all(isinstance(share, Fraction) for share in career.pro_rata.values())
    else:
        assert dict(career.pro_rata) == {}


@BOUNDED
@given(careers, as_of_days, st.data())
def test_input_order_is_irrelevant(
    periods: list[InsurancePeriod], as_of: datetime.date, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(periods))
    assert totalize(shuffled, as_of=as_of) == totalize(periods, as_of=as_of)


@BOUNDED
@given(careers.filter(bool), as_of_days, st.data())
def test_adding_an_exact_duplicate_changes_nothing(
    periods: list[InsurancePeriod], as_of: datetime.date, data: st.DataObject
) -> None:
    duplicate = data.draw(st.sampled_from(periods))
    assert totalize([*periods, duplicate], as_of=as_of) == totalize(periods, as_of=as_of)


@BOUNDED
@given(careers, insurance_periods(), as_of_days)
def test_adding_a_period_never_decreases_the_total(
    periods: list[InsurancePeriod], extra: InsurancePeriod, as_of: datetime.date
) -> None:
    before = totalize(periods, as_of=as_of)
    after = totalize([*periods, extra], as_of=as_of)
    assert after.total_days >= before.total_days
    assert after.total_months >= before.total_months


@BOUNDED
@given(careers, as_of_days)
def test_a_country_never_counts_more_than_its_own_periods_last(
    periods: list[InsurancePeriod], as_of: datetime.date
) -> None:
    career = totalize(periods, as_of=as_of)
    for country, days in career.days_by_country.items():
        own = [p for p in set(periods) if p.country == country]
        assert days <= sum(p.days(as_of) for p in own)
        assert days <= len(covered_days(own, as_of))


@BOUNDED
@given(careers, as_of_days)
def test_the_timeline_is_consistent(periods: list[InsurancePeriod], as_of: datetime.date) -> None:
    career = totalize(periods, as_of=as_of)
    for earlier, later in zip(career.segments, career.segments[1:], strict=False):
        assert earlier.end < later.start
    for segment in career.segments:
        assert segment.start <= segment.end <= as_of
        for present in (segment.counted, *segment.overlapped):
            last = present.last_counted_day(as_of)
            assert last is not None
            assert present.start <= segment.start
            assert segment.end <= last
        for other in segment.overlapped:
            assert segment.counted.tier <= other.tier
    assert sum(career.days_by_country.values()) == career.total_days
    assert sum(career.days_by_kind.values()) == career.total_days
    assert sum(segment.days for segment in career.segments) == career.total_days


@BOUNDED
@given(careers, as_of_days)
def test_months_agree_with_days(periods: list[InsurancePeriod], as_of: datetime.date) -> None:
    career = totalize(periods, as_of=as_of)
    # A counted month holds 1 to 31 counted days.
    assert career.total_months <= career.total_days <= 31 * career.total_months
    for country, months in career.months_by_country.items():
        days = career.days_by_country[country]
        assert months <= days <= 31 * months
        assert months <= career.total_months
    assert career.total_months <= sum(career.months_by_country.values())


@BOUNDED
@given(careers, as_of_days)
def test_no_day_of_compulsory_contributions_is_ever_displaced(
    periods: list[InsurancePeriod], as_of: datetime.date
) -> None:
    career = totalize(periods, as_of=as_of)
    compulsory = [p for p in periods if p.tier is Tier.COMPULSORY]
    counted = sum(
        days for kind, days in career.days_by_kind.items() if PRECEDENCE[kind] is Tier.COMPULSORY
    )
    assert counted == len(covered_days(compulsory, as_of))


@BOUNDED
@given(careers, as_of_days, st.sampled_from(sorted(PENSIONS)))
def test_a_branch_counts_only_its_periods(
    periods: list[InsurancePeriod], as_of: datetime.date, branch: Branch
) -> None:
    career = totalize(periods, as_of=as_of)
    for_branch = career.for_branch(branch)
    relevant = [p for p in periods if branch in p.counts_for]
    assert for_branch == totalize(relevant, as_of=as_of)
    assert for_branch.total_days <= career.total_days
