"""Schema 2.0 of the coverage and periods families: each rule on 2.0 content refuses a mutated
example with its own code, where, quoting no personal data, and accepts the variants it should."""

from __future__ import annotations

import re
from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, remove, replace, set_attribute, set_text

from documents.coverage_periods_v2 import (
    PERIOD_2,
    REFUSED,
    load_valid,
)
from documents.rule_cases import TODAY
from gateway.documents import rules

FAILING = [
    case(
        "purpose-contradicts-document",
        "CoverageRequest-exception",
        set_text("cv:Purpose", "posting-notification"),
        "rule.purpose-contradicts-document",
        at="/cv:Purpose",
    ),
    case(
        "purpose-contradicts-kind",
        "CoverageCertificate-posting-notification",
        set_text("cv:Purpose", "multi-state-determination"),
        "rule.purpose-contradicts-kind",
        at="/cv:Purpose",
    ),
    case(
        "legal-basis-contradicts-kind-certificate",
        "CoverageCertificate-multi-state",
        set_text("cv:LegalBasisCode[2]", "eu-12-1"),
        "rule.legal-basis-contradicts-kind",
        at="/cv:LegalBasisCode[2]",
    ),
    case(
        "legal-basis-contradicts-kind-change",
        "CoverageRequest-change-notification",
        set_text("cv:Change/cv:LegalBasisCode", "eu-13-3"),
        "rule.legal-basis-contradicts-kind",
        at="/cv:Change/cv:LegalBasisCode",
    ),
    case(
        "legal-basis-contradicts-kind-refusal",
        "CoverageRefusal-exception",
        set_text("cv:LegalBasisCode", "eu-12-2"),
        "rule.legal-basis-contradicts-kind",
        at="/cv:LegalBasisCode",
    ),
    case(
        "legal-basis-other-without-words",
        "CoverageRequest-us",
        set_text("cv:LegalBasisCode", "other"),
        "rule.text-missing",
        at="/cv:LegalBasisCode",
    ),
    case(
        "duration-of-activity-with-end",
        "CoverageCertificate-multi-state",
        add_after("cv:Period/c:Start", "<c:End>2027-12-31</c:End>"),
        "rule.open-period-marker-with-end",
        at="/cv:ForDurationOfActivity",
    ),
    case(
        "end-unknown-with-end",
        "CoverageCertificate-posting-notification",
        add_after("cv:Period", "<cv:PeriodEndUnknown/>"),
        "rule.open-period-marker-with-end",
        at="/cv:PeriodEndUnknown",
    ),
    case(
        "requested-for-duration-of-activity-with-end",
        "CoverageRequest-exception",
        add_after("cv:RequestedPeriod", "<cv:ForDurationOfActivity/>"),
        "rule.open-period-marker-with-end",
        at="/cv:ForDurationOfActivity",
    ),
    case(
        "earlier-posting-overlaps-certified-period",
        "CoverageCertificate-posting-notification",
        set_text("cv:EarlierPosting/cv:Period/c:End", "2027-01-11"),
        "rule.earlier-posting-not-before-period",
        at="/cv:EarlierPosting/cv:Period",
    ),
    case(
        "earlier-posting-still-running",
        "CoverageRequest-exception",
        remove("cv:EarlierPosting/cv:Period/c:End"),
        "rule.earlier-posting-not-before-period",
        at="/cv:EarlierPosting/cv:Period",
    ),
    case(
        "earlier-posting-after-requested-period",
        "CoverageRequest-exception",
        both(
            set_text("cv:EarlierPosting/cv:Period/c:Start", "2028-03-01"),
            set_text("cv:EarlierPosting/cv:Period/c:End", "2028-06-30"),
        ),
        "rule.earlier-posting-not-before-period",
        at="/cv:EarlierPosting/cv:Period",
    ),
    case(
        "earlier-posting-end-before-start",
        "CoverageRequest-exception",
        set_text("cv:EarlierPosting/cv:Period/c:End", "2025-02-01"),
        "rule.period-end-before-start",
        at="/cv:EarlierPosting/cv:Period/c:End",
    ),
    case(
        "flag-state-unknown",
        "CoverageCertificate-multi-state",
        set_text("cv:PlaceOfWork/cv:Ship/cv:FlagState", "QQ"),
        "rule.country-unknown",
        at="/cv:Ship/cv:FlagState",
    ),
    case(
        "current-legislation-unknown",
        "CoverageRequest-exception",
        set_text("cv:CurrentLegislation", "QQ"),
        "rule.country-unknown",
        at="/cv:CurrentLegislation",
    ),
    case(
        "proposed-legislation-unknown",
        "CoverageRefusal-exception",
        set_text("cv:ProposedLegislation", "QQ"),
        "rule.country-unknown",
        at="/cv:ProposedLegislation",
    ),
    case(
        "host-country-is-applicable-legislation",
        "CoverageCertificate-multi-state",
        set_text("cv:HostCountry", "NL"),
        "rule.host-country-is-applicable-legislation",
        at="/cv:HostCountry",
    ),
    case(
        "second-host-country-is-sending-country",
        "CoverageRequest-us",
        add_after("cv:HostCountry", "<cv:HostCountry>US</cv:HostCountry>"),
        "rule.sending-equals-host-country",
        at="/cv:HostCountry[2]",
    ),
    case(
        "place-of-work-outside-host-countries",
        "CoverageRequest-us",
        add_after(
            "cv:WorkAddress",
            "<cv:PlaceOfWork><cv:Address><c:Street>Mariahilfer Straße 1</c:Street>"
            "<c:Town>Wien</c:Town><c:Country>AT</c:Country></cv:Address></cv:PlaceOfWork>",
        ),
        "rule.work-address-outside-host-country",
        at="/cv:PlaceOfWork/cv:Address/c:Country",
    ),
    case(
        "unknown-end-without-duration",
        "InsurancePeriodsReply-unemployment",
        replace(f"{PERIOD_2}/p:End", "<p:EndUnknown/>"),
        "rule.duration-missing-for-unknown-end",
        at="/p:InsurancePeriod[2]/p:EndUnknown",
    ),
    case(
        "years-exceed-span",
        "InsurancePeriodsReply-pensions",
        set_text(f"{PERIOD_2}/p:Duration", "9"),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[2]/p:Duration",
    ),
    case(
        "relevance-outside-counts-for",
        "InsurancePeriodsReply-pensions",
        set_text("(p:Periods/p:InsurancePeriod)[4]/p:Relevance/p:Entitlement", "survivors"),
        "rule.relevance-outside-counts-for",
        at="/p:InsurancePeriod[4]/p:Relevance/p:Entitlement",
    ),
    case(
        "calculation-outside-counts-for",
        "InsurancePeriodsReply-pensions",
        add_after(
            "(p:Periods/p:InsurancePeriod)[4]/p:Relevance/p:Calculation",
            "<p:Calculation>invalidity</p:Calculation>",
        ),
        "rule.relevance-outside-counts-for",
        at="/p:InsurancePeriod[4]/p:Relevance/p:Calculation[2]",
    ),
    case(
        "end-reason-for-running-period",
        "InsurancePeriodsReply-unemployment",
        remove("(p:Periods/p:InsurancePeriod)[1]/p:End"),
        "rule.end-reason-for-running-period",
        at="/p:InsurancePeriod[1]/p:EndReason",
    ),
    case(
        "end-reason-for-running-activity",
        "InsurancePeriodsReply-unemployment",
        remove("p:Periods/p:UninsuredActivity/p:End"),
        "rule.end-reason-for-running-period",
        at="/p:UninsuredActivity/p:EndReason",
    ),
    case(
        "income-before-activity",
        "InsurancePeriodsReply-unemployment",
        set_text("p:Periods/p:UninsuredActivity/p:Income[1]/p:Period/c:Start", "2025-10-01"),
        "rule.income-outside-activity",
        at="/p:Income[1]/p:Period",
    ),
    case(
        "income-after-activity",
        "InsurancePeriodsReply-unemployment",
        remove("p:Periods/p:UninsuredActivity/p:Income[3]/p:Period/c:End"),
        "rule.income-outside-activity",
        at="/p:Income[3]/p:Period",
    ),
    case(
        "activity-end-before-start",
        "InsurancePeriodsReply-unemployment",
        both(
            set_text("p:Periods/p:UninsuredActivity/p:End", "2025-10-03"),
            remove("p:Periods/p:UninsuredActivity/p:Income"),
        ),
        "rule.period-end-before-start",
        at="/p:UninsuredActivity/p:End",
    ),
    case(
        "kind-other-without-description",
        "InsurancePeriodsReply-pensions",
        both(
            set_text(f"{PERIOD_2}/p:Kind", "other"),
            set_text("p:Periods/p:Total[2]/p:Kind", "other"),
        ),
        "rule.text-missing",
        "rule.text-missing",
        at="/p:InsurancePeriod[2]/p:Kind",
    ),
    case(
        "end-reason-other-without-text",
        "InsurancePeriodsReply-unemployment",
        set_text("(p:Periods/p:InsurancePeriod)[1]/p:EndReason/p:Code", "other"),
        "rule.text-missing",
        at="/p:InsurancePeriod[1]/p:EndReason/p:Code",
    ),
    case(
        "refusal-reason-other-without-text",
        "InsurancePeriodsReply-unemployment-right",
        replace("p:RightToBenefit", REFUSED.format(code="other")),
        "rule.text-missing",
        at="/p:RightToBenefit/p:Refused/p:Reason/p:Code",
    ),
    case(
        "right-to-benefit-outside-unemployment",
        "InsurancePeriodsReply-unemployment-right",
        set_text("p:Branch", "sickness"),
        "rule.right-to-benefit-outside-unemployment",
        at="/p:RightToBenefit",
    ),
    case(
        "employer-identifier-country-unknown",
        "InsurancePeriodsReply-unemployment",
        set_attribute("(p:Periods/p:InsurancePeriod)[1]/p:Employer/p:Identifier", "country", "QQ"),
        "rule.country-unknown",
        at="/p:Employer/p:Identifier[1]",
    ),
    case(
        "same-employer-periods-overlap",
        "InsurancePeriodsReply-unemployment",
        both(
            set_text(f"{PERIOD_2}/p:Start", "2025-03-03"),
            set_text(f"{PERIOD_2}/p:Employer/p:Name", "BRASSERIE  Vanderhaegen SA"),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[2]",
    ),
    case(
        "uninsured-activity-starts-in-future",
        "InsurancePeriodsReply-unemployment",
        both(
            set_text("p:Periods/p:UninsuredActivity/p:Start", "2027-01-04"),
            set_text("p:Periods/p:UninsuredActivity/p:End", "2027-02-27"),
            remove("p:Periods/p:UninsuredActivity/p:Income"),
        ),
        "rule.period-starts-in-future",
        at="/p:UninsuredActivity/p:Start",
    ),
    case(
        "requested-period-end-before-start",
        "InsurancePeriodsRequest-unemployment",
        set_text("p:RequestedPeriod/c:End", "2024-01-01"),
        "rule.period-end-before-start",
        at="/p:RequestedPeriod/c:End",
    ),
]

#: The rule codes the rules on 2.0 content introduce; each is refused above.
NEW_RULE_CODES = frozenset(
    {
        "rule.purpose-contradicts-document",
        "rule.purpose-contradicts-kind",
        "rule.legal-basis-contradicts-kind",
        "rule.open-period-marker-with-end",
        "rule.earlier-posting-not-before-period",
        "rule.host-country-is-applicable-legislation",
        "rule.duration-missing-for-unknown-end",
        "rule.relevance-outside-counts-for",
        "rule.end-reason-for-running-period",
        "rule.income-outside-activity",
        "rule.right-to-benefit-outside-unemployment",
    }
)

#: Every rule code the cases of this module raise, for the project-wide check that every
#: code in the rules is tested somewhere.
TESTED_CODES = frozenset(code for failing in FAILING for code in failing.codes)


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_rule_refuses_mutated_example(failing: mutations.Case) -> None:
    root = load_valid(failing.example, failing.mutation)
    issues = rules.check(mutations.document_type_of(root), root, today=TODAY)
    assert [issue.code for issue in issues] == list(failing.codes), [str(i) for i in issues]
    issue = issues[0]
    assert issue.path is not None and issue.path.endswith(failing.at), issue.path
    located = mutations.select(root.getroottree().getroot(), issue.path)
    assert issue.line == located[0].sourceline


def test_every_new_rule_code_is_tested() -> None:
    assert NEW_RULE_CODES <= TESTED_CODES


def test_new_rule_codes_are_in_the_rules() -> None:
    rules_dir = Path(rules.__file__).parent
    source = "".join(
        (rules_dir / name).read_text(encoding="utf-8") for name in ("_coverage.py", "_periods.py")
    )
    found = set(re.findall(r'"(rule\.[a-z0-9-]+)"', source))
    assert NEW_RULE_CODES.issubset(found)


_PERSONAL = (
    ".//c:FamilyName | .//c:Forename | .//c:BirthName | .//c:BirthDate"
    " | .//c:PersonalIdentificationNumber | .//c:Street"
)


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_messages_quote_no_personal_data(failing: mutations.Case) -> None:
    root = load_valid(failing.example, failing.mutation)
    personal = {
        (element.text or "").strip() for element in root.xpath(_PERSONAL, namespaces=mutations.NS)
    }
    for issue in rules.check(mutations.document_type_of(root), root, today=TODAY):
        for value in personal - {""}:
            assert value not in issue.message, (issue.code, issue.message)


PASSING = [
    case(
        "earlier-posting-ends-the-day-before",
        "CoverageCertificate-posting-notification",
        set_text("cv:EarlierPosting/cv:Period/c:End", "2027-01-10"),
        at="",
    ),
    case(
        "provision-other-with-words",
        "CoverageCertificate-multi-state",
        set_text("cv:LegalBasisCode[1]", "other"),
        at="",
    ),
    case(
        "article-13-4-decides-a-civil-servant",
        "CoverageCertificate-multi-state",
        both(
            set_text("cv:Purpose", "other-notification"),
            set_text("cv:Kind", "civil-servant"),
            remove("cv:LegalBasisCode[1]"),
            set_text("cv:LegalBasisCode", "eu-13-4"),
        ),
        at="",
    ),
    case(
        "two-host-countries",
        "CoverageRequest-us",
        both(
            add_after("cv:HostCountry", "<cv:HostCountry>AT</cv:HostCountry>"),
            add_after(
                "cv:WorkAddress",
                "<cv:PlaceOfWork><cv:Address><c:Street>Mariahilfer Straße 1</c:Street>"
                "<c:Town>Wien</c:Town><c:Country>AT</c:Country></cv:Address></cv:PlaceOfWork>",
            ),
        ),
        at="",
    ),
    case(
        "place-of-work-aircraft-only",
        "CoverageRequest-exception",
        replace(
            "cv:WorkAddress",
            "<cv:PlaceOfWork><cv:Aircraft><cv:HomeBase>Stavanger Airport Sola</cv:HomeBase>"
            "<cv:HomeBaseCountry>NO</cv:HomeBaseCountry></cv:Aircraft></cv:PlaceOfWork>",
        ),
        at="",
    ),
    case(
        "self-employed-only",
        "CoverageRequest-us",
        replace(
            "cv:Employer",
            "<cv:SelfEmployedActivity><cv:Description>Instrument calibration</cv:Description>"
            "<cv:Address><c:Street>1 Pike Street</c:Street><c:Town>Seattle</c:Town>"
            "<c:Country>US</c:Country></cv:Address></cv:SelfEmployedActivity>",
        ),
        at="",
    ),
    case(
        "different-employers-overlap",
        "InsurancePeriodsReply-unemployment",
        set_text(f"{PERIOD_2}/p:Start", "2025-03-03"),
        at="",
    ),
    case(
        "income-of-running-activity",
        "InsurancePeriodsReply-unemployment",
        both(
            remove("p:Periods/p:UninsuredActivity/p:End"),
            remove("p:Periods/p:UninsuredActivity/p:EndReason"),
            remove("p:Periods/p:UninsuredActivity/p:Income[3]/p:Period/c:End"),
        ),
        at="",
    ),
    case(
        "unknown-end-with-duration",
        "InsurancePeriodsReply-unemployment",
        both(
            replace(f"{PERIOD_2}/p:End", "<p:EndUnknown/>"),
            add_after(f"{PERIOD_2}/p:Kind", '<p:Duration unit="months">8</p:Duration>'),
        ),
        at="",
    ),
    case(
        "kind-other-with-description",
        "InsurancePeriodsReply-pensions",
        both(
            set_text(f"{PERIOD_2}/p:Kind", "other"),
            add_after(f"{PERIOD_2}/p:Kind", "<p:KindDescription>Seasonal work</p:KindDescription>"),
        ),
        at="",
    ),
    case(
        "years-fill-the-span",
        "InsurancePeriodsReply-pensions",
        set_text(f"{PERIOD_2}/p:Duration", "8"),
        at="",
    ),
    case(
        "refusal-with-reason",
        "InsurancePeriodsReply-unemployment-right",
        replace("p:RightToBenefit", REFUSED.format(code="insufficient-periods")),
        at="",
    ),
]


@pytest.mark.parametrize("passing", [pytest.param(c, id=c.name) for c in PASSING])
def test_rules_accept_variant(passing: mutations.Case) -> None:
    root = load_valid(passing.example, passing.mutation)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []
