"""Reading the documents a reference back-office receives.

The readers take the root element of a document that passed validation (as every document
fetched from a node's inbox has) and return plain values; they read only what a reference
back-office acts on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from gateway.codes import Branch
from gateway.demo.backoffice.documents._writing import CL, CV, C, P
from gateway.demo.backoffice.register import (
    Address,
    Employer,
    Person,
    PersonAddress,
    Pin,
    PlaceOfBirth,
    RegisterIdentifier,
)
from gateway.documents import DocumentType

__all__ = [
    "Claim",
    "CoverageRequest",
    "DecisionSummary",
    "PeriodsRequest",
    "benefit_branch",
    "certificate_number_of",
    "read_claim",
    "read_coverage_request",
    "read_decision",
    "read_periods_request",
    "read_person",
    "refusal_reasons_of",
]

#: The branch each benefit kind of a claim concerns.
_BENEFIT_BRANCH = {
    "old-age": Branch.OLD_AGE,
    "early-old-age": Branch.OLD_AGE,
    "invalidity": Branch.INVALIDITY,
    "survivors": Branch.SURVIVORS,
}


def benefit_branch(benefit_kind: str) -> Branch:
    """The branch of social security a claim's benefit kind belongs to."""
    return _BENEFIT_BRANCH[benefit_kind]


def _find(element: etree._Element, namespace: str, name: str) -> etree._Element | None:
    return element.find(f"{{{namespace}}}{name}")


def _all(element: etree._Element, namespace: str, name: str) -> list[etree._Element]:
    return list(element.iterfind(f"{{{namespace}}}{name}"))


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return " ".join((element.text or "").split())


def _required_text(element: etree._Element, namespace: str, name: str) -> str:
    value = _text(_find(element, namespace, name))
    if value is None:
        raise ValueError(f"{etree.QName(element).localname} has no {name}")
    return value


def _texts(element: etree._Element, namespace: str, name: str) -> tuple[str, ...]:
    return tuple(_text(child) or "" for child in _all(element, namespace, name))


def _read_date(element: etree._Element, namespace: str, name: str) -> dt.date:
    return dt.date.fromisoformat(_required_text(element, namespace, name))


def _optional_date(element: etree._Element, namespace: str, name: str) -> dt.date | None:
    value = _text(_find(element, namespace, name))
    return None if value is None else dt.date.fromisoformat(value)


def _read_address(element: etree._Element) -> Address:
    return Address(
        street=_required_text(element, C, "Street"),
        town=_required_text(element, C, "Town"),
        country=_required_text(element, C, "Country"),
        post_code=_text(_find(element, C, "PostCode")),
        region=_text(_find(element, C, "Region")),
    )


def read_person(element: etree._Element) -> Person:
    """A person element of the common ``Person`` type (``Claimant``, ``Worker``...)."""
    place = _find(element, C, "PlaceOfBirth")
    return Person(
        family_names=_texts(element, C, "FamilyName"),
        forenames=_texts(element, C, "Forename"),
        birth_names=_texts(element, C, "BirthName"),
        birth_date=_read_date(element, C, "BirthDate"),
        sex=_required_text(element, C, "Sex"),
        place_of_birth=None
        if place is None
        else PlaceOfBirth(
            town=_required_text(place, C, "Town"),
            country=_required_text(place, C, "Country"),
            region=_text(_find(place, C, "Region")),
        ),
        nationalities=_texts(element, C, "Nationality"),
        pins=tuple(
            Pin(
                country=pin.get("country", ""),
                number=_text(pin) or "",
                sector=pin.get("sector"),
                issuing_institution=pin.get("issuingInstitution"),
            )
            for pin in _all(element, C, "PersonalIdentificationNumber")
        ),
        addresses=tuple(
            PersonAddress(address.get("kind", ""), _read_address(address))
            for address in _all(element, C, "Address")
        ),
    )


def _child(root: etree._Element, namespace: str, name: str) -> etree._Element:
    found = _find(root, namespace, name)
    if found is None:
        raise ValueError(f"{etree.QName(root).localname} has no {name}")
    return found


def _expect(root: etree._Element, document_type: DocumentType) -> None:
    if root.tag != document_type.qualified_name:
        raise ValueError(f"expected a {document_type.root_name}, got {root.tag!r}")


@dataclass(frozen=True, slots=True)
class Claim:
    """What a back-office reads from a ``BenefitClaim``."""

    benefit_kind: str
    claimant: Person
    deceased: Person | None
    claim_date: dt.date
    residence: Address
    other_countries: tuple[str, ...]
    local_case_number: str | None

    @property
    def branch(self) -> Branch:
        """The branch the claimed benefit belongs to."""
        return benefit_branch(self.benefit_kind)

    @property
    def insured(self) -> Person:
        """The insured person whose periods count: the deceased for a survivors' claim."""
        return self.deceased or self.claimant


