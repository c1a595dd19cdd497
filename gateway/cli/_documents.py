"""ssgw validate | convert: documents on their own, without keys, a directory or a node."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    EXIT_INVALID,
    JsonOption,
    OutputOption,
    parse_moment,
    print_json,
    read_input,
    reported_errors,
    write_output,
)
from gateway.documents import (
    LATEST_SCHEMA_VERSION,
    Issue,
    ValidatedDocument,
    convert_document,
    read_json,
    validate_document,
)
from gateway.errors import ConfigurationError, ValidationFailed

__all__ = ["convert", "parse_json", "validate"]

TodayOption = Annotated[
    str | None, typer.Option(help="Judge dates as of this day (default: today).")
]


@dataclass(frozen=True, slots=True)
class _Checked:
    """What validating one file found: the document, or its issues, or why it was unread."""

    path: Path
    document: ValidatedDocument | None = None
    issues: tuple[Issue, ...] = ()
    error: str | None = None

    def lines(self) -> list[str]:
        if self.document is not None:
            kind = self.document.document_type.root_name
            return [f"{self.path}: valid {kind} {self.document.schema_version}"]
        if self.error is not None:
            return [f"{self.path}: {self.error}"]
        return [f"{self.path}: invalid ({len(self.issues)} issues)"] + [
            f"  {issue}" for issue in self.issues
        ]

    def report(self) -> dict[str, object]:
        document = self.document
        return {
            "file": str(self.path),
            "valid": document is not None,
            "document_type": document.document_type.root_name if document else None,
            "schema_version": document.schema_version if document else None,
            "issues": [asdict(issue) for issue in self.issues],
            "error": self.error,
        }


def _check(path: Path, day: dt.date | None) -> _Checked:
    try:
        return _Checked(path, document=validate_document(read_input(path), today=day))
    except ValidationFailed as error:
        return _Checked(path, issues=error.issues)
    except ConfigurationError as error:
        return _Checked(path, error=error.detail)


def validate(
    files: Annotated[list[Path], typer.Argument(help="XML documents to check.")],
    today: TodayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check documents against their schema and the business rules; exit 1 if any is invalid."""
    with reported_errors():
        day = parse_moment(today).date() if today else None
    checked = [_check(path, day) for path in files]
    if as_json:
        print_json(
            {
                "valid": all(c.document is not None for c in checked),
                "documents": [c.report() for c in checked],
            }
        )
    else:
        for result in checked:
            for line in result.lines():
                typer.echo(line)
    if any(c.document is None for c in checked):
        raise typer.Exit(EXIT_INVALID)


def convert(
    document: Annotated[Path, typer.Argument(help="A document, as XML or in its JSON form.")],
    to: Annotated[
        str, typer.Option("--to", help="The schema version to write.")
    ] = LATEST_SCHEMA_VERSION,
    as_json: Annotated[
        bool, typer.Option("--json", help="Write the JSON form instead of XML.")
    ] = False,
    output: OutputOption = None,
    today: TodayOption = None,
) -> None:
    """Write a valid document in another schema version (1.0 to 2.0 loses nothing; 2.0 to 1.0
    only when the document uses nothing 1.0 lacks)."""
    # Imported here: the JSON form is built on xmlschema, which validating does not need.
    from gateway.documents import document_from_json, document_to_json

    with reported_errors():
        day = parse_moment(today).date() if today else None
        data = read_input(document)
        if data.lstrip()[:1] == b"{":
            data = document_from_json(parse_json(data, str(document)))
        converted = convert_document(validate_document(data, today=day), to, today=day)
        if as_json:
            form = document_to_json(converted.document_type, converted.root)
            write_output(output, (json.dumps(form, ensure_ascii=False, indent=2) + "\n").encode())
        else:
            write_output(output, converted.to_bytes())


def parse_json(data: bytes, where: str) -> object:
    """Parse JSON input (nesting bounded), or say in one line where it is broken."""
    try:
        return read_json(data)
    except ValidationFailed as error:
        problem = error.issues[0].message.removeprefix("not JSON: ")
        raise ConfigurationError(f"{where} is not valid JSON: {problem}") from None
