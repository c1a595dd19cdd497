"""Totalization: merge the insurance periods several countries report into one career.

A pure module: no I/O, no clock. Every day of the career is counted once. Where periods of
different institutions overlap, one of them counts for the day and the others are recorded as
overlapped, following the precedence table :data:`PRECEDENCE` (modelled on Article 12 of
Regulation (EC) No 987/2009; the reasoning is in ``docs/totalization.md``).

Days are counted inclusively, both ends included. Months are the calendar months in which at
least one day is counted; they are not derived from the days (see :class:`Career`).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType
from typing import Final

from gateway.codes import Branch, InstitutionId, normalise_country, parse_institution_id

__all__ = [
    "PRECEDENCE",
    "Career",
    "CareerSegment",
    "Conflict",
    "InsurancePeriod",
    "PeriodKind",
    "Tier",
    "theoretical_pro_rata",
    "totalize",
]


class PeriodKind(enum.StrEnum):
    """What a period was completed as: the code list ``PeriodKind`` of ``common.xsd``, and
    the kinds schema 2.0 adds in ``periods.xsd`` (EESSI's period types not split as 1.0's)."""

    EMPLOYMENT = "employment"
    SELF_EMPLOYMENT = "self-employment"
    VOLUNTARY = "voluntary"
    RESIDENCE = "residence"
    CHILD_RAISING = "child-raising"
    MILITARY_SERVICE = "military-service"
    SICKNESS = "sickness"
    UNEMPLOYMENT = "unemployment"
    EDUCATION = "education"
    CARE_FOR_DEPENDANTS = "care-for-dependants"
    MATERNITY = "maternity"
    INVALIDITY_BENEFIT = "invalidity-benefit"
    PENSION_RECEIPT = "pension-receipt"
    EARLY_RETIREMENT = "early-retirement"
    OTHER_CREDITED = "other-credited"
    # Added by schema 2.0.
    COMPULSORY = "compulsory"
    COMPULSORY_UNEMPLOYED = "compulsory-unemployed"
    VOLUNTARY_EMPLOYED = "voluntary-employed"
    VOLUNTARY_SELF_EMPLOYED = "voluntary-self-employed"
    VOLUNTARY_UNEMPLOYED = "voluntary-unemployed"
    CREDITED = "credited"
    UNEMPLOYMENT_WITH_BENEFIT = "unemployment-with-benefit"
    UNEMPLOYMENT_WITHOUT_BENEFIT = "unemployment-without-benefit"
    FICTITIOUS = "fictitious"
    DEPRIVATION_OF_LIBERTY = "deprivation-of-liberty"
    COMPENSATED_HOLIDAY = "compensated-holiday"
    OTHER = "other"


class Tier(enum.IntEnum):
    """How strongly a period holds a day it shares with others: the lower, the stronger."""

    #: Compulsory contributions on an activity.
    COMPULSORY = 1
    #: Compulsory cover by residence in a residence-based scheme.
    RESIDENCE = 2
    #: Voluntary or optional continued insurance.
    VOLUNTARY = 3
    #: Credited (assimilated, equivalent) periods.
    CREDITED = 4

    @property
    def compulsory_cover(self) -> bool:
        """Whether the period is compulsory cover, of which a person has one at a time."""
        return self <= Tier.RESIDENCE


#: The precedence table: the tier of every kind of period. The one place precedence is decided.
PRECEDENCE: Final[Mapping[PeriodKind, Tier]] = MappingProxyType(
    {
        PeriodKind.EMPLOYMENT: Tier.COMPULSORY,
        PeriodKind.SELF_EMPLOYMENT: Tier.COMPULSORY,
        PeriodKind.RESIDENCE: Tier.RESIDENCE,
        PeriodKind.VOLUNTARY: Tier.VOLUNTARY,
        PeriodKind.CHILD_RAISING: Tier.CREDITED,
        PeriodKind.MILITARY_SERVICE: Tier.CREDITED,
        PeriodKind.SICKNESS: Tier.CREDITED,
        PeriodKind.UNEMPLOYMENT: Tier.CREDITED,
        PeriodKind.EDUCATION: Tier.CREDITED,
        PeriodKind.CARE_FOR_DEPENDANTS: Tier.CREDITED,
        PeriodKind.MATERNITY: Tier.CREDITED,
        PeriodKind.INVALIDITY_BENEFIT: Tier.CREDITED,
        PeriodKind.PENSION_RECEIPT: Tier.CREDITED,
        PeriodKind.EARLY_RETIREMENT: Tier.CREDITED,
        PeriodKind.OTHER_CREDITED: Tier.CREDITED,
        # Contributions not split into employed and self-employed are still compulsory, and so
        # is a holiday paid out at the end of a job, which extends the insured employment.
        PeriodKind.COMPULSORY: Tier.COMPULSORY,
        PeriodKind.COMPULSORY_UNEMPLOYED: Tier.COMPULSORY,
        PeriodKind.COMPENSATED_HOLIDAY: Tier.COMPULSORY,
        PeriodKind.VOLUNTARY_EMPLOYED: Tier.VOLUNTARY,
        PeriodKind.VOLUNTARY_SELF_EMPLOYED: Tier.VOLUNTARY,
        PeriodKind.VOLUNTARY_UNEMPLOYED: Tier.VOLUNTARY,
        PeriodKind.CREDITED: Tier.CREDITED,
        PeriodKind.UNEMPLOYMENT_WITH_BENEFIT: Tier.CREDITED,
        PeriodKind.UNEMPLOYMENT_WITHOUT_BENEFIT: Tier.CREDITED,
        PeriodKind.FICTITIOUS: Tier.CREDITED,
        PeriodKind.DEPRIVATION_OF_LIBERTY: Tier.CREDITED,
        PeriodKind.OTHER: Tier.CREDITED,
    }
)


@dataclass(frozen=True, slots=True)
class InsurancePeriod:
    """One period as the institution that holds it reports it.

    ``end`` is the last day of the period, or None while it is still running (it is then
    counted up to the ``as_of`` day of :func:`totalize`). The country and the institution id
    are normalised to the EESSI spelling (GR becomes EL, GB becomes UK), so one country never
    appears under two codes in the totals. Raises ``ValueError`` for an unknown country, a
    malformed institution id, or an end before the start.
    """

    country: str
    institution: InstitutionId
    start: datetime.date
    end: datetime.date | None
    kind: PeriodKind
    counts_for: frozenset[Branch]

    def __post_init__(self) -> None:
        # Normalised here rather than by every caller: a Greek period reported as GR by one
        # institution and as EL by another must land in the same country's total.
        object.__setattr__(self, "country", normalise_country(self.country))
        object.__setattr__(self, "institution", parse_institution_id(self.institution))
        object.__setattr__(self, "kind", PeriodKind(self.kind))
        object.__setattr__(self, "counts_for", frozenset(Branch(b) for b in self.counts_for))
        if self.end is not None and self.end < self.start:
            raise ValueError("an insurance period cannot end before it starts")

    @property
    def tier(self) -> Tier:
        """The precedence tier of the period's kind."""
        return PRECEDENCE[self.kind]

    def last_counted_day(self, as_of: datetime.date) -> datetime.date | None:
        """The last day counted when the career is taken as of ``as_of``, or None if no day is."""
        last = as_of if self.end is None else min(self.end, as_of)
        return last if last >= self.start else None

    def days(self, as_of: datetime.date) -> int:
        """The period's own length in days up to ``as_of``, both ends included."""
        last = self.last_counted_day(as_of)
        return 0 if last is None else (last - self.start).days + 1


