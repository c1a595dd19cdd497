"""Business rules: each code is reported where it should be, and only there."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, insert_first, remove, set_attribute, set_text
from lxml import etree

from gateway.codes import Branch
from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentType
from gateway.documents.rules._claims import iban_is_valid

TODAY = datetime.date(2026, 11, 25)
EXAMPLES = SCHEMA_DIR / "examples"
RULES_DIR = Path(rules.__file__).parent


def _load(
    example: str, mutation: mutations.Mutation | None = None
) -> tuple[DocumentType, etree._Element]:
    """The 1.0 example after ``mutation``; it must still be schema-valid, as rules assume."""
    return mutations.load_valid(EXAMPLES / f"{example}.xml", mutation, "1.0")


_OPEN_DE_PERIOD = (
    "<p:InsurancePeriod><p:Country>DE</p:Country><p:Institution>DE:DRV70001</p:Institution>"
    "<p:Start>{start}</p:Start><p:End>{end}</p:End><p:Kind>{kind}</p:Kind>"
    '<p:Duration unit="months">{months}</p:Duration><p:CountsFor>old-age</p:CountsFor>'
    "</p:InsurancePeriod>"
)
_IN_PERIOD = (
    "<p:InsurancePeriod><p:Country>IN</p:Country><p:Institution>IN:EPFO</p:Institution>"
    "<p:Start>{start}</p:Start><p:End>2010-12-31</p:End><p:Kind>employment</p:Kind>"
    '<p:Duration unit="months">12</p:Duration><p:CountsFor>old-age</p:CountsFor>'
    "</p:InsurancePeriod>"
)
_PERIOD = "p:Periods/p:InsurancePeriod"
_REQUEST_PIN = "p:Person/c:PersonalIdentificationNumber"
_REPLY_PIN = "p:Person/c:PersonalIdentificationNumber"


FAILING = [
    # The person
    case(
        "birth-date-in-future",
        "CoverageRefusal",
        set_text("cv:Worker/c:BirthDate", "2031-01-01"),
        "rule.birth-date-in-future",
        at="/cv:Worker/c:BirthDate",
    ),
    case(
        "birth-date-implausible",
        "CoverageRefusal",
        set_text("cv:Worker/c:BirthDate", "1890-02-11"),
        "rule.birth-date-implausible",
        at="/cv:Worker/c:BirthDate",
    ),
    case(
        "nationality-unknown",
        "CoverageRequest",
        set_text("cv:Worker/c:Nationality[2]", "QQ"),
        "rule.nationality-unknown",
        at="/cv:Worker/c:Nationality[2]",
    ),
    case(
        "duplicate-nationality",
        "CoverageRequest",
        set_text("cv:Worker/c:Nationality[2]", "TN"),
        "rule.duplicate-nationality",
        at="/c:Nationality[2]",
    ),
    case(
        "duplicate-nationality-iso-and-eessi-spelling",
        "BenefitDecision-refused",
        both(
            set_text("cl:Person/c:Nationality[1]", "GR"),
            set_text("cl:Person/c:Nationality[2]", "EL"),
        ),
        "rule.duplicate-nationality",
        at="/cl:Person/c:Nationality[2]",
    ),
    case(
        "pin-country-unknown",
        "InsurancePeriodsRequest",
        set_attribute(f"{_REQUEST_PIN}[1]", "country", "QQ"),
        "rule.pin-country-unknown",
        at="/c:PersonalIdentificationNumber[1]",
    ),
    case(
        "duplicate-pin-country-same-sector",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{_REPLY_PIN}[3]", "country", "DE"),
            set_attribute(f"{_REPLY_PIN}[3]", "issuingInstitution", None),
        ),
        "rule.duplicate-pin-country",
        at="/p:Person/c:PersonalIdentificationNumber[3]",
    ),
    case(
        "duplicate-pin-country-no-sector-means-all",
        "BenefitClaim-survivors",
        add_after(
            "cl:Claimant/c:PersonalIdentificationNumber",
            '<c:PersonalIdentificationNumber country="FR" sector="all">'
            "258116938308790</c:PersonalIdentificationNumber>",
        ),
        "rule.duplicate-pin-country",
        at="/cl:Claimant/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "pin-issuer-country-mismatch",
        "InsurancePeriodsRequest",
        set_attribute(f"{_REQUEST_PIN}[2]", "issuingInstitution", "DE:DRV70001"),
        "rule.pin-issuer-country-mismatch",
        at="/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "duplicate-residence-address",
        "InsurancePeriodsRequest",
        add_after(
            "p:Person/c:Address",
            '<c:Address kind="residence"><c:Street>Rue du Port 3</c:Street>'
            "<c:Town>Lyon</c:Town><c:Country>FR</c:Country></c:Address>",
        ),
        "rule.duplicate-residence-address",
        at="/p:Person/c:Address[2]",
    ),
    # Countries and institutions
    case(
        "country-unknown-in-address",
        "CoverageRequest",
        set_text("cv:WorkAddress[1]/c:Country", "QQ"),
        "rule.country-unknown",
        at="/cv:WorkAddress[1]/c:Country",
    ),
    case(
        "country-unknown-in-register-identifier",
        "CoverageRequest",
        set_attribute("cv:Employer/cv:Identifier", "country", "QQ"),
        "rule.country-unknown",
        at="/cv:Employer/cv:Identifier",
    ),
    case(
        "country-unknown-of-birth",
        "BenefitClaim",
        set_text("cl:Claimant/c:PlaceOfBirth/c:Country", "QQ"),
        "rule.country-unknown",
        at="/c:PlaceOfBirth/c:Country",
    ),
    case(
        "country-unknown-of-period",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[3]/cl:Country", "QQ"),
        "rule.country-unknown",
        at="/cl:Period[3]/cl:Country",
    ),
    case(
        "institution-country-unknown",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[3]/p:Institution", "QQ:KBS00001"),
        "rule.institution-country-unknown",
        at="/p:InsurancePeriod[3]/p:Institution",
    ),
    case(
        "institution-country-unknown-of-pin-issuer",
        "InsurancePeriodsRequest",
        set_attribute(f"{_REQUEST_PIN}[2]", "issuingInstitution", "QQ:CNAV"),
        "rule.institution-country-unknown",
        at="/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "institution-country-unknown-of-competent-institution",
        "CaseForward",
        set_text("k:CompetentInstitution", "QQ:CNAV"),
        "rule.institution-country-unknown",
        at="/k:CaseForward/k:CompetentInstitution",
    ),
    # Periods
    case(
        "period-end-before-start-requested",
        "CoverageRequest",
        set_text("cv:RequestedPeriod/c:End", "2026-12-31"),
        "rule.period-end-before-start",
        at="/cv:RequestedPeriod/c:End",
    ),
    case(
        "period-end-before-start-counted",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[2]/cl:End", "1989-12-31"),
        "rule.period-end-before-start",
        at="/cl:Period[2]/cl:End",
    ),
    case(
        "period-starts-in-future",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[9]/p:Start", "2027-01-01"),
        "rule.period-starts-in-future",
        at="/p:InsurancePeriod[9]/p:Start",
    ),
    case(
        "period-ends-in-future",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[5]/cl:End", "2027-09-30"),
        "rule.period-ends-in-future",
        at="/cl:Period[5]/cl:End",
    ),
    case(
        "period-before-birth",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[1]/p:Start", "1960-09-01"),
        "rule.period-before-birth",
        at="/p:InsurancePeriod[1]/p:Start",
    ),
    case(
        "periods-overlap-same-institution-and-kind",
        "InsurancePeriodsReply",
        both(
            set_text(f"{_PERIOD}[2]/p:Kind", "education"),
            set_text(f"{_PERIOD}[2]/p:Start", "1980-06-01"),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[2]",
    ),
    case(
        "periods-overlap-open-ended",
        "InsurancePeriodsReply",
        add_after(
            f"{_PERIOD}[9]",
            _OPEN_DE_PERIOD.format(
                start="2020-01-01", end="2020-12-31", kind="employment", months=12
            ),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[10]",
    ),
    case(
        "periods-overlap-unknown-end-on-its-start",
        "InsurancePeriodsReply",
        add_after(f"{_PERIOD}[9]", _IN_PERIOD.format(start="2009-05-01")),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[10]",
    ),
    case(
        "periods-overlap-institution-spelt-two-ways",
        "InsurancePeriodsReply",
        both(
            set_text(f"{_PERIOD}[3]/p:Country", "GR"),
            set_text(f"{_PERIOD}[3]/p:Institution", "GR:EFKA0001"),
            set_text(f"{_PERIOD}[4]/p:Country", "EL"),
            set_text(f"{_PERIOD}[4]/p:Institution", "EL:EFKA0001"),
            set_text(f"{_PERIOD}[4]/p:Start", "1989-12-01"),
            set_text(f"{_PERIOD}[4]/p:Duration", "33"),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[4]",
    ),
    case(
        "duration-exceeds-span-quarters",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[4]/p:Duration", "33"),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[4]/p:Duration",
    ),
    case(
        "duration-exceeds-span-days",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{_PERIOD}[2]/p:Duration", "unit", "days"),
            set_text(f"{_PERIOD}[2]/p:Duration", "458"),
        ),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[2]/p:Duration",
    ),
    case(
        "duration-exceeds-span-weeks",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{_PERIOD}[1]/p:Duration", "unit", "weeks"),
            set_text(f"{_PERIOD}[1]/p:Duration", "149"),
        ),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[1]/p:Duration",
    ),
    case(
        "duration-exceeds-span-mixed-units",
        "InsurancePeriodsReply",
        add_after(f"{_PERIOD}[2]/p:Duration", '<p:Duration unit="days">1</p:Duration>'),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[2]/p:Duration[1]",
    ),
    case(
        "duration-exceeds-span-open-ended-counted-to-today",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[9]/p:Duration", "168"),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[9]/p:Duration",
    ),
    case(
        "duration-exceeds-span-counted-period",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[5]/cl:Duration", "56"),
        "rule.duration-exceeds-span",
        at="/cl:Period[5]/cl:Duration",
    ),
    case(
        "institution-country-mismatch",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[6]/p:Institution", "FR:CNAV"),
        "rule.institution-country-mismatch",
        at="/p:InsurancePeriod[6]",
    ),
    case(
        "remarks-missing",
        "InsurancePeriodsReply-none",
        both(set_text("p:NoPeriodsFound/p:Reason", "other"), remove("p:Remarks")),
        "rule.remarks-missing",
        at="/p:NoPeriodsFound/p:Reason",
    ),
    # Claims
    case(
        "claim-date-in-future-request",
        "InsurancePeriodsRequest",
        set_text("p:ClaimDate", "2026-11-27"),
        "rule.claim-date-in-future",
        at="/p:ClaimDate",
    ),
    case(
        "claim-date-in-future",
        "BenefitClaim",
        set_text("cl:ClaimDate", "2027-01-01"),
        "rule.claim-date-in-future",
        at="/cl:ClaimDate",
    ),
    case(
        "claim-date-before-birth-request",
        "InsurancePeriodsRequest",
        set_text("p:ClaimDate", "1960-01-01"),
        "rule.claim-date-before-birth",
        at="/p:ClaimDate",
    ),
    case(
        "claim-date-before-birth",
        "BenefitClaim",
        set_text("cl:ClaimDate", "1960-01-01"),
        "rule.claim-date-before-birth",
        at="/cl:ClaimDate",
    ),
    case(
        "deceased-person-missing",
        "BenefitClaim-survivors",
        remove("cl:DeceasedPerson"),
        "rule.deceased-person-missing",
        at="/cl:BenefitKind",
    ),
    case(
        "deceased-person-unexpected",
        "BenefitClaim-survivors",
        set_text("cl:BenefitKind", "old-age"),
        "rule.deceased-person-unexpected",
        at="/cl:DeceasedPerson",
    ),
    case(
        "death-date-in-future",
        "BenefitClaim-survivors",
        set_text("cl:DeceasedPerson/cl:DeathDate", "2027-08-02"),
        "rule.death-date-in-future",
        "rule.claim-date-before-death",
        at="/cl:DeceasedPerson/cl:DeathDate",
    ),
    case(
        "death-before-birth",
        "BenefitClaim-survivors",
        set_text("cl:DeceasedPerson/cl:DeathDate", "1950-01-01"),
        "rule.death-before-birth",
        at="/cl:DeceasedPerson/cl:DeathDate",
    ),
    case(
        "claim-date-before-death",
        "BenefitClaim-survivors",
        set_text("cl:ClaimDate", "2026-07-01"),
        "rule.claim-date-before-death",
        at="/cl:ClaimDate",
    ),
    case(
        "iban-checksum-invalid",
        "BenefitClaim-survivors",
        set_text("cl:PaymentAccount/cl:Iban", "FR3330002005500000157841Z52"),
        "rule.iban-checksum-invalid",
        at="/cl:PaymentAccount/cl:Iban",
    ),
    case(
        "iban-country-unknown",
        "BenefitClaim",
        set_text("cl:PaymentAccount/cl:Iban", "QQ87701500001002345678"),
        "rule.iban-country-unknown",
        at="/cl:PaymentAccount/cl:Iban",
    ),
    case(
        "received-date-in-future",
        "BenefitClaimAcknowledgement",
        set_text("cl:ClaimReceivedOn", "2026-12-01"),
        "rule.received-date-in-future",
        at="/cl:ClaimReceivedOn",
    ),
    case(
        "expected-decision-before-receipt",
        "BenefitClaimAcknowledgement",
        set_text("cl:ExpectedDecisionBy", "2026-09-17"),
        "rule.expected-decision-before-receipt",
        at="/cl:ExpectedDecisionBy",
    ),
    case(
        "text-missing-missing-information",
        "BenefitClaimAcknowledgement",
        remove("cl:MissingInformation[2]/cl:Text"),
        "rule.text-missing",
        at="/cl:MissingInformation[2]",
    ),
    case(
        "text-missing-decision-reason",
        "BenefitDecision-refused",
        both(set_text("cl:Reason/cl:Code", "other"), remove("cl:Reason/cl:Text")),
        "rule.text-missing",
        at="/cl:Reason",
    ),
    case(
        "text-missing-coverage-refusal",
        "CoverageRefusal",
        both(set_text("cv:Reason[1]/cv:Code", "other"), remove("cv:Reason[1]/cv:Text")),
        "rule.text-missing",
        at="/cv:Reason[1]",
    ),
    case(
        "text-missing-technical-reason",
        "Receipt-rejected",
        both(set_text("t:Reason/t:Code", "other"), remove("t:Reason/t:Text")),
        "rule.text-missing",
        at="/t:Reason",
    ),
    case(
        "text-missing-case-closure",
        "CaseClosure",
        both(set_text("k:Reason", "other"), remove("k:Text")),
        "rule.text-missing",
        at="/k:CaseClosure/k:Reason",
    ),
    case(
        "text-missing-case-forward",
        "CaseForward",
        both(set_text("k:Reason", "other"), remove("k:Text")),
        "rule.text-missing",
        at="/k:CaseForward/k:Reason",
    ),
    case(
        "text-missing-coverage-withdrawal",
        "CoverageWithdrawal",
        both(set_text("cv:Reason", "other"), remove("cv:Text")),
        "rule.text-missing",
        at="/cv:CoverageWithdrawal/cv:Reason",
    ),
    case(
        "amount-missing",
        "BenefitDecision",
        remove("cl:Amount | cl:NetAmount"),
        "rule.amount-missing",
        at="/cl:Result",
    ),
    case(
        "frequency-missing",
        "BenefitDecision",
        remove("cl:Frequency"),
        "rule.frequency-missing",
        at="/cl:Result",
    ),
    case(
        "effective-date-missing",
        "BenefitDecision",
        remove("cl:EffectiveFrom"),
        "rule.effective-date-missing",
        at="/cl:Result",
    ),
    case(
        "reason-missing-refusal",
        "BenefitDecision-refused",
        remove("cl:Reason"),
        "rule.reason-missing",
        at="/cl:Result",
    ),
    case(
        "amount-unexpected",
        "BenefitDecision-refused",
        add_after("cl:Result", '<cl:Amount currency="EUR">0</cl:Amount>'),
        "rule.amount-unexpected",
        at="/cl:Amount",
    ),
    case(
        "net-exceeds-gross",
        "BenefitDecision",
        set_text("cl:NetAmount", "412.38"),
        "rule.net-exceeds-gross",
        at="/cl:NetAmount",
    ),
    case(
        "currency-mismatch",
        "BenefitDecision",
        set_attribute("cl:NetAmount", "currency", "CHF"),
        "rule.currency-mismatch",
        at="/cl:NetAmount",
    ),
    case(
        "decision-date-in-future",
        "BenefitDecision",
        set_text("cl:DecisionDate", "2026-12-20"),
        "rule.decision-date-in-future",
        at="/cl:DecisionDate",
    ),
    case(
        "appeal-deadline-before-decision",
        "BenefitDecision-refused",
        set_text("cl:Appeal/cl:DeadlineDate", "2026-10-30"),
        "rule.appeal-deadline-before-decision",
        at="/cl:Appeal/cl:DeadlineDate",
    ),
    case(
        "pro-rata-above-one",
        "BenefitDecision",
        set_text("cl:ProRata/cl:Numerator", "176.01"),
        "rule.pro-rata-above-one",
        at="/cl:ProRata",
    ),
    # Coverage
    case(
        "sending-equals-host-country",
        "CoverageRequest",
        both(set_text("cv:Kind", "exception-agreement"), set_text("cv:HostCountry", "FR")),
        "rule.sending-equals-host-country",
        at="/cv:HostCountry",
    ),
    case(
        "sending-equals-host-country-two-spellings",
        "CoverageRequest",
        both(
            set_text("cv:Kind", "multi-state-activity"),
            set_text("cv:SendingCountry", "GB"),
            set_text("cv:HostCountry", "UK"),
        ),
        "rule.sending-equals-host-country",
        at="/cv:HostCountry",
    ),
    case(
        "posting-without-end-requested",
        "CoverageRequest",
        remove("cv:RequestedPeriod/c:End"),
        "rule.posting-without-end",
        at="/cv:RequestedPeriod",
    ),
    case(
        "posting-without-end-certified",
        "CoverageCertificate",
        remove("cv:Period/c:End | cv:RequestedPeriod"),
        "rule.posting-without-end",
        at="/cv:Period",
    ),
    case(
        "work-address-outside-host-country",
        "CoverageRequest",
        set_text("cv:WorkAddress[1]/c:Country", "DZ"),
        "rule.work-address-outside-host-country",
        at="/cv:WorkAddress[1]/c:Country",
    ),
    case(
        "certificate-starts-before-requested-period",
        "CoverageCertificate",
        set_text("cv:Period/c:Start", "2027-01-01"),
        "rule.certificate-outside-requested-period",
        at="/cv:Period",
    ),
    case(
        "certificate-open-ended-beyond-requested-end",
        "CoverageCertificate",
        both(set_text("cv:Kind", "multi-state-activity"), remove("cv:Period/c:End")),
        "rule.certificate-outside-requested-period",
        at="/cv:Period",
    ),
    case(
        "issuer-country-mismatch",
        "CoverageCertificate",
        set_text("cv:IssuingInstitution", "TN:CNSS"),
        "rule.issuer-country-mismatch",
        at="/cv:IssuingInstitution",
    ),
    case(
        "previous-decision-date-missing",
        "CoverageCertificate-amending",
        remove("cv:PreviousDecisionDate"),
        "rule.previous-decision-date-missing",
        at="/cv:DecisionKind",
    ),
    case(
        "previous-decision-date-unexpected",
        "CoverageCertificate",
        add_after(
            "cv:DecisionKind", "<cv:PreviousDecisionDate>2025-01-10</cv:PreviousDecisionDate>"
        ),
        "rule.previous-decision-date-unexpected",
        at="/cv:PreviousDecisionDate",
    ),
    case(
        "previous-decision-not-before-issue",
        "CoverageCertificate-amending",
        set_text("cv:PreviousDecisionDate", "2026-11-02"),
        "rule.previous-decision-not-before-issue",
        at="/cv:PreviousDecisionDate",
    ),
    case(
        "issue-date-in-future",
        "CoverageCertificate",
        set_text("cv:IssuedOn", "2026-12-23"),
        "rule.issue-date-in-future",
        at="/cv:IssuedOn",
    ),
    case(
        "decision-date-in-future-refusal",
        "CoverageRefusal",
        set_text("cv:DecidedOn", "2027-02-16"),
        "rule.decision-date-in-future",
        at="/cv:DecidedOn",
    ),
    case(
        "withdrawal-too-far-ahead",
        "CoverageWithdrawal",
        set_text("cv:WithdrawnFrom", "2027-02-27"),
        "rule.withdrawal-too-far-ahead",
        at="/cv:WithdrawnFrom",
    ),
    # Case-level
    case(
        "message-id-nil",
        "Reminder",
        set_text("k:RemindedMessageId", "00000000-0000-0000-0000-000000000000"),
        "rule.message-id-nil",
        at="/k:RemindedMessageId",
    ),
    # Technical
    case(
        "reason-missing-receipt",
        "Receipt-rejected",
        remove("t:Reason"),
        "rule.reason-missing",
        at="/t:Outcome",
    ),
    case(
        "reason-unexpected",
        "Receipt-rejected",
        set_text("t:Outcome", "accepted"),
        "rule.reason-unexpected",
        at="/t:Reason",
    ),
    case(
        "digest-length-mismatch-receipt",
        "Receipt",
        set_attribute("t:ReceivedDigest", "algorithm", "sha-384"),
        "rule.digest-length-mismatch",
        at="/t:ReceivedDigest",
    ),
    case(
        "digest-length-mismatch-rejection",
        "Rejection",
        set_attribute("t:ReceivedDigest", "algorithm", "sha-256"),
        "rule.digest-length-mismatch",
        at="/t:ReceivedDigest",
    ),
    case(
        "timestamp-in-future-receipt",
        "Receipt",
        set_text("t:ReceivedAt", "2026-11-27T03:00:00Z"),
        "rule.timestamp-in-future",
        at="/t:ReceivedAt",
    ),
    case(
        "timestamp-in-future-rejection",
        "Rejection",
        set_text("t:RejectedAt", "2027-11-24T11:40:03Z"),
        "rule.timestamp-in-future",
        at="/t:RejectedAt",
    ),
]


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_rule_reports_issue(failing: mutations.Case) -> None:
    document_type, root = _load(failing.example, failing.mutation)
    issues = rules.check(document_type, root, today=TODAY)
    assert [issue.code for issue in issues] == list(failing.codes), [str(i) for i in issues]
    issue = issues[0]
    assert issue.path is not None and issue.path.endswith(failing.at), issue.path
    located = mutations.select(root.getroottree().getroot(), issue.path)
    assert issue.line == located[0].sourceline


PASSING = [
    case(
        "claim-date-tomorrow-may-already-be-today-elsewhere",
        "InsurancePeriodsRequest",
        set_text("p:ClaimDate", "2026-11-26"),
        at="",
    ),
    case(
        "iso-spellings-accepted",
        "InsurancePeriodsRequest",
        both(
            set_text("p:Person/c:Nationality", "GB"),
            set_attribute(f"{_REQUEST_PIN}[2]", "country", "GB"),
            set_attribute(f"{_REQUEST_PIN}[2]", "issuingInstitution", "UK:DWP0001"),
        ),
        at="",
    ),
    case(
        "pins-of-one-country-for-different-sectors",
        "InsurancePeriodsRequest",
        add_after(
            f"{_REQUEST_PIN}[1]",
            '<c:PersonalIdentificationNumber country="DE" sector="sickness">'
            "M123456789</c:PersonalIdentificationNumber>",
        ),
        at="",
    ),
    case(
        "same-institution-different-kinds-overlap",
        "InsurancePeriodsReply",
        both(
            set_text(f"{_PERIOD}[5]/p:Kind", "child-raising"),
            set_text(f"{_PERIOD}[5]/p:Start", "2013-06-01"),
            set_text(f"{_PERIOD}[5]/p:End", "2016-05-31"),
            set_text(f"{_PERIOD}[5]/p:Duration", "36"),
            remove(f"{_PERIOD}[5]/p:Earnings"),
        ),
        at="",
    ),
    case(
        "period-after-an-unknown-end",
        "InsurancePeriodsReply",
        add_after(f"{_PERIOD}[9]", _IN_PERIOD.format(start="2009-06-01")),
        at="",
    ),
    case(
        "adjacent-periods-of-one-institution",
        "InsurancePeriodsReply",
        add_after(
            f"{_PERIOD}[9]",
            _OPEN_DE_PERIOD.format(
                start="2012-01-01", end="2012-12-31", kind="employment", months=12
            ),
        ),
        at="",
    ),
    case(
        "greek-institution-in-either-spelling",
        "InsurancePeriodsReply",
        both(
            set_text(f"{_PERIOD}[3]/p:Country", "GR"),
            set_text(f"{_PERIOD}[3]/p:Institution", "EL:EFKA0001"),
        ),
        at="",
    ),
    case(
        "duration-in-days-fills-span",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{_PERIOD}[2]/p:Duration", "unit", "days"),
            set_text(f"{_PERIOD}[2]/p:Duration", "457"),
        ),
        at="",
    ),
    case(
        "duration-in-weeks-counts-partial-weeks",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{_PERIOD}[1]/p:Duration", "unit", "weeks"),
            set_text(f"{_PERIOD}[1]/p:Duration", "148"),
        ),
        at="",
    ),
    case(
        "duration-in-mixed-units-within-span",
        "InsurancePeriodsReply",
        both(
            set_text(f"{_PERIOD}[2]/p:Duration", "14"),
            add_after(f"{_PERIOD}[2]/p:Duration", '<p:Duration unit="days">30</p:Duration>'),
        ),
        at="",
    ),
    case(
        "duration-of-unknown-end-not-checked",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[7]/p:Duration[1]", "999"),
        at="",
    ),
    case(
        "open-ended-duration-up-to-today",
        "InsurancePeriodsReply",
        set_text(f"{_PERIOD}[9]/p:Duration", "167"),
        at="",
    ),
    case(
        "no-periods-for-other-reason-with-remarks",
        "InsurancePeriodsReply-none",
        set_text("p:NoPeriodsFound/p:Reason", "other"),
        at="",
    ),
    case(
        "survivors-claim-on-the-day-of-death",
        "BenefitClaim-survivors",
        set_text("cl:ClaimDate", "2026-08-02"),
        at="",
    ),
    case(
        "iban-public-example",
        "BenefitClaim",
        set_text("cl:PaymentAccount/cl:Iban", "GB82WEST12345698765432"),
        at="",
    ),
    case(
        "account-number-where-there-is-no-iban",
        "BenefitClaim",
        both(
            remove("cl:PaymentAccount/cl:Iban | cl:PaymentAccount/cl:Bic"),
            insert_first(
                "cl:PaymentAccount",
                "<cl:AccountNumber>50100123456789</cl:AccountNumber><cl:Bic>HDFCINBB</cl:Bic>",
            ),
        ),
        at="",
    ),
    case(
        "decision-expected-on-the-day-of-receipt",
        "BenefitClaimAcknowledgement",
        set_text("cl:ExpectedDecisionBy", "2026-09-18"),
        at="",
    ),
    case(
        "net-equals-gross",
        "BenefitDecision",
        set_text("cl:NetAmount", "412.37"),
        at="",
    ),
    case(
        "pro-rata-of-one",
        "BenefitDecision",
        set_text("cl:ProRata/cl:Numerator", "176"),
        at="",
    ),
    case(
        "appeal-deadline-the-day-after",
        "BenefitDecision-refused",
        set_text("cl:Appeal/cl:DeadlineDate", "2026-10-31"),
        at="",
    ),
    case(
        "multi-state-activity-may-be-open-and-elsewhere",
        "CoverageRequest",
        both(
            set_text("cv:Kind", "multi-state-activity"),
            remove("cv:RequestedPeriod/c:End"),
            set_text("cv:WorkAddress[2]/c:Country", "DZ"),
        ),
        at="",
    ),
    case(
        "certificate-shorter-than-requested",
        "CoverageCertificate",
        set_text("cv:Period/c:End", "2028-06-30"),
        at="",
    ),
    case(
        "certificate-without-request",
        "CoverageCertificate",
        remove("cv:RequestedPeriod"),
        at="",
    ),
    case(
        "withdrawal-at-the-end-of-the-notice",
        "CoverageWithdrawal",
        set_text("cv:WithdrawnFrom", "2027-02-26"),
        at="",
    ),
    case(
        "withdrawal-in-the-past",
        "CoverageWithdrawal",
        both(set_text("cv:WithdrawnFrom", "2025-04-01"), set_text("cv:Reason", "fraud")),
        at="",
    ),
    case(
        "closure-for-another-reason-with-text",
        "CaseClosure",
        set_text("k:Reason", "other"),
        at="",
    ),
    case(
        "closure-without-text",
        "CaseClosure",
        both(set_text("k:Reason", "completed"), remove("k:Text")),
        at="",
    ),
    case(
        "forward-for-another-reason-with-text",
        "CaseForward",
        set_text("k:Reason", "other"),
        at="",
    ),
    case(
        "forward-to-a-greek-institution-in-either-spelling",
        "CaseForward",
        set_text("k:CompetentInstitution", "GR:EFKA0001"),
        at="",
    ),
    case(
        "reminder-without-text",
        "Reminder",
        remove("k:Text"),
        at="",
    ),
    case(
        "timestamp-tomorrow-is-tolerated",
        "Receipt",
        set_text("t:ReceivedAt", "2026-11-27T00:30:00+02:00"),
        at="",
    ),
    case(
        "other-reason-with-text",
        "Receipt-rejected",
        set_text("t:Reason/t:Code", "other"),
        at="",
    ),
]


@pytest.mark.parametrize("passing", [pytest.param(c, id=c.name) for c in PASSING])
def test_rule_accepts_boundary_case(passing: mutations.Case) -> None:
    document_type, root = _load(passing.example, passing.mutation)
    assert rules.check(document_type, root, today=TODAY) == []


def _rule_codes_in_source() -> set[str]:
    codes: set[str] = set()
    for module in RULES_DIR.glob("*.py"):
        codes.update(re.findall(r'"(rule\.[a-z0-9-]+)"', module.read_text(encoding="utf-8")))
    return codes


def test_every_rule_code_is_tested() -> None:
    # The rules for 2.0's new content are tested beside its examples, each of those files
    # checking that every code it names has a failing case there.
    tested = {code for failing in FAILING for code in failing.codes}
    for path in Path(__file__).parent.glob("test_v2_*.py"):
        tested |= set(re.findall(r'"(rule\.[a-z0-9-]+)"', path.read_text(encoding="utf-8")))
    assert _rule_codes_in_source() == tested


def test_rule_codes_are_kebab_case() -> None:
    for code in _rule_codes_in_source():
        assert re.fullmatch(r"rule\.[a-z0-9]+(-[a-z0-9]+)*", code), code


_PERSONAL = (
    ".//c:FamilyName | .//c:Forename | .//c:BirthName | .//c:BirthDate"
    " | .//c:PersonalIdentificationNumber | .//c:Street | .//cl:DeathDate"
    " | .//cl:Iban | .//cl:AccountNumber | .//cl:AccountHolder"
)


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_messages_quote_no_personal_data(failing: mutations.Case) -> None:
    document_type, root = _load(failing.example, failing.mutation)
    personal = {(element.text or "").strip() for element in _select_all(root, _PERSONAL)}
    for issue in rules.check(document_type, root, today=TODAY):
        for value in personal - {""}:
            assert value not in issue.message, (issue.code, issue.message)


def _select_all(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path, namespaces=mutations.NS)
    assert isinstance(found, list)
    return [element for element in found if isinstance(element, etree._Element)]


def test_iban_check_digits() -> None:
    assert iban_is_valid("GB82WEST12345698765432")
    assert iban_is_valid("DE87701500001002345678")
    assert not iban_is_valid("GB28WEST12345698765432")
    assert not iban_is_valid("DE87701500001002345687")


@pytest.mark.parametrize(
    ("example", "branches"),
    [
        ("InsurancePeriodsRequest", {Branch.OLD_AGE, Branch.SURVIVORS}),
        ("InsurancePeriodsReply", {Branch.OLD_AGE, Branch.SURVIVORS}),
        ("InsurancePeriodsReply-none", {Branch.OLD_AGE}),
        ("BenefitClaim", {Branch.OLD_AGE}),
        ("BenefitClaim-survivors", {Branch.SURVIVORS}),
        ("BenefitClaimAcknowledgement", {Branch.OLD_AGE}),
        ("BenefitDecision", {Branch.OLD_AGE}),
        ("BenefitDecision-refused", {Branch.INVALIDITY}),
        ("CoverageRequest", set()),
        ("CoverageCertificate", set()),
        ("CoverageRefusal", set()),
        ("CoverageWithdrawal", set()),
        ("CaseClosure", set()),
        ("Reminder", set()),
        ("CaseForward", set()),
        ("Receipt", set()),
        ("Rejection", set()),
    ],
)
def test_document_branches(example: str, branches: set[Branch]) -> None:
    document_type, root = _load(example)
    assert rules.document_branches(document_type, root) == frozenset(branches)


def test_early_old_age_concerns_the_old_age_branch() -> None:
    document_type, root = _load("BenefitClaim", set_text("cl:BenefitKind", "early-old-age"))
    assert rules.document_branches(document_type, root) == {Branch.OLD_AGE}


def test_check_refuses_a_root_of_another_type() -> None:
    _, root = _load("BenefitClaim")
    with pytest.raises(ValueError, match="BenefitDecision"):
        rules.check(DocumentType.BENEFIT_DECISION, root, today=TODAY)


def test_check_reads_only_the_document_inside_a_wrapper() -> None:
    """In an envelope, the rules see the document and nothing around it."""
    _, good = _load("CoverageRequest")
    _, bad = _load("CoverageRequest", set_text("cv:HostCountry", "QQ"))
    envelope = etree.Element("{urn:ssgw:envelope:1}Envelope", nsmap={"env": "urn:ssgw:envelope:1"})
    body = etree.SubElement(envelope, "{urn:ssgw:envelope:1}Body")
    body.append(good)
    envelope.append(bad)
    assert rules.check(DocumentType.COVERAGE_REQUEST, good, today=TODAY) == []
    issues = rules.check(DocumentType.COVERAGE_REQUEST, bad, today=TODAY)
    assert [issue.code for issue in issues] == ["rule.country-unknown"]
    assert issues[0].path == "/env:Envelope/cv:CoverageRequest/cv:HostCountry"
