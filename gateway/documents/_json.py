"""JSON for back-offices: the same documents, written as JSON and converted by their XSD.

The conversion is xmlschema's decoding and encoding with its default converter
(``XMLSchemaConverter``: attributes as ``@name``, simple content beside attributes as ``$``,
an element that may repeat always as an array), so JSON and XML can never drift apart: both
are read and written through the same compiled schema. Keys are local names; on the way back
each key is qualified by the content model of the element it sits in, which the loader checks
is unambiguous. Decimals stay strings, so amounts of money round-trip exactly.

What is signed and sent is always the XML that :func:`document_from_json` returns, after the
caller has passed it through :func:`~gateway.documents.validate_document` like any other
document. The rules are written up, with an example, in ``docs/json.md``.
"""

from __future__ import annotations

import copy
import re
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, cast

from lxml import etree
from xmlschema import XMLSchema10, XMLSchemaConverter
from xmlschema.validators import (
    XMLSchemaChildrenValidationError,
    XMLSchemaValidationError,
    XsdAtomicBuiltin,
    XsdElement,
    XsdEnumerationFacets,
    XsdFractionDigitsFacet,
    XsdLengthFacet,
    XsdMaxExclusiveFacet,
    XsdMaxInclusiveFacet,
    XsdMaxLengthFacet,
    XsdMinExclusiveFacet,
    XsdMinInclusiveFacet,
    XsdMinLengthFacet,
    XsdPatternFacets,
    XsdTotalDigitsFacet,
)

from gateway.documents._catalogue import (
    COMMON_NAMESPACE,
    SUPPORTED_SCHEMA_VERSIONS,
    DocumentFamily,
    DocumentType,
)
from gateway.documents._issues import Issue
from gateway.errors import ValidationFailed

__all__ = ["document_from_json", "document_to_json"]

#: The prefix each namespace gets in the XML that :func:`document_from_json` writes; the same
#: prefixes as the examples in ``schemas/examples``.
_PREFIXES: Final[Mapping[str, str]] = {
    DocumentFamily.PERIODS.namespace: "p",
    DocumentFamily.CLAIMS.namespace: "cl",
    DocumentFamily.COVERAGE.namespace: "cv",
    DocumentFamily.TECHNICAL.namespace: "t",
    DocumentFamily.CASE.namespace: "k",
    COMMON_NAMESPACE: "c",
}

_TEXT_KEY: Final = "$"
_ATTRIBUTE_PREFIX: Final = "@"
_WRAPPER_KEYS: Final = ("documentType", "schemaVersion", "document")
_INDENT: Final = 2
# At most this many issues are reported for one JSON document; the first ones say enough.
_MAX_ISSUES: Final = 50

# xmlschema's wording of an error can quote the refused value, which may be personal data, so
# only names are ever taken from it: a missing attribute is "missing required attribute 'name'"
# and a broken identity constraint "duplicated value (...) for XsdUnique(name='p:Name')".
_MISSING_ATTRIBUTE = re.compile(r"missing required attribute '([^']+)'")
_DUPLICATE = re.compile(r"duplicated value .* for Xsd\w+\(name='(?:\w+:)?([^']+)'\)", re.DOTALL)

# Characters outside the XML 1.0 Char production: C0 controls other than tab, line feed and
# carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_lock = threading.Lock()


# --- Schemas ---------------------------------------------------------------------------------


def _load_schema(path: Path) -> XMLSchema10:
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
def _family_schema(family: DocumentFamily, version: str) -> XMLSchema10:
    with _lock:
        return _load_schema(family.schema_path(version))


def _check_unambiguous(element: XsdElement, seen: set[int]) -> None:
    xsd_type = element.type
    if id(xsd_type) in seen:
        return
    seen.add(id(xsd_type))
    for child in _children(xsd_type).values():
        _check_unambiguous(child, seen)


