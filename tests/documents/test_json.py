"""The JSON form of documents: it round-trips every example exactly and refuses bad input.

Run with ``-s`` to see what one conversion costs (``test_conversion_time``): for the 5.7 KB
``InsurancePeriodsReply`` example, about 8 ms from XML to JSON and 11 ms back (encoding, then
validating the result), once the family's schema has been compiled (0.05 to 0.2 s, once per
process). It is off the hot path: only back-offices that speak JSON pay it.
"""

from __future__ import annotations

import copy
import datetime
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from xmlschema import XMLResourceError, XMLSchemaImportWarning

from gateway.documents import (
    COMMON_NAMESPACE,
    SCHEMA_DIR,
    DocumentFamily,
    DocumentType,
    Issue,
    document_from_json,
    document_to_json,
    parse_untrusted,
    validate_document,
)
from gateway.documents._json import _load_schema
from gateway.errors import ValidationFailed

TODAY = datetime.date(2026, 11, 25)
EXAMPLES = sorted(
    path for path in (SCHEMA_DIR / "examples").glob("*.xml") if path.name != "Directory.xml"
)
JsonObject = dict[str, Any]


def canonical(xml: bytes) -> bytes:
    """Exclusive C14N of ``xml`` as :func:`parse_untrusted` reads it (so without comments).

    Whitespace-only text *between elements* is normalised away: the text of an element that
    has child elements, and every tail. That is indentation, which the JSON form does not keep.
    The text of leaf elements is compared exactly, whitespace included. Exclusive C14N keeps
    namespace prefixes, so a document written with other prefixes is not equal.
    """
    root = parse_untrusted(xml).getroot()
    for element in root.iter():
        if len(element) and element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, method="c14n", exclusive=True)


def to_json(xml: bytes) -> JsonObject:
    """The JSON form of a document, taken the way the gateway does: validated first."""
    document = validate_document(xml, today=TODAY)
    return document_to_json(document.document_type, document.root)


@pytest.fixture(scope="module")
def forms() -> dict[str, JsonObject]:
    return {path.stem: to_json(path.read_bytes()) for path in EXAMPLES}


def example_form(name: str) -> JsonObject:
    return to_json((SCHEMA_DIR / "examples" / f"{name}.xml").read_bytes())


