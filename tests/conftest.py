"""Shared fixtures: a fresh PKI and signed sample directory per test session, and nodes on
the real store (SQLite files, and PostgreSQL databases made for each test)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from gateway.api import create_app
from gateway.codes import InstitutionId
from gateway.config import NodeSettings, load_settings
from gateway.demo.network import enrol
from gateway.directory import Directory, load_directory
from gateway.exchange import Credentials
from gateway.node import Node
from gateway.node._tracing import Tracing
from gateway.node.runtime import NodeRuntime
from gateway.security import (
    KeyUse,
    init_authority,
    institution_files,
    load_certificate,
)
from gateway.store import Store, connect, migrate
from services import SERVICES, database_admin
from support import AMQP_URL, EXAMPLES, INSTITUTIONS, Clock, delete_topology


@pytest.fixture(autouse=True)
def _root_logger_restored() -> Iterator[None]:
    """``ssgw run`` sends the process's logs to the standard error of the moment; run in-process
    by a test's CliRunner, that is a stream closed with the command. Each test gives the root
    logger back as it found it, so later tests' logs do not go to a closed stream."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's network authority, with every institution enrolled as a real one is:
    keys and requests made by the institution, certificates issued from the requests and
    installed after checking. Each institution's key folder is the one the authority keeps
    its certificates in (``institutions/DE_DRV70001``), so that tests find keys and
    certificates in one place; the demo keeps them apart."""
    folder = tmp_path_factory.mktemp("pki")
    init_authority(folder)
    for institution in INSTITUTIONS:
        institution_id = InstitutionId(institution)
        enrol(folder, institution_files(folder, institution_id).folder, institution_id)
    return folder


@pytest.fixture(scope="session")
def signed_directory_file(pki_dir: Path) -> Path:
    """The sample directory, with the session's certificates, signed by its authority."""
    from typer.testing import CliRunner

    from gateway.cli import app

    target = pki_dir / "directory.xml"
    result = CliRunner().invoke(
        app,
        [
            "directory",
            "sign",
            str(EXAMPLES / "Directory.xml"),
            "--pki",
            str(pki_dir),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="session")
def directory(signed_directory_file: Path, pki_dir: Path) -> Directory:
    return load_directory(
        signed_directory_file.read_bytes(), load_certificate(pki_dir / "authority.pem")
    )


@pytest.fixture(scope="session")
def credentials(pki_dir: Path) -> Callable[[str], Credentials]:
    cache: dict[str, Credentials] = {}

    def load(institution: str) -> Credentials:
        if institution not in cache:
            cache[institution] = Credentials.from_pki(pki_dir, InstitutionId(institution))
        return cache[institution]

    return load


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


DATABASE_URL = SERVICES.database_url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: spread over pytest-xdist's workers, they then end while the
    quick ones still run, instead of one of them running alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_report_header() -> str:
    return f"services: {SERVICES.source}: {AMQP_URL}, {make_url(DATABASE_URL)!r}"


def node_settings(
    pki_dir: Path, directory_file: Path, institution: str, url: str, **overrides: object
) -> NodeSettings:
    files = institution_files(pki_dir, InstitutionId(institution))
    values: dict[str, object] = dict(
        institution=institution,
        database_url=url,
        directory_file=str(directory_file),
        authority_certificate=str(pki_dir / "authority.pem"),
        signing_key=str(files.key(KeyUse.SIGNING)),
        signing_certificate=str(files.certificate(KeyUse.SIGNING)),
        encryption_keys=[
            {
                "key": str(files.key(KeyUse.ENCRYPTION)),
                "certificate": str(files.certificate(KeyUse.ENCRYPTION)),
            }
        ],
        receipt_timeout_seconds=10,
        max_attempts=3,
    )
    values.update(overrides)
    return load_settings(None, **values)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.database)])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(database_kind: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Makes an empty database for one node and returns its URL; drops it afterwards."""
    made: list[str] = []
    admin = make_url(DATABASE_URL)

    def make(label: str, template: str | None = None) -> str:
        """A new database; a copy of ``template`` (a SQLite file or a database name) if given."""
        if database_kind == "sqlite":
            path = tmp_path / (label.replace(":", "_") + ".db")
            if template is not None:
                shutil.copyfile(template, path)
            return f"sqlite:///{path}"
        name = f"ssgw_test_{uuid.uuid4().hex[:12]}"
        copying = f' TEMPLATE "{template}"' if template else ""
        with database_admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copying}')
        made.append(name)
        return admin.set(database=name).render_as_string(hide_password=False)

    yield make
    if made:
        with database_admin() as connection:
            for name in made:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_node(
    pki_dir: Path,
    signed_directory_file: Path,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    database_url: Callable[[str], str],
    clock: Clock,
) -> Iterator[Callable[..., Node]]:
    engines = []

    def make(institution: str, *, real_time: bool = False, **overrides: object) -> Node:
        """A node on a fresh store (or the one a ``database_url`` override names); its clock
        is the test's hand-moved one unless ``real_time``, for nodes that run on the bus."""
        url = str(overrides.pop("database_url", None) or database_url(institution))
        settings = node_settings(pki_dir, signed_directory_file, institution, url, **overrides)
        engine = connect(settings.database_url)
        engines.append(engine)
        migrate(engine)
        return Node(
            settings,
            credentials=credentials(institution),
            directory=directory,
            store=Store(engine),
            clock=_utc_now if real_time else clock,
        )

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def api(
    make_node: Callable[[str], Node],
) -> Callable[[str], tuple[Node, TestClient, dict[str, str]]]:
    def make(institution: str) -> tuple[Node, TestClient, dict[str, str]]:
        node = make_node(institution)
        key = node.store.create_api_client("back-office", dt.datetime.now(dt.UTC))
        client = TestClient(create_app(node), raise_server_exceptions=False)
        return node, client, {"Authorization": f"Bearer {key}"}

    return make


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@pytest.fixture
def names() -> dict[str, str]:
    """Exchange and queue names of this test alone, so tests can share the broker."""
    run = uuid.uuid4().hex[:8]
    return {
        "exchange": f"ssgw.t{run}.network",
        "queue_prefix": f"ssgw.t{run}.",
        "dead_letter_exchange": f"ssgw.t{run}.dead-letter",
        "amqp_url": AMQP_URL,
    }


@pytest_asyncio.fixture
async def network(
    make_node: Callable[..., Node], names: dict[str, str], directory: object
) -> AsyncIterator[Callable[..., Awaitable[NodeRuntime]]]:
    """Start nodes on the real broker, each its runtime (consumer, relay); all stopped after."""
    runtimes: list[NodeRuntime] = []

    async def start(
        institution: str,
        node: Node | None = None,
        tracing: Tracing | None = None,
        **overrides: object,
    ) -> NodeRuntime:
        runtime = NodeRuntime(
            node or make_node(institution, real_time=True, **names, **overrides), tracing
        )
        await runtime.start()
        runtimes.append(runtime)
        return runtime

    yield start
    for runtime in runtimes:
        await runtime.stop()
    await delete_topology(names)