# The key that orders periods from the strongest to the weakest claim on a shared day. After
# the tier, the earlier start wins (the period already running keeps the day), then the
# country code and the institution id; the remaining fields only make the order total, so that
# the result never depends on the order the periods were given in.
_PrecedenceKey = tuple[Tier, datetime.date, str, str, str, int, datetime.date, tuple[str, ...]]


def _precedence_key(period: InsurancePeriod) -> _PrecedenceKey:
    open_end = period.end is None
    return (
        period.tier,
        period.start,
        period.country,
        period.institution,
        period.kind.value,
        int(open_end),
        datetime.date.max if period.end is None else period.end,
        tuple(sorted(branch.value for branch in period.counts_for)),
    )


@dataclass(frozen=True, slots=True)
class CareerSegment:
    """A run of days on which the same periods are present; exactly one of them counts."""

    start: datetime.date
    end: datetime.date
    #: The period the days count for.
    counted: InsurancePeriod
    #: The other periods present on these days, strongest claim first; they count nothing here.
    overlapped: tuple[InsurancePeriod, ...]

    @property
    def country(self) -> str:
        """The country the days count for."""
        return self.counted.country

    @property
    def kind(self) -> PeriodKind:
        """The kind of period the days count as."""
        return self.counted.kind

    @property
    def days(self) -> int:
        """The number of days in the segment, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Conflict:
    """Days on which two countries both report compulsory cover (employment, self-employment
    or residence).

    A person is subject to one country's legislation at a time, so one of the two records is
    wrong; the days count for ``counted`` and the institutions should be asked to clarify.
    """

    start: datetime.date
    end: datetime.date
    counted: InsurancePeriod
    displaced: InsurancePeriod

    @property
    def days(self) -> int:
        """The number of days in conflict, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, slots=True)
