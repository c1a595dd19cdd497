"""ssgw sed import | export: SED JSON in and out of our documents."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    OutputOption,
    parse_moment,
    read_input,
    reported_errors,
    write_output,
)
from gateway.cli._documents import parse_json
from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.documents import document_to_json, validate_document
from gateway.errors import ConfigurationError
from gateway.sed import Loss, Transmission, export_sed, import_sed

__all__ = ["sed_app"]

sed_app = typer.Typer(no_args_is_help=True)

TodayOption = Annotated[
    str | None, typer.Option(help="Judge dates as of this day (default: today).")
]
SenderOption = Annotated[
    str | None,
    typer.Option(
        "--sender", help="The sending institution, for what the SED leaves to the exchange."
    ),
]
SentOnOption = Annotated[
    str | None, typer.Option("--sent-on", help="The day the SED is sent (default: today).")
]


@sed_app.command("import")
def import_command(
    source: Annotated[Path, typer.Argument(help="A SED as JSON (- for standard input).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Write our JSON form instead of XML.")
    ] = False,
    output: OutputOption = None,
    today: TodayOption = None,
    sender: SenderOption = None,
    sent_on: SentOnOption = None,
) -> None:
    """Read a SED into our 2.0 document; what the document has no place for is printed as a
    loss on standard error."""
    with reported_errors():
        day = parse_moment(today).date() if today else None
        sending = _transmission(sender, sent_on)
        data = parse_json(read_input(source), str(source))
        read = import_sed(data, today=day, transmission=sending)
        document = read.document
        if as_json:
            form = document_to_json(document.document_type, document.root)
            write_output(output, _json_bytes(form))
        else:
            write_output(output, document.to_bytes())
    _report(read.losses)


@sed_app.command("export")
def export_command(
    source: Annotated[Path, typer.Argument(help="One of our documents as XML (- for stdin).")],
    sed_type: Annotated[
        str | None,
        typer.Option("--sed", help="The SED type to write (default: the one that fits)."),
    ] = None,
    output: OutputOption = None,
    today: TodayOption = None,
    sender: SenderOption = None,
    sent_on: SentOnOption = None,
) -> None:
    """Write one of our documents as a SED; what the SED has no field for is printed as a
    loss on standard error."""
    with reported_errors():
        day = parse_moment(today).date() if today else None
        document = validate_document(read_input(source), today=day)
        sending = _transmission(sender, sent_on)
        written = export_sed(document, sed_type=sed_type, transmission=sending)
        write_output(output, _json_bytes(written.sed))
    _report(written.losses)


def _transmission(sender: str | None, sent_on: str | None) -> Transmission | None:
    """What the exchange knows, from the options; none without a sender."""
    if sender is None:
        if sent_on is not None:
            raise ConfigurationError("--sent-on goes with --sender")
        return None
    try:
        institution = parse_institution_id(sender)
    except InvalidIdentifier as error:
        raise ConfigurationError(f"--sender: {error}") from None
    day = parse_moment(sent_on).date() if sent_on else dt.datetime.now(dt.UTC).date()
    return Transmission(institution, day)


def _json_bytes(data: object) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _report(losses: tuple[Loss, ...]) -> None:
    for loss in losses:
        typer.echo(f"loss: {loss}", err=True)
