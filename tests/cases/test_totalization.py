"""Totalization: precedence rule by rule, the example reply by hand, and properties of any
career."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.cases import (
    PRECEDENCE,
    Career,
    InsurancePeriod,
    PeriodKind,
    Tier,
    periods_from_reply,
    theoretical_pro_rata,
    totalize,
)
from gateway.codes import Branch, InstitutionId, InvalidIdentifier
from gateway.documents._catalogue import SCHEMA_DIR

AS_OF = datetime.date(2026, 9, 30)
PENSIONS = frozenset({Branch.OLD_AGE, Branch.SURVIVORS, Branch.INVALIDITY})
INSTITUTIONS = {
    "DE": ("DE:DRV70001", "DE:KBS00001"),
    "EL": ("EL:EFKA0001",),
    "FR": ("FR:CNAV",),
    "IN": ("IN:EPFO",),
    "NL": ("NL:SVB01",),
}
CREDITED = [kind for kind, tier in PRECEDENCE.items() if tier is Tier.CREDITED]


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def period(
    country: str,
    start: str,
    end: str | None,
    kind: PeriodKind = PeriodKind.EMPLOYMENT,
    *,
    institution: str | None = None,
    counts_for: Iterable[Branch] = PENSIONS,
) -> InsurancePeriod:
    return InsurancePeriod(
        country=country,
        institution=InstitutionId(institution or INSTITUTIONS[country][0]),
        start=day(start),
        end=None if end is None else day(end),
        kind=kind,
        counts_for=frozenset(counts_for),
    )


def spans(career: Career) -> list[tuple[str, str, str, PeriodKind, int]]:
    """The segments as (start, end, country, kind, number of overlapped periods)."""
    return [
        (str(s.start), str(s.end), s.country, s.kind, len(s.overlapped)) for s in career.segments
    ]


# --- The precedence table -------------------------------------------------------------------


def _enumerated(path: Path, type_name: str) -> list[str]:
    values = etree.parse(str(path)).xpath(
        f"//xs:simpleType[@name='{type_name}']//xs:enumeration/@value",
        namespaces={"xs": "http://www.w3.org/2001/XMLSchema"},
    )
    assert isinstance(values, list)
    return [str(value) for value in values]


def test_period_kinds_are_the_schema_code_lists_in_their_order() -> None:
    common = _enumerated(SCHEMA_DIR / "v1" / "common.xsd", "PeriodKind")
    added = _enumerated(SCHEMA_DIR / "v2" / "periods.xsd", "AdditionalPeriodKind")
    assert common == _enumerated(SCHEMA_DIR / "v2" / "common.xsd", "PeriodKind")
    assert [*common, *added] == [kind.value for kind in PeriodKind]


def test_every_kind_has_exactly_one_tier() -> None:
    assert set(PRECEDENCE) == set(PeriodKind)
    assert PRECEDENCE[PeriodKind.EMPLOYMENT] is Tier.COMPULSORY
    assert PRECEDENCE[PeriodKind.SELF_EMPLOYMENT] is Tier.COMPULSORY
    assert PRECEDENCE[PeriodKind.RESIDENCE] is Tier.RESIDENCE
    assert PRECEDENCE[PeriodKind.VOLUNTARY] is Tier.VOLUNTARY
    assert len(CREDITED) == 17
    for kind in ("compulsory", "compulsory-unemployed", "compensated-holiday"):
        assert PRECEDENCE[PeriodKind(kind)] is Tier.COMPULSORY
    for kind in ("voluntary-employed", "voluntary-self-employed", "voluntary-unemployed"):
        assert PRECEDENCE[PeriodKind(kind)] is Tier.VOLUNTARY
    assert Tier.COMPULSORY < Tier.RESIDENCE < Tier.VOLUNTARY < Tier.CREDITED


# --- Precedence, rule by rule ---------------------------------------------------------------


def test_compulsory_beats_voluntary_of_another_country_even_when_it_starts_later() -> None:
    career = totalize(
        [
            period("DE", "1999-07-01", "2000-06-30", PeriodKind.VOLUNTARY),
            period("FR", "2000-01-01", "2000-12-31"),
        ],
        as_of=AS_OF,
    )
    assert spans(career) == [
        ("1999-07-01", "1999-12-31", "DE", PeriodKind.VOLUNTARY, 0),
        ("2000-01-01", "2000-06-30", "FR", PeriodKind.EMPLOYMENT, 1),
        ("2000-07-01", "2000-12-31", "FR", PeriodKind.EMPLOYMENT, 0),
    ]
    # 1999-07-01..1999-12-31 is 184 days; 2000 is a leap year of 366.
    assert dict(career.days_by_country) == {"DE": 184, "FR": 366}
    assert career.segments[1].overlapped[0].kind is PeriodKind.VOLUNTARY
    assert career.conflicts == ()


def test_compulsory_beats_residence_and_reports_the_conflict() -> None:
    career = totalize(
        [
            period("NL", "1999-01-01", "2000-12-31", PeriodKind.RESIDENCE),
            period("DE", "2000-01-01", "2000-03-31"),
        ],
        as_of=AS_OF,
    )
    assert spans(career) == [
        ("1999-01-01", "1999-12-31", "NL", PeriodKind.RESIDENCE, 0),
        ("2000-01-01", "2000-03-31", "DE", PeriodKind.EMPLOYMENT, 1),
        ("2000-04-01", "2000-12-31", "NL", PeriodKind.RESIDENCE, 0),
    ]
    (conflict,) = career.conflicts
    assert (conflict.start, conflict.end, conflict.days) == (
        day("2000-01-01"),
        day("2000-03-31"),
        91,
    )
    assert (conflict.counted.country, conflict.displaced.country) == ("DE", "NL")


def test_residence_beats_voluntary() -> None:
    career = totalize(
        [
            period("DE", "2000-01-01", "2000-12-31", PeriodKind.VOLUNTARY),
            period("NL", "2000-07-01", "2000-07-31", PeriodKind.RESIDENCE),
        ],
        as_of=AS_OF,
    )
    assert dict(career.days_by_kind) == {PeriodKind.VOLUNTARY: 366 - 31, PeriodKind.RESIDENCE: 31}
    assert career.conflicts == ()


@pytest.mark.parametrize("credited", CREDITED)
def test_voluntary_beats_every_credited_kind(credited: PeriodKind) -> None:
    career = totalize(
        [
            period("FR", "2000-01-01", "2000-12-31", credited),
            period("DE", "2000-02-01", "2000-02-29", PeriodKind.VOLUNTARY),
        ],
        as_of=AS_OF,
    )
    assert dict(career.days_by_country) == {"DE": 29, "FR": 366 - 29}
    assert career.segments[1].kind is PeriodKind.VOLUNTARY
    assert career.segments[1].overlapped[0].kind is credited


@pytest.mark.parametrize("credited", CREDITED)
def test_compulsory_beats_every_credited_kind_of_the_same_institution(
    credited: PeriodKind,
) -> None:
    career = totalize(
        [
            period("DE", "2000-01-01", "2000-12-31", credited),
            period("DE", "2000-03-01", "2000-03-31", PeriodKind.SELF_EMPLOYMENT),
        ],
        as_of=AS_OF,
    )
    assert dict(career.days_by_kind) == {PeriodKind.SELF_EMPLOYMENT: 31, credited: 366 - 31}


def test_between_compulsory_periods_of_two_countries_the_earlier_start_wins() -> None:
    later = period("DE", "2000-03-01", "2000-08-31")
    earlier = period("FR", "2000-01-01", "2000-05-31", PeriodKind.SELF_EMPLOYMENT)
    career = totalize([later, earlier], as_of=AS_OF)
    assert spans(career) == [
        ("2000-01-01", "2000-02-29", "FR", PeriodKind.SELF_EMPLOYMENT, 0),
        ("2000-03-01", "2000-05-31", "FR", PeriodKind.SELF_EMPLOYMENT, 1),
        ("2000-06-01", "2000-08-31", "DE", PeriodKind.EMPLOYMENT, 0),
    ]
    (conflict,) = career.conflicts
    assert (conflict.counted, conflict.displaced) == (earlier, later)
    assert (conflict.start, conflict.end, conflict.days) == (
        day("2000-03-01"),
        day("2000-05-31"),
        92,
    )


def test_a_conflict_runs_across_segments_split_by_other_periods() -> None:
    career = totalize(
        [
            period("FR", "2000-01-01", "2000-12-31"),
            period("DE", "2000-02-01", "2000-11-30"),
            # A credited period inside the overlap splits it into three segments.
            period("FR", "2000-05-01", "2000-05-31", PeriodKind.SICKNESS),
        ],
        as_of=AS_OF,
    )
    assert len(career.segments) == 5
    (conflict,) = career.conflicts
    assert (conflict.start, conflict.end) == (day("2000-02-01"), day("2000-11-30"))


def test_compulsory_periods_of_one_country_overlap_without_conflict() -> None:
    # Two jobs at once in one country: one legislation applies, the days count once.
    career = totalize(
        [
            period("DE", "2000-01-01", "2000-06-30", institution="DE:KBS00001"),
            period("DE", "2000-04-01", "2000-12-31", institution="DE:DRV70001"),
        ],
        as_of=AS_OF,
    )
    assert career.total_days == 366
    assert career.conflicts == ()
    assert career.segments[1].counted.institution == "DE:KBS00001"


def test_credited_periods_of_two_countries_the_earlier_start_wins_without_conflict() -> None:
    career = totalize(
        [
            period("FR", "2000-06-01", "2000-12-31", PeriodKind.CHILD_RAISING),
            period("DE", "2000-01-01", "2000-07-31", PeriodKind.CHILD_RAISING),
        ],
        as_of=AS_OF,
    )
    # DE holds January to July (213 days); FR keeps August to December (153 days).
    assert dict(career.days_by_country) == {"DE": 213, "FR": 153}
    assert career.conflicts == ()


def test_ties_on_tier_and_start_go_to_the_country_code_then_the_institution() -> None:
    by_country = totalize(
        [
            period("FR", "2000-01-01", "2000-01-31", PeriodKind.VOLUNTARY),
            period("DE", "2000-01-01", "2000-01-31", PeriodKind.VOLUNTARY),
        ],
        as_of=AS_OF,
    )
    assert dict(by_country.days_by_country) == {"DE": 31, "FR": 0}
    by_institution = totalize(
        [
            period(
                "DE", "2000-01-01", "2000-01-31", PeriodKind.SICKNESS, institution="DE:KBS00001"
            ),
            period(
                "DE", "2000-01-01", "2000-01-31", PeriodKind.SICKNESS, institution="DE:DRV70001"
            ),
        ],
        as_of=AS_OF,
    )
    assert by_institution.segments[0].counted.institution == "DE:DRV70001"


def test_input_order_does_not_matter_for_a_tangle_of_periods() -> None:
    tangle = [
        period("FR", "2000-01-01", "2000-12-31"),
        period("DE", "2000-01-01", "2000-12-31"),
        period("NL", "1999-06-01", None, PeriodKind.RESIDENCE),
        period("DE", "2000-01-01", "2000-12-31", PeriodKind.SICKNESS),
    ]
    career = totalize(tangle, as_of=AS_OF)
    assert totalize(reversed(tangle), as_of=AS_OF) == career
    assert totalize(tangle[1:] + tangle[:1], as_of=AS_OF) == career


def test_an_exact_duplicate_is_the_same_period_sent_twice() -> None:
    once = period("FR", "2000-01-01", "2000-12-31")
    career = totalize([once, once], as_of=AS_OF)
    assert career == totalize([once], as_of=AS_OF)
    assert career.periods == (once,)
    assert career.segments[0].overlapped == ()


# --- Days, months and the as-of day ---------------------------------------------------------


def test_days_count_both_ends() -> None:
    career = totalize([period("FR", "2000-01-01", "2000-01-01")], as_of=AS_OF)
    assert (career.total_days, career.total_months) == (1, 1)
    assert career.segments[0].days == 1


def test_a_month_counts_when_any_of_its_days_is_counted() -> None:
    two_days = totalize([period("FR", "2000-01-31", "2000-02-01")], as_of=AS_OF)
    assert (two_days.total_days, two_days.total_months) == (2, 2)
    # A whole year in two pieces with a gap: months touched, not days divided by a month length.
    gapped = totalize(
        [period("FR", "2001-01-01", "2001-03-10"), period("FR", "2001-03-20", "2001-12-31")],
        as_of=AS_OF,
    )
    assert (gapped.total_days, gapped.total_months) == (365 - 9, 12)


def test_a_month_split_between_countries_counts_once_in_total_and_once_for_each() -> None:
    career = totalize(
        [period("DE", "2000-01-01", "2000-01-15"), period("FR", "2000-01-16", "2000-02-29")],
        as_of=AS_OF,
    )
    assert career.total_months == 2
    assert dict(career.months_by_country) == {"DE": 1, "FR": 2}


def test_running_periods_count_up_to_as_of_and_later_days_do_not_count() -> None:
    as_of = day("2000-01-31")
    career = totalize(
        [
            period("DE", "2000-01-01", None),
            period("FR", "2000-01-20", "2000-12-31", PeriodKind.VOLUNTARY),
            period("IN", "2000-02-01", None),
        ],
        as_of=as_of,
    )
    assert career.segments[-1].end == as_of
    # Every country reported stays visible, with zero when none of its days is counted.
    assert dict(career.days_by_country) == {"DE": 31, "FR": 0, "IN": 0}
    assert dict(career.pro_rata) == {"DE": 1, "FR": 0, "IN": 0}


def test_for_branch_lets_only_the_periods_counting_for_it_in() -> None:
    career = totalize(
        [
            period("FR", "2000-01-01", "2000-12-31", counts_for=[Branch.OLD_AGE]),
            period("DE", "2000-07-01", "2001-06-30", PeriodKind.VOLUNTARY),
        ],
        as_of=AS_OF,
    )
    assert dict(career.days_by_country) == {"DE": 181, "FR": 366}
    invalidity = career.for_branch(Branch.INVALIDITY)
    # Without the French employment, the German voluntary period holds all its own days.
    assert dict(invalidity.days_by_country) == {"DE": 365}
    assert invalidity.pro_rata == {"DE": Fraction(1)}
    assert career.for_branch(Branch.FAMILY).total_days == 0


def test_an_empty_career() -> None:
    career = totalize([], as_of=AS_OF)
    assert (career.total_days, career.total_months, career.segments) == (0, 0, ())
    assert dict(career.pro_rata) == {}
    with pytest.raises(ValueError, match="no pro-rata"):
        theoretical_pro_rata(Decimal("100.00"), career, "DE")


def test_a_career_is_hashable_and_equal_by_value() -> None:
    periods = [period("FR", "2000-01-01", "2000-12-31"), period("DE", "2001-01-01", None)]
    first, second = totalize(periods, as_of=AS_OF), totalize(periods[::-1], as_of=AS_OF)
    assert first == second
    assert hash(first) == hash(second)


# --- Periods themselves ---------------------------------------------------------------------


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end before it starts"):
        period("FR", "2000-01-02", "2000-01-01")


def test_a_period_speaks_eessi_country_codes() -> None:
    greek = period("EL", "2000-01-01", None, institution="GR:EFKA0001")
    assert (greek.country, greek.institution) == ("EL", "EL:EFKA0001")
    assert period("GR", "2000-01-01", None, institution="EL:EFKA0001") == greek
    with pytest.raises(InvalidIdentifier):
        period("XX", "2000-01-01", None, institution="DE:DRV70001")


# --- The example reply ----------------------------------------------------------------------


def example_career() -> Career:
    root = etree.parse(str(SCHEMA_DIR / "examples" / "InsurancePeriodsReply.xml")).getroot()
    # 165 months of the running German employment from January 2013 reach September 2026.
    return totalize(periods_from_reply(root), as_of=AS_OF)


def test_the_example_reply_by_hand() -> None:
    career = example_career()
    assert spans(career) == [
        # 4 months of 1977 (122 days), 1978, 1979, half of leap 1980 (182): 1034 days
        ("1977-09-01", "1980-06-30", "DE", PeriodKind.EDUCATION, 0),
        # 184 days of 1980 and 273 of 1981: 457
        ("1980-07-01", "1981-09-30", "DE", PeriodKind.MILITARY_SERVICE, 0),
        # 92 days of 1981 and 8 years 1982-1989 with two leap days (2922): 3014
        ("1981-10-01", "1989-12-31", "DE", PeriodKind.EMPLOYMENT, 0),
        # French employment 1990-1997, 2922 days, split by the German voluntary period,
        # which counts no day of its 730: 790 + 730 + 1402
        ("1990-01-01", "1992-02-29", "FR", PeriodKind.EMPLOYMENT, 0),
        ("1992-03-01", "1994-02-28", "FR", PeriodKind.EMPLOYMENT, 1),
        ("1994-03-01", "1997-12-31", "FR", PeriodKind.EMPLOYMENT, 0),
        # 11 years from April with three leap days (2000, 2004, 2008): 4018
        ("1998-04-01", "2009-03-31", "IN", PeriodKind.EMPLOYMENT, 0),
        # end unknown; 7 months and 12 days from 1 May: 245 - 31 + 12 = 226 days
        ("2009-05-01", "2009-12-12", "IN", PeriodKind.EMPLOYMENT, 0),
        # 2010-2012 with leap 2012: 1096
        ("2010-01-01", "2012-12-31", "FR", PeriodKind.UNEMPLOYMENT, 0),
        # 2013-2025 with three leap days (4748) and January-September 2026 (273): 5021
        ("2013-01-01", "2026-09-30", "DE", PeriodKind.EMPLOYMENT, 0),
    ]
    assert [segment.days for segment in career.segments] == [
        1034, 457, 3014, 790, 730, 1402, 4018, 226, 1096, 5021,
    ]  # fmt: skip
    assert dict(career.days_by_country) == {
        "DE": 1034 + 457 + 3014 + 5021,  # 9526
        "FR": 2922 + 1096,  # 4018
        "IN": 4018 + 226,  # 4244
    }
    assert career.total_days == 17788
    assert dict(career.days_by_kind) == {
        PeriodKind.EMPLOYMENT: 3014 + 2922 + 4018 + 226 + 5021,  # 15201
        PeriodKind.VOLUNTARY: 0,
        PeriodKind.MILITARY_SERVICE: 457,
        PeriodKind.UNEMPLOYMENT: 1096,
        PeriodKind.EDUCATION: 1034,
    }
    # No calendar month is shared between two countries, so the country months add up.
    assert dict(career.months_by_country) == {
        "DE": 34 + 15 + 99 + 165,  # 313
        "FR": 96 + 36,  # 132
        "IN": 132 + 8,  # 140
    }
    assert career.total_months == 585
    assert dict(career.pro_rata) == {
        "DE": Fraction(9526, 17788),  # 4763/8894
        "FR": Fraction(4018, 17788),  # 2009/8894
        "IN": Fraction(4244, 17788),  # 1061/4447
    }
    assert career.conflicts == ()


def test_the_example_reply_for_each_branch() -> None:
    career = example_career()
    # French periods count for old-age (and employment for survivors) only; the later Indian
    # period does not count for invalidity either.
    invalidity = career.for_branch(Branch.INVALIDITY)
    assert dict(invalidity.days_by_country) == {"DE": 9526, "IN": 4018}
    assert invalidity.total_days == 13544
    survivors = career.for_branch(Branch.SURVIVORS)
    assert dict(survivors.days_by_country) == {"DE": 9526, "FR": 2922, "IN": 4244}
    assert survivors.total_days == 16692
    assert career.for_branch(Branch.OLD_AGE) == career


def test_the_example_reply_pro_rata_amounts() -> None:
    career = example_career()
    amounts = {
        country: theoretical_pro_rata(Decimal("1500.00"), career, country)
        for country in ("DE", "FR", "IN")
    }
    # 1500 * 4763/8894 = 803.294..., 1500 * 2009/8894 = 338.823..., 1500 * 1061/4447 = 357.882...
    assert amounts == {"DE": Decimal("803.29"), "FR": Decimal("338.82"), "IN": Decimal("357.88")}
    # Each rounded on its own, the parts need not add up to the whole; here they fall 1 cent short.
    assert sum(amounts.values()) == Decimal("1499.99")


# --- Pro-rata amounts -----------------------------------------------------------------------


def quarter_and_three_quarters() -> Career:
    return totalize(
        [period("DE", "2000-01-01", "2000-01-01"), period("FR", "2000-01-02", "2000-01-04")],
        as_of=AS_OF,
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0.10"), Decimal("0.02")),  # 0.025: half to the even 2, where half-up gives 3
        (Decimal("0.30"), Decimal("0.08")),  # 0.075: half to the even 8
        (Decimal("0.50"), Decimal("0.12")),  # 0.125: half to the even 2
        (Decimal("0.70"), Decimal("0.18")),  # 0.175: half to the even 8
        (Decimal("0.11"), Decimal("0.03")),  # 0.0275: not a half, rounds up
        (Decimal("1000"), Decimal("250.00")),  # always two decimals
        (Decimal("-0.10"), Decimal("-0.02")),  # symmetric about zero
    ],
)
def test_pro_rata_amounts_round_to_cents_half_to_even(amount: Decimal, expected: Decimal) -> None:
    result = theoretical_pro_rata(amount, quarter_and_three_quarters(), "DE")
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_pro_rata_amounts_are_rounded_once_from_the_exact_product() -> None:
    third = totalize(
        [period("DE", "2000-01-01", "2000-01-01"), period("FR", "2000-01-02", "2000-01-03")],
        as_of=AS_OF,
    )
    # 0.045 * 1/3 is exactly 0.015, half to the even 0.02; a share first rounded to 28 digits
    # (0.333...3) would give 0.01499... and round to 0.01.
    assert theoretical_pro_rata(Decimal("0.045"), third, "DE") == Decimal("0.02")


def test_pro_rata_amount_of_a_country_without_days_is_zero() -> None:
    career = quarter_and_three_quarters()
    assert str(theoretical_pro_rata(Decimal("100"), career, "IN")) == "0.00"
    # ISO spelling is accepted for the country asked about.
    assert theoretical_pro_rata(Decimal("100"), career, "GR") == Decimal("0.00")
    with pytest.raises(ValueError, match="finite"):
        theoretical_pro_rata(Decimal("NaN"), career, "DE")


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
