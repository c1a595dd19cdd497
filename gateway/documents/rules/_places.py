"""Rules on country codes and institution ids wherever a document names them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue

from ._support import elements, known_country, text, xpath

__all__ = ["check_countries", "check_institutions", "institution_country"]

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


def check_countries(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Every country code names a country this node knows."""
    for element in elements(_COUNTRIES, root):
        if known_country(text(element)) is None:
            # Not quoted: the country may be part of a person's address.
            name = etree.QName(element).localname
            yield Issue.at(element, "rule.country-unknown", f"{name} is not a known country code")
    for element in elements(_REGISTER_IDENTIFIERS, root):
        code = element.get("country", "")
        if known_country(code) is None:
            yield Issue.at(
                element,
                "rule.country-unknown",
                f"country {code!r} of the register identifier is not a known country code",
            )


def check_institutions(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Every institution id starts with a known country code."""
    for element in elements(_INSTITUTIONS, root):
        if institution_country(text(element)) is None:
            yield Issue.at(
                element,
                "rule.institution-country-unknown",
                f"institution id {text(element)!r} starts with an unknown country code",
            )
    for element in elements(_PIN_ISSUERS, root):
        issuer = element.get("issuingInstitution", "")
        if institution_country(issuer) is None:
            yield Issue.at(
                element,
                "rule.institution-country-unknown",
                f"issuing institution {issuer!r} starts with an unknown country code",
            )
