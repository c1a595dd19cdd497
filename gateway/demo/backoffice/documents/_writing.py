"""Building the network's XML documents from register data.

The builders return the document's UTF-8 bytes with an XML declaration, using the prefixes
of ``schemas/examples`` (``c`` common, ``p`` periods, ``cl`` claims, ``cv`` coverage) and
the elements in the order the XSDs require. They leave checking to the node, which
validates every document it is handed (and the tests run each builder's output through
:func:`gateway.documents.validate_document`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from gateway.cases import PeriodKind
from gateway.codes import Branch
from gateway.demo.backoffice.register import Address, Employer, PaymentAccount, Person
from gateway.documents import COMMON_NAMESPACE, DocumentFamily, DocumentType

__all__ = [
    "CL",
    "CV",
    "SCHEMA_VERSION",
    "C",
    "CountedPeriod",
    "P",
    "ReplyPeriod",
    "acknowledgement_document",
    "certificate_document",
    "claim_document",
    "coverage_refusal_document",
    "coverage_request_document",
    "decision_document",
    "periods_reply_document",
    "periods_request_document",
]

#: The schema version of the documents this back-office writes.
SCHEMA_VERSION = "1.0"

C = COMMON_NAMESPACE
P = DocumentFamily.PERIODS.namespace
CL = DocumentFamily.CLAIMS.namespace
CV = DocumentFamily.COVERAGE.namespace
_PREFIXES = {C: "c", P: "p", CL: "cl", CV: "cv"}


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
