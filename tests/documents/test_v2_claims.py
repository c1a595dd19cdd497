"""Schema 2.0 for persons, claims and decisions: a strict extension of 1.0, with its own rules.

The 2.0 files keep the 1.0 namespaces, so every 1.0 document that says 2.0 must stay valid and
mean the same; the examples in ``schemas/examples/v2`` show the new content, and each new rule
refuses a mutation of one of them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

import document_mutations as mutations
import pytest
import xmlschema
from document_mutations import add_after, both, remove, replace, set_attribute, set_text
from lxml import etree

from documents.claim_paths import (
    BIRTH_PLACE,
    CLAIMANT,
    RESIDENCE,
)
from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily

TODAY = datetime.date(2026, 11, 25)
V1 = SCHEMA_DIR / "v1"
V2 = SCHEMA_DIR / "v2"
EXAMPLES = SCHEMA_DIR / "examples"
V2_EXAMPLES = EXAMPLES / "v2"
COMMON = "urn:ssgw:common:1"
XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}


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


ACCEPTED = [
    (
        "birth-place-country-only",
        "BenefitClaim",
        replace(BIRTH_PLACE, "<c:PlaceOfBirth><c:Country>PT</c:Country></c:PlaceOfBirth>"),
    ),
    ("birth-place-region-and-country", "BenefitClaim", remove(f"{BIRTH_PLACE}/c:Town")),
    (
        "birth-place-town-only",
        "BenefitClaim",
        remove(f"{BIRTH_PLACE}/c:Region | {BIRTH_PLACE}/c:Country"),
    ),
    (
        "address-town-and-country",
        "BenefitClaim",
        both(
            remove(f"{RESIDENCE}/c:Street | {RESIDENCE}/c:Building | {RESIDENCE}/c:PostCode"),
            set_attribute(RESIDENCE, "kind", None),
        ),
    ),
    ("parent-birth-name-only", "BenefitClaim", remove(f"{CLAIMANT}/c:Father/c:Forename")),
    ("parent-forename-only", "BenefitClaim", remove(f"{CLAIMANT}/c:Mother/c:BirthName")),
    (
        "nationality-without-date",
        "BenefitClaim",
        set_attribute(f"{CLAIMANT}/c:Nationality[1]", "acquired", None),
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
        set_text(f"{CLAIMANT}/c:Telephone", "+352 (0)621 480-317"),
    ),
]

REFUSED = [
    ("birth-place-empty", "BenefitClaim", replace(BIRTH_PLACE, "<c:PlaceOfBirth/>")),
    (
        "parent-empty",
        "BenefitClaim",
        remove(f"{CLAIMANT}/c:Father/c:Forename | {CLAIMANT}/c:Father/c:BirthName"),
    ),
    ("address-without-town", "BenefitClaim", remove(f"{RESIDENCE}/c:Town")),
    ("telephone-words", "BenefitClaim", set_text(f"{CLAIMANT}/c:Telephone", "call after six")),
    (
        "telephone-kind-unknown",
        "BenefitClaim",
        set_attribute(f"{CLAIMANT}/c:Telephone", "kind", "fax"),
    ),
    ("email-without-domain", "BenefitClaim", set_text(f"{CLAIMANT}/c:Email", "a.gaspar@post")),
    ("email-with-space", "BenefitClaim", set_text(f"{CLAIMANT}/c:Email", "a gaspar@post.example")),
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
