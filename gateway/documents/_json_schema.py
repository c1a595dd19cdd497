"""The XSDs as the JSON form reads them: compiled once per family and version, with each
type's children and attributes by local name (see ``_json``)."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final

from xmlschema import XMLSchema10, XMLSchemaConverter
from xmlschema.validators import XsdElement

from gateway.documents._catalogue import DocumentFamily

__all__ = [
    "ATTRIBUTE_PREFIX",
    "TEXT_KEY",
    "QualifyingConverter",
    "attribute_declarations",
    "child_elements",
    "family_schema",
    "load_schema",
]

TEXT_KEY: Final = "$"

ATTRIBUTE_PREFIX: Final = "@"

_lock = threading.Lock()


def load_schema(path: Path) -> XMLSchema10:
    """Compile the XSD at ``path`` with xmlschema, reading nothing outside its folder.

    ``allow="sandbox"`` refuses any resource that is remote or outside the schema's folder and
    ``defuse="always"`` parses every schema document with a parser that refuses entities.
    A refused import only warns in xmlschema; here it is an error, as is a content model where
    two children share a local name (JSON keys could not tell them apart).
    """
    schema = XMLSchema10(str(path), base_url=str(path.parent), allow="sandbox", defuse="always")
    if schema.warnings:
        raise RuntimeError(f"{path.name} did not load cleanly: {'; '.join(schema.warnings)}")
    for element in schema.elements.values():
        _check_unambiguous(element, set())
    return schema


@cache
def family_schema(family: DocumentFamily, version: str) -> XMLSchema10:
    with _lock:
        return load_schema(family.schema_path(version))


def _check_unambiguous(element: XsdElement, seen: set[int]) -> None:
    xsd_type = element.type
    if id(xsd_type) in seen:
        return
    seen.add(id(xsd_type))
    for child in child_elements(xsd_type).values():
        _check_unambiguous(child, seen)


# Per XSD type; weak, so that a schema compiled and dropped (as in tests) takes its entries along.
_children_cache: weakref.WeakKeyDictionary[Any, dict[str, XsdElement]] = weakref.WeakKeyDictionary()

_children_lock = threading.Lock()


def child_elements(xsd_type: Any) -> dict[str, XsdElement]:
    """The child element declarations of a type by local name (empty for simple content)."""
    with _children_lock:
        found = _children_cache.get(xsd_type)
    if found is not None:
        return found
    children: dict[str, XsdElement] = {}
    group = xsd_type.model_group if xsd_type.is_complex() else None
    if group is not None:
        for child in group.iter_elements():
            if not isinstance(child, XsdElement):
                raise RuntimeError(f"type {xsd_type.name!r} has a wildcard, which JSON cannot map")
            other = children.setdefault(child.local_name, child)
            if other.name != child.name:
                raise RuntimeError(
                    f"type {xsd_type.name!r} has two children named {child.local_name!r} "
                    "in different namespaces, which JSON keys cannot tell apart"
                )
    with _children_lock:
        _children_cache[xsd_type] = children
    return children


def attribute_declarations(xsd_type: Any) -> dict[str, Any]:
    """The attribute declarations of a type by local name."""
    if not xsd_type.is_complex():
        return {}
    return {
        str(name).rpartition("}")[2]: attribute
        for name, attribute in xsd_type.attributes.items()
        if name is not None  # None stands for an xs:anyAttribute wildcard
    }


class QualifyingConverter(XMLSchemaConverter):
    """xmlschema's default converter, with local-name keys qualified from the content model.

    Decoding uses the plain default converter with ``strip_namespaces``; encoding needs this
    one step back: before the default converter reads a JSON object, each element key is
    replaced by the qualified name of the child element it stands for.
    """

    def element_encode(self, obj: Any, xsd_element: Any, level: int = 0) -> Any:
        if isinstance(obj, Mapping):
            children = child_elements(xsd_element.type)
            obj = {
                (children[key].name if key in children else key): value
                for key, value in obj.items()
            }
        return super().element_encode(obj, xsd_element, level)
