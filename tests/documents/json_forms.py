"""What the JSON-form tests share: the examples, the comparison of XML documents, and the
JSON form of an example or the refusal of some JSON."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from lxml import etree

from gateway.documents import (
    SCHEMA_DIR,
    document_from_json,
    document_to_json,
    parse_untrusted,
    validate_document,
)
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
