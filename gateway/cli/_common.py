"""What every command shares: reading inputs, writing outputs and reports, and turning errors
into one line.

Every command imports this module, so it imports nothing heavy itself: the store and the
key handling are imported by the few functions that need them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from gateway.errors import ConfigurationError, GatewayError, KeyMaterialError, ValidationFailed

if TYPE_CHECKING:
    from gateway.store import SchemaState

__all__ = [
    "EXIT_INVALID",
    "EXIT_USAGE",
    "JsonOption",
    "OutputOption",
    "fail",
    "parse_moment",
    "print_json",
    "read_input",
    "read_passphrase",
    "reported_errors",
    "require_current_schema",
    "schema_problem",
    "write_output",
]

#: The document or message was checked and found wanting (invalid, untrusted, refused).
EXIT_INVALID = 1
#: The command could not do its work: a missing file, a bad option, unusable keys.
EXIT_USAGE = 2

PASSPHRASE_VARIABLE = "GATEWAY_KEY_PASSPHRASE"  # noqa: S105 (a variable name, not a secret)

OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json", help="Print the report as one JSON document; the exit code is the same."
    ),
]


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def reported_errors(exit_code: Callable[[GatewayError], int] | None = None) -> Iterator[None]:
    """Turn a gateway error into one clear line on stderr and an exit code; no traceback."""
    try:
        yield
    except ValidationFailed as error:
        for issue in error.issues:
            typer.echo(f"error: {issue}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except (ConfigurationError, KeyMaterialError) as error:
        fail(error.detail, EXIT_USAGE)
    except GatewayError as error:
        code = exit_code(error) if exit_code else EXIT_INVALID
        fail(error.detail, code)


def read_input(path: Path) -> bytes:
    """Read a file, or standard input for ``-``."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"cannot read {path}: {error.strerror}") from None


def print_json(report: Mapping[str, object]) -> None:
    """A command's report for ``--json``: one document on standard output."""
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


def write_output(path: Path | None, data: bytes) -> None:
    """Write to a file (mode 0600, whole or not at all), or to standard output."""
    from gateway.security import write_file_atomically

    if path is None or str(path) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        write_file_atomically(path, data, mode=0o600, overwrite=True)
    except OSError as error:
        raise ConfigurationError(f"cannot write {path}: {error.strerror}") from None


def read_passphrase(path: Path | None) -> bytes | None:
    """A passphrase from a file, else from GATEWAY_KEY_PASSPHRASE, else none.

    Never from the command line, where other users could read it in the process list.
    """
    if path is not None:
        text = read_input(path).rstrip(b"\r\n")
        if not text:
            raise ConfigurationError(f"passphrase file {path} is empty")
        return text
    value = os.environ.get(PASSPHRASE_VARIABLE)
    return value.encode() if value else None


def parse_moment(text: str | None) -> dt.datetime:
    """``--at`` values: an ISO date or date-time (UTC when no zone is given); now if absent."""
    if text is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"{text!r} is not an ISO date or date-time (for example 2026-11-25T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def schema_problem(state: SchemaState, database_url: str) -> str | None:
    """What keeps a store from being used by this version, in one line; None if nothing."""
    from gateway.store import newer_version_problem, sqlite_path

    if not state.exists:
        return (
            f"the database does not exist ({sqlite_path(database_url)}); it needs 'ssgw db migrate'"
        )
    if state.unknown:
        return newer_version_problem(state.unknown)
    if not state.up_to_date:
        current = ", ".join(state.current) or "an empty schema"
        return (
            f"the database needs 'ssgw db migrate': it is at {current}, this version's schema "
            f"is {', '.join(state.heads)}"
        )
    return None


def require_current_schema(database_url: str) -> None:
    """Refuse a store whose schema is not this version's, changing nothing.

    Only the commands that set a store up ('ssgw db migrate', the starting node, creating
    the first API key or operator) migrate it; a command that reads the store, or edits a
    row of it, must not migrate a production database as a side effect, least of all during
    an upgrade the operator has not finished.
    """
    from gateway.store import stored_schema

    problem = schema_problem(stored_schema(database_url), database_url)
    if problem is not None:
        raise ConfigurationError(problem)
