"""Untrusted bytes in, a validated business or technical document out."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from lxml import etree

from gateway.codes import Branch
from gateway.documents import rules
from gateway.documents._catalogue import SUPPORTED_SCHEMA_VERSIONS, DocumentType
from gateway.documents._issues import issue_at
from gateway.documents._parser import DEFAULT_LIMITS, ParseLimits, parse_untrusted
from gateway.documents._registry import family_schema, schema_issues
from gateway.errors import ValidationFailed

__all__ = ["ValidatedDocument", "validate_document", "validate_element"]


@dataclass(frozen=True, slots=True)
class ValidatedDocument:
    """A document that passed safe parsing, its XSD and its business rules."""

    document_type: DocumentType
    schema_version: str
    root: etree._Element
    branches: frozenset[Branch]

    def to_bytes(self) -> bytes:
        return etree.tostring(self.root, encoding="UTF-8", xml_declaration=True)


def validate_document(
    data: bytes, *, today: dt.date | None = None, limits: ParseLimits = DEFAULT_LIMITS
) -> ValidatedDocument:
    """Parse and validate a document from untrusted bytes.

    Raises :class:`ValidationFailed` listing every issue found; well-formedness and safety
    problems stop the check at once, schema problems are all reported, and business rules run
    only on a schema-valid document.
    """
    tree = parse_untrusted(data, limits)
    return validate_element(tree.getroot(), today=today)


def validate_element(root: etree._Element, *, today: dt.date | None = None) -> ValidatedDocument:
    """Validate an already safely parsed document element (for example an envelope's body)."""
    document_type = DocumentType.from_qualified_name(str(root.tag))
    if document_type is None:
        known = ", ".join(sorted(t.root_name for t in DocumentType))
        raise ValidationFailed(
            [
                issue_at(
                    root,
                    "schema.unknown-document",
                    f"{etree.QName(root).localname!r} in namespace "
                    f"{etree.QName(root).namespace!r} is not a document type of this network "
                    f"(known: {known})",
                )
            ]
        )
    version = root.get("schemaVersion")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(sorted(SUPPORTED_SCHEMA_VERSIONS))
        raise ValidationFailed(
            [
                issue_at(
                    root,
                    "schema.unsupported-version",
                    f"schemaVersion {version!r} is not supported (supported: {supported})",
                )
            ]
        )
    # Validate a standalone copy when the element sits inside an envelope, so the schema sees
    # the document as its own root and paths in issues start at it.
    tree = root.getroottree() if root.getparent() is None else etree.ElementTree(_detached(root))
    issues = schema_issues(family_schema(document_type.family, version), tree)
    if issues:
        # Off the hot path, and slow to import (xmlschema): only a refused document needs it.
        from gateway.documents._report import complete_schema_issues

        raise ValidationFailed(complete_schema_issues(document_type, version, tree, issues))
    document_root = tree.getroot()
    issues = rules.check(
        document_type, document_root, today=today or dt.datetime.now(dt.UTC).date()
    )
    if issues:
        raise ValidationFailed(issues)
    return ValidatedDocument(
        document_type=document_type,
        schema_version=version,
        root=document_root,
        branches=rules.document_branches(document_type, document_root),
    )


def _detached(element: etree._Element) -> etree._Element:
    return copy.deepcopy(element)
