"""Schema 2.0 for persons, claims and decisions: each new rule refuses a mutation of a 2.0
example, reports where, and quotes no personal data; 1.0's limits give way where 2.0 allows more.
"""

from __future__ import annotations

import re
from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, remove, set_attribute, set_text
from lxml import etree

from documents.claim_paths import (
    CALCULATION_PERIOD,
    CHILD,
    CLAIMANT,
    DECEASED,
    RESIDENCE,
)
from documents.rule_cases import TODAY
from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily, DocumentType

EXAMPLES = SCHEMA_DIR / "examples"
V2_EXAMPLES = EXAMPLES / "v2"
COMMON = "urn:ssgw:common:1"
RULES_DIR = Path(rules.__file__).parent

#: The rule codes the 2.0 content brought; each is raised by at least one case below.
NEW_RULE_CODES = frozenset(
    {
        "rule.duplicate-pin",
        "rule.no-fixed-address-with-residence",
        "rule.nationality-acquired-before-birth",
        "rule.nationality-acquired-in-future",
        "rule.child-born-before-parent",
        "rule.union-before-birth",
        "rule.union-after-death",
        "rule.new-union-before-death",
        "rule.new-union-unexpected",
        "rule.deceased-pension-unexpected",
        "rule.representative-missing",
        "rule.deferral-before-claim",
        "rule.calculation-periods-overlap",
        "rule.calculation-before-effective-date",
    }
)


