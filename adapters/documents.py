"""Building the network's XML documents from register data, and reading the ones received.

The builders return the document's UTF-8 bytes with an XML declaration, using the prefixes
of ``schemas/examples`` (``c`` common, ``p`` periods, ``cl`` claims, ``cv`` coverage) and
the elements in the order the XSDs require. They leave checking to the node, which
validates every document it is handed (and the tests run each builder's output through
:func:`gateway.documents.validate_document`).

The readers take the root element of a document that passed validation (as every document
fetched from a node's inbox has) and return plain values; they read only what a reference
back-office acts on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from adapters.register import (
    Address,
    Employer,
    PaymentAccount,
    Person,
    PersonAddress,
    Pin,
    PlaceOfBirth,
    RegisterIdentifier,
)
from gateway.cases import PeriodKind
from gateway.codes import Branch
from gateway.documents import COMMON_NAMESPACE, DocumentFamily, DocumentType

__all__ = [
    "SCHEMA_VERSION",
    "Claim",
    "CountedPeriod",
    "CoverageRequest",
    "DecisionSummary",
    "PeriodsRequest",
    "ReplyPeriod",
    "acknowledgement_document",
    "benefit_branch",
    "certificate_document",
    "certificate_number_of",
    "claim_document",
    "coverage_refusal_document",
    "coverage_request_document",
    "decision_document",
    "periods_reply_document",
    "periods_request_document",
    "read_claim",
    "read_coverage_request",
    "read_decision",
    "read_periods_request",
    "read_person",
    "refusal_reasons_of",
]

#: The schema version of the documents this back-office writes.
SCHEMA_VERSION = "1.0"

C = COMMON_NAMESPACE
P = DocumentFamily.PERIODS.namespace
CL = DocumentFamily.CLAIMS.namespace
CV = DocumentFamily.COVERAGE.namespace
_PREFIXES = {C: "c", P: "p", CL: "cl", CV: "cv"}

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


# --- Building ---------------------------------------------------------------------------------


def _root(document_type: DocumentType) -> etree._Element:
    namespace = document_type.namespace
    nsmap = {_PREFIXES[namespace]: namespace, "c": C}
    root = etree.Element(document_type.qualified_name, nsmap=nsmap)
    root.set("schemaVersion", SCHEMA_VERSION)
    return root


def _add(
    parent: etree._Element,
    namespace: str,
    name: str,
    text: str | None = None,
    **attributes: str | None,
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if text is not None:
        element.text = text
    for key, value in attributes.items():
        if value is not None:
            element.set(key, value)
    return element


def _add_optional(parent: etree._Element, namespace: str, name: str, text: str | None) -> None:
    if text is not None:
        _add(parent, namespace, name, text)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _date(day: dt.date) -> str:
    return day.isoformat()


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _address_parts(element: etree._Element, address: Address) -> None:
    _add(element, C, "Street", address.street)
    _add_optional(element, C, "PostCode", address.post_code)
    _add(element, C, "Town", address.town)
    _add_optional(element, C, "Region", address.region)
    _add(element, C, "Country", address.country)


def _address(parent: etree._Element, namespace: str, name: str, address: Address) -> None:
    _address_parts(_add(parent, namespace, name), address)


def _person(parent: etree._Element, namespace: str, name: str, person: Person) -> None:
    element = _add(parent, namespace, name)
    for family_name in person.family_names:
        _add(element, C, "FamilyName", family_name)
    for forename in person.forenames:
        _add(element, C, "Forename", forename)
    for birth_name in person.birth_names:
        _add(element, C, "BirthName", birth_name)
    _add(element, C, "BirthDate", _date(person.birth_date))
    _add(element, C, "Sex", person.sex)
    if person.place_of_birth is not None:
        place = _add(element, C, "PlaceOfBirth")
        _add(place, C, "Town", person.place_of_birth.town)
        _add_optional(place, C, "Region", person.place_of_birth.region)
        _add(place, C, "Country", person.place_of_birth.country)
    for nationality in person.nationalities:
        _add(element, C, "Nationality", nationality)
    for pin in person.pins:
        _add(
            element,
            C,
            "PersonalIdentificationNumber",
            pin.number,
            country=pin.country,
            sector=pin.sector,
            issuingInstitution=pin.issuing_institution,
        )
    for entry in person.addresses:
        address = _add(element, C, "Address", kind=entry.kind)
        _address_parts(address, entry.address)


def _date_period(
    parent: etree._Element, namespace: str, name: str, start: dt.date, end: dt.date | None
) -> None:
    period = _add(parent, namespace, name)
    _add(period, C, "Start", _date(start))
    if end is not None:
        _add(period, C, "End", _date(end))


def _employer(parent: etree._Element, employer: Employer) -> None:
    element = _add(parent, CV, "SelfEmployedActivity" if employer.self_employed else "Employer")
    _add(element, CV, "Description" if employer.self_employed else "Name", employer.name)
    for identifier in employer.identifiers:
        _add(
            element,
            CV,
            "Identifier",
            identifier.value,
            country=identifier.country,
            register=identifier.register,
        )
    _address(element, CV, "Address", employer.address)


def periods_request_document(
    *,
    person: Person,
    branches: Sequence[Branch],
    claim_date: dt.date | None = None,
    local_case_number: str | None = None,
    remarks: str | None = None,
) -> bytes:
    """An ``InsurancePeriodsRequest`` for ``person``'s periods counting for ``branches``."""
    root = _root(DocumentType.INSURANCE_PERIODS_REQUEST)
    _person(root, P, "Person", person)
    for branch in branches:
        _add(root, P, "Branch", branch.value)
    if claim_date is not None:
        _add(root, P, "ClaimDate", _date(claim_date))
    _add_optional(root, P, "LocalCaseNumber", local_case_number)
    _add_optional(root, P, "Remarks", remarks)
    return _bytes(root)


