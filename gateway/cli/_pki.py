"""ssgw pki init | issue | sign-csr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    OutputOption,
    read_input,
    read_passphrase,
    reported_errors,
    write_output,
)
from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.errors import ConfigurationError
from gateway.security import (
    KeyUse,
    certificate_pem,
    init_authority,
    issue_institution,
    read_certificate_request,
    sign_certificate_request,
)

__all__ = ["pki_app"]

pki_app = typer.Typer(no_args_is_help=True)

ForceOption = Annotated[bool, typer.Option("--force", help="Replace existing keys.")]


@pki_app.command("init")
def init(
    folder: Annotated[Path, typer.Argument(help="PKI folder to create.")],
    name: Annotated[
        str, typer.Option(help="The authority's name.")
    ] = "Social Security Network Authority",
    passphrase_file: Annotated[
        Path | None, typer.Option(help="Protect the authority key with this file's passphrase.")
    ] = None,
    valid_days: Annotated[int, typer.Option(min=1, max=36500)] = 3650,
    force: ForceOption = False,
) -> None:
    """Make the network authority's key and certificate."""
    with reported_errors():
        files = init_authority(
            folder,
            name=name,
            passphrase=read_passphrase(passphrase_file),
            valid_days=valid_days,
            force=force,
        )
        typer.echo(f"authority key {files.key} and certificate {files.certificate} written")


@pki_app.command("issue")
def issue(
    folder: Annotated[Path, typer.Argument(help="PKI folder made by 'ssgw pki init'.")],
    institution: Annotated[str, typer.Argument(help="Institution id, e.g. DE:DRV70001.")],
    name: Annotated[str | None, typer.Option(help="The institution's name.")] = None,
    passphrase_file: Annotated[
        Path | None, typer.Option(help="Protect the new keys with this file's passphrase.")
    ] = None,
    authority_passphrase_file: Annotated[
        Path | None, typer.Option(help="File holding the authority key's passphrase.")
    ] = None,
    valid_days: Annotated[int, typer.Option(min=1, max=3650)] = 730,
    force: ForceOption = False,
) -> None:
    """Make an institution's keys and certificates at the authority: a shortcut for test
    networks only, since the authority could then sign as the institution. A real
    institution runs 'ssgw keys generate' and sends requests for 'ssgw pki sign-csr'."""
    with reported_errors():
        try:
            institution_id = parse_institution_id(institution)
        except InvalidIdentifier as error:
            raise ConfigurationError(str(error)) from None
        files = issue_institution(
            folder,
            institution_id,
            name=name,
            authority_passphrase=read_passphrase(authority_passphrase_file),
            passphrase=read_passphrase(passphrase_file),
            valid_days=valid_days,
            force=force,
        )
        typer.echo(f"signing and encryption keys for {institution_id} written to {files.folder}")


@pki_app.command("sign-csr")
def sign_csr(
    folder: Annotated[Path, typer.Argument(help="PKI folder made by 'ssgw pki init'.")],
    request: Annotated[Path, typer.Argument(help="The institution's certificate signing request.")],
    institution: Annotated[
        str, typer.Option(help="The institution id the request must be for, e.g. DE:DRV70001.")
    ],
    use: Annotated[KeyUse, typer.Option(help="The key's use, which the request must ask for.")],
    authority_passphrase_file: Annotated[
        Path | None, typer.Option(help="File holding the authority key's passphrase.")
    ] = None,
    valid_days: Annotated[int, typer.Option(min=1, max=3650)] = 730,
    output: OutputOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the certificate the PKI folder keeps.")
    ] = False,
) -> None:
    """Issue an institution's certificate from its request, after checking the request's
    signature, key, subject and key usage; the private key never comes here."""
    with reported_errors():
        try:
            institution_id = parse_institution_id(institution)
        except InvalidIdentifier as error:
            raise ConfigurationError(str(error)) from None
        issued = sign_certificate_request(
            folder,
            read_certificate_request(read_input(request), str(request)),
            institution=institution_id,
            use=use,
            source=str(request),
            authority_passphrase=read_passphrase(authority_passphrase_file),
            valid_days=valid_days,
            force=force,
        )
        if output is not None:
            write_output(output, certificate_pem(issued.certificate))
        typer.echo(
            f"{use.value} certificate of {institution_id} issued "
            f"(the PKI keeps it in {issued.recorded})",
            err=output is not None and str(output) == "-",
        )