FAILING = [
    # Persons, wherever they appear
    case(
        "same-number-twice-written-differently",
        "BenefitClaim",
        add_after(
            f"{CLAIMANT}/c:PersonalIdentificationNumber[1]",
            '<c:PersonalIdentificationNumber country="LU">1961 0508 12345'
            "</c:PersonalIdentificationNumber>",
        ),
        "rule.duplicate-pin",
        at="/cl:Claimant/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "no-fixed-address-but-a-residence",
        "BenefitClaim",
        add_after(RESIDENCE, "<c:NoFixedAddress/>"),
        "rule.no-fixed-address-with-residence",
        at="/cl:Claimant/c:NoFixedAddress",
    ),
    case(
        "nationality-acquired-before-birth",
        "BenefitClaim",
        set_attribute(f"{CLAIMANT}/c:Nationality[2]", "acquired", "1960-01-01"),
        "rule.nationality-acquired-before-birth",
        at="/cl:Claimant/c:Nationality[2]",
    ),
    case(
        "nationality-acquired-in-future",
        "BenefitClaim-survivors",
        set_attribute(f"{DECEASED}/c:Nationality[2]", "acquired", "2027-03-01"),
        "rule.nationality-acquired-in-future",
        at="/cl:DeceasedPerson/c:Nationality[2]",
    ),
    case(
        "child-born-in-future",
        "BenefitClaim-survivors",
        set_text(f"{CHILD}/c:BirthDate", "2027-01-10"),
        "rule.birth-date-in-future",
        at="/cl:Child/c:BirthDate",
    ),
    case(
        "representative-number-of-unknown-country",
        "BenefitClaim",
        set_attribute(
            "cl:Representative/cl:Person/c:PersonalIdentificationNumber", "country", "QQ"
        ),
        "rule.pin-country-unknown",
        at="/cl:Representative/cl:Person/c:PersonalIdentificationNumber",
    ),
    # Countries and institutions in the new content
    case(
        "work-country-unknown",
        "BenefitClaim",
        set_text("cl:CurrentWork/cl:Country", "QQ"),
        "rule.country-unknown",
        at="/cl:CurrentWork/cl:Country",
    ),
    case(
        "death-place-country-unknown",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:DeathPlace/c:Country", "QQ"),
        "rule.country-unknown",
        at="/cl:DeathPlace/c:Country",
    ),
    case(
        "institution-without-claim-country-unknown",
        "BenefitClaim",
        set_text("cl:InstitutionWithoutClaim/cl:Institution/cl:Country", "QQ"),
        "rule.country-unknown",
        at="/cl:InstitutionWithoutClaim/cl:Institution/cl:Country",
    ),
    case(
        "other-benefit-institution-country-unknown",
        "BenefitClaim",
        set_text("cl:OtherBenefit[1]/cl:Institution/cl:Id", "QQ:AAA1000"),
        "rule.institution-country-unknown",
        at="/cl:OtherBenefit[1]/cl:Institution/cl:Id",
    ),
    case(
        "deceased-pension-institution-country-unknown",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:Pension/cl:Institution/cl:Id", "QQ:PVA0001"),
        "rule.institution-country-unknown",
        at="/cl:Pension/cl:Institution/cl:Id",
    ),
    case(
        "appeal-institution-country-unknown",
        "BenefitDecision",
        set_text("cl:Appeal/cl:Institution", "QQ:INPS"),
        "rule.institution-country-unknown",
        at="/cl:Appeal/cl:Institution",
    ),
    # The family
    case(
        "child-born-before-the-claimant",
        "BenefitClaim",
        set_text(f"{CHILD}[1]/c:BirthDate", "1960-01-01"),
        "rule.child-born-before-parent",
        at="/cl:Family/cl:Child[1]",
    ),
    case(
        "orphan-born-before-the-deceased",
        "BenefitClaim-survivors",
        set_text(f"{CHILD}/c:BirthDate", "1957-05-01"),
        "rule.child-born-before-parent",
        at="/cl:Family/cl:Child",
    ),
    case(
        "marriage-before-the-spouse-was-born",
        "BenefitClaim",
        set_text("cl:Family/cl:Partner/cl:UnionDate", "1962-06-01"),
        "rule.union-before-birth",
        at="/cl:Partner/cl:UnionDate",
    ),
    case(
        "marriage-with-deceased-before-the-claimant-was-born",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:UnionDate", "1965-01-01"),
        "rule.union-before-birth",
        at="/cl:DeceasedPerson/cl:UnionDate",
    ),
    case(
        "marriage-with-deceased-after-the-death",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:UnionDate", "2024-02-01"),
        "rule.union-after-death",
        at="/cl:DeceasedPerson/cl:UnionDate",
    ),
    case(
        "new-marriage-before-the-death",
        "BenefitClaim-survivors",
        set_text("cl:Family/cl:NewUnion/cl:Date", "2023-12-01"),
        "rule.new-union-before-death",
        at="/cl:NewUnion/cl:Date",
    ),
    case(
        "new-union-in-an-old-age-claim",
        "BenefitClaim",
        add_after(
            f"{CHILD}[2]",
            "<cl:NewUnion><cl:Kind>marriage</cl:Kind><cl:Date>2020-05-02</cl:Date></cl:NewUnion>",
        ),
        "rule.new-union-unexpected",
        at="/cl:Family/cl:NewUnion",
    ),
    case(
        "death-in-the-future-after-the-new-marriage",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:DeathDate", "2027-01-05"),
        "rule.death-date-in-future",
        "rule.claim-date-before-death",
        "rule.new-union-before-death",
        at="/cl:DeceasedPerson/cl:DeathDate",
    ),
    # The deceased's pension, representation, other benefits, deferrals, attachments
    case(
        "pension-of-a-deceased-said-to-receive-none",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:ReceivedPension", "false"),
        "rule.deceased-pension-unexpected",
        at="/cl:DeceasedPerson/cl:Pension",
    ),
    case(
        "decision-to-a-representative-nobody-named",
        "BenefitClaim",
        remove("cl:Representative"),
        "rule.representative-missing",
        at="/cl:DecisionRecipient",
    ),
    case(
        "refused-benefit-with-amounts",
        "BenefitClaim-survivors",
        set_text("cl:OtherBenefit/cl:Status", "refused"),
        "rule.amount-unexpected",
        "rule.amount-unexpected",
        at="/cl:OtherBenefit/cl:Amount[1]",
    ),
    case(
        "benefit-period-ends-before-it-starts",
        "BenefitClaim-survivors",
        set_text("cl:OtherBenefit/cl:Period/c:End", "2023-12-31"),
        "rule.period-end-before-start",
        at="/cl:OtherBenefit/cl:Period/c:End",
    ),
    case(
        "deferred-until-before-the-claim",
        "BenefitClaim",
        set_text("cl:Deferral/cl:Until", "2026-09-30"),
        "rule.deferral-before-claim",
        at="/cl:Deferral/cl:Until",
    ),
    case(
        "attachment-other-unexplained",
        "BenefitClaim",
        remove("cl:AttachmentByPost[4]/cl:Text"),
        "rule.text-missing",
        at="/cl:AttachmentByPost[4]",
    ),
    case(
        "death-cause-other-unexplained",
        "BenefitClaim-survivors",
        set_text(f"{DECEASED}/cl:DeathCause/cl:Code", "other"),
        "rule.text-missing",
        at="/cl:DeceasedPerson/cl:DeathCause",
    ),
    # Calculation periods
    case(
        "calculation-periods-overlap",
        "BenefitDecision",
        set_text(f"{CALCULATION_PERIOD}[2]/c:Start", "2024-12-01"),
        "rule.calculation-periods-overlap",
        at="/cl:CalculationPeriod[2]",
    ),
    case(
        "calculation-period-after-a-running-one",
        "BenefitDecision",
        remove(f"{CALCULATION_PERIOD}[1]/c:End"),
        "rule.calculation-periods-overlap",
        "rule.calculation-periods-overlap",
        at="/cl:CalculationPeriod[2]",
    ),
    case(
        "calculation-period-ends-before-it-starts",
        "BenefitDecision",
        set_text(f"{CALCULATION_PERIOD}[2]/c:End", "2024-12-31"),
        "rule.period-end-before-start",
        at="/cl:CalculationPeriod[2]/c:End",
    ),
    case(
        "calculation-before-the-benefit-is-due",
        "BenefitDecision",
        set_text("cl:EffectiveFrom", "2024-03-01"),
        "rule.calculation-before-effective-date",
        at="/cl:CalculationPeriod[1]/c:Start",
    ),
    case(
        "calculation-net-above-gross",
        "BenefitDecision",
        set_text(f"{CALCULATION_PERIOD}[1]/cl:NetAmount", "400.00"),
        "rule.net-exceeds-gross",
        at="/cl:CalculationPeriod[1]/cl:NetAmount",
    ),
    case(
        "calculation-net-in-another-currency",
        "BenefitDecision",
        set_attribute(f"{CALCULATION_PERIOD}[3]/cl:NetAmount", "currency", "CHF"),
        "rule.currency-mismatch",
        at="/cl:CalculationPeriod[3]/cl:NetAmount",
    ),
    case(
        "refusal-with-calculation-periods",
        "BenefitDecision",
        set_text("cl:Result", "refused"),
        "rule.amount-unexpected",
        "rule.amount-unexpected",
        "rule.amount-unexpected",
        at="/cl:CalculationPeriod[1]",
    ),
    case(
        "grant-without-any-amount",
        "BenefitDecision",
        remove(CALCULATION_PERIOD),
        "rule.amount-missing",
        "rule.frequency-missing",
        at="/cl:Result",
    ),
]