@dataclass(frozen=True, slots=True)
class ReplyPeriod:
    """One period of an ``InsurancePeriodsReply``: ``end`` None while running; ``months``
    is the summed duration the institution counts for it."""

    country: str
    institution: str
    start: dt.date
    end: dt.date | None
    kind: PeriodKind
    scheme: str
    months: int
    counts_for: tuple[Branch, ...]


def periods_reply_document(
    *,
    person: Person,
    branches: Sequence[Branch],
    periods: Sequence[ReplyPeriod],
    no_periods_reason: str | None = None,
    local_case_number: str | None = None,
    remarks: str | None = None,
) -> bytes:
    """An ``InsurancePeriodsReply`` listing ``periods``, or, when there are none, stating
    ``no_periods_reason`` (a ``NoPeriodsReason`` code, required then)."""
    root = _root(DocumentType.INSURANCE_PERIODS_REPLY)
    _person(root, P, "Person", person)
    for branch in branches:
        _add(root, P, "Branch", branch.value)
    _add_optional(root, P, "LocalCaseNumber", local_case_number)
    if periods:
        listed = _add(root, P, "Periods")
        for period in periods:
            element = _add(listed, P, "InsurancePeriod")
            _add(element, P, "Country", period.country)
            _add(element, P, "Institution", period.institution)
            _add(element, P, "Start", _date(period.start))
            if period.end is not None:
                _add(element, P, "End", _date(period.end))
            _add(element, P, "Kind", period.kind.value)
            _add(element, P, "Scheme", period.scheme)
            _add(element, P, "Duration", str(period.months), unit="months")
            for branch in period.counts_for:
                _add(element, P, "CountsFor", branch.value)
    else:
        if no_periods_reason is None:
            raise ValueError("a reply without periods says why: give no_periods_reason")
        _add(_add(root, P, "NoPeriodsFound"), P, "Reason", no_periods_reason)
    _add_optional(root, P, "Remarks", remarks)
    return _bytes(root)


