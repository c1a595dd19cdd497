"""ssgw operator add | list | unlock, ssgw audit verify: the console's accounts, its audit log,
the node's trace chain and the chains' RFC 3161 anchors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import (
    EXIT_INVALID,
    JsonOption,
    print_json,
    read_input,
    reported_errors,
    require_current_schema,
)
from gateway.config import load_settings
from gateway.console import Accounts, Role
from gateway.errors import ConfigurationError
from gateway.security import load_certificate
from gateway.store import (
    AnchorReport,
    Anchors,
    ChainReport,
    Operator,
    connect,
    migrate,
    verify_trace_chain,
)

__all__ = ["audit_app", "operator_app", "register"]

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="The node's TOML settings (GATEWAY_* variables override)."),
]

operator_app = typer.Typer(no_args_is_help=True)
audit_app = typer.Typer(no_args_is_help=True)


@contextmanager
def _accounts(config: Path | None, *, migrating: bool = False) -> Iterator[Accounts]:
    """The console's accounts in the node's store, its connections closed when the block
    ends. Only adding an operator, part of setting a node up, migrates the store; the other
    commands refuse a schema that is not current."""
    settings = load_settings(config)
    if not migrating:
        require_current_schema(settings.database_url)
    engine = connect(settings.database_url)
    try:
        if migrating:
            migrate(engine)
        yield Accounts(engine)
    finally:
        engine.dispose()


def _password(path: Path | None) -> str:
    """From a file (its first line), else asked twice at the terminal; never an argument,
    where other users could read it in the process list."""
    if path is not None:
        lines = read_input(path).decode("utf-8", errors="strict").splitlines()
        if not lines or not lines[0]:
            raise ConfigurationError(f"password file {path} is empty")
        return lines[0]
    entered: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@operator_app.command("add")
def add_operator(
    name: Annotated[str, typer.Argument(help="The operator's login name.")],
    role: Annotated[Role, typer.Option(help="What the operator may do.", case_sensitive=False)],
    config: ConfigOption = None,
    password_file: Annotated[
        Path | None,
        typer.Option(help="Read the password from this file ('-': standard input)."),
    ] = None,
) -> None:
    """Create a console operator; the password is asked for twice unless --password-file."""
    with reported_errors():
        try:
            password = _password(password_file)
        except UnicodeDecodeError:
            raise ConfigurationError(f"password file {password_file} is not UTF-8") from None
        with _accounts(config, migrating=True) as accounts:
            accounts.add_operator(name, role, password, now=dt.datetime.now(dt.UTC))
        typer.echo(f"operator {name} added as {role.value}")


def _state(operator: Operator, now: dt.datetime) -> tuple[str, str | None]:
    """``active``, ``disabled`` or ``locked``, and until when a lockout lasts."""
    if operator.disabled_at is not None:
        return "disabled", None
    if operator.locked_until is not None and operator.locked_until > now:
        return "locked", operator.locked_until.isoformat(timespec="seconds")
    return "active", None


@operator_app.command("list")
def list_operators(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """List the operators, their roles and whether they are locked out."""
    with reported_errors():
        now = dt.datetime.now(dt.UTC)
        with _accounts(config) as accounts:
            operators = [(o, *_state(o, now)) for o in accounts.operators()]
    if as_json:
        print_json(
            {
                "operators": [
                    {"name": o.name, "role": o.role.value, "state": state, "locked_until": until}
                    for o, state, until in operators
                ]
            }
        )
        return
    for operator, state, until in operators:
        shown = f"locked until {until}" if until else state
        typer.echo(f"{operator.name}\t{operator.role.value}\t{shown}")


@operator_app.command("unlock")
def unlock_operator(
    name: Annotated[str, typer.Argument(help="The operator's login name.")],
    config: ConfigOption = None,
) -> None:
    """Lift a lockout after failed logins before it ends by itself."""
    with reported_errors():
        with _accounts(config) as accounts:
            accounts.unlock(name, now=dt.datetime.now(dt.UTC))
        typer.echo(f"operator {name} unlocked")


@audit_app.command("verify")
def verify_audit(
    config: ConfigOption = None,
    tsa_certificate: Annotated[
        Path | None,
        typer.Option(
            help="The CA certificate of the time-stamping authority that checks the anchors "
            "(PEM); the node's tsa_certificate when not given.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute the hash chains of the console's audit log and of the node's trace events,
    and check their RFC 3161 anchors: each token signed by the time-stamping authority, and
    each chain recomputed from its rows giving the anchored hash at the anchored row; exit 1
    naming the first row or anchor that fails."""
    with reported_errors():
        settings = load_settings(config)
        vouching = tsa_certificate or settings.tsa_certificate
        authority = [load_certificate(vouching)] if vouching is not None else []
        with _accounts(config) as accounts:
            audit_log, trace_chain = accounts.verify(), verify_trace_chain(accounts.engine)
            anchors = Anchors(accounts.engine).verify(settings.institution, authority)
    intact = audit_log.ok and trace_chain.ok and anchors.ok
    if as_json:
        print_json(
            {
                "intact": intact,
                "audit_log": _chain(audit_log),
                "trace_chain": _chain(trace_chain),
                "anchors": _anchors(anchors),
            }
        )
    else:
        _print_chains((("the audit log", audit_log), ("the trace chain", trace_chain)), anchors)
    if not intact:
        raise typer.Exit(EXIT_INVALID)


def _print_chains(reports: tuple[tuple[str, ChainReport], ...], anchors: AnchorReport) -> None:
    """Each broken chain's first broken row and the first failing anchor on standard error,
    or a summary of each chain and of the anchors."""
    broken = [(name, report) for name, report in reports if not report.ok]
    for name, report in broken:
        row = f" (first broken row: {report.broken_row})" if report.broken_row is not None else ""
        typer.echo(f"error: {name} is broken: {report.problem}{row}", err=True)
    if not anchors.ok:
        typer.echo(f"error: the anchors do not hold: {anchors.problem}", err=True)
    if broken or not anchors.ok:
        return
    for name, report in reports:
        typer.echo(f"{name} is intact: {report.checked} rows, head {report.head_hash}")
    newest = anchors.newest
    if newest is None:
        typer.echo("no anchors are kept: nothing outside the node vouches for the heads")
    else:
        typer.echo(
            f"the anchors hold: {anchors.checked} checked, the newest stamped "
            f"{newest.stamped_at.isoformat()} over trace row {newest.trace_length} and "
            f"audit row {newest.audit_length}"
        )


def _chain(report: ChainReport) -> dict[str, object]:
    return {
        "intact": report.ok,
        "rows": report.checked,
        "head": report.head_hash,
        "problem": report.problem,
        "broken_row": report.broken_row,
    }


def _anchors(report: AnchorReport) -> dict[str, object]:
    newest = report.newest
    return {
        "intact": report.ok,
        "checked": report.checked,
        "newest": None
        if newest is None
        else {
            "stamped_at": newest.stamped_at.isoformat(),
            "trace_rows": newest.trace_length,
            "audit_rows": newest.audit_length,
        },
        "problem": report.problem,
        "broken_anchor": report.broken_anchor,
    }


def register(app: typer.Typer) -> None:
    app.add_typer(operator_app, name="operator")
    app.add_typer(audit_app, name="audit")