# Per XSD type; weak, so that a schema compiled and dropped (as in tests) takes its entries along.
_children_cache: weakref.WeakKeyDictionary[Any, dict[str, XsdElement]] = weakref.WeakKeyDictionary()
_children_lock = threading.Lock()


def _children(xsd_type: Any) -> dict[str, XsdElement]:
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


class _QualifyingConverter(XMLSchemaConverter):
    """xmlschema's default converter, with local-name keys qualified from the content model.

    Decoding uses the plain default converter with ``strip_namespaces``; encoding needs this
    one step back: before the default converter reads a JSON object, each element key is
    replaced by the qualified name of the child element it stands for.
    """

    def element_encode(self, obj: Any, xsd_element: Any, level: int = 0) -> Any:
        if isinstance(obj, Mapping):
            children = _children(xsd_element.type)
            obj = {
                (children[key].name if key in children else key): value
                for key, value in obj.items()
            }
        return super().element_encode(obj, xsd_element, level)


# --- XML to JSON -----------------------------------------------------------------------------


def document_to_json(document_type: DocumentType, root: etree._Element) -> dict[str, Any]:
    """The JSON form of a document: ``{"documentType", "schemaVersion", "document"}``.

    ``root`` is the document's root element, normally a validated document's
    (:attr:`ValidatedDocument.root`); it may sit inside an envelope. ``document`` is
    xmlschema's decoding of it with local-name keys, ``@`` attributes, ``$`` text beside
    attributes and decimals as strings; the result holds only JSON types.

    Raises :class:`ValueError` if ``root`` is not a ``document_type`` and
    :class:`ValidationFailed` if it does not follow its schema.
    """
    if root.tag != document_type.qualified_name:
        raise ValueError(f"the element is not a {document_type.root_name}")
    # xmlschema reads lxml elements, though its type hints name only ElementTree's.
    standalone: Any = root if root.getparent() is None else copy.deepcopy(root)
    version = root.get("schemaVersion", "")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise ValueError(f"the document's schemaVersion {version!r} is not supported")
    schema = _family_schema(document_type.family, version)
    try:
        decoded = schema.decode(
            standalone,
            validation="strict",
            decimal_type=str,
            strip_namespaces=True,
            text_key=_TEXT_KEY,
            attr_prefix=_ATTRIBUTE_PREFIX,
        )
    except XMLSchemaValidationError as error:
        raise ValidationFailed(
            [
                Issue(
                    code="schema.invalid",
                    message=_value_message(error.validator),
                    path=_safe_xpath(error),
                )
            ]
        ) from None
    if not isinstance(decoded, dict):
        # A document's root always has content and its schemaVersion attribute.
        raise ValueError(f"the {document_type.root_name} decodes to no JSON object")
    return {
        "documentType": document_type.root_name,
        "schemaVersion": root.get("schemaVersion"),
        "document": decoded,
    }


def _safe_xpath(error: XMLSchemaValidationError) -> str | None:
    try:
        path = error.path
    except Exception:  # a location is a nicety, never worth a traceback
        return None
    return str(path) if path else None


# --- JSON to XML -----------------------------------------------------------------------------


