"""The ``ssgw`` command line."""

from __future__ import annotations

import typer

from gateway.cli import _console, _doctor, _documents, _node
from gateway.cli._backup import backup_app
from gateway.cli._broker import broker_app
from gateway.cli._directory import directory_app, policy_app
from gateway.cli._evidence import evidence_app
from gateway.cli._pki import pki_app
from gateway.cli._retention import retention_app
from gateway.cli._sed import sed_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="ssgw",
    help="Gateway for social security coordination.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
_documents.register(app)
_node.register(app)
_console.register(app)
_doctor.register(app)
app.add_typer(pki_app, name="pki")
app.add_typer(directory_app, name="directory")
app.add_typer(policy_app, name="policy")
app.add_typer(broker_app, name="broker")
app.add_typer(evidence_app, name="evidence")
app.add_typer(retention_app, name="retention")
app.add_typer(backup_app, name="backup")
app.add_typer(sed_app, name="sed")


def main() -> None:
    """Entry point of the ``ssgw`` console script."""
    app()