def _load(failing: mutations.Case) -> tuple[DocumentType, etree._Element]:
    return mutations.load_valid(V2_EXAMPLES / f"{failing.example}.xml", failing.mutation, "2.0")


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_v2_rule_reports_issue(failing: mutations.Case) -> None:
    document_type, root = _load(failing)
    issues = rules.check(document_type, root, today=TODAY)
    assert [issue.code for issue in issues] == list(failing.codes), [str(i) for i in issues]
    issue = issues[0]
    assert issue.path is not None and issue.path.endswith(failing.at), issue.path
    located = root.getroottree().xpath(issue.path, namespaces=mutations.NS)
    assert isinstance(located, list) and located
    assert isinstance(located[0], etree._Element)
    assert issue.line == located[0].sourceline


PASSING = [
    case(
        "stepchild-older-than-the-claimant",
        "BenefitClaim",
        both(
            set_text(f"{CHILD}[1]/c:BirthDate", "1960-01-01"),
            set_text(f"{CHILD}[1]/cl:Relationship", "stepchild"),
        ),
        at="",
    ),
    case(
        "two-numbers-of-one-country-and-sector",
        "BenefitClaim",
        add_after(
            f"{CLAIMANT}/c:PersonalIdentificationNumber[1]",
            '<c:PersonalIdentificationNumber country="LU" issuingInstitution="LU:CNAP1000">'
            "1961050899999</c:PersonalIdentificationNumber>",
        ),
        at="",
    ),
    case(
        "no-fixed-address-with-a-place-of-stay",
        "BenefitClaim",
        both(
            set_attribute(RESIDENCE, "kind", "stay"),
            add_after(RESIDENCE, "<c:NoFixedAddress/>"),
        ),
        at="",
    ),
    case(
        "decision-to-the-claimant-without-representative",
        "BenefitClaim",
        both(remove("cl:Representative"), set_text("cl:DecisionRecipient", "claimant")),
        at="",
    ),
    case(
        "deferred-until-the-claim-date",
        "BenefitClaim",
        set_text("cl:Deferral/cl:Until", "2026-10-05"),
        at="",
    ),
    case(
        "new-marriage-on-the-day-of-death",
        "BenefitClaim-survivors",
        set_text("cl:Family/cl:NewUnion/cl:Date", "2024-01-09"),
        at="",
    ),
    case(
        "nationality-acquired-at-birth",
        "BenefitClaim",
        set_attribute(f"{CLAIMANT}/c:Nationality[2]", "acquired", "1961-05-08"),
        at="",
    ),
    case(
        "last-calculation-period-running",
        "BenefitDecision",
        remove(f"{CALCULATION_PERIOD}[3]/c:End"),
        at="",
    ),
    case(
        "grant-with-both-amount-and-calculation-periods",
        "BenefitDecision",
        add_after(
            "cl:Result",
            '<cl:Amount currency="EUR">320.99</cl:Amount><cl:Frequency>monthly</cl:Frequency>',
        ),
        at="",
    ),
    case(
        "benefit-refused-without-amount",
        "BenefitClaim-survivors",
        both(set_text("cl:OtherBenefit/cl:Status", "refused"), remove("cl:OtherBenefit/cl:Amount")),
        at="",
    ),
]