def read_claim(root: etree._Element) -> Claim:
    """The claim of a validated ``BenefitClaim`` root element."""
    _expect(root, DocumentType.BENEFIT_CLAIM)
    deceased = _find(root, CL, "DeceasedPerson")
    return Claim(
        benefit_kind=_required_text(root, CL, "BenefitKind"),
        claimant=read_person(_child(root, CL, "Claimant")),
        deceased=None if deceased is None else read_person(deceased),
        claim_date=_read_date(root, CL, "ClaimDate"),
        residence=_read_address(_child(root, CL, "Residence")),
        other_countries=_texts(_child(root, CL, "OtherInsuranceCountries"), CL, "Country"),
        local_case_number=_text(_find(root, CL, "LocalCaseNumber")),
    )


@dataclass(frozen=True, slots=True)
class PeriodsRequest:
    """What a back-office reads from an ``InsurancePeriodsRequest``."""

    person: Person
    branches: tuple[Branch, ...]
    claim_date: dt.date | None
    local_case_number: str | None


def read_periods_request(root: etree._Element) -> PeriodsRequest:
    """The request of a validated ``InsurancePeriodsRequest`` root element."""
    _expect(root, DocumentType.INSURANCE_PERIODS_REQUEST)
    return PeriodsRequest(
        person=read_person(_child(root, P, "Person")),
        branches=tuple(Branch(value) for value in _texts(root, P, "Branch")),
        claim_date=_optional_date(root, P, "ClaimDate"),
        local_case_number=_text(_find(root, P, "LocalCaseNumber")),
    )


@dataclass(frozen=True, slots=True)
class CoverageRequest:
    """What a back-office reads from a ``CoverageRequest``."""

    kind: str
    worker: Person
    employer: Employer
    sending_country: str
    host_country: str
    start: dt.date
    end: dt.date | None
    local_case_number: str | None

    @property
    def requested(self) -> tuple[dt.date, dt.date | None]:
        """The requested period as (start, end)."""
        return (self.start, self.end)


def _read_employer(root: etree._Element) -> Employer:
    employed = _find(root, CV, "Employer")
    element = employed if employed is not None else _child(root, CV, "SelfEmployedActivity")
    return Employer(
        name=_required_text(element, CV, "Name" if employed is not None else "Description"),
        address=_read_address(_child(element, CV, "Address")),
        identifiers=tuple(
            RegisterIdentifier(
                country=identifier.get("country", ""),
                value=_text(identifier) or "",
                register=identifier.get("register"),
            )
            for identifier in _all(element, CV, "Identifier")
        ),
        self_employed=employed is None,
    )


def read_coverage_request(root: etree._Element) -> CoverageRequest:
    """The request of a validated ``CoverageRequest`` root element."""
    _expect(root, DocumentType.COVERAGE_REQUEST)
    period = _child(root, CV, "RequestedPeriod")
    return CoverageRequest(
        kind=_required_text(root, CV, "Kind"),
        worker=read_person(_child(root, CV, "Worker")),
        employer=_read_employer(root),
        sending_country=_required_text(root, CV, "SendingCountry"),
        host_country=_required_text(root, CV, "HostCountry"),
        start=_read_date(period, C, "Start"),
        end=_optional_date(period, C, "End"),
        local_case_number=_text(_find(root, CV, "LocalCaseNumber")),
    )


@dataclass(frozen=True, slots=True)
class DecisionSummary:
    """The outcome of a ``BenefitDecision``: ``pro_rata`` is (numerator, denominator)."""

    benefit_kind: str
    granted: bool
    amount: Decimal | None
    currency: str | None
    pro_rata: tuple[Decimal, Decimal] | None
    reasons: tuple[str, ...]


def read_decision(root: etree._Element) -> DecisionSummary:
    """The outcome of a validated ``BenefitDecision`` root element."""
    _expect(root, DocumentType.BENEFIT_DECISION)
    amount = _find(root, CL, "Amount")
    fraction = _find(root, CL, "ProRata")
    return DecisionSummary(
        benefit_kind=_required_text(root, CL, "BenefitKind"),
        granted=_required_text(root, CL, "Result") == "granted",
        amount=None if amount is None else Decimal(_text(amount) or "0"),
        currency=None if amount is None else amount.get("currency"),
        pro_rata=None
        if fraction is None
        else (
            Decimal(_required_text(fraction, CL, "Numerator")),
            Decimal(_required_text(fraction, CL, "Denominator")),
        ),
        reasons=tuple(_required_text(reason, CL, "Code") for reason in _all(root, CL, "Reason")),
    )


def certificate_number_of(root: etree._Element) -> str:
    """The number of a validated ``CoverageCertificate`` root element."""
    _expect(root, DocumentType.COVERAGE_CERTIFICATE)
    return _required_text(root, CV, "CertificateNumber")


def refusal_reasons_of(root: etree._Element) -> tuple[str, ...]:
    """The reason codes of a validated ``CoverageRefusal`` root element."""
    _expect(root, DocumentType.COVERAGE_REFUSAL)
    return tuple(_required_text(reason, CV, "Code") for reason in _all(root, CV, "Reason"))