def claim_document(
    *,
    benefit_kind: str,
    claimant: Person,
    claim_date: dt.date,
    residence: Address,
    payment: PaymentAccount,
    other_countries: Sequence[str],
    local_case_number: str | None = None,
    remarks: str | None = None,
) -> bytes:
    """A ``BenefitClaim`` (not a survivors' claim: it names no deceased person)."""
    root = _root(DocumentType.BENEFIT_CLAIM)
    _add(root, CL, "BenefitKind", benefit_kind)
    _person(root, CL, "Claimant", claimant)
    _add(root, CL, "ClaimDate", _date(claim_date))
    _address(root, CL, "Residence", residence)
    account = _add(root, CL, "PaymentAccount")
    if payment.iban is not None:
        _add(account, CL, "Iban", payment.iban)
        _add_optional(account, CL, "Bic", payment.bic)
    else:
        _add(account, CL, "AccountNumber", payment.account_number)
        _add(account, CL, "Bic", payment.bic)
    _add(account, CL, "AccountHolder", payment.holder)
    countries = _add(root, CL, "OtherInsuranceCountries")
    for country in other_countries:
        _add(countries, CL, "Country", country)
    _add_optional(root, CL, "LocalCaseNumber", local_case_number)
    _add_optional(root, CL, "Remarks", remarks)
    return _bytes(root)


def acknowledgement_document(
    *,
    benefit_kind: str,
    received_on: dt.date,
    local_case_number: str,
    expected_decision_by: dt.date | None = None,
    missing: Iterable[tuple[str, str | None]] = (),
) -> bytes:
    """A ``BenefitClaimAcknowledgement``; ``missing`` lists (code, text) still awaited."""
    root = _root(DocumentType.BENEFIT_CLAIM_ACKNOWLEDGEMENT)
    _add(root, CL, "BenefitKind", benefit_kind)
    _add(root, CL, "ClaimReceivedOn", _date(received_on))
    _add(root, CL, "LocalCaseNumber", local_case_number)
    if expected_decision_by is not None:
        _add(root, CL, "ExpectedDecisionBy", _date(expected_decision_by))
    for code, text in missing:
        entry = _add(root, CL, "MissingInformation")
        _add(entry, CL, "Code", code)
        _add_optional(entry, CL, "Text", text)
    return _bytes(root)


@dataclass(frozen=True, slots=True)
class CountedPeriod:
    """A period a decision took into account, with the calendar months it covers."""

    country: str
    start: dt.date
    end: dt.date
    kind: PeriodKind
    months: int


def decision_document(
    *,
    benefit_kind: str,
    person: Person,
    decided_on: dt.date,
    granted: bool,
    appeal_body: str,
    appeal_deadline_days: int,
    appeal_address: Address | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    frequency: str | None = None,
    effective_from: dt.date | None = None,
    legal_basis: str | None = None,
    reasons: Iterable[tuple[str, str | None]] = (),
    periods_counted: Sequence[CountedPeriod] = (),
    pro_rata: tuple[int, int] | None = None,
    local_case_number: str | None = None,
) -> bytes:
    """A ``BenefitDecision``: granted with the amount, or refused with ``reasons``
    ((code, text) pairs). ``pro_rata`` is (numerator, denominator)."""
    root = _root(DocumentType.BENEFIT_DECISION)
    _add(root, CL, "BenefitKind", benefit_kind)
    _person(root, CL, "Person", person)
    _add(root, CL, "DecisionDate", _date(decided_on))
    _add(root, CL, "Result", "granted" if granted else "refused")
    if amount is not None:
        _add(root, CL, "Amount", _money(amount), currency=currency)
    _add_optional(root, CL, "Frequency", frequency)
    if effective_from is not None:
        _add(root, CL, "EffectiveFrom", _date(effective_from))
    _add_optional(root, CL, "LegalBasis", legal_basis)
    for code, text in reasons:
        reason = _add(root, CL, "Reason")
        _add(reason, CL, "Code", code)
        _add_optional(reason, CL, "Text", text)
    if periods_counted:
        counted = _add(root, CL, "PeriodsCounted")
        for period in periods_counted:
            element = _add(counted, CL, "Period")
            _add(element, CL, "Country", period.country)
            _add(element, CL, "Start", _date(period.start))
            _add(element, CL, "End", _date(period.end))
            _add(element, CL, "Kind", period.kind.value)
            _add(element, CL, "Duration", str(period.months), unit="months")
    if pro_rata is not None:
        fraction = _add(root, CL, "ProRata")
        _add(fraction, CL, "Numerator", str(pro_rata[0]))
        _add(fraction, CL, "Denominator", str(pro_rata[1]))
    appeal = _add(root, CL, "Appeal")
    _add(appeal, CL, "Body", appeal_body)
    _add(appeal, CL, "DeadlineDays", str(appeal_deadline_days))
    if appeal_address is not None:
        _address(appeal, CL, "Address", appeal_address)
    _add_optional(root, CL, "LocalCaseNumber", local_case_number)
    return _bytes(root)