@pytest.mark.parametrize("passing", [pytest.param(c, id=c.name) for c in PASSING])
def test_v2_rule_accepts_boundary_case(passing: mutations.Case) -> None:
    document_type, root = _load(passing)
    assert rules.check(document_type, root, today=TODAY) == []


def test_several_numbers_per_country_and_sector_only_from_2_0() -> None:
    """1.0 allows one number per country and sector; the same document as 2.0 may have more."""
    root = etree.parse(str(EXAMPLES / "BenefitClaim-survivors.xml")).getroot()
    anchor = mutations.select(root, f"{DECEASED}/c:PersonalIdentificationNumber[2]")[0]
    anchor.addnext(
        mutations.fragment(
            '<c:PersonalIdentificationNumber country="FR" issuingInstitution="FR:CNAV">'
            "255079912203177</c:PersonalIdentificationNumber>"
        )[0]
    )
    root = etree.fromstring(etree.tostring(root))
    assert mutations.family_schema(DocumentFamily.CLAIMS, "1.0").validate(root.getroottree())
    issues = rules.check(DocumentType.BENEFIT_CLAIM, root, today=TODAY)
    assert [issue.code for issue in issues] == ["rule.duplicate-pin-country"]
    root.set("schemaVersion", "2.0")
    assert mutations.family_schema(DocumentFamily.CLAIMS, "2.0").validate(root.getroottree())
    assert rules.check(DocumentType.BENEFIT_CLAIM, root, today=TODAY) == []


def _codes_in(*modules: str) -> set[str]:
    codes: set[str] = set()
    for module in modules:
        source = (RULES_DIR / module).read_text(encoding="utf-8")
        codes.update(re.findall(r'"(rule\.[a-z0-9-]+)"', source))
    return codes


def test_every_new_rule_code_is_in_the_rules_and_tested_here() -> None:
    assert _codes_in("_person.py", "_claims.py") >= NEW_RULE_CODES
    assert {code for failing in FAILING for code in failing.codes} >= NEW_RULE_CODES


_PERSONAL = (
    ".//c:FamilyName | .//c:Forename | .//c:BirthName | .//c:PreviousFamilyName"
    " | .//c:BirthDate | .//c:PersonalIdentificationNumber | .//c:Street | .//c:Telephone"
    " | .//c:Email | .//cl:DeathDate | .//cl:UnionDate | .//cl:NewUnion/cl:Date"
    " | .//cl:Iban | .//cl:AccountHolder | .//cl:Telephone | .//cl:Email | .//cl:Employer"
)


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_v2_messages_quote_no_personal_data(failing: mutations.Case) -> None:
    document_type, root = _load(failing)
    found = root.xpath(_PERSONAL, namespaces=mutations.NS)
    assert isinstance(found, list)
    personal = {
        (element.text or "").strip() for element in found if isinstance(element, etree._Element)
    }
    personal |= {
        str(nationality.get("acquired"))
        for nationality in root.iter(f"{{{COMMON}}}Nationality")
        if nationality.get("acquired") is not None
    }
    for issue in rules.check(document_type, root, today=TODAY):
        for value in personal - {""}:
            assert value not in issue.message, (issue.code, issue.message)
