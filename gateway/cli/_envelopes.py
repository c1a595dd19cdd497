"""ssgw sign | verify | encrypt | decrypt: one message's envelope, step by step, with keys
and a directory given on the command line."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Annotated

import typer
from lxml import etree

from gateway.cli._common import (
    EXIT_INVALID,
    JsonOption,
    OutputOption,
    parse_moment,
    print_json,
    read_input,
    read_passphrase,
    reported_errors,
    write_output,
)
from gateway.cli._directory import open_directory
from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.documents import (
    CaseType,
    DocumentAction,
    EnvelopeHeader,
    build_envelope,
    validate_document,
)
from gateway.errors import ConfigurationError, GatewayError, KeyMaterialError
from gateway.exchange import DEFAULT_TIME_TO_LIVE, Credentials, verify_envelope
from gateway.security import (
    DecryptionKey,
    KeyUse,
    load_certificate,
    load_private_key,
    open_sealed,
    seal,
    sign_enveloped,
)

__all__ = ["decrypt", "encrypt", "sign", "verify"]

DirectoryOption = Annotated[
    Path | None, typer.Option("--directory", help="The signed network directory file.")
]
AuthorityOption = Annotated[
    Path | None, typer.Option("--authority", help="The network authority's certificate (PEM).")
]
PassphraseOption = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="File holding the key's passphrase (default: $GATEWAY_KEY_PASSPHRASE, if set).",
    ),
]


def sign(
    document: Annotated[Path, typer.Argument(help="A business or technical document (XML).")],
    key: Annotated[Path, typer.Option(help="The sender's signing key (PEM).")],
    cert: Annotated[Path, typer.Option(help="The sender's signing certificate (PEM).")],
    to: Annotated[str, typer.Option("--to", help="The recipient institution, e.g. FR:CNAV.")],
    case_id: Annotated[str | None, typer.Option(help="Case id (default: a new case).")] = None,
    case_type_name: Annotated[
        str | None,
        typer.Option("--case-type", help="The case's type, for documents that act on a case."),
    ] = None,
    in_reply_to: Annotated[str | None, typer.Option(help="Message id this answers.")] = None,
    ttl_hours: Annotated[
        float, typer.Option(help="Hours until the message expires.")
    ] = DEFAULT_TIME_TO_LIVE.total_seconds() / 3600,
    passphrase_file: PassphraseOption = None,
    output: OutputOption = None,
) -> None:
    """Validate a document, wrap it in an envelope and sign it (no policy check; see 'policy')."""
    with reported_errors():
        validated = validate_document(read_input(document))
        credentials = Credentials.from_files(
            signing_key=key,
            signing_certificate=cert,
            encryption_keys=[],
            passphrase=read_passphrase(passphrase_file),
        )
        case_type = _case_type(case_type_name) or validated.document_type.case_type
        if case_type is None:
            raise ConfigurationError(
                f"a {validated.document_type.root_name} acts on an existing case: "
                "give its --case-type"
            )
        now = dt.datetime.now(dt.UTC)
        header = EnvelopeHeader(
            message_id=uuid.uuid4(),
            case_id=_uuid(case_id, "--case-id") or uuid.uuid4(),
            case_type=case_type,
            document_set_id=uuid.uuid4(),
            document_version=1,
            action=DocumentAction.NEW,
            sender=credentials.institution,
            recipient=_institution(to),
            document_type=validated.document_type,
            schema_version=validated.schema_version,
            created=now,
            expires=now + dt.timedelta(hours=ttl_hours),
            in_reply_to=_uuid(in_reply_to, "--in-reply-to"),
        )
        signed = sign_enveloped(build_envelope(header, validated.root), credentials.signing)
        write_output(output, etree.tostring(signed, encoding="UTF-8", xml_declaration=True))


def verify(
    envelope: Annotated[Path, typer.Argument(help="A signed envelope (XML).")],
    directory: DirectoryOption = None,
    authority: AuthorityOption = None,
    at: Annotated[str | None, typer.Option(help="Verify as of this moment (ISO).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify an envelope's signature against the directory's certificate of its sender."""
    with reported_errors():
        moment = parse_moment(at)
        network = open_directory(directory, authority, moment)
        data = read_input(envelope)
        try:
            header = verify_envelope(data, directory=network, now=moment).header
        except (ConfigurationError, KeyMaterialError):
            raise
        except GatewayError as error:
            if not as_json:
                raise
            # The envelope was checked and refused: that is the report, with its exit code.
            print_json(_verification(None, error))
            raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        print_json(_verification(header, None))
        return
    typer.echo(
        f"valid signature by {header.sender} on {header.document_type.root_name} "
        f"{header.message_id} for {header.recipient} (case {header.case_id}, "
        f"expires {header.expires.isoformat()})"
    )


def _verification(header: EnvelopeHeader | None, error: GatewayError | None) -> dict[str, object]:
    return {
        "valid": header is not None,
        "problem": {"code": error.code, "detail": error.detail} if error else None,
        "sender": str(header.sender) if header else None,
        "recipient": str(header.recipient) if header else None,
        "document_type": header.document_type.root_name if header else None,
        "message_id": str(header.message_id) if header else None,
        "case_id": str(header.case_id) if header else None,
        "expires": header.expires.isoformat() if header else None,
    }


def encrypt(
    envelope: Annotated[Path, typer.Argument(help="A signed envelope (XML).")],
    cert: Annotated[
        Path | None, typer.Option(help="The recipient's encryption certificate (PEM).")
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Or: the recipient, looked up in the directory.")
    ] = None,
    directory: DirectoryOption = None,
    authority: AuthorityOption = None,
    output: OutputOption = None,
) -> None:
    """Encrypt a signed envelope to its recipient as compact JWE."""
    with reported_errors():
        if (cert is None) == (to is None):
            raise ConfigurationError("give either --cert or --to (with --directory)")
        if cert is not None:
            certificate = load_certificate(cert)
        else:
            moment = dt.datetime.now(dt.UTC)
            network = open_directory(directory, authority, moment)
            certificates = network.certificates(_institution(str(to)), KeyUse.ENCRYPTION, moment)
            certificate = max(certificates, key=lambda c: c.not_valid_before_utc)
        write_output(output, seal(read_input(envelope), certificate))


def decrypt(
    sealed: Annotated[Path, typer.Argument(help="A compact JWE made by 'ssgw encrypt'.")],
    key: Annotated[Path, typer.Option(help="This institution's encryption key (PEM).")],
    cert: Annotated[Path, typer.Option(help="This institution's encryption certificate (PEM).")],
    passphrase_file: PassphraseOption = None,
    output: OutputOption = None,
) -> None:
    """Decrypt a sealed envelope with this institution's encryption key."""
    with reported_errors():
        decryption = DecryptionKey(
            load_private_key(key, read_passphrase(passphrase_file)), load_certificate(cert)
        )
        write_output(output, open_sealed(read_input(sealed).strip(), [decryption]))


def _case_type(text: str | None) -> CaseType | None:
    if text is None:
        return None
    try:
        return CaseType(text)
    except ValueError:
        known = ", ".join(c.value for c in CaseType)
        raise ConfigurationError(f"--case-type {text!r} is not one of {known}") from None


def _uuid(text: str | None, option: str) -> uuid.UUID | None:
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ConfigurationError(f"{option} {text!r} is not a UUID") from None


def _institution(text: str) -> InstitutionId:
    try:
        return parse_institution_id(text)
    except InvalidIdentifier as error:
        raise ConfigurationError(str(error)) from None
