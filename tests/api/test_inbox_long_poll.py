"""The inbox's long poll: woken by a document the node stores, not by reading the store again
and again while nothing comes."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from unittest import mock

import pytest
from fastapi.testclient import TestClient

from gateway.node import Node
from support import deliver, example_bytes

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]


def test_a_document_received_during_the_wait_ends_it_at_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No second look during the wait: only the node's word can end it early.
    monkeypatch.setattr("gateway.api._inbox._LOOK_AGAIN_SECONDS", 60.0)
    france, _, _ = api("FR:CNAV")
    germany, client, key = api("DE:DRV70001")
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        polling = pool.submit(client.get, "/api/v1/inbox?wait=10", headers=key)
        time.sleep(0.5)
        assert not polling.done()
        deliver(france, germany)
        response = polling.result(timeout=10)
        waited = time.monotonic() - started
    assert response.status_code == 200
    assert [item["document_type"] for item in response.json()["items"]] == [
        "InsurancePeriodsRequest"
    ]
    # The notification, not the end of the wait.
    assert waited < 5, waited


def test_a_wait_for_nothing_reads_the_store_once_a_second(api: Api) -> None:
    germany, client, key = api("DE:DRV70001")
    with mock.patch.object(germany.reading, "inbox", wraps=germany.reading.inbox) as inbox:
        response = client.get("/api/v1/inbox?wait=2.5", headers=key)
    assert response.status_code == 200 and response.json()["items"] == []
    # At 0, 1, 2 and 2.5 s; a poll every tenth of a second would have read it 25 times.
    assert 3 <= inbox.call_count <= 4, inbox.call_count
