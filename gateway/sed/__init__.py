"""SED JSON at the edge: the EU's Structured Electronic Documents in and out of our documents.

Pure logic, like ``documents``: a SED (parsed JSON) becomes a validated 2.0 document and a
document becomes a SED, each with the losses named (``docs/sed.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from gateway.documents import ValidatedDocument
from gateway.sed._claims import CLAIM_TYPES
from gateway.sed._coverage import COVERAGE_TYPES
from gateway.sed._periods import PERIOD_TYPES
from gateway.sed._rules import Loss
from gateway.sed._sed import (
    SED_GENERATION,
    SED_VERSION,
    SedExport,
    SedImport,
    SedType,
    Transmission,
)
from gateway.sed._sed import export_sed as _export
from gateway.sed._sed import import_sed as _import

__all__ = [
    "SED_GENERATION",
    "SED_MEDIA_TYPE",
    "SED_TYPES",
    "SED_VERSION",
    "Loss",
    "SedExport",
    "SedImport",
    "SedType",
    "Transmission",
    "export_sed",
    "import_sed",
]

#: The media type of a SED in the REST API, beside application/xml and application/json.
SED_MEDIA_TYPE: Final = "application/vnd.ssgw.sed+json"

#: Every SED type this node maps, by name.
SED_TYPES: Final[Mapping[str, SedType]] = {
    sed.name: sed for sed in (*CLAIM_TYPES, *COVERAGE_TYPES, *PERIOD_TYPES)
}


def import_sed(
    data: object, *, today: dt.date | None = None, transmission: Transmission | None = None
) -> SedImport:
    """Read a SED (parsed JSON) into a validated 2.0 document; see :func:`_sed.import_sed`."""
    return _import(data, SED_TYPES, today=today, transmission=transmission)


def export_sed(
    document: ValidatedDocument,
    *,
    sed_type: str | None = None,
    transmission: Transmission | None = None,
) -> SedExport:
    """Write a validated document as a SED; see :func:`_sed.export_sed`."""
    return _export(document, SED_TYPES, sed_type=sed_type, transmission=transmission)
