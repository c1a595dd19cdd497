"""Where the tests find RabbitMQ and PostgreSQL, decided once per test run.

URLs given in ``GATEWAY_TEST_AMQP_URL`` and ``GATEWAY_TEST_DATABASE_URL`` are used as they are.
Otherwise, when a container engine answers, testcontainers starts a RabbitMQ and a PostgreSQL
of the run's own; otherwise the local services on 127.0.0.1 are used. The first process (the
only one, or pytest-xdist's controller) decides and writes the URLs into the environment, so
the workers it starts inherit the same services instead of starting their own."""

from __future__ import annotations

import atexit
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
RABBITMQ_IMAGE = "rabbitmq:3.13-management-alpine"
POSTGRES_IMAGE = "postgres:15-alpine"
# Set for the workers: how to reach the broker's own command line inside its container.
RABBITMQCTL = "GATEWAY_TEST_RABBITMQCTL"


@dataclass(frozen=True)
class Services:
    amqp_url: str
    database_url: str
    source: str  # what the pytest header says about where they come from


def engine_answers() -> bool:
    """True when a container engine (Docker's API) answers within a few seconds."""
    socket = Path("/var/run/docker.sock")
    # Without an address to try, asking the library would only leave a socket open.
    if not os.environ.get("DOCKER_HOST") and not socket.exists():
        return False
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        return False
    try:
        return bool(docker.from_env(timeout=3).ping())
    except DockerException:
        return False


def _start_containers() -> Services:
    from testcontainers.community.postgres import PostgresContainer
    from testcontainers.community.rabbitmq import RabbitMqContainer

    rabbitmq = RabbitMqContainer(RABBITMQ_IMAGE, username="guest", password="guest").start()
    postgres = PostgresContainer(
        POSTGRES_IMAGE, username="postgres", password="postgres", dbname="test", driver=None
    ).start()
    atexit.register(rabbitmq.stop)
    atexit.register(postgres.stop)
    host, port = rabbitmq.get_container_host_ip(), rabbitmq.get_exposed_port(5672)
    container = rabbitmq.get_wrapped_container().id
    os.environ[RABBITMQCTL] = f"docker exec -i {container} rabbitmqctl"
    return Services(
        amqp_url=f"amqp://guest:guest@{host}:{port}/",
        database_url=postgres.get_connection_url(),
        source=f"containers started by testcontainers ({RABBITMQ_IMAGE}, {POSTGRES_IMAGE})",
    )


def _decide() -> Services:
    given_amqp = os.environ.get("GATEWAY_TEST_AMQP_URL")
    given_database = os.environ.get("GATEWAY_TEST_DATABASE_URL")
    if given_amqp and given_database:
        return Services(given_amqp, given_database, "the GATEWAY_TEST_* URLs")
    if not given_amqp and not given_database and engine_answers():
        services = _start_containers()
    else:
        services = Services(
            given_amqp or LOCAL_AMQP_URL,
            given_database or LOCAL_DATABASE_URL,
            "local services on 127.0.0.1 (no container engine answers)",
        )
    os.environ["GATEWAY_TEST_AMQP_URL"] = services.amqp_url
    os.environ["GATEWAY_TEST_DATABASE_URL"] = services.database_url
    return services


def database_admin() -> psycopg.Connection[tuple[Any, ...]]:
    """An autocommit connection to the tests' PostgreSQL, to make and drop databases with."""
    url = make_url(SERVICES.database_url).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def rabbitmqctl_command() -> list[str]:
    """The broker's command line: the local one, or the one inside the run's container."""
    return shlex.split(os.environ.get(RABBITMQCTL, "rabbitmqctl"))


SERVICES = _decide()
