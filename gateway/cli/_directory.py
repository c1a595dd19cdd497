"""ssgw directory sign | verify, and ssgw policy check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    EXIT_INVALID,
    JsonOption,
    parse_moment,
    print_json,
    read_input,
    read_passphrase,
    reported_errors,
    write_output,
)
from gateway.cli._progress import Advance, progress
from gateway.codes import Branch, InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.directory import (
    Directory,
    Permitted,
    Refused,
    decide,
    load_directory,
    sign_directory,
)
from gateway.documents import DocumentFamily, DocumentType, Posting
from gateway.errors import ConfigurationError
from gateway.security import (
    SigningIdentity,
    authority_files,
    load_certificate,
    load_private_key,
)

__all__ = ["directory_app", "open_directory", "policy_app", "signed_directory"]

directory_app = typer.Typer(no_args_is_help=True)
policy_app = typer.Typer(no_args_is_help=True)


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


#: A century of posting is more than any agreement allows, and keeps the dates representable.
_MAX_POSTING_MONTHS = 1200


@policy_app.command("check")
def check_policy(
    sender: Annotated[str, typer.Option("--from", help="The sending institution.")],
    recipient: Annotated[str, typer.Option("--to", help="The receiving institution.")],
    document_type: Annotated[str, typer.Option("--type", help="Document type, e.g. BenefitClaim.")],
    directory: Annotated[Path, typer.Option(help="The signed network directory.")],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    branch: Annotated[
        list[str] | None, typer.Option(help="A branch the document concerns (repeatable).")
    ] = None,
    on: Annotated[str | None, typer.Option(help="The day (ISO date; default today).")] = None,
    schema_version: Annotated[
        str, typer.Option(help="The document's schema version (1.0 or 2.0).")
    ] = "1.0",
    posting_months: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=_MAX_POSTING_MONTHS,
            help="The months of the posting a CoverageCertificate certifies or notifies, held "
            "against the agreement's posting limit.",
        ),
    ] = None,
    earlier_months: Annotated[
        int,
        typer.Option(
            min=0,
            max=_MAX_POSTING_MONTHS,
            help="The months of the worker's earlier postings that this one continues.",
        ),
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """May SENDER send a document of this type and version for these branches to RECIPIENT
    on that day? With --posting-months: and a certificate of a posting that long?"""
    with reported_errors():
        day = parse_moment(on).date()
        sending = _institution_option("--from", sender)
        receiving = _institution_option("--to", recipient)
        kind = _document_type(document_type)
        branches = _branches(branch or [], kind)
        posting = _posting(kind, posting_months, earlier_months, day)
        loaded = open_directory(directory, authority, dt.datetime.now(dt.UTC))
        decision = decide(
            loaded,
            sender=sending,
            recipient=receiving,
            document_type=kind,
            schema_version=schema_version,
            branches=branches,
            on=day,
            posting=posting,
        )
    _answer(decision, posting, as_json=as_json)
    if isinstance(decision, Refused):
        raise typer.Exit(EXIT_INVALID)


def _answer(decision: Permitted | Refused, posting: Posting | None, *, as_json: bool) -> None:
    """Print the policy's answer; a posting's names the posting rule it met."""
    if as_json:
        print_json(_decision_report(decision, posting))
    elif isinstance(decision, Refused):
        typer.echo(f"refused [{decision.reason.value}]: {decision.detail}")
    elif posting is not None:
        typer.echo(f"permitted under {_basis(decision)}: {_posting_rule(decision, posting)}")
    else:
        typer.echo(f"permitted under {_basis(decision)}")


def _basis(decision: Permitted) -> str:
    return decision.agreement.id if decision.agreement else "national exchange"


def _decision_report(decision: Permitted | Refused, posting: Posting | None) -> dict[str, object]:
    if isinstance(decision, Refused):
        report: dict[str, object] = {
            "permitted": False,
            "basis": None,
            "reason": decision.reason.value,
            "detail": decision.detail,
        }
    else:
        report = {"permitted": True, "basis": _basis(decision), "reason": None, "detail": None}
    if posting is not None and isinstance(decision, Permitted):
        report["posting_rule"] = _posting_rule(decision, posting)
    return report


def _posting(
    kind: DocumentType, months: int | None, earlier_months: int, day: dt.date
) -> Posting | None:
    """The posting asked about: ``months`` from the first of ``day``'s month, after
    ``earlier_months`` of earlier posting that run up to it. Whole calendar months from a
    first day are exact, whatever the months' lengths."""
    if months is None:
        if earlier_months:
            raise ConfigurationError("--earlier-months needs --posting-months")
        return None
    if kind is not DocumentType.COVERAGE_CERTIFICATE:
        raise ConfigurationError(
            "--posting-months asks about a posting, which a CoverageCertificate certifies or "
            f"notifies, not a {kind.root_name}"
        )
    try:
        start = _month_start(day, 0)
        end = _month_start(day, months) - dt.timedelta(days=1)
        earlier_start = _month_start(day, -earlier_months)
    except ValueError:
        raise ConfigurationError(
            f"--posting-months: {months} months from {day.isoformat()} run past the calendar"
        ) from None
    earlier = ((earlier_start, start - dt.timedelta(days=1)),) if earlier_months else ()
    return Posting(start=start, end=end, earlier=earlier)


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s (before it when negative)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month_index + 1, 1)


