"""Documents: safe parsing, schema and business-rule validation, and the envelope.

Pure logic: nothing here performs I/O beyond reading the project's own schema files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.documents._catalogue import (
    BASE_SCHEMA_VERSION,
    COMMON_NAMESPACE,
    DIRECTORY_NAMESPACE,
    ENVELOPE_NAMESPACE,
    LATEST_SCHEMA_VERSION,
    SCHEMA_DIR,
    SUPPORTED_SCHEMA_VERSIONS,
    CaseType,
    DocumentFamily,
    DocumentType,
)
from gateway.documents._envelope import (
    DocumentAction,
    EnvelopeHeader,
    build_envelope,
    envelope_body,
    read_header,
    validate_envelope,
)
from gateway.documents._issues import Issue, location_path

if TYPE_CHECKING:
    from gateway.documents._json import document_from_json, document_to_json
from gateway.documents._json_text import MAX_JSON_DEPTH, read_json
from gateway.documents._parser import DEFAULT_LIMITS, ParseLimits, parse_untrusted, reparser
from gateway.documents._posting import Posting, PostingLength, months_after, posting_of
from gateway.documents._registry import directory_schema, envelope_schema, schema_issues
from gateway.documents._validation import ValidatedDocument, validate_document, validate_element
from gateway.documents._versions import convert_document

__all__ = [
    "BASE_SCHEMA_VERSION",
    "COMMON_NAMESPACE",
    "DEFAULT_LIMITS",
    "DIRECTORY_NAMESPACE",
    "ENVELOPE_NAMESPACE",
    "LATEST_SCHEMA_VERSION",
    "MAX_JSON_DEPTH",
    "SCHEMA_DIR",
    "SUPPORTED_SCHEMA_VERSIONS",
    "CaseType",
    "DocumentAction",
    "DocumentFamily",
    "DocumentType",
    "EnvelopeHeader",
    "Issue",
    "ParseLimits",
    "Posting",
    "PostingLength",
    "ValidatedDocument",
    "build_envelope",
    "convert_document",
    "directory_schema",
    "document_from_json",
    "document_to_json",
    "envelope_body",
    "envelope_schema",
    "location_path",
    "months_after",
    "parse_untrusted",
    "posting_of",
    "read_header",
    "read_json",
    "reparser",
    "schema_issues",
    "validate_document",
    "validate_element",
    "validate_envelope",
]


def __getattr__(name: str) -> Any:
    # Our JSON form is read with xmlschema, whose import costs more than the rest of the
    # package: it is loaded when first asked for, so that validating XML (the hot path, and
    # `ssgw validate`) never pays for it.
    if name in {"document_from_json", "document_to_json"}:
        from gateway.documents import _json

        return getattr(_json, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
