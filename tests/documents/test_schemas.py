"""The five document XSDs: they compile, document every component and agree with the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from gateway.codes import Branch
from gateway.documents._catalogue import (
    COMMON_NAMESPACE,
    SCHEMA_DIR,
    SUPPORTED_SCHEMA_VERSIONS,
    DocumentFamily,
    DocumentType,
)

XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}
COMMON_XSD = SCHEMA_DIR / "v1" / "common.xsd"

#: The schema files of the document families, common first.
DOCUMENT_SCHEMAS = (COMMON_XSD, *(family.schema_path("1.0") for family in DocumentFamily))

#: The components that must each carry a one-sentence English xs:documentation.
DOCUMENTED = ("element", "attribute", "enumeration", "complexType", "simpleType")


def _parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def _enumeration(schema: etree._ElementTree, simple_type: str) -> list[str]:
    values = schema.xpath(
        f"/xs:schema/xs:simpleType[@name = '{simple_type}']//xs:enumeration/@value",
        namespaces=XS_NS,
    )
    assert isinstance(values, list)
    return [str(value) for value in values]


def _schema_id(path: Path) -> str:
    return path.name


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=_schema_id)
def test_schema_compiles(path: Path) -> None:
    etree.XMLSchema(_parse(path))


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=_schema_id)
def test_schema_header(path: Path) -> None:
    schema = _parse(path).getroot()
    assert schema.get("version") == "1.0"
    assert schema.get("elementFormDefault") == "qualified"
    if path == COMMON_XSD:
        assert schema.get("targetNamespace") == COMMON_NAMESPACE
        return
    imports = schema.findall(f"{{{XS}}}import")
    assert [(i.get("namespace"), i.get("schemaLocation")) for i in imports] == [
        (COMMON_NAMESPACE, "common.xsd")
    ]


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=_schema_id)
def test_every_component_is_documented(path: Path) -> None:
    schema = _parse(path)
    undocumented = []
    for kind in DOCUMENTED:
        for component in schema.iter(f"{{{XS}}}{kind}"):
            docs = component.findall(f"{{{XS}}}annotation/{{{XS}}}documentation")
            if not docs or not "".join(docs[0].itertext()).strip():
                name = component.get("name") or component.get("value") or "(anonymous)"
                undocumented.append(f"line {component.sourceline}: xs:{kind} {name}")
    assert undocumented == []


@pytest.mark.parametrize("path", DOCUMENT_SCHEMAS, ids=_schema_id)
def test_documentation_is_one_line(path: Path) -> None:
    schema = _parse(path)
    for documentation in schema.iter(f"{{{XS}}}documentation"):
        text = "".join(documentation.itertext())
        assert "\n" not in text, f"line {documentation.sourceline}"
        assert text == text.strip() and text.endswith("."), f"line {documentation.sourceline}"


def test_branch_code_list_equals_gateway_codes() -> None:
    assert _enumeration(_parse(COMMON_XSD), "Branch") == [branch.value for branch in Branch]


def test_each_version_folder_enumerates_its_own_version() -> None:
    listed = set()
    for version in SUPPORTED_SCHEMA_VERSIONS:
        common = DocumentFamily.CASE.schema_path(version).with_name("common.xsd")
        assert _enumeration(_parse(common), "SchemaVersion") == [version]
        listed.add(version)
    assert listed == {"1.0", "2.0"}


@pytest.mark.parametrize("family", DocumentFamily, ids=lambda family: family.name.lower())
def test_family_roots_are_its_document_types(family: DocumentFamily) -> None:
    schema = _parse(family.schema_path("1.0")).getroot()
    assert schema.get("targetNamespace") == family.namespace
    roots = {element.get("name") for element in schema.findall(f"{{{XS}}}element")}
    assert roots == {t.root_name for t in DocumentType if t.family is family}


@pytest.mark.parametrize("document_type", DocumentType, ids=lambda t: t.root_name)
def test_root_requires_schema_version(document_type: DocumentType) -> None:
    schema = _parse(document_type.family.schema_path("1.0"))
    attributes = schema.xpath(
        "/xs:schema/xs:complexType[@name = $name]/xs:attribute[@name = 'schemaVersion']",
        namespaces=XS_NS,
        name=document_type.root_name,
    )
    assert isinstance(attributes, list) and len(attributes) == 1
    attribute = attributes[0]
    assert isinstance(attribute, etree._Element)
    assert attribute.get("use") == "required"
    assert attribute.get("type") == "c:SchemaVersion"
    assert attribute.get("fixed") is None
