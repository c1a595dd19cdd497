"""``ssgw-adapter``: the adapters as one command.

    ssgw-adapter webhook run --node URL --url BACK_OFFICE_URL --state FILE [options]
    ssgw-adapter webhook status --state FILE [--only STATUS] [--json]
    ssgw-adapter webhook retry --state FILE [MESSAGE_ID ...]
    ssgw-adapter folder run --node URL --root DIR [options]

``python -m ssgw_adapters`` is the same command. The node's API key and the webhook's shared
secret come from a file or the environment (:mod:`ssgw_adapters.command`); a bad argument
exits 2 with one ``error:`` line. docs/adapters.md describes each option.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import typer

from ssgw_adapters._state import StateStore
from ssgw_adapters.client import GatewayClient
from ssgw_adapters.command import (
    API_KEY_VARIABLE,
    UsageError,
    check_node_url,
    read_secret,
    run_command,
    seconds_between,
)
from ssgw_adapters.folder import FolderAdapter, FolderSettings, Outcome
from ssgw_adapters.running import NODE_ERRORS, describe, stopped_by_signals
from ssgw_adapters.webhook import DeliveryStatus, RetryPolicy, WebhookPusher, WebhookSettings

__all__ = ["SECRET_VARIABLE", "app", "main"]

SECRET_VARIABLE = "SSGW_WEBHOOK_SECRET"  # noqa: S105 (a variable name, not a secret)

log = logging.getLogger("ssgw_adapters")

app = typer.Typer(
    name="ssgw-adapter",
    help="Connect a back-office to a gateway node through its REST API.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
webhook_app = typer.Typer(help="Push a node's inbox to a back-office URL, signed with HMAC-SHA256.")
folder_app = typer.Typer(
    help="Submit documents dropped in a folder; write received ones into a folder."
)
app.add_typer(webhook_app, name="webhook")
app.add_typer(folder_app, name="folder")


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise typer.BadParameter(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise typer.BadParameter(f"must be a positive number: {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise typer.BadParameter(f"not a whole number: {text!r}") from None
    if value < 1:
        raise typer.BadParameter(f"must be at least 1: {text!r}")
    return value


def _recipient(text: str) -> str:
    # The node checks the id itself; this only catches what cannot be one before the first
    # file goes to error/ for it.
    country, colon, code = text.partition(":")
    if not (colon and len(country) == 2 and country.isalpha() and code.isalnum()):
        raise typer.BadParameter(f"not an institution id like DE:DRV70001: {text!r}")
    return text


Node = Annotated[str, typer.Option(help="The node's API base URL.")]
ApiKeyFile = Annotated[
    Path | None, typer.Option(help=f"Node API key file (else ${API_KEY_VARIABLE}).")
]
Form = Annotated[Literal["xml", "json"], typer.Option(help="The documents' form.")]
State = Annotated[Path, typer.Option(help="The pusher's SQLite state file.")]


# Webhook push -----------------------------------------------------------------------------


@webhook_app.command("run")
def webhook_run(
    node: Node,
    url: Annotated[str, typer.Option(help="The back-office URL that receives the POSTs.")],
    state: State,
    api_key_file: ApiKeyFile = None,
    secret_file: Annotated[
        Path | None, typer.Option(help=f"Shared secret file (else ${SECRET_VARIABLE}).")
    ] = None,
    form: Form = "xml",
    initial_delay: Annotated[float, typer.Option(parser=_positive, help="First retry (s).")] = 1.0,
    factor: Annotated[float, typer.Option(parser=_positive, help="Backoff factor (>= 1).")] = 2.0,
    max_delay: Annotated[float, typer.Option(parser=_positive, help="Longest retry (s).")] = 300.0,
    max_attempts: Annotated[int, typer.Option(parser=_count, help="Pushes before failed.")] = 8,
    timeout: Annotated[float, typer.Option(parser=_positive, help="Answer time (s).")] = 10.0,
    wait: Annotated[
        float, typer.Option(parser=seconds_between(0, 60), help="Inbox long-poll (0-60 s).")
    ] = 20.0,
    once: Annotated[bool, typer.Option("--once", help="Push one inbox page and exit.")] = False,
) -> int:
    """Push until SIGTERM or Ctrl-C."""
    api_key = read_secret(api_key_file, API_KEY_VARIABLE, "node API key")
    secret = read_secret(secret_file, SECRET_VARIABLE, "webhook secret")
    try:
        settings = WebhookSettings(
            url=url,
            secret=secret,
            state_file=state,
            form=form,
            retry=RetryPolicy(
                initial_delay=initial_delay,
                factor=factor,
                max_delay=max_delay,
                max_attempts=max_attempts,
            ),
            timeout=timeout,
            wait=wait,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    check_node_url(node)
    if not settings.state_file.parent.is_dir():
        raise UsageError(f"no folder for the state file: {settings.state_file.parent}")
    with GatewayClient(node, api_key.decode()) as client:
        try:
            pusher = WebhookPusher(client, settings)
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{settings.state_file} is not a usable state file: {error}") from None
        with pusher:
            return _push(pusher, once=once, node_url=node)


def _push(pusher: WebhookPusher, *, once: bool, node_url: str) -> int:
    if not once:
        with stopped_by_signals() as stop:
            log.info("pushing the inbox of %s to the back-office", node_url)
            pusher.run(stop)
        return 0
    try:
        handled = pusher.run_once()
    except NODE_ERRORS as error:
        print(f"error: the node did not answer: {describe(error)}", file=sys.stderr)
        return 1
    delivered = sum(r.status is DeliveryStatus.DELIVERED for r in handled)
    print(f"{delivered} delivered, {len(handled) - delivered} failed")
    return 0


def _open_state(path: Path) -> StateStore:
    try:
        return StateStore(path, create=False)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{path} is not a usable state file: {error}") from None


def _moment(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


@webhook_app.command("status")
def webhook_status(
    state: State,
    only: Annotated[DeliveryStatus | None, typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Show each message's delivery status."""
    with _open_state(state) as store:
        records = store.deliveries(only)
        cursor = store.cursor()
    if as_json:
        for record in records:
            print(
                json.dumps(
                    {
                        "message_id": str(record.message_id),
                        "status": record.status.value,
                        "attempts": record.attempts,
                        "last_error": record.last_error,
                        "last_attempt_at": _moment(record.last_attempt_at),
                        "delivered_at": _moment(record.delivered_at),
                        "sender": record.sender,
                        "document_type": record.document_type,
                        "cursor": record.cursor,
                    }
                )
            )
        return
    counts = {s: sum(r.status is s for r in records) for s in DeliveryStatus}
    print(f"cursor {cursor}; " + ", ".join(f"{n} {s.value}" for s, n in counts.items()))
    for record in records:
        print(
            f"{record.message_id}  {record.status.value:<9}  {record.attempts:>3}  "
            f"{_moment(record.last_attempt_at)}  {record.document_type}  "
            f"{record.last_error or ''}".rstrip()
        )


