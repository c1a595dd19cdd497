"""Idempotent submits: an Idempotency-Key makes a retried submit get the first answer and store
nothing more, per API client, for idempotency_key_hours, even when the retries race."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from gateway.api import create_app
from gateway.node import Node
from gateway.store import IdempotencyKey, IdempotencyRecord, MessageRecord
from support import Clock, example_bytes, serving

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]
XML = {"Content-Type": "application/xml"}
SUBMIT = "/api/v1/messages?recipient=DE:DRV70001"


def stored(node: Node, model: type[MessageRecord] | type[IdempotencyRecord]) -> int:
    with node.store.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return headers | XML | {"Idempotency-Key": key}


def refused_with(response: httpx2.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_a_retry_gets_the_first_answer_and_stores_nothing(api: Api) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")

    first = client.post(SUBMIT, content=document, headers=keyed(headers, "order-1"))
    again = client.post(SUBMIT, content=document, headers=keyed(headers, "order-1"))

    assert first.status_code == again.status_code == 202
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert stored(node, MessageRecord) == 1
    # Once the message moved on, the retry still gets the answer of its first try.
    assert first.json()["status"] == again.json()["status"] == "accepted"


def test_the_same_key_with_another_request_is_a_conflict(api: Api) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    assert client.post(SUBMIT, content=document, headers=keyed(headers, "k")).status_code == 202

    changed = document.replace(b"CNAV-2026-0915-4471", b"CNAV-2026-0915-4472")
    assert changed != document
    refused_with(
        client.post(SUBMIT, content=changed, headers=keyed(headers, "k")),
        409,
        "idempotency-key-reused",
    )
    elsewhere = "/api/v1/messages?recipient=DE:DRV70001&protected_person=true"
    refused_with(
        client.post(elsewhere, content=document, headers=keyed(headers, "k")),
        409,
        "idempotency-key-reused",
    )
    refused_with(
        client.post(
            SUBMIT, content=document, headers=keyed(headers, "k") | {"Content-Type": "text/xml"}
        ),
        409,
        "idempotency-key-reused",
    )
    assert stored(node, MessageRecord) == 1


def test_a_key_belongs_to_its_client(api: Api) -> None:
    node, client, headers = api("FR:CNAV")
    other_key = node.actions.create_api_key("another back-office")
    other = {"Authorization": f"Bearer {other_key}"}
    document = example_bytes("InsurancePeriodsRequest")

    mine = client.post(SUBMIT, content=document, headers=keyed(headers, "shared"))
    theirs = client.post(SUBMIT, content=document, headers=keyed(other, "shared"))

    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["id"] != theirs.json()["id"]
    assert stored(node, MessageRecord) == 2


@pytest.mark.parametrize(
    "key", [b"", b"with space", b"x" * 256, "clé".encode(), b"tab\there", b"\x7f"]
)
def test_a_key_of_other_characters_or_length_is_a_bad_request(api: Api, key: bytes) -> None:
    node, client, headers = api("FR:CNAV")
    response = client.post(
        SUBMIT,
        content=example_bytes("InsurancePeriodsRequest"),
        headers=[
            *((name.encode(), value.encode()) for name, value in (headers | XML).items()),
            (b"Idempotency-Key", key),
        ],
    )
    refused_with(response, 400, "bad-request")
    assert stored(node, MessageRecord) == 0


def test_the_longest_key_of_visible_characters_is_taken(api: Api) -> None:
    _, client, headers = api("FR:CNAV")
    key = "!~" + "a" * 253
    response = client.post(
        SUBMIT, content=example_bytes("InsurancePeriodsRequest"), headers=keyed(headers, key)
    )
    assert response.status_code == 202, response.text


def test_a_refused_submit_holds_no_key(api: Api) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    invalid = document.replace(b">old-age<", b">old-aged<", 1)

    refused_with(
        client.post(SUBMIT, content=invalid, headers=keyed(headers, "fix-me")),
        422,
        "validation-failed",
    )
    corrected = client.post(SUBMIT, content=document, headers=keyed(headers, "fix-me"))

    assert corrected.status_code == 202
    assert stored(node, IdempotencyRecord) == 1


def test_a_submit_that_lost_the_race_answers_as_the_winner(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    winner = client.post(SUBMIT, content=document, headers=keyed(headers, "race"))
    looked_up: list[IdempotencyKey] = []
    first_answer = node.reading.first_answer

    def before_the_winner_committed(key: IdempotencyKey) -> object:
        # The loser looked before the winner's transaction committed, and found nothing.
        looked_up.append(key)
        return None if len(looked_up) == 1 else first_answer(key)

    monkeypatch.setattr(node.reading, "first_answer", before_the_winner_committed)
    loser = client.post(SUBMIT, content=document, headers=keyed(headers, "race"))

    assert len(looked_up) == 2
    assert (loser.status_code, loser.content) == (202, winner.content)
    assert stored(node, MessageRecord) == 1


def test_a_submit_that_lost_the_race_with_another_request_is_a_conflict(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    client.post(SUBMIT, content=document, headers=keyed(headers, "race"))
    first_answer = node.reading.first_answer
    calls: list[IdempotencyKey] = []

    def stale(key: IdempotencyKey) -> object:
        calls.append(key)
        return None if len(calls) == 1 else first_answer(key)

    monkeypatch.setattr(node.reading, "first_answer", stale)
    other = client.post(
        SUBMIT + "&protected_person=true", content=document, headers=keyed(headers, "race")
    )

    refused_with(other, 409, "idempotency-key-reused")
    assert stored(node, MessageRecord) == 1


def test_concurrent_retries_store_one_message(api: Api) -> None:
    node, _, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    tries = 4
    start = threading.Barrier(tries)
    answers: list[httpx2.Response] = []
    errors: list[BaseException] = []

    def retry(base_url: str) -> None:
        try:
            with httpx2.Client(base_url=base_url, timeout=60) as http:
                start.wait(timeout=30)
                answers.append(http.post(SUBMIT, content=document, headers=keyed(headers, "one")))
        except BaseException as error:  # reported below
            errors.append(error)

    with serving(create_app(node)) as base_url:
        threads = [threading.Thread(target=retry, args=(base_url,)) for _ in range(tries)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert [answer.status_code for answer in answers] == [202] * tries
    assert len({answer.content for answer in answers}) == 1
    assert stored(node, MessageRecord) == 1
    assert stored(node, IdempotencyRecord) == 1


def test_a_key_is_forgotten_once_it_expires(api: Api, clock: Clock) -> None:
    node, client, headers = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    first = client.post(SUBMIT, content=document, headers=keyed(headers, "daily"))

    clock.advance(node.settings.idempotency_key_hours * 3600 - 1)
    assert client.post(SUBMIT, content=document, headers=keyed(headers, "daily")).content == (
        first.content
    )
    clock.advance(1)
    # Expired, not yet purged: the key is free again.
    later = client.post(SUBMIT, content=document, headers=keyed(headers, "daily"))
    assert later.status_code == 202 and later.json()["id"] != first.json()["id"]
    assert stored(node, IdempotencyRecord) == 1

    clock.advance(node.settings.idempotency_key_hours * 3600)
    node.reconcile()
    assert stored(node, IdempotencyRecord) == 0
    assert stored(node, MessageRecord) == 2


def test_the_kept_answer_is_sealed(api: Api) -> None:
    node, client, headers = api("FR:CNAV")
    answer = client.post(
        SUBMIT,
        content=example_bytes("InsurancePeriodsRequest"),
        headers=keyed(headers, str(uuid.uuid4())),
    )
    with node.store.reading() as session:
        kept = session.scalars(select(IdempotencyRecord)).one()
    assert answer.json()["id"].encode() not in kept.body
    assert kept.status == 202 and kept.location == answer.headers["location"]
    assert kept.expires_at - kept.created_at == dt.timedelta(hours=24)
