"""Business rules: each code is reported where it should be, and only there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, insert_first, remove, set_attribute, set_text
from lxml import etree

from documents.failing_claims_coverage import FAILING_CLAIMS_AND_COVERAGE
from documents.failing_person_periods import FAILING_PERSON_AND_PERIODS
from documents.rule_cases import (
    IN_PERIOD,
    OPEN_DE_PERIOD,
    PERIOD,
    REQUEST_PIN,
    RULES_DIR,
    TODAY,
    load,
)
from gateway.codes import Branch
from gateway.documents import rules
from gateway.documents._catalogue import DocumentType
from gateway.documents.rules._claims import iban_is_valid

FAILING = [*FAILING_PERSON_AND_PERIODS, *FAILING_CLAIMS_AND_COVERAGE]


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_rule_reports_issue(failing: mutations.Case) -> None:
    document_type, root = load(failing.example, failing.mutation)
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
            set_attribute(f"{REQUEST_PIN}[2]", "country", "GB"),
            set_attribute(f"{REQUEST_PIN}[2]", "issuingInstitution", "UK:DWP0001"),
        ),
        at="",
    ),
    case(
        "pins-of-one-country-for-different-sectors",
        "InsurancePeriodsRequest",
        add_after(
            f"{REQUEST_PIN}[1]",
            '<c:PersonalIdentificationNumber country="DE" sector="sickness">'
            "M123456789</c:PersonalIdentificationNumber>",
        ),
        at="",
    ),
    case(
        "same-institution-different-kinds-overlap",
        "InsurancePeriodsReply",
        both(
            set_text(f"{PERIOD}[5]/p:Kind", "child-raising"),
            set_text(f"{PERIOD}[5]/p:Start", "2013-06-01"),
            set_text(f"{PERIOD}[5]/p:End", "2016-05-31"),
            set_text(f"{PERIOD}[5]/p:Duration", "36"),
            remove(f"{PERIOD}[5]/p:Earnings"),
        ),
        at="",
    ),
    case(
        "period-after-an-unknown-end",
        "InsurancePeriodsReply",
        add_after(f"{PERIOD}[9]", IN_PERIOD.format(start="2009-06-01")),
        at="",
    ),
    case(
        "adjacent-periods-of-one-institution",
        "InsurancePeriodsReply",
        add_after(
            f"{PERIOD}[9]",
            OPEN_DE_PERIOD.format(
                start="2012-01-01", end="2012-12-31", kind="employment", months=12
            ),
        ),
        at="",
    ),
    case(
        "greek-institution-in-either-spelling",
        "InsurancePeriodsReply",
        both(
            set_text(f"{PERIOD}[3]/p:Country", "GR"),
            set_text(f"{PERIOD}[3]/p:Institution", "EL:EFKA0001"),
        ),
        at="",
    ),
    case(
        "duration-in-days-fills-span",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{PERIOD}[2]/p:Duration", "unit", "days"),
            set_text(f"{PERIOD}[2]/p:Duration", "457"),
        ),
        at="",
    ),
    case(
        "duration-in-weeks-counts-partial-weeks",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{PERIOD}[1]/p:Duration", "unit", "weeks"),
            set_text(f"{PERIOD}[1]/p:Duration", "148"),
        ),
        at="",
    ),
    case(
        "duration-in-mixed-units-within-span",
        "InsurancePeriodsReply",
        both(
            set_text(f"{PERIOD}[2]/p:Duration", "14"),
            add_after(f"{PERIOD}[2]/p:Duration", '<p:Duration unit="days">30</p:Duration>'),
        ),
        at="",
    ),
    case(
        "duration-of-unknown-end-not-checked",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[7]/p:Duration[1]", "999"),
        at="",
    ),
    case(
        "open-ended-duration-up-to-today",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[9]/p:Duration", "167"),
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
    document_type, root = load(passing.example, passing.mutation)
    assert rules.check(document_type, root, today=TODAY) == []


def _rule_codes_in_source() -> set[str]:
    """Every string literal of the rule modules that starts ``rule.``, however it is spelled,
    so that a code the kebab-case rule would refuse is seen too."""
    return {
        node.value
        for module in RULES_DIR.glob("*.py")
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("rule.")
    }


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
    document_type, root = load(failing.example, failing.mutation)
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
    document_type, root = load(example)
    assert rules.document_branches(document_type, root) == frozenset(branches)


def test_early_old_age_concerns_the_old_age_branch() -> None:
    document_type, root = load("BenefitClaim", set_text("cl:BenefitKind", "early-old-age"))
    assert rules.document_branches(document_type, root) == {Branch.OLD_AGE}


def test_check_refuses_a_root_of_another_type() -> None:
    _, root = load("BenefitClaim")
    with pytest.raises(ValueError, match="BenefitDecision"):
        rules.check(DocumentType.BENEFIT_DECISION, root, today=TODAY)


def test_check_reads_only_the_document_inside_a_wrapper() -> None:
    """In an envelope, the rules see the document and nothing around it."""
    _, good = load("CoverageRequest")
    _, bad = load("CoverageRequest", set_text("cv:HostCountry", "QQ"))
    envelope = etree.Element("{urn:ssgw:envelope:1}Envelope", nsmap={"env": "urn:ssgw:envelope:1"})
    body = etree.SubElement(envelope, "{urn:ssgw:envelope:1}Body")
    body.append(good)
    envelope.append(bad)
    assert rules.check(DocumentType.COVERAGE_REQUEST, good, today=TODAY) == []
    issues = rules.check(DocumentType.COVERAGE_REQUEST, bad, today=TODAY)
    assert [issue.code for issue in issues] == ["rule.country-unknown"]
    assert issues[0].path == "/env:Envelope/cv:CoverageRequest/cv:HostCountry"
