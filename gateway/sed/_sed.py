"""SED JSON in and out: a national application's SED becomes our 2.0 document, and back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from gateway.documents import (
    LATEST_SCHEMA_VERSION,
    DocumentType,
    Issue,
    ValidatedDocument,
    convert_document,
    document_from_json,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed._engine import export_values, import_values, unread
from gateway.sed._paths import pointer
from gateway.sed._rules import Loss, Mapping_, Trace

__all__ = [
    "SED_GENERATION",
    "SED_VERSION",
    "SedExport",
    "SedImport",
    "SedType",
    "Transmission",
    "export_sed",
    "import_sed",
]

#: The CDM generation and version of the SEDs this node writes (``sedGVer``, ``sedVer``).
SED_GENERATION: Final = "4"
SED_VERSION: Final = "2"

_HEADER: Final = ("sed", "sedGVer", "sedVer")


@dataclass(frozen=True, slots=True)
class SedType:
    """One SED type: which of our documents it is, and the table that maps it."""

    name: str
    title: str
    document_type: DocumentType
    rules: Mapping_
    #: Whether a document of ``document_type`` (our JSON form) is of this SED type; the first
    #: SED type that fits is the one a document is exported as when none is asked for.
    fits: Callable[[Mapping[str, Any]], bool] = lambda document: True


@dataclass(frozen=True, slots=True)
class Transmission:
    """What the exchange carrying a SED knows and the SED leaves to it: who sends it and on
    which day (a certificate's issue day, the institution holding a list of periods)."""

    sender: str
    sent_on: dt.date

    def facts(self) -> dict[str, str]:
        """The facts by the names the mapping tables use (``EXCHANGE_FACTS``)."""
        return {
            "sender": self.sender,
            "sender_country": self.sender.partition(":")[0],
            "sent_on": self.sent_on.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SedImport:
    """A SED read into our document, with what the document has no place for."""

    sed_type: SedType
    document: ValidatedDocument
    losses: tuple[Loss, ...]


@dataclass(frozen=True, slots=True)
class SedExport:
    """Our document written as a SED, with what the SED has no field for."""

    sed_type: SedType
    sed: dict[str, Any]
    losses: tuple[Loss, ...]


def import_sed(
    data: object,
    types: Mapping[str, SedType],
    *,
    today: dt.date | None = None,
    transmission: Transmission | None = None,
) -> SedImport:
    """Read a SED (parsed JSON) into a validated document of schema version 2.0.

    ``transmission`` gives what the SED leaves to the exchange; a SED type that needs it when
    none is given is refused with ``sed.exchange``.

    Raises :class:`ValidationFailed` with one issue per problem, each with the JSON pointer
    of the SED value at fault: ``sed.malformed`` (not an object), ``sed.unknown-type``,
    ``sed.shape`` and ``sed.value`` (a member of the wrong kind or a code we do not know),
    then the schema's and the business rules' issues, pointed back into the SED.
    """
    if not isinstance(data, Mapping):
        raise _failed("sed.malformed", "a SED is a JSON object", "")
    sed_type = _sed_type(data.get("sed"), types)
    trace = Trace(
        read={(key,) for key in _HEADER},
        exchange=transmission.facts() if transmission else {},
    )
    document = import_values(sed_type.rules, data, (), trace)
    if any(issue.code == "sed.exchange" for issue in trace.issues):
        # Without the exchange's facts the schema could only repeat that they are missing.
        raise ValidationFailed(trace.issues)
    form = {
        "documentType": sed_type.document_type.root_name,
        "schemaVersion": LATEST_SCHEMA_VERSION,
        "document": document,
    }
    try:
        validated = validate_document(document_from_json(form), today=today)
    except ValidationFailed as error:
        pointed = [_pointed(issue, trace) for issue in error.issues]
        raise ValidationFailed(_one_per_place([*trace.issues, *pointed])) from None
    if trace.issues:
        raise ValidationFailed(trace.issues)
    losses = _losses(data, trace, "", "has no place in our schema 2.0")
    return SedImport(sed_type, validated, losses)


def export_sed(
    document: ValidatedDocument,
    types: Mapping[str, SedType],
    *,
    sed_type: str | None = None,
    transmission: Transmission | None = None,
) -> SedExport:
    """Write a validated document as a SED; a 1.0 document is read as 2.0 first.

    Values the SED leaves to the exchange are taken where they are what ``transmission`` says,
    and named as losses where they are not (or where no transmission is given).

    Raises :class:`ValidationFailed` (``sed.unknown-type``, ``sed.wrong-type``) when the SED
    type asked for is unknown or is not a SED of this document's type, or no SED type fits.
    """
    newest = convert_document(document, LATEST_SCHEMA_VERSION)
    form = document_to_json(newest.document_type, newest.root)["document"]
    chosen = _export_type(newest.document_type, form, types, sed_type)
    trace = Trace(read={("@schemaVersion",)}, exchange=transmission.facts() if transmission else {})
    body = export_values(chosen.rules, form, (), trace)
    if trace.issues:
        raise ValidationFailed(trace.issues)
    sed = {"sed": chosen.name, "sedGVer": SED_GENERATION, "sedVer": SED_VERSION, **body}
    losses = _losses(form, trace, "/document", f"has no field in {chosen.name}", markers=True)
    return SedExport(chosen, sed, losses)


def _losses(
    read: object, trace: Trace, prefix: str, no_place: str, *, markers: bool = False
) -> tuple[Loss, ...]:
    """What a pass left unread, and what it read but narrowed, each with why, in path order."""
    unread_losses = [
        (path, trace.reason(path) or no_place)
        for path in unread(read, (), trace.read, markers=markers)
    ]
    narrowed = list(trace.narrowed.items())
    return tuple(
        Loss(prefix + pointer(path), reason)
        for path, reason in sorted([*unread_losses, *narrowed], key=lambda loss: _order(loss[0]))
    )


def _order(path: tuple[str | int, ...]) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{step:08d}") if isinstance(step, int) else (1, step) for step in path)


def _sed_type(name: object, types: Mapping[str, SedType]) -> SedType:
    if isinstance(name, str) and name in types:
        return types[name]
    known = ", ".join(sorted(types))
    raise _failed("sed.unknown-type", f"sed must name a SED type this node maps ({known})", "/sed")


def _export_type(
    document_type: DocumentType,
    form: Mapping[str, Any],
    types: Mapping[str, SedType],
    asked: str | None,
) -> SedType:
    if asked is not None:
        chosen = _sed_type(asked, types)
        if chosen.document_type is not document_type:
            raise _failed(
                "sed.wrong-type",
                f"a {document_type.root_name} cannot be written as a {chosen.name} "
                f"(a {chosen.document_type.root_name})",
                "/sed",
            )
        return chosen
    for candidate in types.values():
        if candidate.document_type is document_type and candidate.fits(form):
            return candidate
    raise _failed(
        "sed.wrong-type", f"no SED type this node maps fits this {document_type.root_name}", ""
    )


def _one_per_place(issues: list[Issue]) -> list[Issue]:
    """The first issue at each place: what follows at the same place mostly restates it."""
    seen: set[str | None] = set()
    kept: list[Issue] = []
    for issue in issues:
        if issue.path not in seen:
            seen.add(issue.path)
            kept.append(issue)
    return kept


def _failed(code: str, message: str, path: str) -> ValidationFailed:
    return ValidationFailed([Issue(code, message, path=path)])


# --- Pointing our issues back into the SED ---------------------------------------------------

_XPATH_STEP: Final = re.compile(r"(?:[\w.-]+:)?([\w.-]+)(?:\[(\d+)\])?")


def _pointed(issue: Issue, trace: Trace) -> Issue:
    """``issue`` (about our document) located at the SED value it came from, where known."""
    steps = _steps_of(issue.path)
    if steps is None:
        return issue
    origins = {_canonical(path): source for path, source in trace.origin.items()}
    for length in range(len(steps), 0, -1):
        source = origins.get(tuple(steps[:length]))
        if source is not None:
            return Issue(issue.code, issue.message, path=pointer(source))
    return issue


def _steps_of(path: str | None) -> list[str | int] | None:
    """Our issue's path (a JSON pointer into our form, or an XPath into the XML) as steps in
    which the first of several like elements is not numbered."""
    if not path:
        return None
    if path.startswith("/document"):
        raw: list[str | int] = [int(s) if s.isdigit() else s for s in path.split("/")[2:]]
        return list(_canonical(tuple(raw)))
    steps: list[str | int] = []
    for part in path.strip("/").split("/")[1:]:
        match = _XPATH_STEP.fullmatch(part)
        if match is None:
            return None
        steps.append(match[1])
        if match[2] and int(match[2]) > 1:
            steps.append(int(match[2]) - 1)
    return steps


def _canonical(path: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # XPaths number an element only among like siblings, JSON always: drop the first index.
    return tuple(step for step in path if step != 0)
