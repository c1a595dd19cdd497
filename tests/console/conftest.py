"""Fixtures of the console tests: a node with messages in every state, operators of each role,
and logged-in test clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from console.console_testing import PASSWORD, Login, Scenario, build_scenario, log_in
from gateway.api import create_app
from gateway.console import Accounts, Role
from gateway.node import Node
from support import Clock


@pytest.fixture
def scenario(make_node: Callable[..., Node], clock: Clock) -> Scenario:
    return build_scenario(make_node, clock)


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
        return log_in(TestClient(create_app(scenario.node), raise_server_exceptions=False), name)

    return make
