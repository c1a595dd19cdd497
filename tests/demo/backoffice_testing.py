"""What the reference back-office's tests share: the sample registers, a day to decide on,
and documents checked by the node's own validation."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from gateway.cases import InsurancePeriod, periods_from_reply
from gateway.codes import Branch
from gateway.demo.backoffice.decisions import answer_periods_request, request_periods
from gateway.demo.backoffice.documents import Claim, claim_document, read_claim
from gateway.demo.backoffice.register import Address, Person, Register
from gateway.demo.backoffice.samples import sample_applications, sample_registers
from gateway.documents import ValidatedDocument, validate_document

TODAY = dt.date(2026, 11, 25)
REGISTERS = sample_registers()
DRV, CNAV, URSSAF, EPFO = (
    REGISTERS["DE:DRV70001"],
    REGISTERS["FR:CNAV"],
    REGISTERS["FR:URSSAF"],
    REGISTERS["IN:EPFO"],
)


def valid(document: bytes) -> ValidatedDocument:
    """The document, which must pass the node's own validation (schema and rules)."""
    return validate_document(document, today=TODAY)


def the_claim() -> Claim:
    """The sample old-age claim, as DE:DRV70001 passes it on."""
    application = sample_applications().old_age_claim
    insured = DRV.find([application.pin])
    assert insured is not None
    residence = insured.person.residence
    assert residence is not None
    document = claim_document(
        benefit_kind=application.benefit_kind,
        claimant=insured.person,
        claim_date=application.claim_date,
        residence=residence,
        payment=application.payment,
        other_countries=application.other_countries,
    )
    return read_claim(valid(document).root)


def periods_request(person: Person, *branches: Branch) -> etree._Element:
    document = request_periods(
        Claim(
            benefit_kind="old-age",
            claimant=person,
            deceased=None,
            claim_date=dt.date(2026, 9, 15),
            residence=Address("Hochstraße 17", "Lüdenscheid", "DE", "58507"),
            other_countries=("FR",),
            local_case_number=None,
        ),
        local_case_number="CNAV-TEST",
    )
    root = valid(document).root
    if branches:
        # Ask for other branches than the claim's.
        for element in root.findall("{urn:ssgw:periods:1}Branch"):
            root.remove(element)
        person_element = root.find("{urn:ssgw:periods:1}Person")
        assert person_element is not None
        for index, branch in enumerate(branches, start=1):
            added = etree.Element("{urn:ssgw:periods:1}Branch")
            added.text = branch.value
            root.insert(root.index(person_element) + index, added)
        root = valid(etree.tostring(root)).root
    return root


def replied_periods(register: Register, request: etree._Element) -> list[InsurancePeriod]:
    reply = answer_periods_request(register, request, today=TODAY, local_case_number="X-1")
    return periods_from_reply(valid(reply).root)