def document_from_json(data: object) -> bytes:
    """The XML document a JSON form stands for, encoded by its XSD.

    ``data`` is the parsed JSON (``json.loads``) of ``{"documentType", "schemaVersion",
    "document"}``. The XML is schema-valid as xmlschema sees it; pass it to
    :func:`~gateway.documents.validate_document` before anything else, as for any document,
    so the same schema check and business rules apply.

    Raises :class:`ValidationFailed` with ``json.malformed`` (not the three-member object),
    ``json.unknown-document``, ``json.unsupported-version`` or ``json.invalid`` (the document
    does not follow its schema) issues, each with a JSON-pointer path. Messages name the field,
    never its value.
    """
    document_type, version, document = _read_wrapper(data)
    schema = _family_schema(document_type.family, version)
    root_element: XsdElement = schema.elements[document_type.root_name]

    issues = list(_shape_issues(root_element, document, "/document"))
    stated = document.get("@schemaVersion", version)
    if stated != version:
        issues.append(
            Issue(
                code="json.invalid",
                message="@schemaVersion, when given, must equal the top-level schemaVersion",
                path="/document/@schemaVersion",
            )
        )
    if issues:
        raise ValidationFailed(issues[:_MAX_ISSUES])
    document = {"@schemaVersion": version, **document}

    namespaces = {
        _PREFIXES[document_type.namespace]: document_type.namespace,
        _PREFIXES[COMMON_NAMESPACE]: COMMON_NAMESPACE,
    }
    try:
        encoded: Any = schema.encode(
            document,
            path=document_type.qualified_name,
            validation="lax",
            # JSON objects have no order: children are put in the order of the content model.
            unordered=True,
            converter=_QualifyingConverter,
            namespaces=namespaces,
            text_key=_TEXT_KEY,
            attr_prefix=_ATTRIBUTE_PREFIX,
            etree_element_class=etree.Element,
        )
    except Exception:
        # A backstop: the shape checks above are meant to leave xmlschema only values to judge,
        # but whatever it cannot encode is the client's input, never a traceback.
        raise ValidationFailed(
            [Issue(code="json.invalid", message="the document cannot be encoded", path="/document")]
        ) from None
    root, errors = encoded
    if not errors and isinstance(root, etree._Element):
        # Encoding checks values and content models but not identity constraints (xs:unique):
        # validating the result too makes it valid as far as xmlschema can tell.
        errors = list(schema.iter_errors(cast("Any", root)))
    if errors or not isinstance(root, etree._Element):
        issues = _unique(_error_issue(error, document, root_element) for error in errors)
        raise ValidationFailed(
            issues[:_MAX_ISSUES]
            or [Issue(code="json.invalid", message="the document cannot be encoded", path="")]
        )
    etree.cleanup_namespaces(root, top_nsmap=namespaces)
    etree.indent(root, space=" " * _INDENT)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _malformed(message: str, path: str) -> ValidationFailed:
    return ValidationFailed([Issue(code="json.malformed", message=message, path=path)])


def _read_wrapper(data: object) -> tuple[DocumentType, str, dict[str, Any]]:
    if not isinstance(data, dict):
        raise _malformed(
            "the JSON must be an object with documentType, schemaVersion and document", ""
        )
    for key in data:
        if key not in _WRAPPER_KEYS:
            raise _malformed(
                "unknown member; only documentType, schemaVersion and document are allowed",
                _pointer("", key if isinstance(key, str) else str(key)),
            )
    for key in _WRAPPER_KEYS:
        if key not in data:
            raise _malformed(f"{key} is missing", f"/{key}")
    name, version, document = data["documentType"], data["schemaVersion"], data["document"]
    if not isinstance(name, str):
        raise _malformed("documentType must be a string", "/documentType")
    if not isinstance(version, str):
        raise _malformed("schemaVersion must be a string", "/schemaVersion")
    if not isinstance(document, dict):
        raise _malformed("document must be an object", "/document")
    try:
        document_type = DocumentType.from_root_name(name)
    except KeyError:
        known = ", ".join(sorted(t.root_name for t in DocumentType))
        raise ValidationFailed(
            [
                Issue(
                    code="json.unknown-document",
                    message=f"documentType is not a document type of this network (known: {known})",
                    path="/documentType",
                )
            ]
        ) from None
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(sorted(SUPPORTED_SCHEMA_VERSIONS))
        raise ValidationFailed(
            [
                Issue(
                    code="json.unsupported-version",
                    message=f"schemaVersion is not supported (supported: {supported})",
                    path="/schemaVersion",
                )
            ]
        )
    return document_type, version, document


def _pointer(base: str, key: str | int) -> str:
    """``base`` extended by one JSON-pointer step (RFC 6901 escaping)."""
    return f"{base}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _invalid(message: str, path: str) -> Issue:
    return Issue(code="json.invalid", message=message, path=path)


