"""Rules on country codes and institution ids wherever a document names them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._support import elements, known_country, text, xpath

__all__ = [
    "check_countries",
    "check_institutions",
    "institution_country",
    "unknown_countries",
    "unknown_institutions",
    "unknown_register_countries",
]

# Nationalities and the countries of personal identification numbers have rules of their own.
_COUNTRIES = xpath(
    ".//c:Country | .//p:Country | .//cl:Country"
    " | .//cv:SendingCountry | .//cv:HostCountry | .//cv:ApplicableLegislation"
)
_REGISTER_IDENTIFIERS = xpath(".//cv:Identifier[@country]")
_INSTITUTIONS = xpath(".//p:Institution | .//cv:IssuingInstitution | .//k:CompetentInstitution")
_PIN_ISSUERS = xpath(".//c:PersonalIdentificationNumber[@issuingInstitution]")


def institution_country(institution_id: str) -> str | None:
    """The normalised country of a schema-valid institution id, or None when not known."""
    return known_country(institution_id.partition(":")[0])


def unknown_countries(path: etree.XPath, root: etree._Element) -> Iterator[Issue]:
    """An issue for each element ``path`` selects whose text is not a known country code."""
    for element in elements(path, root):
        if known_country(text(element)) is None:
            # Not quoted: the country may be part of an address or a place of work, which can
            # identify a person.
            name = etree.QName(element).localname
            yield issue_at(element, "rule.country-unknown", f"{name} is not a known country code")


def unknown_register_countries(path: etree.XPath, root: etree._Element) -> Iterator[Issue]:
    """An issue for each register identifier ``path`` selects with an unknown ``country``."""
    for element in elements(path, root):
        code = element.get("country", "")
        if known_country(code) is None:
            yield issue_at(
                element,
                "rule.country-unknown",
                f"country {code!r} of the register identifier is not a known country code",
            )


def unknown_institutions(path: etree.XPath, root: etree._Element) -> Iterator[Issue]:
    """An issue for each institution id ``path`` selects with an unknown country code."""
    for element in elements(path, root):
        if institution_country(text(element)) is None:
            yield issue_at(
                element,
                "rule.institution-country-unknown",
                f"institution id {text(element)!r} starts with an unknown country code",
            )


def check_countries(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Every country code names a country this node knows."""
    yield from unknown_countries(_COUNTRIES, root)
    yield from unknown_register_countries(_REGISTER_IDENTIFIERS, root)


def check_institutions(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Every institution id starts with a known country code."""
    yield from unknown_institutions(_INSTITUTIONS, root)
    for element in elements(_PIN_ISSUERS, root):
        issuer = element.get("issuingInstitution", "")
        if institution_country(issuer) is None:
            yield issue_at(
                element,
                "rule.institution-country-unknown",
                f"issuing institution {issuer!r} starts with an unknown country code",
            )
