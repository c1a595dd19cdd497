"""The reference back-office: its pure handlers, and the inbox loop on a fake node."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import httpx2
import pytest
from lxml import etree

from adapters.backoffice import (
    BackOffice,
    acknowledge_claim,
    answer_periods_request,
    as_of_day,
    certificate_number,
    decide_claim,
    decide_coverage,
    effective_from,
    plan_periods_requests,
    posting_rule,
    request_periods,
)
from adapters.client import GatewayApiError, GatewayClient
from adapters.documents import (
    Claim,
    claim_document,
    coverage_request_document,
    read_claim,
    read_decision,
)
from adapters.register import (
    CAREER_PERSON,
    POSTED_WORKER,
    Address,
    CoverageApplication,
    InsuredPerson,
    Person,
    PersonAddress,
    Pin,
    Register,
    RegisteredPeriod,
    sample_applications,
    sample_registers,
)
from gateway.cases import InsurancePeriod, PeriodKind, periods_from_reply, totalize
from gateway.codes import Branch, InstitutionId
from gateway.directory import Directory
from gateway.documents import SCHEMA_DIR, DocumentType, ValidatedDocument, validate_document

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


# --- Periods ----------------------------------------------------------------------------------


def test_the_periods_reply_lists_what_the_register_holds() -> None:
    periods = replied_periods(DRV, periods_request(CAREER_PERSON))

    assert [(p.start, p.end, p.kind) for p in periods] == [
        (dt.date(1977, 9, 1), dt.date(1980, 6, 30), PeriodKind.EDUCATION),
        (dt.date(1980, 7, 1), dt.date(1981, 9, 30), PeriodKind.MILITARY_SERVICE),
        (dt.date(1981, 10, 1), dt.date(1989, 12, 31), PeriodKind.EMPLOYMENT),
        (dt.date(1992, 3, 1), dt.date(1994, 2, 28), PeriodKind.VOLUNTARY),
        (dt.date(2013, 1, 1), None, PeriodKind.EMPLOYMENT),
    ]
    assert {p.institution for p in periods} == {"DE:DRV70001"}
    assert {p.country for p in periods} == {"DE"}


def test_the_person_is_found_by_a_number_of_the_registers_country_only() -> None:
    french_only = Person(
        family_names=CAREER_PERSON.family_names,
        forenames=CAREER_PERSON.forenames,
        birth_date=CAREER_PERSON.birth_date,
        sex=CAREER_PERSON.sex,
        pins=CAREER_PERSON.pins_of("FR"),
    )

    assert replied_periods(CNAV, periods_request(french_only))
    assert DRV.find(french_only.pins) is None
    spaced = Pin("DE", "65140361 m017")
    assert DRV.find([spaced]) is not None


def test_an_unknown_person_gets_no_periods_found() -> None:
    reply = answer_periods_request(DRV, periods_request(POSTED_WORKER), today=TODAY)

    root = valid(reply).root
    assert periods_from_reply(root) == []
    assert root.findtext("{urn:ssgw:periods:1}NoPeriodsFound/{urn:ssgw:periods:1}Reason") == (
        "person-not-identified"
    )


def test_a_known_person_without_periods_for_the_branch_gets_no_relevant_periods() -> None:
    reply = answer_periods_request(
        CNAV, periods_request(CAREER_PERSON, Branch.INVALIDITY), today=TODAY
    )

    root = valid(reply).root
    assert root.findtext("{urn:ssgw:periods:1}NoPeriodsFound/{urn:ssgw:periods:1}Reason") == (
        "no-relevant-periods"
    )


def test_periods_are_asked_only_where_an_agreement_allows(directory: Directory) -> None:
    claim = the_claim()

    french = plan_periods_requests(
        CNAV, claim, directory=directory, today=TODAY, claim_sender="DE:DRV70001"
    )
    german = plan_periods_requests(DRV, claim, directory=directory, today=TODAY)

    assert [(r.country, r.institution, r.agreement) for r in french.ask] == [
        ("DE", "DE:DRV70001", "EU-883-2004")
    ]
    assert french.not_asked == (("IN", "no social security agreement binds FR and IN"),)
    assert [(r.country, r.institution, r.agreement) for r in german.ask] == [
        ("FR", "FR:CNAV", "EU-883-2004"),
        ("IN", "IN:EPFO", "IN-DE"),
    ]
    assert german.not_asked == ()


# --- Claims -----------------------------------------------------------------------------------


def test_the_acknowledgement_names_the_periods_awaited(directory: Directory) -> None:
    claim = the_claim()
    plan = plan_periods_requests(
        EPFO, claim, directory=directory, today=TODAY, claim_sender="DE:DRV70001"
    )

    document = acknowledge_claim(
        EPFO, claim, today=TODAY, local_case_number="EPFO-1", awaiting=plan.ask
    )

    root = valid(document).root
    assert root.findtext("{urn:ssgw:claims:1}ClaimReceivedOn") == "2026-11-25"
    assert root.findtext("{urn:ssgw:claims:1}MissingInformation/{urn:ssgw:claims:1}Code") == (
        "periods-abroad"
    )


def test_the_pension_starts_the_month_after_the_claim() -> None:
    assert effective_from(dt.date(2026, 9, 15)) == dt.date(2026, 10, 1)
    assert effective_from(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
    assert as_of_day(dt.date(2026, 9, 15)) == dt.date(2026, 9, 30)


def test_the_amount_is_the_theoretical_amount_times_the_fraction_in_cents(
    directory: Directory,
) -> None:
    claim = the_claim()
    german = replied_periods(DRV, periods_request(claim.insured))

    decision = decide_claim(
        CNAV, claim, german, directory=directory, today=TODAY, local_case_number="CNAV-1"
    )

    chosen = decision.chosen
    assert decision.granted and chosen is not None
    # France totalizes its own periods with Germany's under the EU Regulation: 4,018 French
    # days of 13,544 (the German voluntary period lies inside French employment).
    assert (chosen.agreement, chosen.own_days, chosen.total_days) == ("EU-883-2004", 4018, 13544)
    # 35.00 a month per year of insurance, over 445 months.
    assert chosen.total_months == 445
    assert chosen.theoretical == Decimal("1297.92")
    exact = Decimal(chosen.theoretical) * chosen.own_days / chosen.total_days
    assert chosen.amount == exact.quantize(Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("385.04")
    summary = read_decision(valid(decision.document).root)
    assert summary.granted
    assert (summary.amount, summary.currency) == (Decimal("385.04"), "EUR")
    assert summary.pro_rata == (Decimal(4018), Decimal(13544))


def test_periods_counted_are_the_days_that_counted(directory: Directory) -> None:
    claim = the_claim()
    french = replied_periods(CNAV, periods_request(claim.insured))

    decision = decide_claim(
        DRV, claim, french, directory=directory, today=TODAY, local_case_number="DRV-1"
    )

    root = valid(decision.document).root
    counted = [
        (period.findtext("{urn:ssgw:claims:1}Kind"), period.findtext("{urn:ssgw:claims:1}End"))
        for period in root.iter("{urn:ssgw:claims:1}Period")
    ]
    # The voluntary period counts no day beside French employment; the running employment
    # counts up to the day before the pension starts.
    assert counted == [
        ("education", "1980-06-30"),
        ("military-service", "1981-09-30"),
        ("employment", "1989-12-31"),
        ("employment", "2026-09-30"),
    ]


def test_each_agreement_s_shares_sum_to_one(directory: Directory) -> None:
    claim = the_claim()
    request = periods_request(claim.insured)
    from_de = replied_periods(DRV, request)
    from_fr = replied_periods(CNAV, request)
    from_in = replied_periods(EPFO, request)

    french = decide_claim(
        CNAV, claim, from_de, directory=directory, today=TODAY, local_case_number="F"
    )
    indian = decide_claim(
        EPFO, claim, from_de, directory=directory, today=TODAY, local_case_number="I"
    )
    german = decide_claim(
        DRV, claim, from_fr + from_in, directory=directory, today=TODAY, local_case_number="D"
    )

    shares: dict[str | None, Fraction] = {}
    for decision in (french, indian, german):
        valid(decision.document)
        for calculation in decision.calculations:
            shares[calculation.agreement] = (
                shares.get(calculation.agreement, Fraction(0)) + calculation.fraction
            )
    assert shares == {"EU-883-2004": 1, "IN-DE": 1}
    # Germany calculates under each agreement and grants the higher amount.
    assert german.chosen is not None
    assert german.chosen.amount == max(c.amount for c in german.calculations)
    assert len(german.calculations) == 2


def test_periods_of_a_country_no_agreement_binds_are_not_totalized(
    directory: Directory,
) -> None:
    claim = the_claim()
    request = periods_request(claim.insured)
    indian = replied_periods(EPFO, request)
    german = replied_periods(DRV, request)

    with_india = decide_claim(
        CNAV, claim, german + indian, directory=directory, today=TODAY, local_case_number="F"
    )
    without = decide_claim(
        CNAV, claim, german, directory=directory, today=TODAY, local_case_number="F"
    )

    assert with_india.chosen == without.chosen


def test_an_unknown_claimant_is_refused_with_a_reason(directory: Directory) -> None:
    claim = the_claim()
    stranger = Claim(
        benefit_kind=claim.benefit_kind,
        claimant=POSTED_WORKER,
        deceased=None,
        claim_date=claim.claim_date,
        residence=claim.residence,
        other_countries=("FR",),
        local_case_number=None,
    )

    decision = decide_claim(
        EPFO, stranger, [], directory=directory, today=TODAY, local_case_number="EPFO-9"
    )

    summary = read_decision(valid(decision.document).root)
    assert not decision.granted and not summary.granted
    assert summary.amount is None
    assert summary.reasons == ("other",)
    assert decision.calculations == ()


def test_a_claim_on_the_own_periods_alone_has_the_whole_share(directory: Directory) -> None:
    claim = the_claim()

    decision = decide_claim(
        DRV, claim, [], directory=directory, today=TODAY, local_case_number="DRV-2"
    )

    assert decision.chosen is not None
    assert decision.chosen.agreement is None
    assert decision.chosen.fraction == 1
    assert decision.chosen.amount == decision.chosen.theoretical
    valid(decision.document)


# --- Coverage ---------------------------------------------------------------------------------

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
    # FR-TN gives no limit: 24 months.
    assert tunisia is not None and (tunisia.agreement, tunisia.limit_months) == ("FR-TN", 24)
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


# --- The loop ---------------------------------------------------------------------------------


class FakeNode:
    """A node's back-office API holding one periods request in its inbox; the first
    acknowledgement fails, as when the node is briefly away."""

    def __init__(self) -> None:
        self.item = uuid.uuid4()
        self.case = uuid.uuid4()
        self.request = etree.tostring(periods_request(CAREER_PERSON))
        self.acknowledged = False
        self.ack_calls = 0
        self.submitted: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/api/v1/inbox":
            items = [] if self.acknowledged else [self._item()]
            return httpx2.Response(200, json={"items": items, "next": 1 if items else 0})
        if path == f"/api/v1/inbox/{self.item}/document":
            return httpx2.Response(200, content=self.request)
        if path == f"/api/v1/inbox/{self.item}/ack":
            self.ack_calls += 1
            if self.ack_calls == 1:
                return httpx2.Response(503, json={"code": "unavailable", "detail": "away"})
            self.acknowledged = True
            return httpx2.Response(200, json={"id": str(self.item), "status": "acknowledged"})
        if path == "/api/v1/messages" and request.method == "POST":
            self.submitted.append((request.content, dict(request.url.params)))
            body = {"id": str(uuid.uuid4()), "case_id": str(self.case), "status": "accepted"}
            return httpx2.Response(202, json=body)
        return httpx2.Response(404, json={"detail": path})

    def _item(self) -> dict[str, object]:
        return {
            "id": str(self.item),
            "cursor": 1,
            "case_id": str(self.case),
            "case_type": "insurance-periods",
            "sender": "FR:CNAV",
            "document_type": "InsurancePeriodsRequest",
            "in_reply_to": None,
        }


def test_the_loop_handles_an_item_once_and_acknowledges_it(directory: Directory) -> None:
    node = FakeNode()
    lines: list[str] = []
    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, DRV, directory, today=lambda: TODAY, report=lines.append)

    with pytest.raises(GatewayApiError, match="away"):
        office.poll()
    office.poll()
    office.poll()

    assert node.acknowledged and node.ack_calls == 2
    assert len(node.submitted) == 1
    reply, params = node.submitted[0]
    assert params["recipient"] == "FR:CNAV"
    assert params["case_id"] == str(node.case)
    assert params["in_reply_to"] == str(node.item)
    assert periods_from_reply(valid(reply).root)
    assert [r.message_id for r in office.received] == [node.item]
    assert lines == ["  DE:DRV70001 answers FR:CNAV's periods request: its periods"]


def test_lodging_a_claim_sends_one_document_set_to_each_country(directory: Directory) -> None:
    submitted: list[dict[str, str]] = []
    case = uuid.uuid4()

    def node(request: httpx2.Request) -> httpx2.Response:
        submitted.append(dict(request.url.params))
        body = {"id": str(uuid.uuid4()), "case_id": str(case), "status": "accepted"}
        return httpx2.Response(202, json=body)

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, DRV, directory, today=lambda: TODAY)

    lodged = office.lodge_claim(sample_applications().old_age_claim)

    claims = submitted[:2]
    assert [c["recipient"] for c in claims] == ["FR:CNAV", "IN:EPFO"]
    assert "case_id" not in claims[0] and claims[1]["case_id"] == str(case)
    assert claims[0]["document_set_id"] == claims[1]["document_set_id"]
    assert {c["version"] for c in claims} == {"1"}
    # Then its own periods requests, inside the claim's case.
    assert [(s["recipient"], s["case_id"]) for s in submitted[2:]] == [
        ("FR:CNAV", str(case)),
        ("IN:EPFO", str(case)),
    ]
    assert lodged.case_id == case and len(lodged.sent) == 2 and lodged.refused == ()


def test_a_coverage_application_goes_to_the_sending_countrys_institution(
    directory: Directory,
) -> None:
    recipients: list[str] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        recipients.append(request.url.params["recipient"])
        valid(request.content)
        body = {"id": str(uuid.uuid4()), "case_id": str(uuid.uuid4()), "status": "accepted"}
        return httpx2.Response(202, json=body)

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, REGISTERS["TN:CNSS"], directory, today=lambda: TODAY)
    application: CoverageApplication = sample_applications().posting

    office.request_coverage(application)

    assert recipients == ["FR:URSSAF"]


def test_a_claim_of_a_later_schema_version_is_left_to_a_caseworker(directory: Directory) -> None:
    item, case = uuid.uuid4(), uuid.uuid4()
    claim = (SCHEMA_DIR / "examples" / "v2" / "BenefitClaim.xml").read_bytes()
    submitted: list[httpx2.Request] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/api/v1/inbox":
            listed = {
                "id": str(item),
                "cursor": 1,
                "case_id": str(case),
                "case_type": "benefit-claim",
                "sender": "DE:DRV70001",
                "document_type": "BenefitClaim",
                "in_reply_to": None,
            }
            return httpx2.Response(200, json={"items": [listed], "next": 1})
        if path == f"/api/v1/inbox/{item}/document":
            return httpx2.Response(200, content=claim)
        if path == f"/api/v1/inbox/{item}/ack":
            return httpx2.Response(200, json={"id": str(item), "status": "acknowledged"})
        submitted.append(request)
        return httpx2.Response(404, json={"detail": path})

    lines: list[str] = []
    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, CNAV, directory, today=lambda: TODAY, report=lines.append)

    assert office.poll() == 1

    # Its family, representative and deferral are for a person to weigh: nothing is sent,
    # nothing failed, and the item is taken.
    assert submitted == []
    assert office.failures == []
    assert [i.id for i in office.for_caseworker] == [item]
    assert lines == [
        "  FR:CNAV     leaves the BenefitClaim (schema 2.0) of DE:DRV70001 to a caseworker"
    ]
