"""The node's OpenAPI document: every operation says what it answers, with a schema, declares
only the refusals it can give, each as a problem document, and names the API key it needs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.node import Node

PROBLEM = "application/problem+json"
#: The HTTP server's own refusals, which any request may get (gateway.api._http).
SERVER = {400, 414, 431}

#: The refusals each operation can give besides the server's own.
REFUSALS: dict[tuple[str, str], set[int]] = {
    ("post", "/api/v1/messages"): {401, 403, 409, 413, 415, 422, 503},
    ("get", "/api/v1/messages/{message_id}"): {401, 404, 503},
    ("get", "/api/v1/messages/{message_id}/evidence"): {401, 404, 409, 503},
    ("get", "/api/v1/cases/{case_id}"): {401, 404, 503},
    ("get", "/api/v1/inbox"): {401, 503},
    ("get", "/api/v1/inbox/{message_id}/document"): {401, 404, 406, 410, 503},
    ("post", "/api/v1/inbox/{message_id}/ack"): {401, 404, 503},
    ("post", "/api/v1/persons/messages"): {401, 503},
    ("get", "/healthz"): set(),
    ("get", "/readyz"): {503},
    ("get", "/metrics"): {503},
}


@pytest.fixture
def database_kind() -> str:
    """The document does not depend on the database."""
    return "sqlite"


@pytest.fixture
def document(api: Callable[[str], tuple[Node, TestClient, dict[str, str]]]) -> dict[str, Any]:
    _, client, _ = api("FR:CNAV")
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_every_operation_answers_with_a_schema(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        success = [s for s in operation["responses"] if s.startswith("2")]
        assert success, (method, path)
        for status in success:
            content = operation["responses"][status]["content"]
            assert content, (method, path, status)
            for media_type, described in content.items():
                schema = described.get("schema", {})
                assert "$ref" in schema or "type" in schema, (method, path, media_type)


def test_every_refusal_is_a_problem_document(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == [PROBLEM], (method, path, status)
                assert response["content"][PROBLEM]["schema"]["required"]
    # FastAPI's own 422, which the node never sends, is described nowhere.
    assert "HTTPValidationError" not in json.dumps(document)


def test_each_operation_declares_the_refusals_it_can_give(document: dict[str, Any]) -> None:
    declared = {
        (method, path): {int(s) for s in operation["responses"] if s[0] in "45"}
        for method, path, operation in operations(document)
    }
    assert declared == {operation: SERVER | own for operation, own in REFUSALS.items()}


def test_the_api_key_is_a_bearer_scheme_on_every_route_that_needs_it(
    document: dict[str, Any],
) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["ApiKey"]["type"] == "http" and schemes["ApiKey"]["scheme"] == "bearer"
    for method, path, operation in operations(document):
        protected = path.startswith("/api/v1/")
        assert (operation.get("security") == [{"ApiKey": []}]) is protected, (method, path)
        assert (401 in {int(s) for s in operation["responses"]}) is protected, (method, path)
        # The key is declared as the scheme, not as a header parameter of each route.
        names = {p["name"].lower() for p in operation.get("parameters", [])}
        assert "authorization" not in names


def test_a_protected_route_refuses_a_request_without_a_key_as_declared(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]],
) -> None:
    _, client, key = api("FR:CNAV")
    for method, path in REFUSALS:
        if path.startswith("/api/v1/"):
            concrete = path.replace("{message_id}", "x").replace("{case_id}", "x")
            answer = client.request(method.upper(), concrete)
            assert answer.status_code == 401, (method, path)
            assert answer.headers["content-type"] == PROBLEM
            assert answer.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/messages/x", headers=key).status_code == 400
