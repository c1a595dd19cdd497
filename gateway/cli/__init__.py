"""The ``ssgw`` command line.

Its commands are listed below with the modules that define them; a module is imported only
when its command is used (:mod:`gateway.cli._lazy`), so asking for help or validating a
document does not wait for the store, the node or the console to load. A mistake in the
arguments is one ``error:`` line on standard error and exit code 2, as every other error a
command reports (:mod:`gateway.cli._common`).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer

# Raised by a group named without a command, which then shows its help.
from typer._click.exceptions import NoArgsIsHelpError

from gateway.cli._lazy import Lazy, LazyGroup

__all__ = ["COMMANDS", "app", "main"]

COMMANDS = (
    Lazy(
        "validate",
        "._documents:validate",
        "Check documents against their schema and the business rules.",
    ),
    Lazy("convert", "._documents:convert", "Write a valid document in another schema version."),
    Lazy("sign", "._envelopes:sign", "Validate a document, wrap it in an envelope and sign it."),
    Lazy("verify", "._envelopes:verify", "Verify an envelope's signature by its sender."),
    Lazy("encrypt", "._envelopes:encrypt", "Encrypt a signed envelope to its recipient (JWE)."),
    Lazy(
        "decrypt", "._envelopes:decrypt", "Decrypt a sealed envelope with this institution's key."
    ),
    Lazy("run", "._node:run", "Run the node: REST API, bus consumer and relay in one process."),
    Lazy("demo", "._node:demo", "Start five institutions' nodes and play exchanges through them."),
    Lazy("doctor", "._doctor:doctor", "Check a node's settings, keys, store and broker."),
    Lazy("apikey", "._node:apikey_app", "Manage back-office API keys."),
    Lazy("message", "._node:message_app", "List messages and act on one."),
    Lazy("db", "._node:db_app", "Manage the node's store."),
    Lazy("operator", "._console:operator_app", "Manage the operators of the console."),
    Lazy(
        "audit",
        "._console:audit_app",
        "Check the hash chains of the audit log and the trace events.",
    ),
    Lazy(
        "keys",
        "._keys:keys_app",
        "Make this institution's keys and requests, and install its certificates.",
    ),
    Lazy(
        "pki",
        "._pki:pki_app",
        "The network authority: its key, and certificates issued from requests.",
    ),
    Lazy("directory", "._directory:directory_app", "Sign and verify the network directory."),
    Lazy("policy", "._policy:policy_app", "Ask the agreement policy."),
    Lazy("broker", "._broker:broker_app", "Set up the network's RabbitMQ."),
    Lazy("evidence", "._evidence:evidence_app", "Check evidence bundles of messages."),
    Lazy("retention", "._retention:retention_app", "Apply the payload retention policy."),
    Lazy("backup", "._backup:backup_app", "Back up and restore a node."),
    Lazy(
        "sed",
        "._sed:sed_app",
        "SED JSON (the EU's Structured Electronic Documents) in and out of our documents.",
    ),
    Lazy(
        "adapter",
        "._adapter:adapter",
        "Connect a back-office to this node: the ssgw-adapter command.",
        passthrough=True,
    ),
)


class _Gateway(LazyGroup):
    lazy = COMMANDS

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command ``args`` name and exit with its code (return the code instead,
        when not standalone).

        Mistakes in the arguments are told in one line, where typer would draw a box with
        the usage in it.
        """
        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except NoArgsIsHelpError as error:
            typer.echo(error.format_message())
            result = error.exit_code
        except typer.TyperException as error:
            typer.echo(f"error: {error.format_message()}", err=True)
            result = error.exit_code
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            result = 1
        code = result if isinstance(result, int) else 0
        if standalone_mode:
            sys.exit(code)
        return code


def _print_version(wanted: bool) -> None:
    if wanted:
        # Read only when asked: finding the installed distribution takes a while.
        from importlib.metadata import version

        typer.echo(f"ssgw {version('ssgw')}")
        raise typer.Exit()


app = typer.Typer(
    name="ssgw",
    cls=_Gateway,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def _gateway(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
        ),
    ] = False,
) -> None:
    """Gateway for social security coordination."""


def main() -> None:
    """Entry point of the ``ssgw`` console script."""
    app()
