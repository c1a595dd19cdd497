"""Totalization per agreement: periods of countries bound to the competent country by different
agreements are never added together, and a country no agreement binds to it is left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import pytest

from cases.careers import AS_OF, day, period
from gateway.cases import (
    CareersByAgreement,
    InsurancePeriod,
    LeftOutReason,
    TotalizingAgreement,
    totalize,
    totalize_by_agreement,
)
from gateway.codes import InvalidIdentifier, Principle
from gateway.directory import Directory

_ALL = frozenset(Principle)
_NO_TOTALIZATION = _ALL - {Principle.TOTALIZATION}


@dataclass(frozen=True, slots=True)
class _Agreement:
    id: str
    title: str
    parties: frozenset[str]
    principles: frozenset[Principle] = _ALL
    start: dt.date = dt.date(1990, 1, 1)
    end: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


EU = _Agreement("EU-883-2004", "Regulation (EC) No 883/2004", frozenset({"DE", "FR", "NL"}))
IN_DE = _Agreement("IN-DE", "India-Germany", frozenset({"IN", "DE"}))


# A career in Germany, France and India: 10 years in Germany, 8 in France, 11 in India.
DE_1 = period("DE", "1980-01-01", "1989-12-31")
FR_1 = period("FR", "1990-01-01", "1997-12-31")
IN_1 = period("IN", "1998-01-01", "2008-12-31")
CAREER = [DE_1, FR_1, IN_1]


def _by_agreement(
    periods: Iterable[InsurancePeriod],
    competent: str,
    *agreements: _Agreement,
    as_of: dt.date = AS_OF,
) -> CareersByAgreement:
    def between(country_a: str, country_b: str) -> list[TotalizingAgreement]:
        return [a for a in agreements if {country_a, country_b} <= a.parties]

    return totalize_by_agreement(
        periods, competent_country=competent, agreements_between=between, as_of=as_of
    )


def test_each_agreement_totalizes_its_own_countries_with_the_competent_one() -> None:
    result = _by_agreement(CAREER, "DE", EU, IN_DE)
    assert [(c.agreement, c.countries) for c in result.careers] == [
        ("EU-883-2004", ("DE", "FR")),
        ("IN-DE", ("DE", "IN")),
    ]
    eu, in_de = result.careers
    assert eu.title == "Regulation (EC) No 883/2004"
    assert eu.career == totalize([DE_1, FR_1], as_of=AS_OF)
    assert in_de.career == totalize([DE_1, IN_1], as_of=AS_OF)
    # Germany's share differs per agreement: over DE+FR, and over DE+IN, never over all three.
    assert eu.own_days == in_de.own_days == DE_1.days(AS_OF)
    assert eu.share == Fraction(DE_1.days(AS_OF), DE_1.days(AS_OF) + FR_1.days(AS_OF))
    assert in_de.share == Fraction(DE_1.days(AS_OF), DE_1.days(AS_OF) + IN_1.days(AS_OF))
    assert result.not_totalized == ()
    assert result.national == totalize([DE_1], as_of=AS_OF)


def test_countries_bound_to_the_competent_one_by_different_agreements_are_never_added() -> None:
    result = _by_agreement(CAREER, "DE", EU, IN_DE)
    for career in result.careers:
        assert not {"FR", "IN"} <= set(career.career.days_by_country)
        total = sum(p.days(AS_OF) for p in CAREER if p.country in career.countries)
        assert career.career.total_days == total < totalize(CAREER, as_of=AS_OF).total_days


def test_a_country_no_agreement_binds_to_the_competent_one_is_left_out_with_its_reason() -> None:
    # France decides: the EU Regulation binds it to Germany, nothing binds it to India.
    result = _by_agreement(CAREER, "FR", EU, IN_DE)
    (eu,) = result.careers
    assert eu.countries == ("FR", "DE")
    assert set(eu.career.days_by_country) == {"DE", "FR"}
    (india,) = result.not_totalized
    assert (india.country, india.reason, india.periods) == (
        "IN",
        LeftOutReason.NO_AGREEMENT,
        (IN_1,),
    )
    assert india.detail == "no agreement binds FR and IN"


def test_the_competent_countrys_periods_count_in_every_agreement() -> None:
    de_2 = period("DE", "2010-01-01", None)
    nl = period("NL", "2009-01-01", "2009-12-31")
    result = _by_agreement([*CAREER, de_2, nl], "DE", EU, IN_DE)
    eu, in_de = result.careers
    assert eu.countries == ("DE", "FR", "NL")
    for career in (eu, in_de):
        assert {DE_1, de_2} <= set(career.career.periods)
        assert career.own_days == DE_1.days(AS_OF) + de_2.days(AS_OF)


def test_an_agreement_not_in_force_on_the_day_is_ignored() -> None:
    later = _Agreement("IN-DE", "India-Germany", frozenset({"IN", "DE"}), start=day("2030-01-01"))
    result = _by_agreement(CAREER, "DE", EU, later)
    assert [c.agreement for c in result.careers] == ["EU-883-2004"]
    (india,) = result.not_totalized
    assert india.reason is LeftOutReason.NOT_IN_FORCE
    assert india.detail == f"IN-DE binding DE and IN is not in force on {AS_OF.isoformat()}"
    # In force on an earlier assessment day, it counts again.
    ended = _Agreement("IN-DE", "India-Germany", frozenset({"IN", "DE"}), end=day("2020-12-31"))
    assert [c.agreement for c in _by_agreement(CAREER, "DE", EU, ended).careers] == ["EU-883-2004"]
    earlier = _by_agreement(CAREER, "DE", EU, ended, as_of=day("2020-06-30"))
    assert [c.agreement for c in earlier.careers] == ["EU-883-2004", "IN-DE"]


def test_an_agreement_without_totalization_opens_no_career() -> None:
    coverage_only = _Agreement(
        "IN-DE", "India-Germany", frozenset({"IN", "DE"}), principles=_NO_TOTALIZATION
    )
    result = _by_agreement(CAREER, "DE", EU, coverage_only)
    assert [c.agreement for c in result.careers] == ["EU-883-2004"]
    (india,) = result.not_totalized
    assert india.reason is LeftOutReason.NO_TOTALIZATION
    assert "contains no totalization" in india.detail


def test_a_country_bound_by_two_agreements_counts_under_each() -> None:
    bilateral = _Agreement("DE-FR", "Germany-France", frozenset({"DE", "FR"}))
    result = _by_agreement([DE_1, FR_1], "DE", EU, bilateral)
    assert [(c.agreement, c.countries) for c in result.careers] == [
        ("DE-FR", ("DE", "FR")),
        ("EU-883-2004", ("DE", "FR")),
    ]


def test_only_the_competent_countrys_periods_make_no_agreement_career() -> None:
    result = _by_agreement([DE_1], "DE", EU, IN_DE)
    assert result.careers == () and result.not_totalized == ()
    assert result.national.total_days == DE_1.days(AS_OF)


def test_the_competent_country_is_normalised_and_checked() -> None:
    greek = period("EL", "1990-01-01", "1990-12-31")
    eu = _Agreement("EU-883-2004", "Regulation", frozenset({"EL", "DE"}))
    result = _by_agreement([greek, DE_1], "GR", eu)
    assert result.competent_country == "EL" and result.careers[0].countries == ("EL", "DE")
    with pytest.raises(InvalidIdentifier):
        _by_agreement(CAREER, "XX", EU)


def test_the_network_directory_names_the_agreements(directory: Directory) -> None:
    result = totalize_by_agreement(
        CAREER,
        competent_country="DE",
        agreements_between=directory.agreements_between,
        as_of=AS_OF,
    )
    assert [(c.agreement, c.countries) for c in result.careers] == [
        ("EU-883-2004", ("DE", "FR")),
        ("IN-DE", ("DE", "IN")),
    ]
    # Before the India-Germany agreement entered into force, India's periods counted nowhere.
    before = totalize_by_agreement(
        CAREER,
        competent_country="DE",
        agreements_between=directory.agreements_between,
        as_of=day("2017-04-30"),
    )
    assert [c.agreement for c in before.careers] == ["EU-883-2004"]
    assert [(n.country, n.reason) for n in before.not_totalized] == [
        ("IN", LeftOutReason.NOT_IN_FORCE)
    ]