def coverage_request_document(
    *,
    kind: str,
    worker: Person,
    employer: Employer,
    sending_country: str,
    host_country: str,
    work_addresses: Sequence[Address],
    start: dt.date,
    end: dt.date | None,
    local_case_number: str | None = None,
) -> bytes:
    """A ``CoverageRequest`` for the requested period ``start`` to ``end``."""
    root = _root(DocumentType.COVERAGE_REQUEST)
    _add(root, CV, "Kind", kind)
    _person(root, CV, "Worker", worker)
    _employer(root, employer)
    _add(root, CV, "SendingCountry", sending_country)
    _add(root, CV, "HostCountry", host_country)
    for address in work_addresses:
        _address(root, CV, "WorkAddress", address)
    _date_period(root, CV, "RequestedPeriod", start, end)
    _add_optional(root, CV, "LocalCaseNumber", local_case_number)
    return _bytes(root)


def certificate_document(
    *,
    number: str,
    kind: str,
    worker: Person,
    employer: Employer | None,
    applicable_legislation: str,
    start: dt.date,
    end: dt.date | None,
    requested: tuple[dt.date, dt.date | None] | None,
    issuing_institution: str,
    issued_on: dt.date,
    legal_basis: str | None = None,
    conditions: Sequence[str] = (),
) -> bytes:
    """An initial ``CoverageCertificate`` certifying ``start`` to ``end``."""
    root = _root(DocumentType.COVERAGE_CERTIFICATE)
    _add(root, CV, "CertificateNumber", number)
    _add(root, CV, "Kind", kind)
    _person(root, CV, "Worker", worker)
    if employer is not None:
        _employer(root, employer)
    _add(root, CV, "ApplicableLegislation", applicable_legislation)
    _date_period(root, CV, "Period", start, end)
    if requested is not None:
        _date_period(root, CV, "RequestedPeriod", *requested)
    _add(root, CV, "IssuingInstitution", issuing_institution)
    _add(root, CV, "IssuedOn", _date(issued_on))
    _add_optional(root, CV, "LegalBasis", legal_basis)
    for condition in conditions:
        _add(root, CV, "Condition", condition)
    _add(root, CV, "DecisionKind", "initial")
    return _bytes(root)


def coverage_refusal_document(
    *,
    kind: str,
    worker: Person,
    requested: tuple[dt.date, dt.date | None] | None,
    decided_on: dt.date,
    reasons: Sequence[tuple[str, str | None]],
    local_case_number: str | None = None,
) -> bytes:
    """A ``CoverageRefusal`` with its (code, text) reasons."""
    root = _root(DocumentType.COVERAGE_REFUSAL)
    _add(root, CV, "Kind", kind)
    _person(root, CV, "Worker", worker)
    if requested is not None:
        _date_period(root, CV, "RequestedPeriod", *requested)
    _add(root, CV, "DecidedOn", _date(decided_on))
    for code, text in reasons:
        reason = _add(root, CV, "Reason")
        _add(reason, CV, "Code", code)
        _add_optional(reason, CV, "Text", text)
    _add_optional(root, CV, "LocalCaseNumber", local_case_number)
    return _bytes(root)


# --- Reading ----------------------------------------------------------------------------------


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
