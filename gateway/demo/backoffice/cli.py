"""``ssgw-backoffice``: one institution's reference back-office as a process of its own.

It answers its node's inbox from the institution's sample register
(:mod:`gateway.demo.backoffice.samples`) until SIGTERM or Ctrl-C, talking to the node over
its REST API only; the directory it decides with is the signed file, checked against the
network authority's certificate. ``python -m gateway.demo.backoffice`` is the same command.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from gateway.demo.backoffice.loop import BackOffice
from gateway.demo.backoffice.samples import sample_registers
from gateway.directory import Directory, load_directory
from gateway.errors import GatewayError
from gateway.security import load_certificate
from ssgw_adapters.client import GatewayClient
from ssgw_adapters.command import (
    API_KEY_VARIABLE,
    UsageError,
    check_node_url,
    read_secret,
    run_command,
    seconds_between,
)
from ssgw_adapters.running import stopped_by_signals

__all__ = ["app", "main"]

log = logging.getLogger("gateway.demo.backoffice")

app = typer.Typer(
    name="ssgw-backoffice",
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _directory(directory: Path, authority: Path) -> Directory:
    try:
        return load_directory(
            directory.read_bytes(), load_certificate(authority), at=dt.datetime.now(dt.UTC)
        )
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except GatewayError as error:
        raise UsageError(f"the directory is not usable: {error.detail}") from None


@app.command()
def serve(
    node: Annotated[str, typer.Option(help="The node's API base URL.")],
    institution: Annotated[str, typer.Option(help="Whose sample register to answer from.")],
    directory: Annotated[Path, typer.Option(help="The signed directory.")],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    api_key_file: Annotated[
        Path | None, typer.Option(help=f"Node API key file (else ${API_KEY_VARIABLE}).")
    ] = None,
    wait: Annotated[
        float, typer.Option(parser=seconds_between(0, 60), help="Inbox long-poll (0-60 s).")
    ] = 20.0,
) -> None:
    """Run one institution's reference back-office (with the demo register) against its node
    until SIGTERM or Ctrl-C."""
    check_node_url(node)
    api_key = read_secret(api_key_file, API_KEY_VARIABLE, "node API key").decode()
    network = _directory(directory, authority)
    register = sample_registers().get(institution)
    if register is None:
        known = ", ".join(sorted(sample_registers()))
        raise UsageError(f"no sample register for {institution} (known: {known})")
    with GatewayClient(node, api_key) as client, stopped_by_signals() as stop:
        log.info("answering the inbox of %s at %s", institution, node)
        BackOffice(client, register, network).run(stop, wait=wait)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``ssgw-backoffice`` command; returns the exit code (2 for bad arguments)."""
    return run_command(app, argv, prog="ssgw-backoffice")
