"""The shape of a JSON document: the names and JSON types its schema allows, checked before
xmlschema encodes it (see ``_json``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from xmlschema.validators import XsdElement

from gateway.documents._issues import Issue
from gateway.documents._json_schema import (
    ATTRIBUTE_PREFIX,
    TEXT_KEY,
    attribute_declarations,
    child_elements,
)

__all__ = ["accepts_empty", "invalid", "pointer", "shape_issues"]

# Characters outside the XML 1.0 Char production: C0 controls other than tab, line feed and
# carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def pointer(base: str, key: str | int) -> str:
    """``base`` extended by one JSON-pointer step (RFC 6901 escaping)."""
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def invalid(message: str, path: str) -> Issue:
    return Issue(code="json.invalid", message=message, path=path)


def shape_issues(element: XsdElement, value: object, path: str) -> Iterator[Issue]:
    """Issues with the members and JSON types of ``value``, the JSON of ``element``.

    xmlschema checks values, facets, occurrences and order; this catches what it would report
    less precisely: unknown keys, objects and arrays where values belong, numbers with a
    fraction (decimals are strings) and booleans where the schema has no boolean.
    """
    xsd_type = element.type
    if isinstance(value, dict):
        yield from _object_issues(element, value, path)
    elif isinstance(value, list):
        yield invalid(f"{element.local_name} must not be an array of arrays", path)
    elif value is None:
        # xmlschema writes null as an empty element without checking it: allow it only where
        # an empty element is valid, as decoding gives null for exactly those.
        if not accepts_empty(xsd_type):
            yield invalid(f"{element.local_name} must have a value, not null", path)
    elif xsd_type.is_complex() and not xsd_type.has_simple_content():
        yield invalid(f"{element.local_name} must be an object", path)
    else:
        yield from _scalar_issues(xsd_type, value, path, element.local_name)


def _object_issues(element: XsdElement, value: dict[Any, Any], path: str) -> Iterator[Issue]:
    xsd_type = element.type
    if _has_text(xsd_type) and TEXT_KEY not in value and not accepts_empty(xsd_type):
        yield invalid(f"{element.local_name} needs its value as {TEXT_KEY}", path)
    for key, item in value.items():
        if not isinstance(key, str):
            yield invalid("member names must be strings", path)
        elif key == TEXT_KEY:
            yield from _text_issues(element, item, pointer(path, key))
        elif key.startswith(ATTRIBUTE_PREFIX):
            yield from _attribute_issues(element, key, item, pointer(path, key))
        else:
            yield from _child_issues(element, key, item, pointer(path, key))


def _has_text(xsd_type: Any) -> bool:
    return bool(xsd_type.is_simple() or xsd_type.has_simple_content())


def _text_issues(element: XsdElement, item: object, path: str) -> Iterator[Issue]:
    """Issues with the ``$`` member of ``element``'s object."""
    xsd_type = element.type
    if not _has_text(xsd_type):
        yield invalid(f"{element.local_name} has no text; give its members", path)
    elif isinstance(item, dict | list):
        yield invalid("text must be a single value", path)
    elif item is None:
        if not accepts_empty(xsd_type):
            yield invalid(f"{element.local_name} must have a value, not null", path)
    else:
        yield from _scalar_issues(xsd_type, item, path, element.local_name)


def _attribute_issues(element: XsdElement, key: str, item: object, path: str) -> Iterator[Issue]:
    """Issues with the ``@attribute`` member ``key`` of ``element``'s object."""
    attributes = attribute_declarations(element.type)
    attribute = attributes.get(key[len(ATTRIBUTE_PREFIX) :])
    if attribute is None:
        allowed = ", ".join(sorted("@" + name for name in attributes)) or "none"
        yield invalid(f"not an attribute of {element.local_name} (attributes: {allowed})", path)
    elif isinstance(item, dict | list) or item is None:
        yield invalid("an attribute must be a single value", path)
    else:
        yield from _scalar_issues(attribute.type, item, path, key)


def _child_issues(element: XsdElement, key: str, item: object, path: str) -> Iterator[Issue]:
    """Issues with the child element member ``key`` of ``element``'s object."""
    children = child_elements(element.type)
    if key not in children:
        allowed = ", ".join(children) or "none"
        yield invalid(f"not a member of {element.local_name} (members: {allowed})", path)
    elif isinstance(item, list):
        if not item:
            yield invalid(f"{key} must not be an empty array; leave it out instead", path)
        for index, entry in enumerate(item):
            yield from shape_issues(children[key], entry, pointer(path, index))
    else:
        yield from shape_issues(children[key], item, path)


def accepts_empty(xsd_type: Any) -> bool:
    """Whether an element of this type may be empty: no children and no text."""
    if xsd_type.is_simple():
        return bool(xsd_type.is_valid(""))
    if xsd_type.has_simple_content():
        return bool(xsd_type.simple_type.is_valid(""))
    group = xsd_type.model_group
    return group is None or bool(group.is_emptiable())


def _primitive(xsd_type: Any) -> str:
    """The local name of the XSD primitive type behind a simple type or simple content."""
    simple = xsd_type if xsd_type.is_simple() else xsd_type.simple_type
    primitive = getattr(simple, "primitive_type", None)
    return str(getattr(primitive, "local_name", "") or "")


def _scalar_issues(xsd_type: Any, value: object, path: str, name: str) -> Iterator[Issue]:
    primitive = _primitive(xsd_type)
    if isinstance(value, str):
        if _NOT_XML_CHARACTER.search(value):
            yield invalid(
                f"{name} contains a character XML cannot hold (a control character or a lone "
                "surrogate)",
                path,
            )
        return
    if isinstance(value, bool):
        if primitive != "boolean":
            yield invalid(f"{name} must be a string, not true or false", path)
    elif isinstance(value, int):
        if primitive not in {"decimal", "float", "double"}:
            yield invalid(f"{name} must be a string, not a number", path)
    elif isinstance(value, float):
        if primitive == "decimal":
            yield invalid(
                f'{name} must be written as a string, such as "1234.50", so that no digit '
                "is lost; JSON numbers with a fraction or exponent are not accepted",
                path,
            )
        elif primitive not in {"float", "double"}:
            yield invalid(f"{name} must be a string, not a number", path)
    else:
        yield invalid(f"{name} must be a string or a number", path)
