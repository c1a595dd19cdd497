"""The example documents: every one is valid, and mutations of them are rejected precisely."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily, DocumentType

TODAY = datetime.date(2026, 11, 25)
EXAMPLES = SCHEMA_DIR / "examples"
NS = {
    "c": "urn:ssgw:common:1",
    "p": DocumentFamily.PERIODS.namespace,
    "cl": DocumentFamily.CLAIMS.namespace,
    "cv": DocumentFamily.COVERAGE.namespace,
    "t": DocumentFamily.TECHNICAL.namespace,
    "k": DocumentFamily.CASE.namespace,
}
_FAMILY_NAMESPACES = {family.namespace for family in DocumentFamily}


@functools.cache
def _schema(family: DocumentFamily) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(family.schema_path("1.0"))))


def _document_examples() -> list[Path]:
    return [
        path
        for path in sorted(EXAMPLES.glob("*.xml"))
        if etree.QName(etree.parse(str(path)).getroot()).namespace in _FAMILY_NAMESPACES
    ]


def _document_type(root: etree._Element) -> DocumentType:
    document_type = DocumentType.from_qualified_name(etree.QName(root).text)
    assert document_type is not None, root.tag
    return document_type


@pytest.mark.parametrize("path", _document_examples(), ids=lambda path: path.stem)
def test_example_is_valid(path: Path) -> None:
    tree = etree.parse(str(path))
    document_type = _document_type(tree.getroot())
    schema = _schema(document_type.family)
    assert schema.validate(tree), [str(error) for error in schema.error_log]
    assert rules.check(document_type, tree.getroot(), today=TODAY) == []


@pytest.mark.parametrize("path", _document_examples(), ids=lambda path: path.stem)
def test_example_is_named_after_its_root(path: Path) -> None:
    root_name = etree.QName(etree.parse(str(path)).getroot()).localname
    assert path.stem.partition("-")[0] == root_name


@pytest.mark.parametrize("document_type", DocumentType, ids=lambda t: t.root_name)
def test_every_document_type_has_an_example(document_type: DocumentType) -> None:
    path = EXAMPLES / f"{document_type.root_name}.xml"
    assert path.is_file()
    assert etree.parse(str(path)).getroot().tag == document_type.qualified_name


# Invalid variants ------------------------------------------------------------------------

Mutation = Callable[[etree._Element], None]


def _find(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, path
    element = found[0]
    assert isinstance(element, etree._Element)
    return element


def set_text(path: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _find(root, path).text = value

    return mutate


def set_attribute(path: str, name: str, value: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        _find(root, path).set(name, value)

    return mutate


def remove(path: str) -> Mutation:
    """Remove every element ``path`` selects."""

    def mutate(root: etree._Element) -> None:
        found = root.xpath(path, namespaces=NS)
        assert isinstance(found, list) and found, path
        for element in found:
            assert isinstance(element, etree._Element)
            parent = element.getparent()
            assert parent is not None
            parent.remove(element)

    return mutate


def add_after(path: str, xml: str) -> Mutation:
    """Insert an element, written with the example's prefixes, right after ``path``."""

    def mutate(root: etree._Element) -> None:
        declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
        wrapper = etree.fromstring(f"<wrapper {declarations}>{xml}</wrapper>")
        _find(root, path).addnext(wrapper[0])

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(root: etree._Element) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate


@dataclass(frozen=True)
class SchemaError:
    """lxml reports ``type_name`` on the line of the element ``at`` selects."""

    type_name: str
    at: str


@dataclass(frozen=True)
class RuleIssue:
    """The rules report exactly one issue, ``code``, whose path ends with ``at``."""

    code: str
    at: str


@dataclass(frozen=True)
class Variant:
    """An example, how to break it, and how the break must be reported."""

    example: str
    mutation: Mutation
    expected: SchemaError | RuleIssue
    name: str

    @property
    def document_type(self) -> DocumentType:
        return DocumentType.from_root_name(self.example.partition("-")[0])


def variant(
    example: str, mutation: Mutation, expected: SchemaError | RuleIssue, name: str
) -> Variant:
    return Variant(example, mutation, expected, f"{example}:{name}")


