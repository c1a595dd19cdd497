"""What the tests of the coverage and periods SED mappings share: the fixtures and how they are
sent, and the reading, writing and comparing of SEDs and documents."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from gateway.documents import (
    SCHEMA_DIR,
    ValidatedDocument,
    document_from_json,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed import Loss, SedImport, Transmission, import_sed
from support import sed_normalised

TODAY = dt.date(2026, 11, 25)
#: The day the fixtures are sent on: a certificate's issue day.
SENT_ON = dt.date(2026, 11, 20)
SED_EXAMPLES = SCHEMA_DIR / "examples" / "sed"
V2_EXAMPLES = SCHEMA_DIR / "examples" / "v2"
COVERAGE = ("A001", "A003", "A008", "A009", "A010")
PERIODS = ("P5000", "U002", "U017")
FIXTURES = (*COVERAGE, *PERIODS)
#: The SED types that leave a value of ours to the exchange (IssuedOn, a period's holder).
NEED_THE_EXCHANGE = ("A003", "A009", "A010", "P5000", "U002", "U017")
SCHEMA_TEXT = "".join(
    (SCHEMA_DIR / "v2" / name).read_text() for name in ("coverage.xsd", "periods.xsd", "common.xsd")
)


# --- Reading, writing, comparing -------------------------------------------------------------


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SED_EXAMPLES / f"{name}.json").read_text())
    return data


def sent_by_its_case(sed: Mapping[str, Any], sent_on: dt.date = SENT_ON) -> Transmission:
    """The transmission of a fixture: sent by the institution whose case it is (the A-SEDs' and
    P5000's ``nav.eessisak``, the U-SEDs' ``lokaleSakIder``), which holds its periods."""
    cases = sed.get("nav", {}).get("eessisak") or sed["lokaleSakIder"]
    return Transmission(str(cases[0]["institusjonsid"]), sent_on)


def imported(data: Mapping[str, Any]) -> SedImport:
    return import_sed(data, today=TODAY, transmission=sent_by_its_case(data))


def document_form(document: ValidatedDocument) -> dict[str, Any]:
    form: dict[str, Any] = document_to_json(document.document_type, document.root)["document"]
    return form


def normalised(flat: dict[str, object]) -> dict[str, object]:
    """``sed_normalised``, and the same for the A-SEDs' other country field: the flag state or
    home base of a place of work (``hjemmebase``)."""
    return {
        path: sed_normalised({"/land": value})["/land"] if path.endswith("/hjemmebase") else value
        for path, value in sed_normalised(flat).items()
    }


#: Our elements that hold names: the SED writes all of them in one field, so several names of
#: ours come back as one.
NAME_ELEMENTS = frozenset(
    {
        "FamilyName",
        "Forename",
        "BirthName",
        "BirthForename",
        "PreviousFamilyName",
        "PreviousForename",
    }
)
#: How a marker (an empty element, null in our JSON form) is shown where forms are compared:
#: ``flatten_json`` leaves nulls out.
MARKER = "(marker)"


def compared(value: object) -> object:
    """Our JSON form as it is compared: every list of names written as the SED writes it, one
    name, and every marker shown."""
    if isinstance(value, Mapping):
        return {key: _compared_member(key, child) for key, child in value.items()}
    if isinstance(value, list):
        return [compared(child) for child in value]
    return value


def _compared_member(key: str, child: object) -> object:
    if child is None:
        return MARKER
    if key in NAME_ELEMENTS and isinstance(child, list):
        return [" ".join(child)]
    return compared(child)


def markers(value: object, path: str = "") -> Iterator[str]:
    """The JSON pointers of the markers in our JSON form."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            if child is None:
                yield f"{path}/{key}"
            else:
                yield from markers(child, f"{path}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from markers(child, f"{path}/{index}")


def with_form(document: ValidatedDocument, form: Mapping[str, Any]) -> ValidatedDocument:
    """A document of ``document``'s type made of our JSON form ``form``, validated."""
    data = {
        "documentType": document.document_type.root_name,
        "schemaVersion": document.schema_version,
        "document": form,
    }
    return validate_document(document_from_json(data), today=TODAY)


def outside_person(losses: tuple[Loss, ...]) -> dict[str, str]:
    """The losses that are not the person's (whose mapping the person's own tests cover)."""
    return {loss.path: loss.reason for loss in losses if not loss.path.startswith("/nav/bruker")}


def issues_of(data: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as raised:
        imported(data)
    return [(issue.code, issue.path) for issue in raised.value.issues]
