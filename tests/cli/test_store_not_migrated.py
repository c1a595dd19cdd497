"""Commands that read the store, or edit a row of it, never migrate it: a schema that is
missing or behind is one line naming 'ssgw db migrate', exit 2, and the store untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command as alembic
from sqlalchemy import text
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import settings_toml
from gateway.node import Node
from gateway.store._database import alembic_config
from support import schema_head

runner = CliRunner()

READERS = [
    ["audit", "verify"],
    ["operator", "list"],
    ["operator", "unlock", "otto"],
    ["apikey", "revoke", "pensions"],
    ["message", "retry", "00000000-0000-4000-8000-000000000000"],
    ["retention", "run", "--days", "30"],
]


def downgrade(node: Node, revision: str) -> None:
    """Take the node's store back to an older schema, as an upgrade of the code leaves it."""
    with node.store.engine.begin() as connection:
        config = alembic_config(node.store.engine)
        config.attributes["connection"] = connection
        alembic.downgrade(config, revision)


def revision(node: Node) -> str | None:
    with node.store.engine.connect() as connection:
        value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if value is None else str(value)


@pytest.mark.parametrize("command", READERS, ids=lambda command: " ".join(command[:2]))
def test_a_schema_behind_is_refused_not_migrated(
    make_node: Callable[..., Node], tmp_path: Path, command: list[str]
) -> None:
    node = make_node("FR:CNAV")
    downgrade(node, "0002")
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(node.settings))
    result = runner.invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        "error: the database needs 'ssgw db migrate': it is at 0002, this version's schema is "
        + schema_head()
    ]
    assert revision(node) == "0002"


@pytest.mark.parametrize("command", READERS, ids=lambda command: " ".join(command[:2]))
def test_a_missing_sqlite_database_is_refused_not_created(
    make_node: Callable[..., Node], tmp_path: Path, command: list[str], database_kind: str
) -> None:
    if database_kind != "sqlite":
        pytest.skip("a SQLite file")
    absent = tmp_path / "absent.db"
    config = tmp_path / "node.toml"
    config.write_text(
        settings_toml(make_node("FR:CNAV").settings, database_url=f"sqlite:///{absent}")
    )
    result = runner.invoke(app, [*command, "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f"error: the database does not exist ({absent}); it needs 'ssgw db migrate'"
    ]
    assert list(tmp_path.glob("absent.db*")) == []


def test_db_migrate_still_brings_the_store_up_to_date(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    node = make_node("FR:CNAV")
    downgrade(node, "0002")
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(node.settings))
    assert runner.invoke(app, ["db", "migrate", "--config", str(config)]).exit_code == 0
    assert revision(node) == schema_head()
    verified = runner.invoke(app, ["audit", "verify", "--config", str(config)])
    assert verified.exit_code == 0, verified.output
