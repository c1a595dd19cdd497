"""xmlschema's encoding errors as issues of a JSON document, located by JSON pointer and
worded from the schema component that refused a value, never from the value (see ``_json``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree
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

from gateway.documents._issues import Issue
from gateway.documents._json_schema import (
    ATTRIBUTE_PREFIX,
    TEXT_KEY,
    attribute_declarations,
    child_elements,
)
from gateway.documents._json_shape import invalid, pointer

__all__ = ["error_issue", "unique", "value_message"]

# xmlschema's wording of an error can quote the refused value, which may be personal data, so
# only names are ever taken from it: a missing attribute is "missing required attribute 'name'"
# and a broken identity constraint "duplicated value (...) for XsdUnique(name='p:Name')".
_MISSING_ATTRIBUTE = re.compile(r"missing required attribute '([^']+)'")

_DUPLICATE = re.compile(r"duplicated value .* for Xsd\w+\(name='(?:\w+:)?([^']+)'\)", re.DOTALL)


def unique(issues: Iterable[Issue]) -> list[Issue]:
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
        path = pointer(place.path, key)
        value = place.value.get(key) if isinstance(place.value, dict) else None
        declaration = (
            child_elements(place.declaration.type).get(key)
            if place.declaration is not None
            else None
        )
        if isinstance(value, list):
            parent = step.getparent()
            siblings = [s for s in parent if s.tag == step.tag] if parent is not None else [step]
            index = siblings.index(step)
            path = pointer(path, index)
            value = value[index] if index < len(value) else None
        place = _Place(path, value, declaration)
    return place


def error_issue(
    error: XMLSchemaValidationError, document: dict[str, Any], root: XsdElement
) -> Issue:
    place = _locate(error.elem, document, root)
    if isinstance(error, XMLSchemaChildrenValidationError):
        return _children_issue(error, document, root, place)
    reason = str(error.reason or "")
    duplicate = _DUPLICATE.match(reason)
    if duplicate:
        return invalid(
            f"repeats a value that may occur only once here (constraint {duplicate[1]})",
            place.path,
        )
    missing = _MISSING_ATTRIBUTE.search(reason)
    if missing:
        name = missing[1].rpartition("}")[2]
        return invalid("a required attribute is missing", pointer(place.path, "@" + name))
    member = _member_at_fault(error, place)
    path = place.path if member is None else pointer(place.path, member)
    return invalid(value_message(error.validator), path)


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
        if key == TEXT_KEY:
            member_type = xsd_type if xsd_type.is_simple() else xsd_type.simple_type
        elif isinstance(key, str) and key.startswith(ATTRIBUTE_PREFIX):
            attribute = attribute_declarations(xsd_type).get(key[len(ATTRIBUTE_PREFIX) :])
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
        return invalid(f"{absent[0]} is required but missing", pointer(place.path, absent[0]))
    if absent:
        return invalid(f"one of these members is required: {', '.join(absent)}", place.path)
    particle = error.particle
    child = error.invalid_child
    if child is not None:
        child_path = _locate(child, document, root).path
        name = etree.QName(str(child.tag)).localname
        if isinstance(particle, XsdElement) and particle.name == child.tag:
            return invalid(f"{name} may occur at most {particle.max_occurs} time(s)", child_path)
        return invalid(f"{name} is not allowed here or occurs too often", child_path)
    if isinstance(particle, XsdElement) and particle.min_occurs:
        return invalid(
            f"{particle.local_name} must occur at least {particle.min_occurs} time(s)",
            pointer(place.path, particle.local_name),
        )
    return invalid("the content is incomplete", place.path)


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


def value_message(validator: object) -> str:
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
