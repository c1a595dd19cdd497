"""ssgw doctor checks each partner's certificates truly and changes nothing, the store least."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import settings_toml
from gateway.node import Node
from support import EXAMPLES, free_port, schema_head

runner = CliRunner()


def doctor(config: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["doctor", "--config", str(config)])
    return result.exit_code, result.stdout.splitlines()


def write_config(node: Node, path: Path, **replaced: object) -> Path:
    # No broker listens there: its check fails, the others are what these tests look at.
    unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    path.write_text(settings_toml(node.settings, amqp_url=unreachable, **replaced))
    return path


def test_a_partner_without_certificates_fails_by_its_id(
    make_node: Callable[..., Node], pki_dir: Path, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    shutil.copytree(pki_dir, pki)
    shutil.rmtree(pki / "institutions" / "TN_CNSS")  # listed, but signed without certificates
    directory = tmp_path / "directory.xml"
    source = str(EXAMPLES / "Directory.xml")
    signed = runner.invoke(
        app, ["directory", "sign", source, "--pki", str(pki), "-o", str(directory)]
    )
    assert signed.exit_code == 0, signed.output
    config = write_config(
        make_node("FR:CNAV"), tmp_path / "node.toml", directory_file=str(directory)
    )
    code, lines = doctor(config)
    assert code == 1
    partners = [line for line in lines if " partners: " in line]
    assert [line.split(";")[0] for line in partners] == [
        "FAIL  partners: the directory lists no signing certificate for TN:CNSS",
        "FAIL  partners: the directory lists no encryption certificate for TN:CNSS",
    ]
    assert "fix: TN:CNSS needs its signing certificate issued" in partners[0]


def test_healthy_partners_are_reported_as_trusted(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    _, lines = doctor(write_config(make_node("FR:CNAV"), tmp_path / "node.toml"))
    [partners] = [line for line in lines if " partners: " in line]
    assert re.fullmatch(
        r"OK    partners: the signing and encryption certificates of [1-9]\d* partners are "
        r"trusted and valid beyond 30 days",
        partners,
    )


def _absent_database(url: str, tmp_path: Path) -> str:
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'absent.db'}"
    return (
        make_url(url)
        .set(database=f"ssgw_absent_{uuid.uuid4().hex[:8]}")
        .render_as_string(hide_password=False)
    )


def test_a_missing_database_fails_and_is_not_created(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    node = make_node("FR:CNAV")
    absent = _absent_database(node.settings.database_url, tmp_path)
    code, lines = doctor(write_config(node, tmp_path / "node.toml", database_url=absent))
    assert code == 1
    [database] = [line for line in lines if " database: " in line]
    assert database.startswith("FAIL  database: ") and "does not exist" in database
    if absent.startswith("sqlite"):
        assert database.startswith("FAIL  database: the database does not exist")
        assert "fix: correct database_url, or create the store with 'ssgw db migrate'" in database
        assert list(tmp_path.glob("absent.db*")) == []


def test_a_database_behind_fails_and_is_not_migrated(
    make_node: Callable[..., Node], tmp_path: Path
) -> None:
    node = make_node("FR:CNAV")
    with node.store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    code, lines = doctor(write_config(node, tmp_path / "node.toml"))
    assert code == 1
    assert (
        "FAIL  database: the database needs 'ssgw db migrate': it is at 0002, this version's "
        f"schema is {schema_head()}; fix: run 'ssgw db migrate'"
    ) in "\n".join(lines)
    with node.store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0002"
        )


def test_doctor_writes_nothing_to_an_up_to_date_sqlite_store(
    make_node: Callable[..., Node], tmp_path: Path, database_kind: str
) -> None:
    if database_kind != "sqlite":
        pytest.skip("looks at the files of a SQLite store")
    node = make_node("FR:CNAV")
    node.store.engine.dispose()  # the log is folded back into the file, as after a stop
    path = Path(make_url(node.settings.database_url).database or "")
    before = {p.name: p.stat().st_mtime_ns for p in path.parent.glob(path.name + "*")}
    _, lines = doctor(write_config(node, tmp_path / "node.toml"))
    assert f"OK    database: reachable, schema at {schema_head()}" in lines, lines
    after = {p.name: p.stat().st_mtime_ns for p in path.parent.glob(path.name + "*")}
    assert after == before