@webhook_app.command("retry")
def webhook_retry(
    state: State,
    message_ids: Annotated[
        list[uuid.UUID] | None, typer.Argument(help="Default: every failed one.")
    ] = None,
) -> None:
    """Push failed messages again."""
    chosen = set(message_ids or ())
    with _open_state(state) as store:
        failed = {record.message_id for record in store.deliveries(DeliveryStatus.FAILED)}
        unknown = [str(m) for m in chosen if m not in failed]
        if unknown:
            raise UsageError(f"not a failed message: {', '.join(unknown)}")
        requeued = store.requeue(chosen)
    print(f"{len(requeued)} message(s) will be pushed again")


# Folder drop ------------------------------------------------------------------------------


@folder_app.command("run")
def folder_run(
    node: Node,
    root: Annotated[Path, typer.Option(help="Holds outbox/, sent/, error/ and inbox/.")],
    api_key_file: ApiKeyFile = None,
    recipient: Annotated[
        str | None, typer.Option(parser=_recipient, help="For documents without a sidecar one.")
    ] = None,
    form: Form = "xml",
    interval: Annotated[
        float, typer.Option(parser=seconds_between(0, 3600), help="Seconds between polls.")
    ] = 1.0,
    settle: Annotated[
        float, typer.Option(parser=seconds_between(0, 3600), help="Seconds a file must rest.")
    ] = 1.0,
    once: Annotated[bool, typer.Option("--once", help="Take what is there, then exit.")] = False,
) -> int:
    """Poll the folders until SIGTERM or Ctrl-C."""
    try:
        settings = FolderSettings.under(
            root, default_recipient=recipient, form=form, interval=interval, settle=settle
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    api_key = read_secret(api_key_file, API_KEY_VARIABLE, "node API key")
    check_node_url(node)
    with GatewayClient(node, api_key.decode()) as client:
        try:
            adapter = FolderAdapter(client, settings)
        except OSError as error:
            raise UsageError(f"cannot make the folders under {root}: {error}") from None
        if once:
            return _once(adapter, settings)
        with stopped_by_signals() as stop:
            log.info("moving documents between the folders and %s", node)
            adapter.run(stop)
    return 0


def _once(adapter: FolderAdapter, settings: FolderSettings) -> int:
    handled = adapter.scan()
    # A file is taken at its second sighting: look again once it has had time to settle.
    time.sleep(max(settings.settle, 0.05))
    handled += adapter.scan()
    counts = {o: sum(h.outcome is o for h in handled) for o in Outcome}
    try:
        received = adapter.receive()
    except NODE_ERRORS as error:
        print(f"error: the node's inbox is unavailable: {error}", file=sys.stderr)
        return 1
    print(
        ", ".join(f"{n} {o.value}" for o, n in counts.items())
        + f", {len(received.written)} received"
    )
    return 1 if counts[Outcome.WAITING] or received.failed else 0


def main(argv: Sequence[str] | None = None, *, prog: str = "ssgw-adapter") -> int:
    """The ``ssgw-adapter`` command; returns the exit code (2 for bad arguments). ``prog`` is
    the name its usage and help show: ``ssgw adapter`` runs the same command."""
    return run_command(app, argv, prog=prog)
