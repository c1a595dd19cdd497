"""Totalization: the precedence table, precedence rule by rule, and how days and months count."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from lxml import etree

from cases.careers import AS_OF, CREDITED, day, period, spans
from gateway.cases import (
    PRECEDENCE,
    PeriodKind,
    Tier,
    theoretical_pro_rata,
    totalize,
)
from gateway.codes import Branch, InvalidIdentifier
from gateway.documents._catalogue import SCHEMA_DIR

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
