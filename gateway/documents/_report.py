"""Every schema error of a document in one answer.

libxml2 stops checking an element's children at the first one that breaks its content model,
so a document with a misplaced element and a bad value after it would be sent back twice. Only
when libxml2 has already refused a document (never on the hot path of a valid one) xmlschema
walks it once more and reports what libxml2 did not reach, each issue at the element it is
about, and with a message that names the rule broken, never the value.
"""

from __future__ import annotations

from typing import Any, Final, cast

from lxml import etree
from xmlschema.validators import XMLSchemaChildrenValidationError, XMLSchemaValidationError

from gateway.documents._catalogue import DocumentType
from gateway.documents._issues import Issue, issue_at
from gateway.documents._json_errors import value_message
from gateway.documents._json_schema import family_schema

__all__ = ["complete_schema_issues"]

#: At most this many issues are returned for one document; the first ones say enough.
MAX_ISSUES: Final = 50


def complete_schema_issues(
    document_type: DocumentType, version: str, tree: etree._ElementTree, found: list[Issue]
) -> list[Issue]:
    """``found`` (libxml2's issues for ``tree``) and those xmlschema finds beyond them.

    Issues are in document order; one place is reported once, libxml2's word first.
    """
    schema = family_schema(document_type.family, version)
    try:
        # xmlschema reads lxml elements, though its type hints name only ElementTree's.
        errors = list(schema.iter_errors(cast("Any", tree.getroot())))
    except Exception:  # a fuller report is a nicety, never worth losing libxml2's
        return found
    issues = list(found)
    seen = {issue.path for issue in found}
    for error in errors:
        issue = _issue(error)
        if issue is not None and issue.path not in seen:
            seen.add(issue.path)
            issues.append(issue)
    issues.sort(key=lambda issue: issue.line or 0)
    return issues[:MAX_ISSUES]


def _issue(error: XMLSchemaValidationError) -> Issue | None:
    element = error.elem
    if not isinstance(element, etree._Element):
        return None
    if isinstance(error, XMLSchemaChildrenValidationError):
        return _children_issue(error, element)
    reason = str(error.reason or "")
    if "attribute" in reason and "missing" in reason:
        return issue_at(element, "schema.attribute", "a required attribute is missing")
    if "duplicated value" in reason:
        return issue_at(element, "schema.identity", "repeats a value that may occur only once here")
    return issue_at(element, "schema.value", value_message(error.validator))


def _children_issue(error: XMLSchemaChildrenValidationError, parent: etree._Element) -> Issue:
    expected = ", ".join(_names(error.expected or ()))
    child: Any = error.invalid_child
    if isinstance(child, etree._Element):
        message = f"{_name(child)} is not expected here"
        if expected:
            message += f"; expected: {expected}"
        return issue_at(child, "schema.element-content", message)
    missing = expected or "a required element"
    return issue_at(
        parent, "schema.element-content", f"{missing} is missing at the end of {_name(parent)}"
    )


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _names(particles: Any) -> list[str]:
    return [str(getattr(p, "local_name", "")) for p in particles if getattr(p, "local_name", "")]
