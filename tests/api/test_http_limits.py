"""What the node's HTTP server cannot read is refused as a problem document, like every other
refusal: an address or headers beyond the bound, and a request that is not HTTP at all."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from gateway.api import MAX_REQUEST_HEAD
from gateway.node import Node
from support import serving

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]


@pytest.fixture
def address(api: Api) -> Iterator[tuple[str, int]]:
    _, client, _ = api("DE:DRV70001")
    with serving(client.app) as url:
        parts = urlsplit(url)
        yield str(parts.hostname), int(parts.port or 0)


def _exchange(address: tuple[str, int], request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers and body of the answer."""
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri-too-long"),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 1_000_000 + b"\r\n\r\n",
            431,
            "headers-too-large",
        ),
        (b"NOT HTTP AT ALL\x00\r\n\r\n", 400, "bad-request"),
    ],
    ids=["200-KB-address", "1-MB-header", "not-http"],
)
def test_an_unreadable_request_gets_a_problem_document(
    address: tuple[str, int], request_bytes: bytes, status: int, code: str
) -> None:
    answered, headers, body = _exchange(address, request_bytes)
    assert answered == status
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert (problem["status"], problem["code"]) == (status, code)
    if status != 400:
        assert str(MAX_REQUEST_HEAD) in problem["detail"]


def test_a_request_within_the_bound_is_served(address: tuple[str, int]) -> None:
    filler = b"c" * (MAX_REQUEST_HEAD // 2)
    request = (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: " + filler + b"\r\nConnection: close\r\n\r\n"
    )
    status, _, _ = _exchange(address, request)
    assert status == 200
