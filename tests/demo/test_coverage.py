"""The reference back-office's coverage decisions: postings certified within the limit of
the agreement that applies, refused beyond it or when the institution cannot certify."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree

from demo.backoffice_testing import CNAV, TODAY, URSSAF, valid
from gateway.cases import InsurancePeriod, PeriodKind, totalize
from gateway.codes import Branch, InstitutionId
from gateway.demo.backoffice.decisions import certificate_number, decide_coverage, posting_rule
from gateway.demo.backoffice.documents import coverage_request_document
from gateway.demo.backoffice.register import (
    Address,
    InsuredPerson,
    Person,
    PersonAddress,
    Pin,
    Register,
    RegisteredPeriod,
)
from gateway.demo.backoffice.samples import CAREER_PERSON, sample_applications
from gateway.directory import Directory
from gateway.documents import DocumentType

GERMAN_WORKER = Person(
    family_names=("Hoffmann",),
    forenames=("Lena",),
    birth_date=dt.date(1988, 5, 2),
    sex="female",
    nationalities=("DE",),
    pins=(Pin("DE", "53020588H027", "pensions", "DE:DRV70001"),),
    addresses=(PersonAddress("residence", Address("Am Markt 3", "Bremen", "DE", "28195")),),
)
GERMAN_REGISTER = Register(
    institution=InstitutionId("DE:DRV70001"),
    insured=(
        InsuredPerson(
            GERMAN_WORKER,
            (
                RegisteredPeriod(
                    dt.date(2010, 8, 1), None, PeriodKind.EMPLOYMENT, frozenset({Branch.OLD_AGE})
                ),
            ),
        ),
    ),
)
WORK_ADDRESS = {
    "FR": Address("12 rue de la République", "Lyon", "FR", "69002"),
    "US": Address("200 Liberty Street", "New York", "US", "10281", "NY"),
    "TN": Address("Port de Radès, quai 5", "Radès", "TN", "2040"),
}


def coverage_request(
    worker: Person, sending: str, host: str, start: dt.date, end: dt.date | None
) -> etree._Element:
    posting = sample_applications().posting
    document = coverage_request_document(
        kind="posting",
        worker=worker,
        employer=posting.employer,
        sending_country=sending,
        host_country=host,
        work_addresses=(WORK_ADDRESS[host],),
        start=start,
        end=end,
    )
    return valid(document).root


@pytest.mark.parametrize(
    ("host", "end", "certified"),
    [
        # The EU Regulation: 24 months (Art. 12).
        ("FR", dt.date(2029, 1, 31), True),
        ("FR", dt.date(2029, 2, 1), False),
        # The United States-Germany agreement: 60 months, from the directory.
        ("US", dt.date(2032, 1, 31), True),
        ("US", dt.date(2032, 2, 1), False),
    ],
)
def test_a_posting_is_certified_within_the_limit_and_refused_beyond(
    directory: Directory, host: str, end: dt.date, certified: bool
) -> None:
    request = coverage_request(GERMAN_WORKER, "DE", host, dt.date(2027, 2, 1), end)

    decision = decide_coverage(
        GERMAN_REGISTER,
        request,
        directory=directory,
        today=TODAY,
        certificate_number="DE-DRV70001-2026-0000007",
    )

    assert decision is not None
    root = valid(decision.document).root
    if certified:
        assert decision.document_type is DocumentType.COVERAGE_CERTIFICATE
        assert decision.certificate_number == "DE-DRV70001-2026-0000007"
        cv = "{urn:ssgw:coverage:1}"
        assert root.findtext(f"{cv}ApplicableLegislation") == "DE"
        assert root.findtext(f"{cv}IssuingInstitution") == "DE:DRV70001"
        assert root.findtext(f"{cv}Period/{{urn:ssgw:common:1}}End") == end.isoformat()
    else:
        assert decision.document_type is DocumentType.COVERAGE_REFUSAL
        assert decision.reasons == ("period-exceeds-limit",)
        assert decision.certificate_number is None


def test_the_posting_limits_come_from_the_directory(directory: Directory) -> None:
    eu = posting_rule(directory, "DE", "FR", on=TODAY)
    us = posting_rule(directory, "DE", "US", on=TODAY)
    tunisia = posting_rule(directory, "FR", "TN", on=TODAY)

    assert eu is not None and (eu.agreement, eu.limit_months) == ("EU-883-2004", 24)
    assert us is not None and (us.agreement, us.limit_months) == ("US-DE", 60)
    assert tunisia is not None and (tunisia.agreement, tunisia.limit_months) == ("FR-TN", 36)
    assert posting_rule(directory, "FR", "IN", on=TODAY) is None


def test_the_sample_postings_to_tunisia(directory: Directory) -> None:
    applications = sample_applications()
    answers = []
    for application in (applications.posting, applications.long_posting):
        request = coverage_request_document(
            kind=application.kind,
            worker=application.worker,
            employer=application.employer,
            sending_country=application.sending_country,
            host_country=application.host_country,
            work_addresses=application.work_addresses,
            start=application.start,
            end=application.end,
        )
        decision = decide_coverage(
            URSSAF,
            valid(request).root,
            directory=directory,
            today=TODAY,
            certificate_number=certificate_number("FR:URSSAF", 2026, 1),
        )
        assert decision is not None
        valid(decision.document)
        answers.append((decision.certificate_number, decision.reasons))

    assert answers == [("FR-URSSAF-2026-0000001", ()), (None, ("period-exceeds-limit",))]


@pytest.mark.parametrize(
    ("worker", "sending", "reason"),
    [
        (GERMAN_WORKER, "FR", "not-competent"),
        (CAREER_PERSON, "DE", "not-insured-in-sending-state"),
    ],
)
def test_a_posting_the_institution_cannot_certify_is_refused(
    directory: Directory, worker: Person, sending: str, reason: str
) -> None:
    host = "TN" if sending == "FR" else "FR"
    request = coverage_request(worker, sending, host, dt.date(2027, 2, 1), dt.date(2027, 12, 31))

    decision = decide_coverage(
        GERMAN_REGISTER, request, directory=directory, today=TODAY, certificate_number="N-1"
    )

    assert decision is not None
    valid(decision.document)
    assert decision.reasons == (reason,)


def test_other_kinds_of_coverage_are_left_to_a_caseworker(directory: Directory) -> None:
    request = coverage_request(
        GERMAN_WORKER, "DE", "FR", dt.date(2027, 2, 1), dt.date(2027, 12, 31)
    )
    kind = request.find("{urn:ssgw:coverage:1}Kind")
    assert kind is not None
    kind.text = "multi-state-activity"

    decision = decide_coverage(
        GERMAN_REGISTER, request, directory=directory, today=TODAY, certificate_number="N-1"
    )

    assert decision is None


def test_the_theoretical_amount_is_a_monthly_amount_per_year_of_insurance() -> None:
    pension = CNAV.pension
    assert pension is not None
    career = totalize(
        [
            InsurancePeriod(
                "FR",
                InstitutionId("FR:CNAV"),
                dt.date(2000, 1, 1),
                dt.date(2009, 12, 31),
                PeriodKind.EMPLOYMENT,
                frozenset({Branch.OLD_AGE}),
            )
        ],
        as_of=dt.date(2026, 1, 1),
    )

    # Ten years at 35.00 a month each.
    assert pension.theoretical_amount(career) == Decimal("350.00")
