"""ssgw directory sign | verify, and ssgw policy check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    JsonOption,
    parse_moment,
    print_json,
    read_input,
    read_passphrase,
    reported_errors,
    write_output,
)
from gateway.cli._progress import Advance, progress
from gateway.directory import (
    Directory,
    load_directory,
    sign_directory,
)
from gateway.errors import ConfigurationError
from gateway.security import (
    SigningIdentity,
    authority_files,
    load_certificate,
    load_private_key,
)

__all__ = ["directory_app", "open_directory", "signed_directory"]

directory_app = typer.Typer(no_args_is_help=True)


def open_directory(directory: Path | None, authority: Path | None, at: dt.datetime) -> Directory:
    """Load and verify a directory file given on the command line."""
    if directory is None or authority is None:
        raise ConfigurationError("--directory and --authority are both needed")
    return load_directory(read_input(directory), load_certificate(authority), at=at)


@directory_app.command("sign")
def sign(
    source: Annotated[Path, typer.Argument(help="The unsigned directory (XML).")],
    pki: Annotated[
        Path,
        typer.Option(
            help="PKI folder: its authority signs; institutions listed without certificates "
            "get theirs from it."
        ),
    ],
    version: Annotated[
        int | None, typer.Option(help="Set the snapshot version (default: keep the source's).")
    ] = None,
    authority_passphrase_file: Annotated[
        Path | None, typer.Option(help="File holding the authority key's passphrase.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Fill in certificates, stamp the issue time and sign a directory with the authority key."""
    # A bar still drawn while the snapshot goes to a terminal's standard output would be
    # erased over its last lines: the bar counts the write only when it goes to a file.
    to_file = output is not None and str(output) != "-"
    steps = SIGNING_STEPS if to_file else SIGNING_STEPS - 1
    named = "standard input" if str(source) == "-" else source.name
    with reported_errors():
        with progress(f"signing {named}", steps) as advance:
            signed = signed_directory(
                source,
                pki,
                version=version,
                passphrase_file=authority_passphrase_file,
                advance=advance,
            )
            if to_file:
                write_output(output, signed)
                advance()
        if not to_file:
            write_output(output, signed)


#: The steps of a signing: read the source, load the authority's key, fill in the
#: certificates then validate and sign, write the snapshot.
SIGNING_STEPS = 4


def signed_directory(
    source: Path,
    pki: Path,
    *,
    version: int | None,
    passphrase_file: Path | None,
    advance: Advance,
) -> bytes:
    """The signed snapshot of ``source``, ``advance`` moved on once for each of the first
    three of the SIGNING_STEPS (the caller writes it)."""
    data = read_input(source)
    advance()
    files = authority_files(pki)
    identity = SigningIdentity(
        load_private_key(files.key, read_passphrase(passphrase_file)),
        load_certificate(files.certificate),
    )
    advance()
    # One call: filling in certificates, validating and signing give no steps of their own.
    signed = sign_directory(data, authority=identity, pki_dir=pki, version=version)
    advance()
    return signed


@directory_app.command("verify")
def verify_directory(
    directory: Annotated[Path, typer.Argument(help="A signed directory file.")],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    at: Annotated[str | None, typer.Option(help="Verify as of this moment (ISO).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify the authority's signature on a directory and summarise it."""
    with reported_errors():
        loaded = open_directory(directory, authority, parse_moment(at))
    if as_json:
        print_json(
            {
                "network": loaded.network.value,
                "version": loaded.version,
                "issued": loaded.issued.isoformat(),
                "institutions": len(loaded.institutions),
                "agreements": len(loaded.agreements),
                "revoked_certificates": len(loaded.revoked),
            }
        )
    else:
        typer.echo(
            f"valid {loaded.network.value} directory version {loaded.version} issued "
            f"{loaded.issued.isoformat()}: {len(loaded.institutions)} institutions, "
            f"{len(loaded.agreements)} agreements, {len(loaded.revoked)} revoked certificates"
        )