# -- Shape: the names and JSON types the schema allows, checked before xmlschema encodes ----


def _shape_issues(element: XsdElement, value: object, path: str) -> Iterator[Issue]:
    """Issues with the members and JSON types of ``value``, the JSON of ``element``.

    xmlschema checks values, facets, occurrences and order; this catches what it would report
    less precisely: unknown keys, objects and arrays where values belong, numbers with a
    fraction (decimals are strings) and booleans where the schema has no boolean.
    """
    xsd_type = element.type
    if isinstance(value, dict):
        yield from _object_issues(element, value, path)
    elif isinstance(value, list):
        yield _invalid(f"{element.local_name} must not be an array of arrays", path)
    elif value is None:
        # xmlschema writes null as an empty element without checking it: allow it only where
        # an empty element is valid, as decoding gives null for exactly those.
        if not _accepts_empty(xsd_type):
            yield _invalid(f"{element.local_name} must have a value, not null", path)
    elif xsd_type.is_complex() and not xsd_type.has_simple_content():
        yield _invalid(f"{element.local_name} must be an object", path)
    else:
        yield from _scalar_issues(xsd_type, value, path, element.local_name)


def _object_issues(element: XsdElement, value: dict[Any, Any], path: str) -> Iterator[Issue]:
    xsd_type = element.type
    children = _children(xsd_type)
    attributes = _attributes(xsd_type)
    simple_content = xsd_type.is_simple() or xsd_type.has_simple_content()
    if simple_content and _TEXT_KEY not in value and not _accepts_empty(xsd_type):
        yield _invalid(f"{element.local_name} needs its value as {_TEXT_KEY}", path)
    for key, item in value.items():
        if not isinstance(key, str):
            yield _invalid("member names must be strings", path)
            continue
        item_path = _pointer(path, key)
        if key == _TEXT_KEY:
            if not simple_content:
                yield _invalid(f"{element.local_name} has no text; give its members", item_path)
            elif isinstance(item, dict | list):
                yield _invalid("text must be a single value", item_path)
            elif item is None:
                if not _accepts_empty(xsd_type):
                    yield _invalid(f"{element.local_name} must have a value, not null", item_path)
            else:
                yield from _scalar_issues(xsd_type, item, item_path, element.local_name)
        elif key.startswith(_ATTRIBUTE_PREFIX):
            attribute = attributes.get(key[len(_ATTRIBUTE_PREFIX) :])
            if attribute is None:
                allowed = ", ".join(sorted("@" + name for name in attributes)) or "none"
                yield _invalid(
                    f"not an attribute of {element.local_name} (attributes: {allowed})", item_path
                )
            elif isinstance(item, dict | list) or item is None:
                yield _invalid("an attribute must be a single value", item_path)
            else:
                yield from _scalar_issues(attribute.type, item, item_path, key)
        elif key not in children:
            allowed = ", ".join(children) or "none"
            yield _invalid(f"not a member of {element.local_name} (members: {allowed})", item_path)
        elif isinstance(item, list):
            if not item:
                yield _invalid(f"{key} must not be an empty array; leave it out instead", item_path)
            for index, entry in enumerate(item):
                yield from _shape_issues(children[key], entry, _pointer(item_path, index))
        else:
            yield from _shape_issues(children[key], item, item_path)


def _attributes(xsd_type: Any) -> dict[str, Any]:
    """The attribute declarations of a type by local name."""
    if not xsd_type.is_complex():
        return {}
    return {
        str(name).rpartition("}")[2]: attribute
        for name, attribute in xsd_type.attributes.items()
        if name is not None  # None stands for an xs:anyAttribute wildcard
    }


def _accepts_empty(xsd_type: Any) -> bool:
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
            yield _invalid(
                f"{name} contains a character XML cannot hold (a control character or a lone "
                "surrogate)",
                path,
            )
        return
    if isinstance(value, bool):
        if primitive != "boolean":
            yield _invalid(f"{name} must be a string, not true or false", path)
    elif isinstance(value, int):
        if primitive not in {"decimal", "float", "double"}:
            yield _invalid(f"{name} must be a string, not a number", path)
    elif isinstance(value, float):
        if primitive == "decimal":
            yield _invalid(
                f'{name} must be written as a string, such as "1234.50", so that no digit '
                "is lost; JSON numbers with a fraction or exponent are not accepted",
                path,
            )
        elif primitive not in {"float", "double"}:
            yield _invalid(f"{name} must be a string, not a number", path)
    else:
        yield _invalid(f"{name} must be a string or a number", path)


# -- xmlschema's encoding errors as issues, located by JSON pointer --------------------------


def _unique(issues: Iterable[Issue]) -> list[Issue]:
    """The first issue at each path: what follows at the same place is mostly its echo."""
    seen: set[str | None] = set()
    unique: list[Issue] = []
    for issue in issues:
        if issue.path not in seen:
            seen.add(issue.path)
            unique.append(issue)
    return unique


@dataclass(frozen=True, slots=True)
class _Place:
    """Where an encoded element came from: its JSON pointer, JSON value and declaration."""

    path: str
    value: object
    declaration: XsdElement | None


def _locate(elem: object, document: dict[str, Any], root: XsdElement) -> _Place:
    """Find the JSON member an element of the encoded tree was encoded from."""
    if not isinstance(elem, etree._Element):
        return _Place("/document", document, root)
    chain = [elem, *elem.iterancestors()]
    chain.reverse()
    place = _Place("/document", document, root)
    for step in chain[1:]:
        key = etree.QName(step).localname
        path = _pointer(place.path, key)
        value = place.value.get(key) if isinstance(place.value, dict) else None
        declaration = (
            _children(place.declaration.type).get(key) if place.declaration is not None else None
        )
        if isinstance(value, list):
            parent = step.getparent()
            siblings = [s for s in parent if s.tag == step.tag] if parent is not None else [step]
            index = siblings.index(step)
            path = _pointer(path, index)
            value = value[index] if index < len(value) else None
        place = _Place(path, value, declaration)
    return place


def _error_issue(
    error: XMLSchemaValidationError, document: dict[str, Any], root: XsdElement
) -> Issue:
    place = _locate(error.elem, document, root)
    if isinstance(error, XMLSchemaChildrenValidationError):
        return _children_issue(error, document, root, place)
    reason = str(error.reason or "")
    duplicate = _DUPLICATE.match(reason)
    if duplicate:
        return _invalid(
            f"repeats a value that may occur only once here (constraint {duplicate[1]})",
            place.path,
        )
    missing = _MISSING_ATTRIBUTE.search(reason)
    if missing:
        name = missing[1].rpartition("}")[2]
        return _invalid("a required attribute is missing", _pointer(place.path, "@" + name))
    member = _member_at_fault(error, place)
    path = place.path if member is None else _pointer(place.path, member)
    return _invalid(_value_message(error.validator), path)


def _member_at_fault(error: XMLSchemaValidationError, place: _Place) -> str | None:
    """Which ``@attribute`` or ``$`` of an object holds the refused value, when it is one.

    xmlschema says which element a refused value belongs to, not whether it was the text or
    an attribute: the member is the one whose type the refusing component belongs to, and if
    several are, the one holding the refused value.
    """
    if not isinstance(place.value, dict) or place.declaration is None:
        return None
    xsd_type = place.declaration.type
    candidates: list[str] = []
    for key in place.value:
        if key == _TEXT_KEY:
            member_type = xsd_type if xsd_type.is_simple() else xsd_type.simple_type
        elif isinstance(key, str) and key.startswith(_ATTRIBUTE_PREFIX):
            attribute = _attributes(xsd_type).get(key[len(_ATTRIBUTE_PREFIX) :])
            member_type = attribute.type if attribute is not None else None
        else:
            continue
        if _involves(member_type, error.validator):
            candidates.append(key)
    if len(candidates) > 1:
        same = [key for key in candidates if str(place.value[key]) == str(error.obj)]
        candidates = same or candidates
    return candidates[0] if candidates else None


