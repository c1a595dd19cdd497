"""Invalid variants of the example documents, each with how it must be refused: the variant
types, and the variants of insurance-periods and benefit-claim documents."""

from __future__ import annotations

from dataclasses import dataclass

from document_mutations import Mutation, add_after, both, remove, set_attribute, set_text

from gateway.documents._catalogue import DocumentType


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


VARIANTS_OF_PERIODS_AND_CLAIMS = [
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
]
