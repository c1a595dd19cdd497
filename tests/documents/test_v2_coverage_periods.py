"""Schema version 2.0 of the coverage and periods families: a strict superset of 1.0.

Every 1.0 document of these families, relabelled 2.0, is a valid 2.0 document that the rules
read the same way; the 2.0 examples are valid and pass the rules; each rule on 2.0 content
refuses a mutated example with its own code, and the constraints the schema carries itself
refuse what they should.
"""

from __future__ import annotations

from pathlib import Path

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, remove, replace, set_attribute, set_text
from lxml import etree

from documents.coverage_periods_v2 import (
    PERIOD_2,
    V2_EXAMPLES,
    load,
    load_valid,
    v2_schema,
)
from documents.rule_cases import TODAY
from gateway.documents import rules

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
V1_EXAMPLES = SCHEMAS / "examples"
XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}
_PATTERNS = ("Coverage*.xml", "InsurancePeriods*.xml")


def _examples(folder: Path) -> list[Path]:
    return sorted(path for pattern in _PATTERNS for path in folder.glob(pattern))


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
    schema = v2_schema(root)
    assert schema.validate(tree), mutations.schema_errors(schema)
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []


@pytest.mark.parametrize("path", _examples(V1_EXAMPLES), ids=lambda path: path.stem)
def test_v1_example_relabelled_is_valid_v2_and_reads_the_same(path: Path) -> None:
    root = _relabelled(path)
    schema = v2_schema(root)
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
        set_text(f"{PERIOD_2}/p:Kind", "compulsory-employed"),
        at="",
    ),
]


@pytest.mark.parametrize("invalid", [pytest.param(c, id=c.name) for c in INVALID])
def test_schema_refuses(invalid: mutations.Case) -> None:
    root = load(invalid.example, invalid.mutation)
    assert not v2_schema(root).validate(root.getroottree())


@pytest.mark.parametrize("unit", ["days", "weeks", "months", "quarters", "years"])
def test_every_duration_unit_is_accepted(unit: str) -> None:
    root = load_valid(
        "InsurancePeriodsReply-pensions",
        both(
            set_attribute(f"{PERIOD_2}/p:Duration", "unit", unit),
            set_text(f"{PERIOD_2}/p:Duration", "1"),
        ),
    )
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []
