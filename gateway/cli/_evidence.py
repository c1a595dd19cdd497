"""ssgw evidence verify: check a message's evidence bundle offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import EXIT_INVALID, JsonOption, print_json, read_input, reported_errors
from gateway.evidence import EvidenceBundle, verify_bundle
from gateway.security import load_certificate

__all__ = ["evidence_app"]

evidence_app = typer.Typer(no_args_is_help=True)


@evidence_app.command("verify")
def verify_evidence(
    bundle_file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The bundle ('-': standard input).")
    ],
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The network authority's certificate to pin (PEM); without it the bundle's "
            "own copy is used, and the output says so.",
        ),
    ] = None,
    tsa_certificate: Annotated[
        Path | None,
        typer.Option(
            "--tsa-certificate",
            help="The CA certificate of the exporter's time-stamping authority to pin (PEM); "
            "without it the bundle's own copy checks the anchor, and the output says so.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a bundle without the node: the envelope's and the receipt's signatures, their
    certificates against the authority, that the receipt acknowledges exactly this message,
    that the trace chain's hashes recompute, and the RFC 3161 anchor over them, if the
    bundle holds one. Exit 0 only if every check holds."""
    with reported_errors():
        authority = load_certificate(root) if root is not None else None
        tsa_root = load_certificate(tsa_certificate) if tsa_certificate is not None else None
        bundle = EvidenceBundle.from_json(read_input(bundle_file))
    checks = verify_bundle(bundle, root=authority, tsa_root=tsa_root)
    failed = [check.name for check in checks if not check.ok]
    if as_json:
        print_json(
            {
                "message_id": str(bundle.message_id),
                "holds": not failed,
                "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in checks],
            }
        )
        if failed:
            raise typer.Exit(EXIT_INVALID)
        return
    for check in checks:
        typer.echo(f"{'ok' if check.ok else 'FAILED':<6}  {check.name}: {check.detail}")
    if failed:
        typer.echo(f"error: the evidence does not hold: {', '.join(failed)}", err=True)
        raise typer.Exit(EXIT_INVALID)
    typer.echo(f"the evidence of message {bundle.message_id} holds: {len(checks)} checks passed")
