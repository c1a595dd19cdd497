"""Totalization per agreement: the periods a case carries, grouped by the agreement that lets
the competent institution's country count them.

An institution adds periods completed abroad to its own only under an agreement binding its
country and the other one, and only one that is in force and contains the totalization
principle. Two countries bound to the competent country by different agreements are never
added together: Germany's periods and India's count together under the India-Germany
agreement, Germany's and France's under the EU Regulation, France's and India's under none.
So each agreement gets its own career and its own pro-rata share, and a country no such
agreement binds to the competent one is left out, with the reason.

Pure like :mod:`gateway.cases.totalization`: the agreements come in through a callable, so that
this package needs nothing of the directory that publishes them.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Protocol

from gateway.codes import Principle, normalise_country

from .totalization import Career, InsurancePeriod, totalize

__all__ = [
    "AgreementCareer",
    "AgreementsBetween",
    "CareersByAgreement",
    "LeftOutReason",
    "NotTotalized",
    "TotalizingAgreement",
    "totalize_by_agreement",
]


class TotalizingAgreement(Protocol):
    """What totalization needs of an agreement (the directory's ``Agreement`` has it)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def parties(self) -> frozenset[str]: ...

    @property
    def principles(self) -> frozenset[Principle]: ...

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the agreement is in force and applies on ``day``."""
        ...


#: The agreements binding two countries (in any order), such as
#: ``Directory.agreements_between``.
AgreementsBetween = Callable[[str, str], Iterable[TotalizingAgreement]]


class LeftOutReason(enum.StrEnum):
    """Why a country's periods are not totalized with the competent country's."""

    #: No agreement binds the two countries.
    NO_AGREEMENT = "no-agreement"
    #: Agreements bind them, but none contains the totalization principle.
    NO_TOTALIZATION = "no-totalization"
    #: An agreement with totalization binds them, but it is not in force on the day.
    NOT_IN_FORCE = "not-in-force"


@dataclass(frozen=True, slots=True)
class AgreementCareer:
    """The career totalized under one agreement: the competent country's periods and those of
    the other countries the agreement binds to it."""

    agreement: str
    title: str
    competent_country: str
    #: The countries whose periods entered, the competent one first, then alphabetically.
    countries: tuple[str, ...]
    career: Career

    @property
    def own_days(self) -> int:
        """The competent country's days counted in this career."""
        return self.career.days_by_country.get(self.competent_country, 0)

    @property
    def share(self) -> Fraction:
        """The competent country's pro-rata share: its days over the career's total."""
        return self.career.pro_rata.get(self.competent_country, Fraction(0))


@dataclass(frozen=True, slots=True)
class NotTotalized:
    """One country's periods that no agreement lets the competent country totalize."""

    country: str
    reason: LeftOutReason
    #: The reason in words, naming the agreements concerned.
    detail: str
    periods: tuple[InsurancePeriod, ...]
    #: The days the periods cover up to the day of assessment, each day once.
    days: int


@dataclass(frozen=True, slots=True)
class CareersByAgreement:
    """The periods of a case as the competent country totalizes them: one career per
    agreement, by agreement id, and the countries left out."""

    competent_country: str
    as_of: dt.date
    careers: tuple[AgreementCareer, ...]
    not_totalized: tuple[NotTotalized, ...]
    #: The competent country's own periods alone, whatever the agreements.
    national: Career


def totalize_by_agreement(
    periods: Iterable[InsurancePeriod],
    *,
    competent_country: str,
    agreements_between: AgreementsBetween,
    as_of: dt.date,
) -> CareersByAgreement:
    """Totalize ``periods`` separately under each agreement that binds ``competent_country``
    and the country of a period, contains totalization and is in force on ``as_of``.

    The competent country's own periods enter every agreement's career. A period of a country
    bound to it by several such agreements enters each of their careers. Periods of any other
    country are returned in ``not_totalized`` with the reason. Raises ``InvalidIdentifier`` (a
    ``ValueError``) for an unknown competent country code.
    """
    competent = normalise_country(competent_country)
    given = tuple(periods)
    own = [period for period in given if period.country == competent]
    abroad: dict[str, list[InsurancePeriod]] = {}
    for period in given:
        if period.country != competent:
            abroad.setdefault(period.country, []).append(period)
    terms: dict[str, TotalizingAgreement] = {}
    members: dict[str, list[InsurancePeriod]] = {}
    left_out: list[NotTotalized] = []
    for country in sorted(abroad):
        usable, refusal = _usable_agreements(competent, country, agreements_between, as_of)
        if refusal is not None:
            reason, detail = refusal
            alone = totalize(abroad[country], as_of=as_of)
            left_out.append(
                NotTotalized(country, reason, detail, tuple(abroad[country]), alone.total_days)
            )
            continue
        for agreement in usable:
            terms.setdefault(agreement.id, agreement)
            members.setdefault(agreement.id, []).extend(abroad[country])
    careers = tuple(
        _agreement_career(terms[agreement_id], competent, own, members[agreement_id], as_of)
        for agreement_id in sorted(members)
    )
    return CareersByAgreement(
        competent_country=competent,
        as_of=as_of,
        careers=careers,
        not_totalized=tuple(left_out),
        national=totalize(own, as_of=as_of),
    )


def _usable_agreements(
    competent: str, country: str, agreements_between: AgreementsBetween, as_of: dt.date
) -> tuple[list[TotalizingAgreement], tuple[LeftOutReason, str] | None]:
    """The agreements under which ``country``'s periods are totalized, or why there is none."""
    binding = list(agreements_between(competent, country))
    if not binding:
        return [], (LeftOutReason.NO_AGREEMENT, f"no agreement binds {competent} and {country}")
    totalizing = [a for a in binding if Principle.TOTALIZATION in a.principles]
    if not totalizing:
        names = _names(binding)
        return [], (
            LeftOutReason.NO_TOTALIZATION,
            f"{names} binding {competent} and {country} contains no totalization",
        )
    in_force = [a for a in totalizing if a.in_force_on(as_of)]
    if not in_force:
        names = _names(totalizing)
        return [], (
            LeftOutReason.NOT_IN_FORCE,
            f"{names} binding {competent} and {country} is not in force on {as_of.isoformat()}",
        )
    return in_force, None


def _agreement_career(
    agreement: TotalizingAgreement,
    competent: str,
    own: Sequence[InsurancePeriod],
    abroad: Sequence[InsurancePeriod],
    as_of: dt.date,
) -> AgreementCareer:
    others = sorted({period.country for period in abroad})
    return AgreementCareer(
        agreement=agreement.id,
        title=agreement.title,
        competent_country=competent,
        countries=(competent, *others),
        career=totalize([*own, *abroad], as_of=as_of),
    )


def _names(agreements: Sequence[TotalizingAgreement]) -> str:
    return ", ".join(sorted({agreement.id for agreement in agreements}))
