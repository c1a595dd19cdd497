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
from collections.abc import Mapping
from typing import Any, Final, cast

from lxml import etree
from xmlschema import XMLSchema10
from xmlschema.validators import XMLSchemaValidationError, XsdElement

from gateway.documents._catalogue import (
    COMMON_NAMESPACE,
    SUPPORTED_SCHEMA_VERSIONS,
    DocumentFamily,
    DocumentType,
)
from gateway.documents._issues import Issue
from gateway.documents._json_errors import error_issue, unique, value_message
from gateway.documents._json_schema import (
    ATTRIBUTE_PREFIX,
    TEXT_KEY,
    QualifyingConverter,
    family_schema,
)
from gateway.documents._json_shape import pointer, shape_issues
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

_WRAPPER_KEYS: Final = ("documentType", "schemaVersion", "document")

_INDENT: Final = 2

# At most this many issues are reported for one JSON document; the first ones say enough.
_MAX_ISSUES: Final = 50


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
    schema = family_schema(document_type.family, version)
    try:
        decoded = schema.decode(
            standalone,
            validation="strict",
            decimal_type=str,
            strip_namespaces=True,
            text_key=TEXT_KEY,
            attr_prefix=ATTRIBUTE_PREFIX,
        )
    except XMLSchemaValidationError as error:
        raise ValidationFailed(
            [
                Issue(
                    code="schema.invalid",
                    message=value_message(error.validator),
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
    schema = family_schema(document_type.family, version)
    root_element: XsdElement = schema.elements[document_type.root_name]
    _check_shape(root_element, document, version)
    namespaces = {
        _PREFIXES[document_type.namespace]: document_type.namespace,
        _PREFIXES[COMMON_NAMESPACE]: COMMON_NAMESPACE,
    }
    root = _encoded(
        schema, document_type, {"@schemaVersion": version, **document}, root_element, namespaces
    )
    etree.cleanup_namespaces(root, top_nsmap=namespaces)
    etree.indent(root, space=" " * _INDENT)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _check_shape(root_element: XsdElement, document: dict[str, Any], version: str) -> None:
    """Refuses what xmlschema would report less precisely, and a second, differing version."""
    issues = list(shape_issues(root_element, document, "/document"))
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


def _encoded(
    schema: XMLSchema10,
    document_type: DocumentType,
    document: dict[str, Any],
    root_element: XsdElement,
    namespaces: dict[str, str],
) -> etree._Element:
    """The XML element xmlschema encodes ``document`` into, valid as far as it can tell."""
    try:
        encoded: Any = schema.encode(
            document,
            path=document_type.qualified_name,
            validation="lax",
            # JSON objects have no order: children are put in the order of the content model.
            unordered=True,
            converter=QualifyingConverter,
            namespaces=namespaces,
            text_key=TEXT_KEY,
            attr_prefix=ATTRIBUTE_PREFIX,
            etree_element_class=etree.Element,
        )
    except Exception:
        # A backstop: the shape checks are meant to leave xmlschema only values to judge, but
        # whatever it cannot encode is the client's input, never a traceback.
        raise ValidationFailed(
            [Issue(code="json.invalid", message="the document cannot be encoded", path="/document")]
        ) from None
    root, errors = encoded
    if not errors and isinstance(root, etree._Element):
        # Encoding checks values and content models but not identity constraints (xs:unique):
        # validating the result too makes it valid as far as xmlschema can tell.
        errors = list(schema.iter_errors(cast("Any", root)))
    if errors or not isinstance(root, etree._Element):
        issues = unique(error_issue(error, document, root_element) for error in errors)
        raise ValidationFailed(
            issues[:_MAX_ISSUES]
            or [Issue(code="json.invalid", message="the document cannot be encoded", path="")]
        )
    return root


def _malformed(message: str, path: str) -> ValidationFailed:
    return ValidationFailed([Issue(code="json.malformed", message=message, path=path)])


def _read_wrapper(data: object) -> tuple[DocumentType, str, dict[str, Any]]:
    name, version, document = _wrapper_members(data)
    if not isinstance(name, str):
        raise _malformed("documentType must be a string", "/documentType")
    if not isinstance(version, str):
        raise _malformed("schemaVersion must be a string", "/schemaVersion")
    if not isinstance(document, dict):
        raise _malformed("document must be an object", "/document")
    document_type = _known_document_type(name)
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


def _wrapper_members(data: object) -> tuple[object, object, object]:
    """The documentType, schemaVersion and document of an object that has those alone."""
    if not isinstance(data, dict):
        raise _malformed(
            "the JSON must be an object with documentType, schemaVersion and document", ""
        )
    for key in data:
        if key not in _WRAPPER_KEYS:
            raise _malformed(
                "unknown member; only documentType, schemaVersion and document are allowed",
                pointer("", key if isinstance(key, str) else str(key)),
            )
    for key in _WRAPPER_KEYS:
        if key not in data:
            raise _malformed(f"{key} is missing", f"/{key}")
    return data["documentType"], data["schemaVersion"], data["document"]


def _known_document_type(name: str) -> DocumentType:
    try:
        return DocumentType.from_root_name(name)
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