class Career:
    """Periods of several countries merged into one timeline; build it with :func:`totalize`.

    ``segments`` never overlap and run in date order; gaps between them are days no period
    covers. The day totals are exact and add up: ``sum(days_by_country.values()) ==
    total_days`` and the same for ``days_by_kind``. Every country and kind that appears in
    ``periods`` has an entry, zero when all its days were displaced or lie after ``as_of``.

    Months follow one rule throughout: a calendar month counts when at least one of its days is
    counted (as German pension law counts a month partly covered as a full month). So
    ``total_months`` is the number of calendar months touched by the segments; a month split
    between two countries counts once in ``total_months`` but once for each of the countries
    in ``months_by_country``. Months are never derived from days.

    ``pro_rata`` gives each country's exact share of the counted days (its days over
    ``total_days``); the shares sum to exactly 1. It is empty when no day is counted.
    """

    #: The last day counted; running periods are counted up to it, later days are not counted.
    as_of: datetime.date
    #: The distinct periods given, strongest claim first.
    periods: tuple[InsurancePeriod, ...]
    segments: tuple[CareerSegment, ...]
    conflicts: tuple[Conflict, ...]
    total_days: int
    total_months: int
    # Mappings are compared for equality but left out of the hash (they are not hashable); the
    # hash over the other fields agrees with equality.
    days_by_country: Mapping[str, int] = field(hash=False)
    days_by_kind: Mapping[PeriodKind, int] = field(hash=False)
    months_by_country: Mapping[str, int] = field(hash=False)
    pro_rata: Mapping[str, Fraction] = field(hash=False)

    def for_branch(self, branch: Branch) -> Career:
        """The career as it counts for ``branch``: only the periods that count for it enter.

        Precedence is worked out again among those periods alone, so a day held by a period
        that does not count for ``branch`` can go to one that does.
        """
        return totalize(
            (period for period in self.periods if branch in period.counts_for), as_of=self.as_of
        )


def totalize(periods: Iterable[InsurancePeriod], *, as_of: datetime.date) -> Career:
    """Merge ``periods`` into a :class:`Career`, counting each day once.

    ``as_of`` is the last day counted (the day the career is assessed at, such as the day
    before a pension starts): running periods count up to it, and days after it are not
    counted even when a period reports them. An exact duplicate of a period (the same period
    sent twice) is counted once. The result depends only on the set of periods, never on
    their order.
    """
    distinct = tuple(sorted(set(periods), key=_precedence_key))
    segments = _segments(distinct, as_of)
    countries = sorted({period.country for period in distinct})
    kinds = [kind for kind in PeriodKind if any(period.kind == kind for period in distinct)]

    days_by_country = dict.fromkeys(countries, 0)
    days_by_kind = dict.fromkeys(kinds, 0)
    months_of_country: dict[str, set[int]] = {country: set() for country in countries}
    all_months: set[int] = set()
    for segment in segments:
        days_by_country[segment.country] += segment.days
        days_by_kind[segment.kind] += segment.days
        touched = set(_months_touched(segment.start, segment.end))
        months_of_country[segment.country] |= touched
        all_months |= touched
    total_days = sum(days_by_country.values())
    pro_rata = (
        {country: Fraction(days, total_days) for country, days in days_by_country.items()}
        if total_days
        else {}
    )
    return Career(
        as_of=as_of,
        periods=distinct,
        segments=segments,
        conflicts=_conflicts(segments),
        total_days=total_days,
        total_months=len(all_months),
        days_by_country=MappingProxyType(days_by_country),
        days_by_kind=MappingProxyType(days_by_kind),
        months_by_country=MappingProxyType(
            {country: len(months) for country, months in months_of_country.items()}
        ),
        pro_rata=MappingProxyType(pro_rata),
    )