def _involves(xsd_type: Any, validator: object) -> bool:
    """Whether ``validator`` is ``xsd_type``, one of its base types or one of their facets."""
    while xsd_type is not None:
        if validator is xsd_type or getattr(validator, "parent", None) is xsd_type:
            return True
        xsd_type = getattr(xsd_type, "base_type", None)
    return False


def _children_issue(
    error: XMLSchemaChildrenValidationError,
    document: dict[str, Any],
    root: XsdElement,
    place: _Place,
) -> Issue:
    """A missing, surplus or misplaced child element, said in terms of JSON members."""
    members = place.value if isinstance(place.value, dict) else {}
    expected = [e for e in (error.expected or ()) if isinstance(e, XsdElement)]
    absent = [e.local_name for e in expected if e.local_name not in members]
    if len(absent) == 1:
        return _invalid(f"{absent[0]} is required but missing", _pointer(place.path, absent[0]))
    if absent:
        return _invalid(f"one of these members is required: {', '.join(absent)}", place.path)
    particle = error.particle
    child = error.invalid_child
    if child is not None:
        child_path = _locate(child, document, root).path
        name = etree.QName(str(child.tag)).localname
        if isinstance(particle, XsdElement) and particle.name == child.tag:
            return _invalid(f"{name} may occur at most {particle.max_occurs} time(s)", child_path)
        return _invalid(f"{name} is not allowed here or occurs too often", child_path)
    if isinstance(particle, XsdElement) and particle.min_occurs:
        return _invalid(
            f"{particle.local_name} must occur at least {particle.min_occurs} time(s)",
            _pointer(place.path, particle.local_name),
        )
    return _invalid("the content is incomplete", place.path)


_FACETS: Final[tuple[tuple[type[Any], str], ...]] = (
    (XsdLengthFacet, "must have exactly {value} character(s)"),
    (XsdMinLengthFacet, "must have at least {value} character(s)"),
    (XsdMaxLengthFacet, "must have at most {value} character(s)"),
    (XsdMinInclusiveFacet, "must be at least {value}"),
    (XsdMinExclusiveFacet, "must be greater than {value}"),
    (XsdMaxInclusiveFacet, "must be at most {value}"),
    (XsdMaxExclusiveFacet, "must be less than {value}"),
    (XsdTotalDigitsFacet, "must have at most {value} digit(s)"),
    (XsdFractionDigitsFacet, "must have at most {value} decimal place(s)"),
)

_BUILTIN_FORMS: Final[Mapping[str, str]] = {
    "date": "a date written YYYY-MM-DD",
    "dateTime": "a date and time with a time zone, such as 2026-11-24T10:02:51+01:00",
    "decimal": 'a decimal number written as a string, such as "1234.50"',
    "integer": "a whole number",
    "positiveInteger": "a whole number greater than zero",
    "nonNegativeInteger": "a whole number, zero or more",
    "boolean": "true or false",
}


def _value_message(validator: object) -> str:
    """Why a value is refused, from the schema component that refused it; never the value."""
    for facet_class, template in _FACETS:
        if isinstance(validator, facet_class):
            return "the value " + template.format(value=getattr(validator, "value", "?"))
    if isinstance(validator, XsdEnumerationFacets):
        allowed = ", ".join(str(value) for value in validator.enumeration)
        if len(allowed) > 300:
            allowed = allowed[:300] + ", …"
        return f"the value is not one of the allowed codes: {allowed}"
    if isinstance(validator, XsdPatternFacets):
        patterns = " or ".join(str(regex) for regex in validator.regexps)
        return f"the value does not have the required form (pattern {patterns})"
    if isinstance(validator, XsdAtomicBuiltin):
        name = str(validator.local_name)
        return f"the value is not {_BUILTIN_FORMS.get(name, f'a valid xs:{name}')}"
    return "the value is not valid here"