VARIANTS = [
    # InsurancePeriodsRequest
    variant(
        "InsurancePeriodsRequest",
        remove("p:Branch"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "p:ClaimDate"),
        "no-branch",
    ),
    variant(
        "InsurancePeriodsRequest",
        set_text("p:Branch[2]", "old-age"),
        SchemaError("SCHEMAV_CVC_IDC", "p:Branch[2]"),
        "branch-twice",
    ),
    variant(
        "InsurancePeriodsRequest",
        set_attribute(".", "schemaVersion", "1.1"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "."),
        "unsupported-version",
    ),
    variant(
        "InsurancePeriodsRequest",
        set_text("p:ClaimDate", "2030-01-01"),
        RuleIssue("rule.claim-date-in-future", "/p:ClaimDate"),
        "claim-date-in-future",
    ),
    variant(
        "InsurancePeriodsRequest",
        set_attribute("p:Person/c:PersonalIdentificationNumber[2]", "country", "XF"),
        RuleIssue("rule.pin-country-unknown", "/c:PersonalIdentificationNumber[2]"),
        "pin-country-unknown",
    ),
    # InsurancePeriodsReply
    variant(
        "InsurancePeriodsReply",
        add_after("p:Periods/p:InsurancePeriod[1]/p:End", "<p:EndUnknown/>"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "p:Periods/p:InsurancePeriod[1]/p:EndUnknown"),
        "end-and-end-unknown",
    ),
    variant(
        "InsurancePeriodsReply",
        set_text("p:Periods/p:InsurancePeriod[3]/p:Kind", "apprenticeship"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "p:Periods/p:InsurancePeriod[3]/p:Kind"),
        "unknown-period-kind",
    ),
    variant(
        "InsurancePeriodsReply",
        set_attribute("p:Periods/p:InsurancePeriod[7]/p:Duration[2]", "unit", "months"),
        SchemaError("SCHEMAV_CVC_IDC", "p:Periods/p:InsurancePeriod[7]/p:Duration[2]"),
        "duration-unit-twice",
    ),
    variant(
        "InsurancePeriodsReply",
        set_text("p:Periods/p:InsurancePeriod[1]/p:End", "1977-08-31"),
        RuleIssue("rule.period-end-before-start", "/p:InsurancePeriod[1]/p:End"),
        "end-before-start",
    ),
    variant(
        "InsurancePeriodsReply",
        both(
            set_text("p:Periods/p:InsurancePeriod[2]/p:Kind", "education"),
            set_text("p:Periods/p:InsurancePeriod[2]/p:Start", "1980-06-01"),
        ),
        RuleIssue("rule.periods-overlap-same-institution", "/p:InsurancePeriod[2]"),
        "overlap-same-institution",
    ),
    variant(
        "InsurancePeriodsReply",
        set_text("p:Periods/p:InsurancePeriod[4]/p:Duration", "33"),
        RuleIssue("rule.duration-exceeds-span", "/p:InsurancePeriod[4]/p:Duration"),
        "duration-exceeds-span",
    ),
    variant(
        "InsurancePeriodsReply",
        set_text("p:Periods/p:InsurancePeriod[6]/p:Institution", "FR:CNAV"),
        RuleIssue("rule.institution-country-mismatch", "/p:InsurancePeriod[6]"),
        "institution-of-another-country",
    ),
    variant(
        "InsurancePeriodsReply-none",
        both(set_text("p:NoPeriodsFound/p:Reason", "other"), remove("p:Remarks")),
        RuleIssue("rule.remarks-missing", "/p:NoPeriodsFound/p:Reason"),
        "other-reason-unexplained",
    ),
    # BenefitClaim
    variant(
        "BenefitClaim",
        set_text("cl:PaymentAccount/cl:Iban", "DE87 7015 0000 1002 3456 78"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "cl:PaymentAccount/cl:Iban"),
        "iban-with-spaces",
    ),
    variant(
        "BenefitClaim",
        remove("cl:OtherInsuranceCountries"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cl:LocalCaseNumber"),
        "no-other-countries",
    ),
    variant(
        "BenefitClaim",
        set_text("cl:PaymentAccount/cl:Iban", "DE88701500001002345678"),
        RuleIssue("rule.iban-checksum-invalid", "/cl:PaymentAccount/cl:Iban"),
        "iban-checksum",
    ),
    variant(
        "BenefitClaim-survivors",
        remove("cl:DeceasedPerson"),
        RuleIssue("rule.deceased-person-missing", "/cl:BenefitKind"),
        "survivors-without-deceased",
    ),
    variant(
        "BenefitClaim-survivors",
        set_text("cl:ClaimDate", "2026-07-01"),
        RuleIssue("rule.claim-date-before-death", "/cl:ClaimDate"),
        "claim-before-death",
    ),
    # BenefitClaimAcknowledgement
    variant(
        "BenefitClaimAcknowledgement",
        remove("cl:LocalCaseNumber"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cl:ExpectedDecisionBy"),
        "no-case-number",
    ),
    variant(
        "BenefitClaimAcknowledgement",
        set_text("cl:ClaimReceivedOn", "2026-09-18+02:00"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "cl:ClaimReceivedOn"),
        "date-with-time-zone",
    ),
    variant(
        "BenefitClaimAcknowledgement",
        set_text("cl:ExpectedDecisionBy", "2026-09-01"),
        RuleIssue("rule.expected-decision-before-receipt", "/cl:ExpectedDecisionBy"),
        "decision-expected-before-receipt",
    ),
    variant(
        "BenefitClaimAcknowledgement",
        remove("cl:MissingInformation[2]/cl:Text"),
        RuleIssue("rule.text-missing", "/cl:MissingInformation[2]"),
        "other-without-text",
    ),
    # BenefitDecision
    variant(
        "BenefitDecision",
        remove("cl:Appeal"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cl:LocalCaseNumber"),
        "no-appeal",
    ),
    variant(
        "BenefitDecision",
        set_text("cl:Amount", "-412.37"),
        SchemaError("SCHEMAV_CVC_MININCLUSIVE_VALID", "cl:Amount"),
        "negative-amount",
    ),
    variant(
        "BenefitDecision",
        add_after("cl:Appeal/cl:DeadlineDays", "<cl:DeadlineDate>2027-01-19</cl:DeadlineDate>"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cl:Appeal/cl:DeadlineDate"),
        "two-appeal-deadlines",
    ),
    variant(
        "BenefitDecision",
        remove("cl:Amount | cl:NetAmount"),
        RuleIssue("rule.amount-missing", "/cl:Result"),
        "granted-without-amount",
    ),
    variant(
        "BenefitDecision-refused",
        remove("cl:Reason"),
        RuleIssue("rule.reason-missing", "/cl:Result"),
        "refused-without-reason",
    ),
    variant(
        "BenefitDecision",
        set_text("cl:ProRata/cl:Numerator", "177"),
        RuleIssue("rule.pro-rata-above-one", "/cl:ProRata"),
        "pro-rata-above-one",
    ),
    # CoverageRequest
    variant(
        "CoverageRequest",
        remove("cv:Employer"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cv:SendingCountry"),
        "no-activity",
    ),
    variant(
        "CoverageRequest",
        set_text("cv:HostCountry", "Tunisia"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "cv:HostCountry"),
        "country-name-not-code",
    ),
    variant(
        "CoverageRequest",
        both(set_text("cv:Kind", "multi-state-activity"), set_text("cv:HostCountry", "FR")),
        RuleIssue("rule.sending-equals-host-country", "/cv:HostCountry"),
        "sending-equals-host",
    ),
    variant(
        "CoverageRequest",
        remove("cv:RequestedPeriod/c:End"),
        RuleIssue("rule.posting-without-end", "/cv:RequestedPeriod"),
        "open-ended-posting",
    ),
    variant(
        "CoverageRequest",
        set_text("cv:WorkAddress[2]/c:Country", "DZ"),
        RuleIssue("rule.work-address-outside-host-country", "/cv:WorkAddress[2]/c:Country"),
        "work-outside-host-country",
    ),
    # CoverageCertificate
    variant(
        "CoverageCertificate",
        remove("cv:IssuingInstitution"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cv:IssuedOn"),
        "no-issuer",
    ),
    variant(
        "CoverageCertificate",
        set_text("cv:IssuingInstitution", "FR:URSSAF-PACA"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "cv:IssuingInstitution"),
        "malformed-institution-id",
    ),
    variant(
        "CoverageCertificate",
        set_text("cv:Period/c:End", "2029-06-30"),
        RuleIssue("rule.certificate-outside-requested-period", "/cv:Period"),
        "beyond-requested-period",
    ),
    variant(
        "CoverageCertificate",
        set_text("cv:DecisionKind", "amending"),
        RuleIssue("rule.previous-decision-date-missing", "/cv:DecisionKind"),
        "amending-without-previous-date",
    ),
    variant(
        "CoverageCertificate",
        set_text("cv:IssuingInstitution", "TN:CNSS"),
        RuleIssue("rule.issuer-country-mismatch", "/cv:IssuingInstitution"),
        "issuer-of-another-country",
    ),
    # CoverageRefusal
    variant(
        "CoverageRefusal",
        remove("cv:Reason"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cv:LocalCaseNumber"),
        "no-reason",
    ),
    variant(
        "CoverageRefusal",
        set_text("cv:Reason[1]/cv:Code", "too-long"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "cv:Reason[1]/cv:Code"),
        "unknown-reason-code",
    ),
    variant(
        "CoverageRefusal",
        set_text("cv:Worker/c:Sex", "divers"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "cv:Worker/c:Sex"),
        "unknown-sex-code",
    ),
    variant(
        "CoverageRefusal",
        both(set_text("cv:Reason[2]/cv:Code", "other"), remove("cv:Reason[2]/cv:Text")),
        RuleIssue("rule.text-missing", "/cv:Reason[2]"),
        "other-without-text",
    ),
    variant(
        "CoverageRefusal",
        set_text("cv:DecidedOn", "2027-02-16"),
        RuleIssue("rule.decision-date-in-future", "/cv:DecidedOn"),
        "decided-in-future",
    ),
    # CoverageWithdrawal
    variant(
        "CoverageWithdrawal",
        remove("cv:CertificateNumber"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "cv:WithdrawnFrom"),
        "no-certificate-number",
    ),
    variant(
        "CoverageWithdrawal",
        set_text("cv:Reason", "cancelled"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "cv:Reason"),
        "unknown-reason-code",
    ),
    variant(
        "CoverageWithdrawal",
        set_text("cv:WithdrawnFrom", "2027-01-04T00:00:00"),
        SchemaError("SCHEMAV_CVC_DATATYPE_VALID_1_2_1", "cv:WithdrawnFrom"),
        "date-with-time",
    ),
    variant(
        "CoverageWithdrawal",
        set_text("cv:WithdrawnFrom", "2027-06-01"),
        RuleIssue("rule.withdrawal-too-far-ahead", "/cv:WithdrawnFrom"),
        "withdrawn-from-far-ahead",
    ),
    variant(
        "CoverageWithdrawal",
        both(set_text("cv:Reason", "other"), remove("cv:Text")),
        RuleIssue("rule.text-missing", "/cv:Reason"),
        "other-without-text",
    ),
    # CaseClosure
    variant(
        "CaseClosure",
        remove("k:Reason"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "k:Text"),
        "no-reason",
    ),
    variant(
        "CaseClosure",
        set_text("k:Reason", "finished"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "k:Reason"),
        "unknown-reason-code",
    ),
    variant(
        "CaseClosure",
        both(set_text("k:Reason", "other"), remove("k:Text")),
        RuleIssue("rule.text-missing", "/k:Reason"),
        "other-without-text",
    ),
    # Reminder
    variant(
        "Reminder",
        set_text("k:RemindedMessageId", "3F2A9C14-6B0E-4D7A-9E51-C2B8A7D40F63"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "k:RemindedMessageId"),
        "uppercase-uuid",
    ),
    variant(
        "Reminder",
        set_text("k:Text", "  \n  "),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "k:Text"),
        "blank-text",
    ),
    variant(
        "Reminder",
        set_text("k:RemindedMessageId", "00000000-0000-0000-0000-000000000000"),
        RuleIssue("rule.message-id-nil", "/k:RemindedMessageId"),
        "nil-message-id",
    ),
    # CaseForward
    variant(
        "CaseForward",
        remove("k:CompetentInstitution"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "k:Reason"),
        "no-competent-institution",
    ),
    variant(
        "CaseForward",
        set_text("k:CompetentInstitution", "FR:CNAV-PARIS"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "k:CompetentInstitution"),
        "malformed-institution-id",
    ),
    variant(
        "CaseForward",
        set_text("k:CompetentInstitution", "XF:CNAV"),
        RuleIssue("rule.institution-country-unknown", "/k:CompetentInstitution"),
        "institution-of-unknown-country",
    ),
    variant(
        "CaseForward",
        both(set_text("k:Reason", "other"), remove("k:Text")),
        RuleIssue("rule.text-missing", "/k:Reason"),
        "other-without-text",
    ),
    # Receipt
    variant(
        "Receipt",
        set_text("t:ReceivedMessageId", "DC635746-8D85-4D68-8F85-8000715060C4"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "t:ReceivedMessageId"),
        "uppercase-uuid",
    ),
    variant(
        "Receipt",
        set_text("t:ReceivedAt", "2026-11-24T09:14:07"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "t:ReceivedAt"),
        "time-without-zone",
    ),
    variant(
        "Receipt",
        set_attribute("t:ReceivedDigest", "algorithm", "md5"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "t:ReceivedDigest"),
        "weak-digest",
    ),
    variant(
        "Receipt-rejected",
        remove("t:Reason"),
        RuleIssue("rule.reason-missing", "/t:Outcome"),
        "rejected-without-reason",
    ),
    variant(
        "Receipt",
        set_attribute("t:ReceivedDigest", "algorithm", "sha-512"),
        RuleIssue("rule.digest-length-mismatch", "/t:ReceivedDigest"),
        "digest-length",
    ),
    # Rejection
    variant(
        "Rejection",
        remove("t:Reason"),
        SchemaError("SCHEMAV_ELEMENT_CONTENT", "t:Details"),
        "no-reason",
    ),
    variant(
        "Rejection",
        set_text("t:Reason[1]/t:Code", "timeout"),
        SchemaError("SCHEMAV_CVC_ENUMERATION_VALID", "t:Reason[1]/t:Code"),
        "unknown-reason-code",
    ),
    variant(
        "Rejection",
        set_text("t:Reason[1]/t:IssueCode", "Signature.Bad"),
        SchemaError("SCHEMAV_CVC_PATTERN_VALID", "t:Reason[1]/t:IssueCode"),
        "malformed-issue-code",
    ),
    variant(
        "Rejection",
        remove("t:Reason[2]/t:Text"),
        RuleIssue("rule.text-missing", "/t:Reason[2]"),
        "other-without-text",
    ),
    variant(
        "Rejection",
        set_text("t:RejectedAt", "2027-11-24T11:40:03Z"),
        RuleIssue("rule.timestamp-in-future", "/t:RejectedAt"),
        "rejected-in-future",
    ),
]


def _mutated(example: str, mutation: Mutation) -> etree._ElementTree:
    """The example after ``mutation``, serialised and parsed again so lines are true."""
    root = etree.parse(str(EXAMPLES / f"{example}.xml")).getroot()
    mutation(root)
    return etree.fromstring(etree.tostring(root, encoding="UTF-8")).getroottree()


@pytest.mark.parametrize("case", [pytest.param(v, id=v.name) for v in VARIANTS])
def test_invalid_variant_is_rejected(case: Variant) -> None:
    tree = _mutated(case.example, case.mutation)
    root = tree.getroot()
    document_type = _document_type(root)
    assert document_type is case.document_type
    expected = case.expected
    schema = _schema(document_type.family)
    valid = schema.validate(tree)
    if isinstance(expected, SchemaError):
        assert not valid
        line = _find(root, expected.at).sourceline
        reported = [(error.type_name, error.line) for error in schema.error_log]
        assert (expected.type_name, line) in reported
        return
    assert valid, [str(error) for error in schema.error_log]
    issues = rules.check(document_type, root, today=TODAY)
    assert [issue.code for issue in issues] == [expected.code]
    assert issues[0].path is not None and issues[0].path.endswith(expected.at)
    assert issues[0].line == _find(root, issues[0].path).sourceline


def test_every_document_type_has_three_invalid_variants() -> None:
    counts = dict.fromkeys(DocumentType, 0)
    for case in VARIANTS:
        counts[case.document_type] += 1
    assert min(counts.values()) >= 3, counts


def test_variants_mix_schema_and_rule_failures() -> None:
    kinds = {(case.document_type, type(case.expected)) for case in VARIANTS}
    for document_type in DocumentType:
        assert (document_type, SchemaError) in kinds, document_type
        assert (document_type, RuleIssue) in kinds, document_type