def theoretical_pro_rata(theoretical_amount: Decimal, career: Career, country: str) -> Decimal:
    """The pro-rata amount ``country`` pays: the theoretical amount times its share of the
    career, rounded to cents, half to even.

    The product is exact and rounded once, so no intermediate rounding can move a cent. A
    country with no counted days pays 0.00. Raises ``ValueError`` when the career counts no
    day at all (there is no share to take) or the amount is not a finite number, and
    ``InvalidIdentifier`` (a ``ValueError``) for an unknown country code.
    """
    if career.total_days == 0:
        raise ValueError("a career without counted days has no pro-rata shares")
    if not theoretical_amount.is_finite():
        raise ValueError("the theoretical amount must be a finite number")
    share = career.pro_rata.get(normalise_country(country), Fraction(0))
    exact_cents = Fraction(theoretical_amount) * share * 100
    # round() on a Fraction rounds half to even, exactly.
    cents = round(exact_cents)
    # Built from a string so the result is exact whatever the decimal context's precision.
    return Decimal(f"{cents}E-2")


def _segments(
    periods: tuple[InsurancePeriod, ...], as_of: datetime.date
) -> tuple[CareerSegment, ...]:
    # Day numbers (ordinals) rather than dates, so the day after date.max needs no special case.
    spans: list[tuple[InsurancePeriod, int, int]] = []
    for period in periods:
        last = period.last_counted_day(as_of)
        if last is not None:
            spans.append((period, period.start.toordinal(), last.toordinal()))
    cuts = sorted({first for _, first, _ in spans} | {last + 1 for _, _, last in spans})
    segments: list[CareerSegment] = []
    # Between two consecutive cuts no period starts or ends, so the same periods are present on
    # every day of the run; ``periods`` is in precedence order, so the first present one counts.
    for left, right in pairwise(cuts):
        present = [period for period, first, last in spans if first <= left <= last]
        if present:
            segments.append(
                CareerSegment(
                    start=datetime.date.fromordinal(left),
                    end=datetime.date.fromordinal(right - 1),
                    counted=present[0],
                    overlapped=tuple(present[1:]),
                )
            )
    return tuple(segments)


def _conflicts(segments: tuple[CareerSegment, ...]) -> tuple[Conflict, ...]:
    # A conflict runs over consecutive segments as long as the same two periods are involved.
    running: dict[tuple[InsurancePeriod, InsurancePeriod], Conflict] = {}
    finished: list[Conflict] = []
    for segment in segments:
        counted = segment.counted
        if not counted.tier.compulsory_cover:
            continue
        for other in segment.overlapped:
            if not other.tier.compulsory_cover or other.country == counted.country:
                continue
            pair = (counted, other)
            previous = running.get(pair)
            if previous is not None and previous.end + datetime.timedelta(days=1) == segment.start:
                running[pair] = Conflict(previous.start, segment.end, counted, other)
                continue
            if previous is not None:
                finished.append(previous)
            running[pair] = Conflict(segment.start, segment.end, counted, other)
    finished.extend(running.values())
    finished.sort(key=lambda c: (c.start, _precedence_key(c.counted), _precedence_key(c.displaced)))
    return tuple(finished)


def _months_touched(start: datetime.date, end: datetime.date) -> Iterator[int]:
    """The calendar months from ``start`` to ``end``, as month numbers (year * 12 + month)."""
    yield from range(start.year * 12 + start.month, end.year * 12 + end.month + 1)
