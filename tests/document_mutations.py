"""Mutations of the example documents, for tests that a rule or a schema refuses what it should.

A mutation edits a parsed example in place, found by an XPath written with the prefixes of
``NS``; XML fragments are written with the same prefixes. The examples are read again after a
mutation, so that line numbers are those of the mutated document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gateway.documents._catalogue import DocumentFamily, DocumentType
from gateway.documents.rules import _support

#: The prefixes that paths and fragments are written with: those of the rules' issue paths.
NS = _support.NS

Mutation = Callable[[etree._Element], None]


def select(root: etree._Element, path: str) -> list[etree._Element]:
    """The elements ``path`` selects from ``root``: at least one, or the test fails."""
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, path
    return [element for element in found if isinstance(element, etree._Element)]


def fragment(xml: str) -> list[etree._Element]:
    """The elements of ``xml``, written with the prefixes of ``NS``."""
    declarations = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
    return list(etree.fromstring(f"<wrapper {declarations}>{xml}</wrapper>"))


def set_text(path: str, value: str) -> Mutation:
    """Set the text of the first ``path`` match."""

    def mutate(root: etree._Element) -> None:
        select(root, path)[0].text = value

    return mutate


def set_attribute(path: str, name: str, value: str | None) -> Mutation:
    """Set an attribute, or remove it when ``value`` is None."""

    def mutate(root: etree._Element) -> None:
        element = select(root, path)[0]
        if value is None:
            del element.attrib[name]
        else:
            element.set(name, value)

    return mutate


def _detach(element: etree._Element) -> None:
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)


def _insert_after(anchor: etree._Element, xml: str) -> None:
    for element in reversed(fragment(xml)):
        anchor.addnext(element)


def remove(path: str) -> Mutation:
    """Remove every element ``path`` selects."""

    def mutate(root: etree._Element) -> None:
        for element in select(root, path):
            _detach(element)

    return mutate


def add_after(path: str, xml: str) -> Mutation:
    """Insert the elements of ``xml`` after the first ``path`` match."""

    def mutate(root: etree._Element) -> None:
        _insert_after(select(root, path)[0], xml)

    return mutate


def insert_first(path: str, xml: str) -> Mutation:
    """Insert the elements of ``xml`` at the start of the first ``path`` match."""

    def mutate(root: etree._Element) -> None:
        parent = select(root, path)[0]
        for position, element in enumerate(fragment(xml)):
            parent.insert(position, element)

    return mutate


def replace(path: str, xml: str) -> Mutation:
    """Replace the first ``path`` match by the elements of ``xml``."""

    def mutate(root: etree._Element) -> None:
        anchor = select(root, path)[0]
        _insert_after(anchor, xml)
        _detach(anchor)

    return mutate


def both(*mutations: Mutation) -> Mutation:
    """The ``mutations`` one after the other."""

    def mutate(root: etree._Element) -> None:
        for mutation in mutations:
            mutation(root)

    return mutate


def mutated(path: Path, mutation: Mutation | None = None) -> etree._Element:
    """The root of the document at ``path`` after ``mutation``, read again when there is one."""
    root = etree.parse(str(path)).getroot()
    if mutation is None:
        return root
    mutation(root)
    return etree.fromstring(etree.tostring(root, encoding="UTF-8"))


@functools.cache
def family_schema(family: DocumentFamily, version: str) -> etree.XMLSchema:
    """The XSD of ``family`` in schema ``version``, compiled once."""
    return etree.XMLSchema(etree.parse(str(family.schema_path(version))))


def schema_errors(schema: etree.XMLSchema) -> list[str]:
    """What the last validation against ``schema`` found wrong."""
    return [str(error) for error in schema.error_log]


def document_type_of(root: etree._Element) -> DocumentType:
    """The document type of ``root``, which must be a document's root."""
    document_type = DocumentType.from_qualified_name(etree.QName(root).text)
    assert document_type is not None, root.tag
    return document_type


def load_valid(
    path: Path, mutation: Mutation | None, version: str
) -> tuple[DocumentType, etree._Element]:
    """The example at ``path`` after ``mutation``; still valid in ``version``, as rules assume."""
    root = mutated(path, mutation)
    document_type = document_type_of(root)
    schema = family_schema(document_type.family, version)
    assert schema.validate(root.getroottree()), schema_errors(schema)
    return document_type, root


@dataclass(frozen=True)
class Case:
    """A mutation of an example and the rule codes it must raise, the first one at ``at``."""

    name: str
    example: str
    mutation: Mutation
    codes: tuple[str, ...]
    at: str


def case(name: str, example: str, mutation: Mutation, *codes: str, at: str) -> Case:
    """A ``Case``, its codes written one after the other."""
    return Case(name, example, mutation, codes, at)
