"""ssgw retention run: remove the payloads of settled messages older than the retention limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import reported_errors
from gateway.cli._node import opened_store
from gateway.cli._progress import progress, watched
from gateway.config import load_settings
from gateway.errors import ConfigurationError
from gateway.node import CASE_READ_DOCUMENTS
from gateway.store import Retention

__all__ = ["retention_app"]

retention_app = typer.Typer(no_args_is_help=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The node's TOML settings (GATEWAY_* variables override)."),
]


@retention_app.command("run")
def run_retention(
    config: ConfigOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")
    ] = False,
    days: Annotated[
        float | None,
        typer.Option(min=0.0, help="Override retention_days for this run."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=100_000, help="Messages purged per transaction.")
    ] = 500,
) -> None:
    """Purge the payloads of messages settled more than retention_days ago.

    Delivered, rejected, failed, acknowledged and refused messages lose their sealed bytes;
    their metadata, digest, receipts and trace stay, with a 'purged' trace event each.
    Messages still in flight are never touched.
    """
    with reported_errors():
        settings = load_settings(config)
        limit = days if days is not None else settings.retention_days
        if not limit:
            raise ConfigurationError(
                "retention_days is not set, so payloads are kept; set it in the settings "
                "or pass --days"
            )
        with opened_store(config) as store:
            now = dt.datetime.now(dt.UTC)
            before = (now - dt.timedelta(days=limit)).isoformat(timespec="seconds")
            with _batches() as batch_done:
                result = Retention(store.engine).run(
                    limit,
                    now=now,
                    keep_types=CASE_READ_DOCUMENTS,
                    dry_run=dry_run,
                    batch=batch_size,
                    progress=batch_done,
                )
    if dry_run:
        typer.echo(
            f"{result.due} messages settled before {before} hold a payload; "
            "a run would purge them (dry run, nothing changed)"
        )
    else:
        typer.echo(f"purged the payloads of {result.purged} messages settled before {before}")


@contextmanager
def _batches() -> Iterator[Callable[[int, int], None]]:
    """What to do after each batch: move a bar for someone at a terminal, else write a line
    for the log of a scheduled run."""
    if not watched():
        yield lambda purged, due: typer.echo(f"purged {purged} of {due}", err=True)
        return
    with progress("purging payloads", None) as advance:
        shown = 0

        def moved(purged: int, due: int) -> None:
            nonlocal shown
            advance(purged - shown, total=due)
            shown = purged

        yield moved
