"""The JSON form of documents: it round-trips every example exactly and refuses bad input.

Run with ``-s`` to see what one conversion costs (``test_conversion_time``): for the 5.7 KB
``InsurancePeriodsReply`` example, about 8 ms from XML to JSON and 11 ms back (encoding, then
validating the result), once the family's schema has been compiled (0.05 to 0.2 s, once per
process). It is off the hot path: only back-offices that speak JSON pay it.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from lxml import etree
from xmlschema import XMLResourceError, XMLSchemaImportWarning

from documents.json_forms import (
    EXAMPLES,
    TODAY,
    JsonObject,
    canonical,
    example_form,
    to_json,
    walk,
)
from gateway.documents import (
    COMMON_NAMESPACE,
    SCHEMA_DIR,
    DocumentFamily,
    DocumentType,
    document_from_json,
    document_to_json,
    parse_untrusted,
    validate_document,
)
from gateway.documents._json_schema import load_schema
from gateway.errors import ValidationFailed


@pytest.fixture(scope="module")
def forms() -> dict[str, JsonObject]:
    return {path.stem: to_json(path.read_bytes()) for path in EXAMPLES}


# --- The comparison helper itself ------------------------------------------------------------


def test_canonical_ignores_indentation_and_comments_only() -> None:
    base = b'<a:R xmlns:a="urn:a"><a:X> y </a:X><a:Y>1</a:Y></a:R>'
    indented = b'<!-- c --><a:R xmlns:a="urn:a">\n  <a:X> y </a:X>\n  <a:Y>1</a:Y>\n</a:R>\n'
    assert canonical(base) == canonical(indented)
    assert canonical(base) != canonical(b'<a:R xmlns:a="urn:a"><a:X>y</a:X><a:Y>1</a:Y></a:R>')
    assert canonical(base) != canonical(b'<b:R xmlns:b="urn:a"><b:X> y </b:X><b:Y>1</b:Y></b:R>')


# --- Round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_xml_to_json_to_xml_gives_the_same_document(path: Path) -> None:
    original = path.read_bytes()
    xml = document_from_json(to_json(original))
    assert canonical(xml) == canonical(original)
    validated = validate_document(xml, today=TODAY)
    assert validated.root.tag == parse_untrusted(original).getroot().tag


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_json_to_xml_to_json_is_stable(path: Path, forms: dict[str, JsonObject]) -> None:
    form = forms[path.stem]
    once = to_json(document_from_json(form))
    assert once == form
    assert to_json(document_from_json(once)) == form


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_json_form_holds_only_json_types(path: Path, forms: dict[str, JsonObject]) -> None:
    form = forms[path.stem]
    text = json.dumps(form, ensure_ascii=False)
    assert json.loads(text) == form
    for pointer, value in walk(form):
        # No xs:float, xs:double or xs:boolean in these schemas: no JSON float or boolean.
        assert value is None or type(value) in (dict, list, str, int), pointer
        if isinstance(value, dict):
            for key in value:
                assert ":" not in key, f"{pointer}/{key} keeps a namespace prefix"
                assert not key.startswith("@xmlns"), pointer


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_wrapper_names_the_document(path: Path, forms: dict[str, JsonObject]) -> None:
    form = forms[path.stem]
    assert list(form) == ["documentType", "schemaVersion", "document"]
    assert form["documentType"] == path.stem.partition("-")[0]
    assert form["schemaVersion"] == "1.0"
    assert form["document"]["@schemaVersion"] == "1.0"


def test_money_amounts_are_strings(forms: dict[str, JsonObject]) -> None:
    decision = forms["BenefitDecision"]["document"]
    assert decision["Amount"] == {"@currency": "EUR", "$": "412.37"}
    assert decision["NetAmount"] == {"@currency": "EUR", "$": "378.19"}
    periods = forms["InsurancePeriodsReply"]["document"]["Periods"]["InsurancePeriod"]
    # Trailing zeros survive: the lexical form is kept, not a number.
    assert periods[2]["Earnings"] == {"@currency": "DEM", "$": "312450.00"}
    amounts = [
        value
        for form in forms.values()
        for _, value in walk(form)
        if isinstance(value, dict) and "@currency" in value
    ]
    assert len(amounts) > 4
    assert all(isinstance(amount["$"], str) for amount in amounts)
    durations = [value for _, value in walk(forms["BenefitDecision"]) if isinstance(value, dict)]
    assert all(isinstance(d["$"], str) for d in durations if "@unit" in d)


def test_large_amount_round_trips_exactly() -> None:
    form = example_form("BenefitDecision")
    gross, net = "98765432109876.5432", "98765432109876.5431"  # 18 digits: beyond a float
    form["document"]["Amount"]["$"] = gross
    form["document"]["NetAmount"]["$"] = net
    xml = document_from_json(form)
    assert f">{gross}<".encode() in xml
    back = to_json(xml)
    assert back["document"]["Amount"]["$"] == gross
    assert back["document"]["NetAmount"]["$"] == net


def test_repeated_elements_are_arrays_even_with_one_item(forms: dict[str, JsonObject]) -> None:
    person = forms["BenefitDecision"]["document"]["Person"]
    assert person["FamilyName"] == ["Müller-Lüdenscheidt"]
    assert person["BirthDate"] == "1961-03-14"
    assert isinstance(person["Address"], list)
    assert len(person["Address"]) == 1


def test_empty_elements_are_null(forms: dict[str, JsonObject]) -> None:
    periods = forms["InsurancePeriodsReply"]["document"]["Periods"]["InsurancePeriod"]
    markers = [period["EndUnknown"] for period in periods if "EndUnknown" in period]
    assert markers == [None]


def test_xml_uses_the_examples_prefixes() -> None:
    xml = document_from_json(example_form("CoverageCertificate"))
    root = etree.fromstring(xml)
    assert root.nsmap == {"cv": DocumentFamily.COVERAGE.namespace, "c": COMMON_NAMESPACE}
    assert all(not element.nsmap.keys() - root.nsmap.keys() for element in root.iter())
    assert xml.count(b"xmlns:") == 2
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<cv:CoverageCertificate ")


def test_member_order_does_not_matter() -> None:
    form = example_form("BenefitClaim")
    reordered = copy.deepcopy(form)

    def reverse(value: object) -> object:
        if isinstance(value, dict):
            return {key: reverse(value[key]) for key in reversed(list(value))}
        if isinstance(value, list):
            return [reverse(item) for item in value]
        return value

    reordered["document"] = reverse(form["document"])
    assert canonical(document_from_json(reordered)) == canonical(document_from_json(form))


def test_document_schema_version_may_be_left_out() -> None:
    form = example_form("Receipt")
    del form["document"]["@schemaVersion"]
    assert to_json(document_from_json(form)) == example_form("Receipt")


def test_document_inside_an_envelope_converts_alike() -> None:
    root = parse_untrusted((SCHEMA_DIR / "examples" / "Rejection.xml").read_bytes()).getroot()
    holder = etree.Element("{urn:example:holder}Body")
    holder.append(copy.deepcopy(root))
    inside = document_to_json(DocumentType.REJECTION, holder[0])
    assert inside == document_to_json(DocumentType.REJECTION, root)


def test_to_json_refuses_an_element_of_another_type() -> None:
    root = parse_untrusted((SCHEMA_DIR / "examples" / "Receipt.xml").read_bytes()).getroot()
    with pytest.raises(ValueError, match="not a Rejection"):
        document_to_json(DocumentType.REJECTION, root)


def test_business_rules_apply_to_json_input() -> None:
    form = example_form("BenefitDecision")
    form["document"]["NetAmount"]["$"] = "999.99"  # above the gross amount
    xml = document_from_json(form)  # schema-valid, so it converts...
    with pytest.raises(ValidationFailed) as caught:  # ...and the normal path refuses it
        validate_document(xml, today=TODAY)
    assert [issue.code for issue in caught.value.issues] == ["rule.net-exceeds-gross"]


def test_docs_full_example_is_current() -> None:
    docs = (SCHEMA_DIR.parent / "docs" / "json.md").read_text(encoding="utf-8")
    example = docs.rpartition("```json\n")[2].partition("\n```")[0]
    assert json.loads(example) == example_form("BenefitDecision")


# --- Schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("family", list(DocumentFamily), ids=lambda family: family.name)
def test_every_family_loads_with_unambiguous_keys(family: DocumentFamily) -> None:
    schema = load_schema(family.schema_path("1.0"))
    assert {t.root_name for t in DocumentType if t.family is family} <= set(schema.elements)


def test_schema_loading_never_reaches_the_network(tmp_path: Path) -> None:
    schema = tmp_path / "remote.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">'
        '<xs:import namespace="urn:o" schemaLocation="http://127.0.0.1:9/other.xsd"/>'
        '<xs:element name="A" type="xs:string"/></xs:schema>'
    )
    with pytest.warns(XMLSchemaImportWarning), pytest.raises(RuntimeError, match="remote"):
        load_schema(schema)


def test_schema_loading_stays_in_the_schema_folder(tmp_path: Path) -> None:
    (tmp_path / "outside.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">'
        '<xs:element name="B" type="xs:string"/></xs:schema>'
    )
    (tmp_path / "v1").mkdir()
    schema = tmp_path / "v1" / "inner.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">'
        '<xs:include schemaLocation="../outside.xsd"/>'
        '<xs:element name="A" type="xs:string"/></xs:schema>'
    )
    with pytest.raises(XMLResourceError, match="out of sandbox"):
        load_schema(schema)


def test_keys_that_local_names_cannot_tell_apart_are_refused(tmp_path: Path) -> None:
    (tmp_path / "b.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b" '
        'elementFormDefault="qualified"><xs:element name="Name" type="xs:string"/></xs:schema>'
    )
    schema = tmp_path / "a.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:b" '
        'targetNamespace="urn:a" elementFormDefault="qualified">'
        '<xs:import namespace="urn:b" schemaLocation="b.xsd"/>'
        '<xs:element name="R"><xs:complexType><xs:sequence>'
        '<xs:element name="Name" type="xs:string"/><xs:element ref="b:Name"/>'
        "</xs:sequence></xs:complexType></xs:element></xs:schema>"
    )
    with pytest.raises(RuntimeError, match="cannot tell apart"):
        load_schema(schema)


# --- Cost ------------------------------------------------------------------------------------


def test_conversion_time() -> None:
    """One conversion of the 5.7 KB InsurancePeriodsReply takes milliseconds (run with -s)."""
    xml = (SCHEMA_DIR / "examples" / "InsurancePeriodsReply.xml").read_bytes()
    validated = validate_document(xml, today=TODAY)
    form = document_to_json(validated.document_type, validated.root)  # compiles the schema
    rounds = 50
    start = time.perf_counter()
    for _ in range(rounds):
        document_to_json(validated.document_type, validated.root)
    to_json_seconds = (time.perf_counter() - start) / rounds
    start = time.perf_counter()
    for _ in range(rounds):
        document_from_json(form)
    from_json_seconds = (time.perf_counter() - start) / rounds
    print(
        f"\n{len(xml)} byte document: XML to JSON {to_json_seconds * 1000:.2f} ms, "
        f"JSON to XML {from_json_seconds * 1000:.2f} ms"
    )
    assert to_json_seconds < 1
    assert from_json_seconds < 1
