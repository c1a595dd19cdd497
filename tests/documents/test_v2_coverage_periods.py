"""Schema version 2.0 of the coverage and periods families: a strict superset of 1.0.

Every 1.0 document of these families, relabelled 2.0, is a valid 2.0 document that the rules
read the same way; the 2.0 examples are valid and pass the rules; each rule on 2.0 content
refuses a mutated example with its own code, and the constraints the schema carries itself
refuse what they should.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, remove, replace, set_attribute, set_text
from lxml import etree

from gateway.documents import rules

TODAY = datetime.date(2026, 11, 25)
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
V1_EXAMPLES = SCHEMAS / "examples"
V2_EXAMPLES = SCHEMAS / "examples" / "v2"
XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}
_PATTERNS = ("Coverage*.xml", "InsurancePeriods*.xml")


def _examples(folder: Path) -> list[Path]:
    return sorted(path for pattern in _PATTERNS for path in folder.glob(pattern))


def _v2_schema(root: etree._Element) -> etree.XMLSchema:
    return mutations.family_schema(mutations.document_type_of(root).family, "2.0")


def _relabelled(path: Path) -> etree._Element:
    """A 1.0 example with only its schema version changed to 2.0."""
    data = path.read_bytes()
    assert data.count(b'schemaVersion="1.0"') == 1, path
    return etree.fromstring(data.replace(b'schemaVersion="1.0"', b'schemaVersion="2.0"'))


# The examples -------------------------------------------------------------------------------


def test_there_are_examples_of_every_document_type_of_both_families() -> None:
    roots = {
        etree.QName(etree.parse(str(path)).getroot()).localname for path in _examples(V2_EXAMPLES)
    }
    assert roots == {
        "CoverageRequest",
        "CoverageCertificate",
        "CoverageRefusal",
        "CoverageWithdrawal",
        "InsurancePeriodsRequest",
        "InsurancePeriodsReply",
    }


@pytest.mark.parametrize("path", _examples(V2_EXAMPLES), ids=lambda path: path.stem)
def test_v2_example_is_valid_and_passes_the_rules(path: Path) -> None:
    tree = etree.parse(str(path))
    root = tree.getroot()
    assert root.get("schemaVersion") == "2.0"
    assert path.stem.partition("-")[0] == etree.QName(root).localname
    schema = _v2_schema(root)
    assert schema.validate(tree), mutations.schema_errors(schema)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []


@pytest.mark.parametrize("path", _examples(V1_EXAMPLES), ids=lambda path: path.stem)
def test_v1_example_relabelled_is_valid_v2_and_reads_the_same(path: Path) -> None:
    root = _relabelled(path)
    schema = _v2_schema(root)
    assert schema.validate(root.getroottree()), mutations.schema_errors(schema)
    original = etree.parse(str(path)).getroot()
    document_type = mutations.document_type_of(root)
    assert rules.check(document_type, root, today=TODAY) == rules.check(
        document_type, original, today=TODAY
    )


# The schema files ---------------------------------------------------------------------------


def _v2_files() -> list[Path]:
    return [SCHEMAS / "v2" / "coverage.xsd", SCHEMAS / "v2" / "periods.xsd"]


@pytest.mark.parametrize("path", _v2_files(), ids=lambda path: path.name)
def test_v2_schema_keeps_the_namespace_and_imports(path: Path) -> None:
    schema = etree.parse(str(path)).getroot()
    v1 = etree.parse(str(SCHEMAS / "v1" / path.name)).getroot()
    assert schema.get("version") == "2.0"
    assert schema.get("targetNamespace") == v1.get("targetNamespace")
    assert schema.get("elementFormDefault") == "qualified"
    imports = schema.findall(f"{{{XS}}}import")
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [
        ("urn:ssgw:common:1", "common.xsd")
    ]


@pytest.mark.parametrize("path", _v2_files(), ids=lambda path: path.name)
def test_v2_schema_documents_every_component_in_one_sentence(path: Path) -> None:
    schema = etree.parse(str(path))
    undocumented = []
    for kind in ("element", "attribute", "enumeration", "complexType", "simpleType", "unique"):
        for component in schema.iter(f"{{{XS}}}{kind}"):
            docs = component.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
            text = "".join(docs[0].itertext()) if docs else ""
            if not text.strip() or "\n" in text or text != text.strip() or not text.endswith("."):
                name = component.get("name") or component.get("value") or "(anonymous)"
                undocumented.append(f"line {component.sourceline}: xs:{kind} {name}")
    assert undocumented == []


def _named(schema: etree._Element, kind: str) -> dict[str, etree._Element]:
    return {node.get("name", ""): node for node in schema.findall(f"{{{XS}}}{kind}")}


def _occurs(node: etree._Element, name: str, default: str) -> float:
    value = node.get(name, default)
    return float("inf") if value == "unbounded" else float(value)


def _declarations(complex_type: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for element in complex_type.iter(f"{{{XS}}}element"):
        found.setdefault(element.get("name", ""), []).append(element)
    return found


@pytest.mark.parametrize("path", _v2_files(), ids=lambda path: path.name)
def test_v2_schema_loosens_and_never_tightens(path: Path) -> None:
    """Names, values and element order of 1.0 stay; nothing becomes rarer or required."""
    v1 = etree.parse(str(SCHEMAS / "v1" / path.name)).getroot()
    v2 = etree.parse(str(path)).getroot()
    for kind in ("element", "complexType", "simpleType"):
        assert set(_named(v1, kind)) <= set(_named(v2, kind)), kind
    v2_simple = _named(v2, "simpleType")
    for name, simple in _named(v1, "simpleType").items():
        old = {e.get("value") for e in simple.iter(f"{{{XS}}}enumeration")}
        new = {e.get("value") for e in v2_simple[name].iter(f"{{{XS}}}enumeration")}
        assert old <= new, name
    v2_complex = _named(v2, "complexType")
    for name, complex_type in _named(v1, "complexType").items():
        before, after = _declarations(complex_type), _declarations(v2_complex[name])
        order = [element for element in after if element in before]
        assert order == list(before), name
        for element, declarations in before.items():
            assert min(_occurs(d, "minOccurs", "1") for d in after[element]) <= min(
                _occurs(d, "minOccurs", "1") for d in declarations
            ), f"{name}/{element}"
            assert max(_occurs(d, "maxOccurs", "1") for d in after[element]) >= max(
                _occurs(d, "maxOccurs", "1") for d in declarations
            ), f"{name}/{element}"
        for attribute in complex_type.iter(f"{{{XS}}}attribute"):
            counterpart = v2_complex[name].find(
                f".//{{{XS}}}attribute[@name='{attribute.get('name')}']"
            )
            assert counterpart is not None
            assert attribute.get("use") == "required" or counterpart.get("use") != "required"


# Mutations ----------------------------------------------------------------------------------


def _load(example: str, mutation: mutations.Mutation | None = None) -> etree._Element:
    return mutations.mutated(V2_EXAMPLES / f"{example}.xml", mutation)


def _load_valid(example: str, mutation: mutations.Mutation | None = None) -> etree._Element:
    """The example after ``mutation``; it must still be schema-valid, as rules assume."""
    return mutations.load_valid(V2_EXAMPLES / f"{example}.xml", mutation, "2.0")[1]


_PERIOD_2 = "(p:Periods/p:InsurancePeriod)[2]"
_REFUSED = (
    "<p:RightToBenefit><p:Refused><p:Reason><p:Code>{code}</p:Code></p:Reason></p:Refused>"
    "</p:RightToBenefit>"
)

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
        replace(f"{_PERIOD_2}/p:End", "<p:EndUnknown/>"),
        "rule.duration-missing-for-unknown-end",
        at="/p:InsurancePeriod[2]/p:EndUnknown",
    ),
    case(
        "years-exceed-span",
        "InsurancePeriodsReply-pensions",
        set_text(f"{_PERIOD_2}/p:Duration", "9"),
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
            set_text(f"{_PERIOD_2}/p:Kind", "other"),
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
        replace("p:RightToBenefit", _REFUSED.format(code="other")),
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
            set_text(f"{_PERIOD_2}/p:Start", "2025-03-03"),
            set_text(f"{_PERIOD_2}/p:Employer/p:Name", "BRASSERIE  Vanderhaegen SA"),
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
    root = _load_valid(failing.example, failing.mutation)
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
    root = _load_valid(failing.example, failing.mutation)
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
        set_text(f"{_PERIOD_2}/p:Start", "2025-03-03"),
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
            replace(f"{_PERIOD_2}/p:End", "<p:EndUnknown/>"),
            add_after(f"{_PERIOD_2}/p:Kind", '<p:Duration unit="months">8</p:Duration>'),
        ),
        at="",
    ),
    case(
        "kind-other-with-description",
        "InsurancePeriodsReply-pensions",
        both(
            set_text(f"{_PERIOD_2}/p:Kind", "other"),
            add_after(
                f"{_PERIOD_2}/p:Kind", "<p:KindDescription>Seasonal work</p:KindDescription>"
            ),
        ),
        at="",
    ),
    case(
        "years-fill-the-span",
        "InsurancePeriodsReply-pensions",
        set_text(f"{_PERIOD_2}/p:Duration", "8"),
        at="",
    ),
    case(
        "refusal-with-reason",
        "InsurancePeriodsReply-unemployment-right",
        replace("p:RightToBenefit", _REFUSED.format(code="insufficient-periods")),
        at="",
    ),
]


@pytest.mark.parametrize("passing", [pytest.param(c, id=c.name) for c in PASSING])
def test_rules_accept_variant(passing: mutations.Case) -> None:
    root = _load_valid(passing.example, passing.mutation)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []


# Constraints the schema carries -------------------------------------------------------------

INVALID = [
    case(
        "ship-without-flag-state",
        "CoverageCertificate-multi-state",
        remove("cv:PlaceOfWork/cv:Ship/cv:FlagState"),
        at="",
    ),
    case(
        "aircraft-without-home-base",
        "CoverageRequest-exception",
        replace(
            "cv:WorkAddress",
            "<cv:PlaceOfWork><cv:Aircraft><cv:Registration>LN-KKQ</cv:Registration>"
            "</cv:Aircraft></cv:PlaceOfWork>",
        ),
        at="",
    ),
    case(
        "request-without-employer-or-activity",
        "CoverageRequest-us",
        remove("cv:Employer"),
        at="",
    ),
    case(
        "request-without-place-of-work",
        "CoverageRequest-us",
        remove("cv:WorkAddress"),
        at="",
    ),
    case(
        "host-country-twice",
        "CoverageRequest-us",
        add_after("cv:HostCountry", "<cv:HostCountry>DE</cv:HostCountry>"),
        at="",
    ),
    case(
        "provision-twice",
        "CoverageCertificate-multi-state",
        set_text("cv:LegalBasisCode[2]", "eu-13-3"),
        at="",
    ),
    case(
        "identifier-kind-unknown",
        "CoverageCertificate-us",
        set_attribute("cv:Employer/cv:Identifier", "kind", "vat"),
        at="",
    ),
    case(
        "refusal-of-benefit-without-reason",
        "InsurancePeriodsReply-unemployment-right",
        replace(
            "p:RightToBenefit",
            "<p:RightToBenefit><p:Refused><p:Period><c:Start>2026-07-01</c:Start></p:Period>"
            "</p:Refused></p:RightToBenefit>",
        ),
        at="",
    ),
    case(
        "negative-income",
        "InsurancePeriodsReply-unemployment",
        set_text("p:Periods/p:UninsuredActivity/p:Income[1]/p:GrossAmount", "-412.50"),
        at="",
    ),
    case(
        "negative-hours",
        "InsurancePeriodsReply-unemployment",
        set_text("p:Periods/p:UninsuredActivity/p:Income[1]/p:Hours", "-1"),
        at="",
    ),
    case(
        "end-reason-unknown",
        "InsurancePeriodsReply-unemployment",
        set_text("(p:Periods/p:InsurancePeriod)[1]/p:EndReason/p:Code", "bankruptcy"),
        at="",
    ),
    case(
        "relevance-without-entitlement",
        "InsurancePeriodsReply-pensions",
        remove("(p:Periods/p:InsurancePeriod)[1]/p:Relevance/p:Entitlement"),
        at="",
    ),
    case(
        "entitlement-branch-twice",
        "InsurancePeriodsReply-pensions",
        set_text("(p:Periods/p:InsurancePeriod)[1]/p:Relevance/p:Entitlement[2]", "old-age"),
        at="",
    ),
    case(
        "total-unit-twice",
        "InsurancePeriodsReply-pensions",
        set_attribute("p:Periods/p:Total[5]/p:Duration[2]", "unit", "years"),
        at="",
    ),
    case(
        "total-without-duration",
        "InsurancePeriodsReply-pensions",
        remove("p:Periods/p:Total[1]/p:Duration"),
        at="",
    ),
    case(
        "days-per-week-eight",
        "InsurancePeriodsReply-pensions",
        set_attribute("p:Periods/p:Total[6]/p:Duration", "daysPerWeek", "8"),
        at="",
    ),
    case(
        "occupation-not-isco",
        "InsurancePeriodsReply-pensions",
        set_text("(p:Periods/p:InsurancePeriod)[3]/p:Occupation", "214"),
        at="",
    ),
    case(
        "kind-unknown",
        "InsurancePeriodsReply-pensions",
        set_text(f"{_PERIOD_2}/p:Kind", "compulsory-employed"),
        at="",
    ),
]


@pytest.mark.parametrize("invalid", [pytest.param(c, id=c.name) for c in INVALID])
def test_schema_refuses(invalid: mutations.Case) -> None:
    root = _load(invalid.example, invalid.mutation)
    assert not _v2_schema(root).validate(root.getroottree())


@pytest.mark.parametrize("unit", ["days", "weeks", "months", "quarters", "years"])
def test_every_duration_unit_is_accepted(unit: str) -> None:
    root = _load_valid(
        "InsurancePeriodsReply-pensions",
        both(
            set_attribute(f"{_PERIOD_2}/p:Duration", "unit", unit),
            set_text(f"{_PERIOD_2}/p:Duration", "1"),
        ),
    )
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []
