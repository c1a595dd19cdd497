"""Fixtures of the console tests: a node with messages in every state, operators of each role,
and logged-in test clients."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from console.console_testing import PASSWORD, Login, Scenario, build_scenario, log_in
from gateway.console import Accounts, Role
from gateway.node import Node
from gateway.server import build_app
from services import database_admin
from support import Clock


@dataclass(frozen=True)
class _Snapshot:
    """A built scenario kept for the next tests: copies of both stores, the records, the time."""

    france: str  # a SQLite file or a PostgreSQL database to copy
    germany: str
    built: Scenario
    now: dt.datetime


@pytest.fixture(scope="session")
def _snapshots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, _Snapshot]]:
    """Per database kind, the first scenario built in this process. Building one signs,
    encrypts and exchanges a dozen messages; copying its stores takes a fraction of that."""
    snapshots: dict[str, _Snapshot] = {}
    yield snapshots
    kept = [s.france for s in snapshots.values()] + [s.germany for s in snapshots.values()]
    databases = [name for name in kept if not name.endswith(".db")]
    if databases:
        with database_admin() as connection:
            for name in databases:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scenario(
    make_node: Callable[..., Node],
    clock: Clock,
    database_kind: str,
    database_url: Callable[..., str],
    _snapshots: dict[str, _Snapshot],
    tmp_path_factory: pytest.TempPathFactory,
) -> Scenario:
    kept = _snapshots.get(database_kind)
    if kept is None:
        built = build_scenario(make_node, clock)
        folder = tmp_path_factory.mktemp("scenario")
        _snapshots[database_kind] = _Snapshot(
            _keep(built.node, folder), _keep(built.germany, folder), built, clock.now
        )
        return built
    clock.now = kept.now
    france = make_node(
        "FR:CNAV", max_attempts=1, database_url=database_url("FR:CNAV", template=kept.france)
    )
    germany = make_node(
        "DE:DRV70001", database_url=database_url("DE:DRV70001", template=kept.germany)
    )
    return dataclasses.replace(kept.built, node=france, germany=germany)


def _keep(node: Node, folder: Path) -> str:
    """A copy of the node's store that later tests copy again; its file or database name."""
    url = make_url(node.settings.database_url)
    # Copying needs the store at rest: no open connection (PostgreSQL), nothing in the WAL.
    node.database.dispose()
    if url.get_backend_name() == "sqlite":
        copy = folder / f"{uuid.uuid4().hex}.db"
        shutil.copyfile(str(url.database), copy)
        return str(copy)
    name = f"ssgw_scenario_{uuid.uuid4().hex[:12]}"
    with database_admin() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
    return name


@pytest.fixture
def operators(scenario: Scenario) -> dict[Role, str]:
    """One operator of each role on the console node; the names by role."""
    accounts = Accounts(scenario.node.store.engine)
    names = {Role.VIEWER: "vera", Role.OPERATOR: "otto", Role.AUDITOR: "aude"}
    for role, name in names.items():
        accounts.add_operator(name, role, PASSWORD, now=scenario.node.clock())
    return names


@pytest.fixture
def login(scenario: Scenario, operators: dict[Role, str]) -> Login:
    """A client of the console node, logged in as the named operator."""

    def make(name: str) -> TestClient:
        return log_in(TestClient(build_app(scenario.node), raise_server_exceptions=False), name)

    return make
