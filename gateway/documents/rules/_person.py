"""Rules on the persons a document identifies: birth date, nationalities, numbers, addresses."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue

from ._places import institution_country
from ._support import COMMON, child, date_value, elements, is_future, known_country, text, xpath

__all__ = ["birth_date", "check_persons"]

# Every element of the common Person type (or an extension of it) has a BirthDate child.
_PERSONS = xpath(".//*[c:BirthDate]")
_NATIONALITIES = xpath("c:Nationality")
_PINS = xpath("c:PersonalIdentificationNumber")
_RESIDENCES = xpath("c:Address[@kind = 'residence']")

#: Older than this, a living person's birth date is surely a typing error.
_OLDEST_AGE_YEARS = 130


def birth_date(person: etree._Element) -> datetime.date | None:
    """The birth date of a person element."""
    return date_value(child(person, COMMON, "BirthDate"))


def check_persons(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Each person has a plausible birth date, known countries and one number per country."""
    for person in elements(_PERSONS, root):
        yield from _check_birth_date(person, today)
        yield from _check_nationalities(person)
        yield from _check_pins(person)
        yield from _check_residence(person)


def _check_birth_date(person: etree._Element, today: datetime.date) -> Iterator[Issue]:
    element = child(person, COMMON, "BirthDate")
    born = date_value(element)
    if element is None or born is None:
        return
    if is_future(born, today):
        yield Issue.at(element, "rule.birth-date-in-future", "birth date lies in the future")
    elif born.year < today.year - _OLDEST_AGE_YEARS:
        yield Issue.at(
            element,
            "rule.birth-date-implausible",
            f"birth date lies more than {_OLDEST_AGE_YEARS} years in the past",
        )


def _check_nationalities(person: etree._Element) -> Iterator[Issue]:
    seen: set[str] = set()
    for element in elements(_NATIONALITIES, person):
        country = known_country(text(element))
        if country is None:
            yield Issue.at(
                element, "rule.nationality-unknown", "nationality is not a known country code"
            )
        elif country in seen:
            yield Issue.at(
                element, "rule.duplicate-nationality", "the same nationality is given twice"
            )
        else:
            seen.add(country)


def _check_pins(person: etree._Element) -> Iterator[Issue]:
    seen: set[tuple[str, str]] = set()
    for element in elements(_PINS, person):
        country = known_country(element.get("country", ""))
        if country is None:
            yield Issue.at(
                element,
                "rule.pin-country-unknown",
                "country of the personal identification number is not a known country code",
            )
            continue
        # A number without a sector serves every sector, so it clashes with sector="all".
        sector = element.get("sector", "all")
        if (country, sector) in seen:
            yield Issue.at(
                element,
                "rule.duplicate-pin-country",
                f"more than one personal identification number for country {country}"
                f" and sector {sector!r}",
            )
        seen.add((country, sector))
        issuer = element.get("issuingInstitution")
        if issuer is not None:
            issuer_country = institution_country(issuer)
            if issuer_country is not None and issuer_country != country:
                yield Issue.at(
                    element,
                    "rule.pin-issuer-country-mismatch",
                    f"number of country {country} is said to be issued by {issuer},"
                    " an institution of another country",
                )


def _check_residence(person: etree._Element) -> Iterator[Issue]:
    for element in elements(_RESIDENCES, person)[1:]:
        yield Issue.at(
            element,
            "rule.duplicate-residence-address",
            "a person has one residence, but more than one residence address is given",
        )