def walk(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    """Every value in a JSON structure with its JSON pointer, containers included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}/{index}")


def refusal(data: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        document_from_json(data)
    return caught.value


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


# --- Refusals --------------------------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[JsonObject], None]:
    """A mutation that sets the member at a JSON pointer below the wrapper."""

    def mutate(form: JsonObject) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = form
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Callable[[JsonObject], None]:
    def mutate(form: JsonObject) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = form
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        del target[last]

    return mutate


# (case, mutation of the BenefitDecision example, code, path, a value no message may quote)
REFUSALS: list[tuple[str, Callable[[JsonObject], None], str, str, str | None]] = [
    ("missing document", _delete("/document"), "json.malformed", "/document", None),
    ("missing documentType", _delete("/documentType"), "json.malformed", "/documentType", None),
    ("missing schemaVersion", _delete("/schemaVersion"), "json.malformed", "/schemaVersion", None),
    ("extra member", _set("/signature", "x"), "json.malformed", "/signature", None),
    ("document not an object", _set("/document", ["x"]), "json.malformed", "/document", None),
    (
        "documentType not a string",
        _set("/documentType", 7),
        "json.malformed",
        "/documentType",
        None,
    ),
    (
        "unknown document type",
        _set("/documentType", "Directory"),
        "json.unknown-document",
        "/documentType",
        "Directory",
    ),
    (
        "unsupported version",
        _set("/schemaVersion", "1.1"),
        "json.unsupported-version",
        "/schemaVersion",
        None,
    ),
    (
        "impossible birth date",
        _set("/document/Person/BirthDate", "1961-02-30"),
        "json.invalid",
        "/document/Person/BirthDate",
        "1961-02-30",
    ),
    (
        "unknown member",
        _set("/document/Person/Nickname", "Jürgi"),
        "json.invalid",
        "/document/Person/Nickname",
        "Jürgi",
    ),
    (
        "empty forename in a list",
        _set("/document/Person/Forename/1", ""),
        "json.invalid",
        "/document/Person/Forename/1",
        None,
    ),
    (
        "family name too long",
        _set("/document/Person/FamilyName/0", "Ü" * 156),
        "json.invalid",
        "/document/Person/FamilyName/0",
        "ÜÜÜ",
    ),
    (
        "amount as a JSON number",
        _set("/document/Amount/$", 412.37),
        "json.invalid",
        "/document/Amount/$",
        "412.37",
    ),
    (
        "amount with five decimals",
        _set("/document/Amount/$", "412.37123"),
        "json.invalid",
        "/document/Amount/$",
        "412.37123",
    ),
    (
        "negative amount",
        _set("/document/NetAmount/$", "-378.19"),
        "json.invalid",
        "/document/NetAmount/$",
        "-378.19",
    ),
    (
        "bad currency",
        _set("/document/Amount/@currency", "euro"),
        "json.invalid",
        "/document/Amount/@currency",
        "euro",
    ),
    (
        "missing currency",
        _delete("/document/Amount/@currency"),
        "json.invalid",
        "/document/Amount/@currency",
        None,
    ),
    (
        "unknown attribute",
        _set("/document/Amount/@rate", "1.1"),
        "json.invalid",
        "/document/Amount/@rate",
        None,
    ),
    (
        "missing required element",
        _delete("/document/DecisionDate"),
        "json.invalid",
        "/document/DecisionDate",
        None,
    ),
    (
        "single element given twice",
        _set("/document/Result", ["granted", "refused"]),
        "json.invalid",
        "/document/Result/1",
        None,
    ),
    (
        "code not in the list",
        _set("/document/Result", "postponed"),
        "json.invalid",
        "/document/Result",
        "postponed",
    ),
    (
        "object given as text",
        _set("/document/Person", "Jürgen Müller"),
        "json.invalid",
        "/document/Person",
        "Jürgen Müller",
    ),
    (
        "deep value in a list",
        _set("/document/PeriodsCounted/Period/1/Duration/0/$", "0"),
        "json.invalid",
        "/document/PeriodsCounted/Period/1/Duration/0/$",
        None,
    ),
    (
        "empty array",
        _set("/document/Person/Forename", []),
        "json.invalid",
        "/document/Person/Forename",
        None,
    ),
    (
        "boolean",
        _set("/document/Frequency", True),
        "json.invalid",
        "/document/Frequency",
        None,
    ),
    (
        "integer where a code belongs",
        _set("/document/Person/PersonalIdentificationNumber/0/$", 161039910904245),
        "json.invalid",
        "/document/Person/PersonalIdentificationNumber/0/$",
        "161039910904245",
    ),
    (
        "value that must be unique repeated",
        _set(
            "/document/PeriodsCounted/Period/0/Duration",
            [{"@unit": "quarters", "$": "33"}, {"@unit": "quarters", "$": "1"}],
        ),
        "json.invalid",
        "/document/PeriodsCounted/Period/0/Duration/1",
        "quarters",
    ),
    (
        "inner schemaVersion disagrees",
        _set("/document/@schemaVersion", "1.1"),
        "json.invalid",
        "/document/@schemaVersion",
        None,
    ),
]


@pytest.mark.parametrize(
    ("mutate", "code", "path", "secret"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusal(
    mutate: Callable[[JsonObject], None], code: str, path: str, secret: str | None
) -> None:
    form = example_form("BenefitDecision")
    mutate(form)
    error = refusal(form)
    assert [(issue.code, issue.path) for issue in error.issues][:1] == [(code, path)], [
        str(issue) for issue in error.issues
    ]
    assert all(issue.message for issue in error.issues)
    if secret is not None:
        assert all(secret not in issue.message for issue in error.issues)
        assert secret not in str(error)


@pytest.mark.parametrize("data", [None, [], "{}", 3, b"{}"], ids=repr)
def test_anything_but_an_object_is_malformed(data: object) -> None:
    error = refusal(data)
    assert [(issue.code, issue.path) for issue in error.issues] == [("json.malformed", "")]


def test_several_problems_are_all_reported() -> None:
    form = example_form("BenefitDecision")
    form["document"]["Person"]["BirthDate"] = "1961-13-01"
    form["document"]["Amount"]["@currency"] = "eur"
    paths = {issue.path for issue in refusal(form).issues}
    assert paths == {"/document/Person/BirthDate", "/document/Amount/@currency"}


def test_refusal_messages_say_what_is_expected() -> None:
    form = example_form("BenefitDecision")
    form["document"]["Person"]["BirthDate"] = "14.03.1961"
    (issue,) = refusal(form).issues
    assert "YYYY-MM-DD" in issue.message
    assert "14.03.1961" not in issue.message


# --- Robustness: any JSON is either converted or refused with issues, never a traceback -----

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _pointers(value: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _pointers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _pointers(item, (*path, index))


def _issues_of(convert: Callable[[], object]) -> tuple[Issue, ...] | None:
    """The issues ``convert`` is refused with, or None when it succeeds."""
    try:
        convert()
    except ValidationFailed as error:
        return error.issues
    return None


def _check_outcome(data: object) -> None:
    """``data`` converts to XML that only business rules may refuse, or is refused as JSON."""
    xml: list[bytes] = []
    issues = _issues_of(lambda: xml.append(document_from_json(data)))
    if issues is not None:
        assert issues
        assert all(issue.code.startswith("json.") for issue in issues)
        assert all(issue.path == "" or str(issue.path).startswith("/") for issue in issues)
        return
    issues = _issues_of(lambda: validate_document(xml[0], today=TODAY))
    assert issues is None or all(issue.code.startswith("rule.") for issue in issues), [
        str(issue) for issue in issues or ()
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_mutation_is_converted_or_refused(data: st.DataObject) -> None:
    form = example_form(data.draw(st.sampled_from([path.stem for path in EXAMPLES])))
    pointer = data.draw(st.sampled_from(list(_pointers(form["document"]))))
    replacement = data.draw(_json_values)
    if not pointer:
        form["document"] = replacement
    else:
        target: Any = form["document"]
        for step in pointer[:-1]:
            target = target[step]
        if data.draw(st.booleans()) and isinstance(target, dict):
            target[data.draw(st.text(max_size=8))] = replacement
        else:
            target[pointer[-1]] = replacement
    _check_outcome(form)


@settings(max_examples=100, deadline=None)
@given(
    document_type=st.sampled_from([t.root_name for t in DocumentType]),
    document=_json_values,
)
def test_any_json_document_is_refused_cleanly(document_type: str, document: object) -> None:
    _check_outcome({"documentType": document_type, "schemaVersion": "1.0", "document": document})


# --- Schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize("family", list(DocumentFamily), ids=lambda family: family.name)
def test_every_family_loads_with_unambiguous_keys(family: DocumentFamily) -> None:
    schema = _load_schema(family.schema_path("1.0"))
    assert {t.root_name for t in DocumentType if t.family is family} <= set(schema.elements)


def test_schema_loading_never_reaches_the_network(tmp_path: Path) -> None:
    schema = tmp_path / "remote.xsd"
    schema.write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">'
        '<xs:import namespace="urn:o" schemaLocation="http://127.0.0.1:9/other.xsd"/>'
        '<xs:element name="A" type="xs:string"/></xs:schema>'
    )
    with pytest.warns(XMLSchemaImportWarning), pytest.raises(RuntimeError, match="remote"):
        _load_schema(schema)


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
        _load_schema(schema)


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
        _load_schema(schema)


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
