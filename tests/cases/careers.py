"""Careers for the totalization tests: the institutions of each country, and periods written
briefly."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from gateway.cases import (
    PRECEDENCE,
    Career,
    InsurancePeriod,
    PeriodKind,
    Tier,
)
from gateway.codes import Branch, InstitutionId

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