def _posting_rule(decision: Permitted, posting: Posting) -> str:
    """The posting rule a permitted posting met, in words."""
    agreement = decision.agreement
    if agreement is None:
        return "a posting within one country has no posting limit"
    if agreement.posting_limit_months is None:
        return f"the directory gives {agreement.id} no posting limit"
    found = (
        f"postings of {posting.total_length} in all keep"
        if posting.counted_earlier
        else f"a posting of {posting.total_length} keeps"
    )
    return f"{found} within the {agreement.posting_limit_months} months of agreement {agreement.id}"


#: How an institution id is written (gateway.codes checks it).
_INSTITUTION_ID_SHAPE = (
    "a country code, a colon and 4 to 10 ASCII letters or digits, as in DE:DRV70001"
)

#: The families whose documents concern branches of social security: the policy checks the
#: branch against the agreement's material scope, so a question without one has no answer.
#: Coverage, case-level and technical documents concern none (see document_branches).
_BRANCHED = frozenset({DocumentFamily.PERIODS, DocumentFamily.CLAIMS})


def _institution_option(option: str, text: str) -> InstitutionId:
    """A mistyped id is the asker's mistake, not the policy's refusal: only a well-formed id
    the directory does not list is an unknown institution."""
    try:
        return parse_institution_id(text)
    except InvalidIdentifier as error:
        detail = str(error)
        if _INSTITUTION_ID_SHAPE not in detail:  # well formed, but the country is unknown
            detail = (
                f"{text!r} is not an institution id: {detail}; expected {_INSTITUTION_ID_SHAPE}"
            )
        raise ConfigurationError(f"{option}: {detail}") from None


def _document_type(name: str) -> DocumentType:
    try:
        return DocumentType.from_root_name(name)
    except KeyError:
        known = ", ".join(t.root_name for t in DocumentType)
        raise ConfigurationError(f"unknown document type {name!r} (known: {known})") from None


def _branches(names: list[str], kind: DocumentType) -> frozenset[Branch]:
    known = ", ".join(b.value for b in Branch)
    try:
        branches = frozenset(Branch(name) for name in names)
    except ValueError:
        raise ConfigurationError(f"unknown branch in {names} (known: {known})") from None
    if not branches and kind.family in _BRANCHED:
        raise ConfigurationError(
            f"--branch is needed: {kind.root_name} documents concern a branch of social "
            f"security, which the agreement must cover (known: {known})"
        )
    return branches
