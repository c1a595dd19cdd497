"""ssgw operator add | list | unlock and ssgw audit verify."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pytest
import typer
from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner, Result

from gateway.cli import _console
from gateway.codes import InstitutionId
from gateway.console import MAX_FAILED_LOGINS, Accounts, AuditEvent, LoginOutcome, Role
from gateway.security import KeyUse, institution_files
from gateway.store import connect


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    _console.register(app)
    return app


@pytest.fixture
def config(tmp_path: Path, pki_dir: Path, signed_directory_file: Path) -> Path:
    files = institution_files(pki_dir, InstitutionId("FR:CNAV"))
    path = tmp_path / "node.toml"
    path.write_text(
        f"""
institution = "FR:CNAV"
database_url = "sqlite:///{tmp_path / "node.db"}"
directory_file = "{signed_directory_file}"
authority_certificate = "{pki_dir / "authority.pem"}"
signing_key = "{files.key(KeyUse.SIGNING)}"
signing_certificate = "{files.certificate(KeyUse.SIGNING)}"

[[encryption_keys]]
key = "{files.key(KeyUse.ENCRYPTION)}"
certificate = "{files.certificate(KeyUse.ENCRYPTION)}"
"""
    )
    return path


def run(cli: typer.Typer, *args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def accounts_of(config: Path) -> Accounts:
    return Accounts(connect(f"sqlite:///{config.parent / 'node.db'}"))


def test_add_an_operator_from_a_password_file(
    cli: typer.Typer, config: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "password"
    secret.write_text("a password from a file\n")
    result = run(
        cli,
        "operator",
        "add",
        "aude",
        "--role",
        "auditor",
        "--config",
        config,
        "--password-file",
        secret,
    )
    assert result.exit_code == 0, result.output
    assert "operator aude added as auditor" in result.output
    accounts = accounts_of(config)
    outcome = accounts.login("aude", "a password from a file", now=dt.datetime.now(dt.UTC))
    assert outcome.outcome is LoginOutcome.OK and outcome.operator is not None
    assert outcome.operator.role is Role.AUDITOR
    assert outcome.operator.password_hash.startswith("$argon2id$")
    assert "a password from a file" not in outcome.operator.password_hash
    first = accounts.audit_events(before=None, limit=10)[-1]
    assert (first.actor, first.action, first.detail) == ("cli", "operator-added", "aude as auditor")


def test_the_password_is_asked_twice_at_the_prompt(cli: typer.Typer, config: Path) -> None:
    result = run(
        cli,
        "operator",
        "add",
        "vera",
        "--role",
        "viewer",
        "--config",
        config,
        input="a typed password\na typed password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a typed password" not in result.output
    mismatch = run(
        cli,
        "operator",
        "add",
        "otto",
        "--role",
        "operator",
        "--config",
        config,
        input="a typed password\nanother password\na typed password\na typed password\n",
    )
    assert mismatch.exit_code == 0 and "do not match" in mismatch.output
    assert [o.name for o in accounts_of(config).operators()] == ["otto", "vera"]


def test_the_password_is_never_an_argument() -> None:
    parameters = inspect.signature(_console.add_operator).parameters
    assert "password" not in parameters and "password_file" in parameters


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["ok-name", "--role", "viewer"], "short", "at least 12 characters"),
        (["bad name!", "--role", "viewer"], "a long enough password", "operator name"),
        (["ok-name", "--role", "admin"], "a long enough password", "admin"),
    ],
)
def test_bad_operators_are_refused_in_one_line(
    cli: typer.Typer,
    config: Path,
    tmp_path: Path,
    args: list[str],
    password: str,
    message: str,
) -> None:
    secret = tmp_path / "password"
    secret.write_text(password)
    result = run(cli, "operator", "add", *args, "--config", config, "--password-file", secret)
    assert result.exit_code == 2
    assert message in result.output


def test_a_name_is_taken_once(cli: typer.Typer, config: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a long enough password")
    args: list[str | Path] = ["operator", "add", "otto", "--role", "operator", "--config", config]
    assert run(cli, *args, "--password-file", secret).exit_code == 0
    again = run(cli, *args, "--password-file", secret)
    assert again.exit_code == 2 and "exists already" in again.output


def test_list_and_unlock(cli: typer.Typer, config: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a long enough password")
    run(
        cli,
        "operator",
        "add",
        "otto",
        "--role",
        "operator",
        "-c",
        config,
        "--password-file",
        secret,
    )
    accounts = accounts_of(config)
    now = dt.datetime.now(dt.UTC)
    for _ in range(MAX_FAILED_LOGINS):
        accounts.login("otto", "wrong password!", now=now)
    listing = run(cli, "operator", "list", "--config", config)
    assert "otto\toperator\tlocked until" in listing.output
    assert run(cli, "operator", "unlock", "otto", "--config", config).exit_code == 0
    assert "otto\toperator\tactive" in run(cli, "operator", "list", "--config", config).output
    assert accounts.login("otto", "a long enough password", now=now).outcome is LoginOutcome.OK


def test_audit_verify_names_the_broken_row(cli: typer.Typer, config: Path, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a long enough password")
    for name in ("otto", "vera", "aude"):
        run(
            cli,
            "operator",
            "add",
            name,
            "--role",
            "viewer",
            "-c",
            config,
            "--password-file",
            secret,
        )
    intact = run(cli, "audit", "verify", "--config", config)
    assert intact.exit_code == 0 and "intact: 3 rows" in intact.output
    with accounts_of(config).engine.begin() as connection:
        connection.execute(update(AuditEvent).where(col(AuditEvent.id) == 2).values(detail="x"))
    broken = run(cli, "audit", "verify", "--config", config)
    assert broken.exit_code == 1
    assert "row 2 was changed after it was written" in broken.output
