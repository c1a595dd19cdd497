"""ssgw keys generate | install: an institution's own keys, made and certified on its node."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import read_input, read_passphrase, reported_errors
from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.errors import ConfigurationError

__all__ = ["keys_app"]

keys_app = typer.Typer(no_args_is_help=True)

PassphraseFileOption = Annotated[
    Path | None,
    typer.Option(
        help="File holding the keys' passphrase (default: $GATEWAY_KEY_PASSPHRASE, if set)."
    ),
]
ask_passphrase_option = typer.Option(
    "--ask-passphrase", help="Ask for the keys' passphrase on the terminal, without echo."
)


def passphrase(path: Path | None, ask: bool, *, new: bool) -> bytes | None:
    """The keys' passphrase: asked for (twice for ``new`` keys), else from ``path`` or the
    environment (:func:`read_passphrase`). Never an argument, which the process list shows."""
    if not ask:
        return read_passphrase(path)
    if path is not None:
        raise ConfigurationError("give --passphrase-file or --ask-passphrase, not both")
    text = typer.prompt(
        "Passphrase of the keys", hide_input=True, confirmation_prompt=new, default=""
    )
    if not text:
        raise ConfigurationError("the passphrase is empty")
    return str(text).encode()


@keys_app.command("generate")
def generate(
    folder: Annotated[Path, typer.Argument(help="The node's key folder.")],
    institution: Annotated[str, typer.Argument(help="This node's institution id.")],
    name: Annotated[str | None, typer.Option(help="The institution's name.")] = None,
    passphrase_file: PassphraseFileOption = None,
    ask: Annotated[bool, ask_passphrase_option] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace existing keys.")] = False,
) -> None:
    """Make this institution's signing and encryption keys, and a certificate signing
    request for each to send to the network authority."""
    from gateway.security import KeyUse, generate_institution_keys

    with reported_errors():
        try:
            institution_id = parse_institution_id(institution)
        except InvalidIdentifier as error:
            raise ConfigurationError(str(error)) from None
        files = generate_institution_keys(
            folder,
            institution_id,
            name=name,
            passphrase=passphrase(passphrase_file, ask, new=True),
            force=force,
        )
        requests = " and ".join(str(files.request(use)) for use in KeyUse)
        typer.echo(
            f"signing and encryption keys for {institution_id} written to {folder}; "
            f"send {requests} to the network authority"
        )


@keys_app.command("install")
def install(
    folder: Annotated[Path, typer.Argument(help="The key folder made by 'ssgw keys generate'.")],
    certificates: Annotated[
        list[Path], typer.Argument(help="Certificates the authority issued from its requests.")
    ],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    passphrase_file: PassphraseFileOption = None,
    ask: Annotated[bool, ask_passphrase_option] = False,
) -> None:
    """Check each certificate against its private key and the network authority, then put
    it beside its key."""
    from gateway.security import install_certificates, load_certificate, read_certificate

    with reported_errors():
        issued = [
            (str(path), read_certificate(read_input(path), str(path))) for path in certificates
        ]
        installed = install_certificates(
            folder,
            issued,
            authority=load_certificate(authority),
            passphrase=passphrase(passphrase_file, ask, new=False),
        )
        for use, path in installed:
            typer.echo(f"{use.value} certificate installed: {path}")
