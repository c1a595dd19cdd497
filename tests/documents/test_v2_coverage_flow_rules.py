"""The purposes of the applicable-legislation flows in documents of schema 2.0: a refusal is
sent as a disagreement, an objection or an exception's refusal, each about its own kind; an
exception's acceptance certifies the whole period asked for, a partial acceptance less. A
document under a United States agreement involves the United States, and its certificate of
coverage carries its number."""

from __future__ import annotations

import document_mutations as mutations
import pytest
from document_mutations import both, case, insert_first, remove, set_text

from documents.coverage_periods_v2 import load_valid
from documents.rule_cases import TODAY
from gateway.documents import rules

_ACCEPTANCE = "CoverageCertificate-us"
_AS_EXCEPTION = both(
    set_text("cv:Kind", "exception-agreement"),
    set_text("cv:LegalBasisCode", "us-totalization-exception"),
)


def _purpose(value: str) -> mutations.Mutation:
    return insert_first(".", f'<cv:Purpose xmlns:cv="urn:ssgw:coverage:1">{value}</cv:Purpose>')


FAILING = [
    case(
        "refusal-sent-as-a-notification",
        "CoverageRefusal-exception",
        _purpose("posting-notification"),
        "rule.purpose-contradicts-document",
        at="/cv:Purpose",
    ),
    case(
        "objection-to-an-exception",
        "CoverageRefusal-exception",
        _purpose("objection"),
        "rule.purpose-contradicts-kind",
        at="/cv:Purpose",
    ),
    case(
        "disagreement-about-an-exception",
        "CoverageRefusal-exception",
        _purpose("disagreement"),
        "rule.purpose-contradicts-kind",
        at="/cv:Purpose",
    ),
    case(
        "definitive-determination-of-a-posting",
        "CoverageCertificate-posting-notification",
        set_text("cv:Purpose", "definitive-determination"),
        "rule.purpose-contradicts-kind",
        at="/cv:Purpose",
    ),
    case(
        "acceptance-of-less-than-asked",
        _ACCEPTANCE,
        both(
            _AS_EXCEPTION,
            set_text("cv:Purpose", "exception-acceptance"),
            set_text("cv:Period/c:End", "2029-08-31"),
        ),
        "rule.acceptance-not-whole-period",
        at="/cv:Period",
    ),
    case(
        "partial-acceptance-of-all-asked",
        _ACCEPTANCE,
        both(_AS_EXCEPTION, set_text("cv:Purpose", "exception-partial-acceptance")),
        "rule.partial-acceptance-whole-period",
        at="/cv:Period",
    ),
    case(
        "us-certificate-without-number",
        "CoverageCertificate-us",
        remove("cv:CertificateNumber"),
        "rule.us-certificate-number-missing",
        at="",
    ),
    case(
        "us-provision-between-poland-and-germany",
        "CoverageCertificate-posting-notification",
        set_text("cv:LegalBasisCode", "us-totalization-detached"),
        "rule.us-provision-without-us",
        "rule.us-certificate-number-missing",
        at="/cv:LegalBasisCode",
    ),
    case(
        "us-request-between-sweden-and-norway",
        "CoverageRequest-exception",
        set_text("cv:LegalBasisCode", "us-totalization-exception"),
        "rule.us-provision-without-us",
        at="/cv:LegalBasisCode",
    ),
]

PASSING = [
    case(
        "us-certificate-the-other-way",
        "CoverageCertificate-us",
        both(
            set_text("cv:ApplicableLegislation", "DE"),
            set_text("cv:HostCountry", "US"),
            set_text("cv:IssuingInstitution", "DE:DRV70001"),
        ),
        at="",
    ),
    case("us-request", "CoverageRequest-us", set_text("cv:LocalCaseNumber", "OIP-1"), at=""),
    case(
        "exception-refused",
        "CoverageRefusal-exception",
        _purpose("exception-refusal"),
        at="",
    ),
    case(
        "acceptance-of-all-asked",
        _ACCEPTANCE,
        both(_AS_EXCEPTION, set_text("cv:Purpose", "exception-acceptance")),
        at="",
    ),
    case(
        "partial-acceptance-of-less",
        _ACCEPTANCE,
        both(
            _AS_EXCEPTION,
            set_text("cv:Purpose", "exception-partial-acceptance"),
            set_text("cv:Period/c:Start", "2027-01-01"),
        ),
        at="",
    ),
    case(
        "definitive-determination",
        "CoverageCertificate-multi-state",
        set_text("cv:Purpose", "definitive-determination"),
        at="",
    ),
]


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_rule_refuses_mutated_example(failing: mutations.Case) -> None:
    root = load_valid(failing.example, failing.mutation)
    issues = rules.check(mutations.document_type_of(root), root, today=TODAY)
    assert [issue.code for issue in issues] == list(failing.codes), [str(i) for i in issues]
    assert issues[0].path is not None and issues[0].path.endswith(failing.at), issues[0].path


@pytest.mark.parametrize("passing", [pytest.param(c, id=c.name) for c in PASSING])
def test_rule_accepts_variant(passing: mutations.Case) -> None:
    root = load_valid(passing.example, passing.mutation)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []
