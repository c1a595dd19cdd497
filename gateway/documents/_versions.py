"""Writing a document in another schema version.

2.0 adds to 1.0 and loosens it in the same namespaces, so a 1.0 document is a 2.0 document once
it says so: converting up never loses anything. Converting down succeeds only for a 2.0
document that uses nothing 1.0 lacks; otherwise the issues name each element 1.0 has no place
for, and nothing is written.
"""

from __future__ import annotations

import copy
import datetime as dt

from gateway.documents._catalogue import SUPPORTED_SCHEMA_VERSIONS
from gateway.documents._issues import Issue
from gateway.documents._validation import ValidatedDocument, validate_element
from gateway.errors import ValidationFailed

__all__ = ["convert_document"]


def convert_document(
    document: ValidatedDocument, version: str, *, today: dt.date | None = None
) -> ValidatedDocument:
    """``document`` written in schema ``version``, validated as such.

    Raises :class:`ValidationFailed` for an unknown version, and for a document whose content
    ``version`` cannot hold (each such element named); ``document`` itself is left as it was.
    """
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(sorted(SUPPORTED_SCHEMA_VERSIONS))
        raise ValidationFailed(
            [
                Issue(
                    "convert.unsupported-version",
                    f"schema version {version!r} is not supported (supported: {supported})",
                )
            ]
        )
    if version == document.schema_version:
        return document
    root = copy.deepcopy(document.root)
    root.set("schemaVersion", version)
    try:
        return validate_element(root, today=today)
    except ValidationFailed as error:
        raise ValidationFailed(
            [
                Issue(
                    "convert.not-representable",
                    f"schema version {version} has no place for what this "
                    f"{document.document_type.root_name} carries: {issue.message}",
                    issue.line,
                    issue.path,
                )
                for issue in error.issues
            ]
        ) from None
