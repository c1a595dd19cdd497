"""Schema 2.0 for persons, claims and decisions: a strict extension of 1.0, with its own rules.

The 2.0 files keep the 1.0 namespaces, so every 1.0 document that says 2.0 must stay valid and
mean the same; the examples in ``schemas/examples/v2`` show the new content, and each new rule
refuses a mutation of one of them.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

import document_mutations as mutations
import pytest
import xmlschema
from document_mutations import add_after, both, case, remove, replace, set_attribute, set_text
from lxml import etree

from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily, DocumentType

TODAY = datetime.date(2026, 11, 25)
V1 = SCHEMA_DIR / "v1"
V2 = SCHEMA_DIR / "v2"
EXAMPLES = SCHEMA_DIR / "examples"
V2_EXAMPLES = EXAMPLES / "v2"
COMMON = "urn:ssgw:common:1"
XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}
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


def _schema(version: str) -> etree.XMLSchema:
    return mutations.family_schema(DocumentFamily.CLAIMS, version)


def _v2_examples() -> list[Path]:
    return sorted(V2_EXAMPLES.glob("Benefit*.xml"))


def _v1_examples() -> list[Path]:
    return sorted(EXAMPLES.glob("Benefit*.xml"))


# The schema files -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["common.xsd", "claims.xsd"])
def test_v2_schema_keeps_the_1_0_namespace(name: str) -> None:
    v1 = etree.parse(str(V1 / name)).getroot()
    v2 = etree.parse(str(V2 / name)).getroot()
    assert v2.get("targetNamespace") == v1.get("targetNamespace")
    assert v2.get("version") == "2.0"
    assert v2.get("elementFormDefault") == "qualified"


def test_v2_schema_compiles_in_both_validators() -> None:
    # lxml validates on the hot path; xmlschema converts to and from JSON and is stricter
    # about XSD 1.0 constraints such as unique particle attribution.
    _schema("2.0")
    xmlschema.XMLSchema10(str(V2 / "claims.xsd"))


def test_v2_schema_version_is_2_0() -> None:
    values = etree.parse(str(V2 / "common.xsd")).xpath(
        "/xs:schema/xs:simpleType[@name = 'SchemaVersion']//xs:enumeration/@value",
        namespaces=XS_NS,
    )
    assert values == ["2.0"]


@pytest.mark.parametrize("name", ["common.xsd", "claims.xsd"])
def test_v2_every_component_is_documented_in_one_sentence(name: str) -> None:
    schema = etree.parse(str(V2 / name))
    problems = []
    for kind in ("element", "attribute", "enumeration", "complexType", "simpleType"):
        for component in schema.iter(f"{{{XS}}}{kind}"):
            docs = component.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
            text = "".join(docs[0].itertext()) if docs else ""
            if not text.strip() or "\n" in text or text != text.strip() or not text.endswith("."):
                name_ = component.get("name") or component.get("value") or "(anonymous)"
                problems.append(f"line {component.sourceline}: xs:{kind} {name_}")
    assert problems == []


# The superset property, read from the schema files -----------------------------------------


@dataclass(frozen=True)
class _Declared:
    min_occurs: int
    max_occurs: float
    types: frozenset[str]


def _named_types(schema: etree._ElementTree) -> dict[str, etree._Element]:
    found = schema.xpath("/xs:schema/xs:complexType[@name]", namespaces=XS_NS)
    assert isinstance(found, list)
    return {str(node.get("name")): node for node in found if isinstance(node, etree._Element)}


def _content(types: dict[str, etree._Element], name: str) -> dict[str, _Declared]:
    """Element name -> loosest occurrence and types, including what a base type declares.

    The two schemas declare no anonymous types, so every element inside a named complex type
    belongs to it. An element inside a choice may be left out, whatever its minOccurs.
    """
    node = types[name]
    declared: dict[str, _Declared] = {}
    base = node.find(f"{{{XS}}}complexContent/{{{XS}}}extension")
    if base is not None and str(base.get("base")).partition(":")[2] in types:
        declared.update(_content(types, str(base.get("base")).partition(":")[2]))
    for element in node.iter(f"{{{XS}}}element"):
        in_choice = any(
            ancestor.tag == f"{{{XS}}}choice"
            for ancestor in element.iterancestors()
            if node in ancestor.iterancestors()
        )
        low = 0 if in_choice else int(element.get("minOccurs", "1"))
        high_text = element.get("maxOccurs", "1")
        high = float("inf") if high_text == "unbounded" else float(high_text)
        kinds = frozenset({str(element.get("type"))})
        before = declared.get(str(element.get("name")))
        if before is not None:
            low, high = min(low, before.min_occurs), max(high, before.max_occurs)
            kinds |= before.types
        declared[str(element.get("name"))] = _Declared(low, high, kinds)
    return declared


#: Types that 2.0 widened on purpose: a bare country code became one with an optional date.
_WIDENED = {("Person", "Nationality"): ("c:CountryCode", "c:Nationality")}


@pytest.mark.parametrize("name", ["common.xsd", "claims.xsd"])
def test_v2_loosens_and_adds_but_never_tightens(name: str) -> None:
    v1_types = _named_types(etree.parse(str(V1 / name)))
    v2_types = _named_types(etree.parse(str(V2 / name)))
    for type_name in v1_types:
        assert type_name in v2_types, type_name
        before, after = _content(v1_types, type_name), _content(v2_types, type_name)
        for element, was in before.items():
            now = after.get(element)
            assert now is not None, (type_name, element)
            assert now.min_occurs <= was.min_occurs, (type_name, element)
            assert now.max_occurs >= was.max_occurs, (type_name, element)
            widened = _WIDENED.get((type_name, element))
            expected = {widened[1]} if widened and was.types == {widened[0]} else set(was.types)
            assert set(now.types) == expected, (type_name, element, now.types)


@pytest.mark.parametrize("name", ["common.xsd", "claims.xsd"])
def test_v2_keeps_every_code_and_attribute(name: str) -> None:
    v1, v2 = etree.parse(str(V1 / name)), etree.parse(str(V2 / name))
    # Each version's SchemaVersion names that version only: the one code list that changes.
    named = "/xs:schema/xs:simpleType[@name != 'SchemaVersion']"
    for simple in v1.xpath(named, namespaces=XS_NS):
        assert isinstance(simple, etree._Element)
        query = "/xs:schema/xs:simpleType[@name = $name]//xs:enumeration/@value"
        type_name = str(simple.get("name"))
        before = set(v1.xpath(query, namespaces=XS_NS, name=type_name))
        after = set(v2.xpath(query, namespaces=XS_NS, name=type_name))
        assert before <= after, type_name
    for attribute in v1.xpath("//xs:attribute", namespaces=XS_NS):
        assert isinstance(attribute, etree._Element)
        owner = str(next(attribute.iterancestors(f"{{{XS}}}complexType")).get("name"))
        attribute_name = str(attribute.get("name"))
        query = "/xs:schema/xs:complexType[@name = $owner]//xs:attribute[@name = $name]"
        found = v2.xpath(query, namespaces=XS_NS, owner=owner, name=attribute_name)
        assert isinstance(found, list) and len(found) == 1, (owner, attribute_name)
        now = found[0]
        assert isinstance(now, etree._Element)
        assert now.get("type") == attribute.get("type")
        if now.get("use") == "required":
            assert attribute.get("use") == "required", (owner, attribute_name)


# The examples ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", _v2_examples(), ids=lambda path: path.stem)
def test_v2_example_is_valid_and_passes_the_rules(path: Path) -> None:
    tree = etree.parse(str(path))
    assert tree.getroot().get("schemaVersion") == "2.0"
    schema = _schema("2.0")
    assert schema.validate(tree), mutations.schema_errors(schema)
    assert (
        rules.check(mutations.document_type_of(tree.getroot()), tree.getroot(), today=TODAY) == []
    )


@pytest.mark.parametrize("path", _v2_examples(), ids=lambda path: path.stem)
def test_v2_example_is_named_after_its_root(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    assert path.stem.partition("-")[0] == etree.QName(root).localname


def test_v2_examples_cover_every_claims_document_type() -> None:
    roots = {etree.QName(etree.parse(str(path)).getroot()).localname for path in _v2_examples()}
    assert roots == {"BenefitClaim", "BenefitClaimAcknowledgement", "BenefitDecision"}


@pytest.mark.parametrize("path", _v1_examples(), ids=lambda path: path.stem)
def test_v1_example_said_to_be_2_0_is_valid_and_means_the_same(path: Path) -> None:
    tree = etree.parse(str(path))
    root = tree.getroot()
    assert root.get("schemaVersion") == "1.0"
    document_type = mutations.document_type_of(root)
    as_1_0 = rules.check(document_type, root, today=TODAY)
    root.set("schemaVersion", "2.0")
    schema = _schema("2.0")
    assert schema.validate(tree), mutations.schema_errors(schema)
    assert rules.check(document_type, root, today=TODAY) == as_1_0 == []


# What 2.0 accepts and refuses in its schema -------------------------------------------------


def _mutated(example: str, mutation: mutations.Mutation) -> etree._Element:
    return mutations.mutated(V2_EXAMPLES / f"{example}.xml", mutation)


_CLAIMANT = "cl:Claimant"
_BIRTH_PLACE = f"{_CLAIMANT}/c:PlaceOfBirth"
_RESIDENCE = f"{_CLAIMANT}/c:Address"

ACCEPTED = [
    (
        "birth-place-country-only",
        "BenefitClaim",
        replace(_BIRTH_PLACE, "<c:PlaceOfBirth><c:Country>PT</c:Country></c:PlaceOfBirth>"),
    ),
    ("birth-place-region-and-country", "BenefitClaim", remove(f"{_BIRTH_PLACE}/c:Town")),
    (
        "birth-place-town-only",
        "BenefitClaim",
        remove(f"{_BIRTH_PLACE}/c:Region | {_BIRTH_PLACE}/c:Country"),
    ),
    (
        "address-town-and-country",
        "BenefitClaim",
        both(
            remove(f"{_RESIDENCE}/c:Street | {_RESIDENCE}/c:Building | {_RESIDENCE}/c:PostCode"),
            set_attribute(_RESIDENCE, "kind", None),
        ),
    ),
    ("parent-birth-name-only", "BenefitClaim", remove(f"{_CLAIMANT}/c:Father/c:Forename")),
    ("parent-forename-only", "BenefitClaim", remove(f"{_CLAIMANT}/c:Mother/c:BirthName")),
    (
        "nationality-without-date",
        "BenefitClaim",
        set_attribute(f"{_CLAIMANT}/c:Nationality[1]", "acquired", None),
    ),
    (
        "kosovo",
        "BenefitClaim",
        both(
            set_text("cl:CurrentWork/cl:Country", "XK"),
            set_text("cl:Family/cl:Partner/c:Nationality", "XK"),
        ),
    ),
    (
        "claim-without-residence-account-and-countries",
        "BenefitClaim",
        remove("cl:Residence | cl:PaymentAccount | cl:OtherInsuranceCountries"),
    ),
    ("account-without-holder", "BenefitClaim", remove("cl:PaymentAccount/cl:AccountHolder")),
    (
        "representative-organisation",
        "BenefitClaim",
        replace(
            "cl:Representative/cl:Person",
            "<cl:Organisation><cl:Name>Service des tutelles</cl:Name></cl:Organisation>",
        ),
    ),
    (
        "telephone-with-brackets",
        "BenefitClaim",
        set_text(f"{_CLAIMANT}/c:Telephone", "+352 (0)621 480-317"),
    ),
]

REFUSED = [
    ("birth-place-empty", "BenefitClaim", replace(_BIRTH_PLACE, "<c:PlaceOfBirth/>")),
    (
        "parent-empty",
        "BenefitClaim",
        remove(f"{_CLAIMANT}/c:Father/c:Forename | {_CLAIMANT}/c:Father/c:BirthName"),
    ),
    ("address-without-town", "BenefitClaim", remove(f"{_RESIDENCE}/c:Town")),
    ("telephone-words", "BenefitClaim", set_text(f"{_CLAIMANT}/c:Telephone", "call after six")),
    (
        "telephone-kind-unknown",
        "BenefitClaim",
        set_attribute(f"{_CLAIMANT}/c:Telephone", "kind", "fax"),
    ),
    ("email-without-domain", "BenefitClaim", set_text(f"{_CLAIMANT}/c:Email", "a.gaspar@post")),
    ("email-with-space", "BenefitClaim", set_text(f"{_CLAIMANT}/c:Email", "a gaspar@post.example")),
    (
        "institution-reference-empty",
        "BenefitClaim",
        remove("cl:Deferral/cl:Institution/cl:Id | cl:Deferral/cl:Institution/cl:Name"),
    ),
    (
        "institution-id-with-country",
        "BenefitClaim",
        add_after("cl:Deferral/cl:Institution/cl:Id", "<cl:Country>PT</cl:Country>"),
    ),
    ("hours-beyond-a-week", "BenefitClaim", set_text("cl:CurrentWork/cl:HoursPerWeek", "170")),
    (
        "income-without-frequency",
        "BenefitClaim",
        set_attribute("cl:CurrentWork/cl:GrossIncome", "frequency", None),
    ),
    (
        "calculation-period-without-frequency",
        "BenefitDecision",
        remove("cl:CalculationPeriod[1]/cl:Frequency"),
    ),
    ("new-union-without-date", "BenefitClaim-survivors", remove("cl:Family/cl:NewUnion/cl:Date")),
]


@pytest.mark.parametrize(
    ("example", "mutation"),
    [pytest.param(example, mutation, id=name) for name, example, mutation in ACCEPTED],
)
def test_v2_schema_accepts(example: str, mutation: mutations.Mutation) -> None:
    root = _mutated(example, mutation)
    schema = _schema("2.0")
    assert schema.validate(root.getroottree()), mutations.schema_errors(schema)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []


@pytest.mark.parametrize(
    ("example", "mutation"),
    [pytest.param(example, mutation, id=name) for name, example, mutation in REFUSED],
)
def test_v2_schema_refuses(example: str, mutation: mutations.Mutation) -> None:
    assert not _schema("2.0").validate(_mutated(example, mutation).getroottree())


# The rules on 2.0 content -------------------------------------------------------------------


_CHILD = "cl:Family/cl:Child"
_DECEASED = "cl:DeceasedPerson"
_PERIOD = "cl:CalculationPeriod"

FAILING = [
    # Persons, wherever they appear
    case(
        "same-number-twice-written-differently",
        "BenefitClaim",
        add_after(
            f"{_CLAIMANT}/c:PersonalIdentificationNumber[1]",
            '<c:PersonalIdentificationNumber country="LU">1961 0508 12345'
            "</c:PersonalIdentificationNumber>",
        ),
        "rule.duplicate-pin",
        at="/cl:Claimant/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "no-fixed-address-but-a-residence",
        "BenefitClaim",
        add_after(_RESIDENCE, "<c:NoFixedAddress/>"),
        "rule.no-fixed-address-with-residence",
        at="/cl:Claimant/c:NoFixedAddress",
    ),
    case(
        "nationality-acquired-before-birth",
        "BenefitClaim",
        set_attribute(f"{_CLAIMANT}/c:Nationality[2]", "acquired", "1960-01-01"),
        "rule.nationality-acquired-before-birth",
        at="/cl:Claimant/c:Nationality[2]",
    ),
    case(
        "nationality-acquired-in-future",
        "BenefitClaim-survivors",
        set_attribute(f"{_DECEASED}/c:Nationality[2]", "acquired", "2027-03-01"),
        "rule.nationality-acquired-in-future",
        at="/cl:DeceasedPerson/c:Nationality[2]",
    ),
    case(
        "child-born-in-future",
        "BenefitClaim-survivors",
        set_text(f"{_CHILD}/c:BirthDate", "2027-01-10"),
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
        set_text(f"{_DECEASED}/cl:DeathPlace/c:Country", "QQ"),
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
        set_text(f"{_DECEASED}/cl:Pension/cl:Institution/cl:Id", "QQ:PVA0001"),
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
        set_text(f"{_CHILD}[1]/c:BirthDate", "1960-01-01"),
        "rule.child-born-before-parent",
        at="/cl:Family/cl:Child[1]",
    ),
    case(
        "orphan-born-before-the-deceased",
        "BenefitClaim-survivors",
        set_text(f"{_CHILD}/c:BirthDate", "1957-05-01"),
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
        set_text(f"{_DECEASED}/cl:UnionDate", "1965-01-01"),
        "rule.union-before-birth",
        at="/cl:DeceasedPerson/cl:UnionDate",
    ),
    case(
        "marriage-with-deceased-after-the-death",
        "BenefitClaim-survivors",
        set_text(f"{_DECEASED}/cl:UnionDate", "2024-02-01"),
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
            f"{_CHILD}[2]",
            "<cl:NewUnion><cl:Kind>marriage</cl:Kind><cl:Date>2020-05-02</cl:Date></cl:NewUnion>",
        ),
        "rule.new-union-unexpected",
        at="/cl:Family/cl:NewUnion",
    ),
    case(
        "death-in-the-future-after-the-new-marriage",
        "BenefitClaim-survivors",
        set_text(f"{_DECEASED}/cl:DeathDate", "2027-01-05"),
        "rule.death-date-in-future",
        "rule.claim-date-before-death",
        "rule.new-union-before-death",
        at="/cl:DeceasedPerson/cl:DeathDate",
    ),
    # The deceased's pension, representation, other benefits, deferrals, attachments
    case(
        "pension-of-a-deceased-said-to-receive-none",
        "BenefitClaim-survivors",
        set_text(f"{_DECEASED}/cl:ReceivedPension", "false"),
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
        set_text(f"{_DECEASED}/cl:DeathCause/cl:Code", "other"),
        "rule.text-missing",
        at="/cl:DeceasedPerson/cl:DeathCause",
    ),
    # Calculation periods
    case(
        "calculation-periods-overlap",
        "BenefitDecision",
        set_text(f"{_PERIOD}[2]/c:Start", "2024-12-01"),
        "rule.calculation-periods-overlap",
        at="/cl:CalculationPeriod[2]",
    ),
    case(
        "calculation-period-after-a-running-one",
        "BenefitDecision",
        remove(f"{_PERIOD}[1]/c:End"),
        "rule.calculation-periods-overlap",
        "rule.calculation-periods-overlap",
        at="/cl:CalculationPeriod[2]",
    ),
    case(
        "calculation-period-ends-before-it-starts",
        "BenefitDecision",
        set_text(f"{_PERIOD}[2]/c:End", "2024-12-31"),
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
        set_text(f"{_PERIOD}[1]/cl:NetAmount", "400.00"),
        "rule.net-exceeds-gross",
        at="/cl:CalculationPeriod[1]/cl:NetAmount",
    ),
    case(
        "calculation-net-in-another-currency",
        "BenefitDecision",
        set_attribute(f"{_PERIOD}[3]/cl:NetAmount", "currency", "CHF"),
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
        remove(_PERIOD),
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
            set_text(f"{_CHILD}[1]/c:BirthDate", "1960-01-01"),
            set_text(f"{_CHILD}[1]/cl:Relationship", "stepchild"),
        ),
        at="",
    ),
    case(
        "two-numbers-of-one-country-and-sector",
        "BenefitClaim",
        add_after(
            f"{_CLAIMANT}/c:PersonalIdentificationNumber[1]",
            '<c:PersonalIdentificationNumber country="LU" issuingInstitution="LU:CNAP1000">'
            "1961050899999</c:PersonalIdentificationNumber>",
        ),
        at="",
    ),
    case(
        "no-fixed-address-with-a-place-of-stay",
        "BenefitClaim",
        both(
            set_attribute(_RESIDENCE, "kind", "stay"),
            add_after(_RESIDENCE, "<c:NoFixedAddress/>"),
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
        set_attribute(f"{_CLAIMANT}/c:Nationality[2]", "acquired", "1961-05-08"),
        at="",
    ),
    case(
        "last-calculation-period-running",
        "BenefitDecision",
        remove(f"{_PERIOD}[3]/c:End"),
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
    anchor = mutations.select(root, f"{_DECEASED}/c:PersonalIdentificationNumber[2]")[0]
    anchor.addnext(
        mutations.fragment(
            '<c:PersonalIdentificationNumber country="FR" issuingInstitution="FR:CNAV">'
            "255079912203177</c:PersonalIdentificationNumber>"
        )[0]
    )
    root = etree.fromstring(etree.tostring(root))
    assert _schema("1.0").validate(root.getroottree())
    issues = rules.check(DocumentType.BENEFIT_CLAIM, root, today=TODAY)
    assert [issue.code for issue in issues] == ["rule.duplicate-pin-country"]
    root.set("schemaVersion", "2.0")
    assert _schema("2.0").validate(root.getroottree())
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
