"""Schemathesis drives the back-office API from its own OpenAPI document over a real SQLite
node: no request it makes, valid or not, may end in a server error or in a response the
document does not describe."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.node import Node
from support import example_bytes

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


def short_polls(case: Any) -> Any:
    """The inbox's long poll may wait a minute for nothing; a tenth of a second tells as much."""
    wait = (case.query or {}).get("wait")
    if isinstance(wait, int | float) and not isinstance(wait, bool) and wait > 0.1:
        case.query["wait"] = 0.1
    return case


@pytest.fixture
def database_kind() -> str:
    """A SQLite node is enough here (the store itself is tested on both databases)."""
    return "sqlite"


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_every_request_as_its_schema_says(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]], mode: GenerationMode
) -> None:
    node, client, headers = api("FR:CNAV")
    # Something to find: a sent message and its case.
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 8
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode).map(short_polls))
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def probe(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            probe()
        except Unsatisfiable:
            # An operation without parameters or body has no invalid form to send.
            assert mode is GenerationMode.NEGATIVE
