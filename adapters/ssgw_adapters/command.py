"""What the adapters' commands share: secrets, checked option values and one-line errors.

A command takes its secrets from a file or the environment, never from its arguments, where
other users of the machine could read them. A bad argument, a missing file or a missing
secret ends it with one ``error:`` line on stderr and exit code 2, as the ``ssgw`` command
does; no traceback.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import typer

__all__ = [
    "API_KEY_VARIABLE",
    "EXIT_USAGE",
    "UsageError",
    "check_node_url",
    "read_secret",
    "run_command",
    "seconds_between",
]

#: The environment variable a command reads the node's API key from, without a key file.
API_KEY_VARIABLE = "SSGW_API_KEY"
#: The command could not start: a bad argument, a missing file or secret.
EXIT_USAGE = 2


class UsageError(Exception):
    """A bad argument, missing file or missing secret: exit 2 with a one-line message."""


def read_secret(file: Path | None, variable: str, what: str) -> bytes:
    """A secret from ``file`` (trailing newline removed) or else the environment variable."""
    if file is not None:
        try:
            value = file.read_bytes().rstrip(b"\r\n")
        except OSError as error:
            raise UsageError(f"cannot read the {what} from {file}: {error.strerror}") from None
        source = str(file)
    else:
        value = os.environ.get(variable, "").encode()
        source = f"${variable}"
    if not value:
        raise UsageError(f"no {what}: {source} is empty or unset")
    return value


def check_node_url(url: str) -> str:
    """``url`` if it is an http(s) URL, as a node's API base URL must be."""
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"the node URL must be http(s): {url!r}")
    return url


def seconds_between(low: float, high: float) -> Callable[[str], float]:
    """An option's parser: a number of seconds from ``low`` to ``high``, or a clear refusal."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise typer.BadParameter(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise typer.BadParameter(f"must be between {low:g} and {high:g}: {text!r}")
        return value

    return parse


def run_command(app: typer.Typer, argv: Sequence[str] | None, *, prog: str) -> int:
    """Run ``app`` on ``argv`` (default: the process's arguments); returns the exit code.

    A command's return value is its exit code (None counts as 0). Bad arguments and
    :class:`UsageError` become one ``error:`` line and :data:`EXIT_USAGE`.
    """
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The HTTP client logs every request at INFO: too chatty for a polling loop.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    command = typer.main.get_command(app)
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        result = command.main(arguments, prog_name=prog, standalone_mode=False)
    except typer.TyperException as error:
        # What typer says of a bad argument (an unknown option, a missing one, a refused
        # value), which it would otherwise show in a box.
        print(f"error: {error.format_message()}", file=sys.stderr)
        return error.exit_code
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    return result if isinstance(result, int) else 0
