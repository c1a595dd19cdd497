"""Rules on the persons a document names: birth date, nationalities, numbers, addresses."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._places import institution_country
from ._support import COMMON, child, date_value, elements, is_future, known_country, text, xpath

__all__ = ["birth_date", "check_persons"]

# Every element of the common Person type (or an extension of it) and of the PersonReference
# type (a representative) has a FamilyName child; only these common types declare one.
_PERSONS = xpath(".//*[c:FamilyName]")
_NATIONALITIES = xpath("c:Nationality")
_PINS = xpath("c:PersonalIdentificationNumber")
_RESIDENCES = xpath("c:Address[@kind = 'residence']")
_NO_FIXED_ADDRESS = xpath("c:NoFixedAddress")

#: Schema versions in which a person has at most one number per country and sector.
_ONE_PIN_PER_SECTOR_VERSIONS = frozenset({"1.0"})

#: Older than this, a living person's birth date is surely a typing error.
_OLDEST_AGE_YEARS = 130


def birth_date(person: etree._Element) -> datetime.date | None:
    """The birth date of a person element."""
    return date_value(child(person, COMMON, "BirthDate"))


def check_persons(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Each person has a plausible birth date, known countries and numbers, one residence.

    A 1.0 document gives at most one number per country and sector; from 2.0 on a country may
    have given several (one per issuing institution, an old and a new one), and only the same
    number twice is refused.
    """
    one_per_sector = root.get("schemaVersion") in _ONE_PIN_PER_SECTOR_VERSIONS
    for person in elements(_PERSONS, root):
        born = birth_date(person)
        yield from _check_birth_date(person, today)
        yield from _check_nationalities(person, born, today)
        yield from _check_pins(person, one_per_sector=one_per_sector)
        yield from _check_residence(person)


def _check_birth_date(person: etree._Element, today: datetime.date) -> Iterator[Issue]:
    element = child(person, COMMON, "BirthDate")
    born = date_value(element)
    if element is None or born is None:
        return
    if is_future(born, today):
        yield issue_at(element, "rule.birth-date-in-future", "birth date lies in the future")
    elif born.year < today.year - _OLDEST_AGE_YEARS:
        yield issue_at(
            element,
            "rule.birth-date-implausible",
            f"birth date lies more than {_OLDEST_AGE_YEARS} years in the past",
        )


def _check_nationalities(
    person: etree._Element, born: datetime.date | None, today: datetime.date
) -> Iterator[Issue]:
    seen: set[str] = set()
    for element in elements(_NATIONALITIES, person):
        country = known_country(text(element))
        if country is None:
            yield issue_at(
                element, "rule.nationality-unknown", "nationality is not a known country code"
            )
        elif country in seen:
            yield issue_at(
                element, "rule.duplicate-nationality", "the same nationality is given twice"
            )
        else:
            seen.add(country)
        yield from _check_acquired(element, born, today)


def _check_acquired(
    nationality: etree._Element, born: datetime.date | None, today: datetime.date
) -> Iterator[Issue]:
    acquired = _attribute_date(nationality, "acquired")
    if acquired is None:
        return
    if is_future(acquired, today):
        yield issue_at(
            nationality,
            "rule.nationality-acquired-in-future",
            "nationality is said to be acquired in the future",
        )
    elif born is not None and acquired < born:
        yield issue_at(
            nationality,
            "rule.nationality-acquired-before-birth",
            "nationality is said to be acquired before the person's birth",
        )


def _attribute_date(element: etree._Element, name: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(element.get(name, ""))
    except ValueError:
        return None


def _pin_key(number: str) -> str:
    # Countries print numbers with spaces, dots or hyphens; the number is the same without them.
    return "".join(char for char in number if char.isalnum()).upper()


def _check_pins(person: etree._Element, *, one_per_sector: bool) -> Iterator[Issue]:
    seen: set[tuple[str, str]] = set()
    numbers: set[tuple[str, str, str]] = set()
    for element in elements(_PINS, person):
        country = known_country(element.get("country", ""))
        if country is None:
            yield issue_at(
                element,
                "rule.pin-country-unknown",
                "country of the personal identification number is not a known country code",
            )
            continue
        # A number without a sector serves every sector, so it clashes with sector="all".
        sector = element.get("sector", "all")
        number = (country, sector, _pin_key(text(element)))
        if one_per_sector and (country, sector) in seen:
            yield issue_at(
                element,
                "rule.duplicate-pin-country",
                f"more than one personal identification number for country {country}"
                f" and sector {sector!r}",
            )
        elif number in numbers:
            yield issue_at(
                element,
                "rule.duplicate-pin",
                f"the same personal identification number of country {country}"
                f" is given twice for sector {sector!r}",
            )
        seen.add((country, sector))
        numbers.add(number)
        issuer = element.get("issuingInstitution")
        if issuer is not None:
            issuer_country = institution_country(issuer)
            if issuer_country is not None and issuer_country != country:
                yield issue_at(
                    element,
                    "rule.pin-issuer-country-mismatch",
                    f"number of country {country} is said to be issued by {issuer},"
                    " an institution of another country",
                )


def _check_residence(person: etree._Element) -> Iterator[Issue]:
    residences = elements(_RESIDENCES, person)
    for element in residences[1:]:
        yield issue_at(
            element,
            "rule.duplicate-residence-address",
            "a person has one residence, but more than one residence address is given",
        )
    marker = elements(_NO_FIXED_ADDRESS, person)
    if marker and residences:
        yield issue_at(
            marker[0],
            "rule.no-fixed-address-with-residence",
            "a person without a fixed address has no residence address",
        )
