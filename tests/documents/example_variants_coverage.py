"""Invalid variants of the coverage, case-level and technical example documents."""

from __future__ import annotations

from document_mutations import both, remove, set_attribute, set_text

from documents.example_variants import RuleIssue, SchemaError, variant

VARIANTS_OF_COVERAGE_CASES_AND_RECEIPTS = [
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
