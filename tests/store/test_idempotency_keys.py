"""Idempotency keys in the store: written in the message's transaction or not at all, one per
client and key, found only with their own request's digest, and forgotten once expired."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlmodel import SQLModel

from gateway.errors import IdempotencyKeyReused
from gateway.node import Answer, Idempotency, Node
from gateway.store import (
    IdempotencyKey,
    IdempotencyKeys,
    IdempotencyKeyTaken,
    IdempotencyRecord,
    MessageRecord,
    Trace,
)
from support import example_bytes

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def node(make_node: Callable[[str], Node]) -> Node:
    return make_node("FR:CNAV")


@pytest.fixture
def client(node: Node) -> int:
    found = node.reading.api_client(node.actions.create_api_key("back-office"))
    assert found is not None and found.id is not None
    return found.id


@pytest.fixture
def template(node: Node) -> MessageRecord:
    return node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")


def another(template: MessageRecord) -> MessageRecord:
    """A message not stored yet, like ``template`` but for its id."""
    return MessageRecord(**(template.model_dump() | {"id": None, "message_id": uuid.uuid4()}))


def kept(client: int, key: str, at: dt.datetime) -> IdempotencyRecord:
    return IdempotencyRecord(
        client_id=client,
        key=key,
        digest="d",
        status=202,
        location="/somewhere",
        body=b"sealed",
        created_at=at,
        expires_at=at + HOUR,
    )


def count(node: Node, model: type[MessageRecord] | type[IdempotencyRecord]) -> int:
    with node.store.reading() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_migration_builds_exactly_the_model(node: Node) -> None:
    with node.store.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}),
            SQLModel.metadata,
        )
    assert [d for d in differences if "idempotency_keys" in repr(d)] == []


def test_a_taken_key_stores_nothing_of_the_message(
    node: Node, client: int, template: MessageRecord, now: dt.datetime
) -> None:
    first, second = another(template), another(template)
    node.store.add_message(
        first, traces=[Trace("accepted")], now=now, idempotency=kept(client, "k", now)
    )

    with pytest.raises(IdempotencyKeyTaken):
        node.store.add_message(
            second, traces=[Trace("accepted")], now=now, idempotency=kept(client, "k", now)
        )

    assert node.store.sent_message(first.message_id) is not None
    assert node.store.sent_message(second.message_id) is None
    assert node.reading.trace(second.message_id) == []
    assert count(node, IdempotencyRecord) == 1


def test_an_expired_key_gives_way(
    node: Node, client: int, template: MessageRecord, now: dt.datetime
) -> None:
    earlier = now - 2 * HOUR
    node.store.add_message(
        another(template), traces=[], now=earlier, idempotency=kept(client, "k", earlier)
    )

    node.store.add_message(
        another(template), traces=[], now=now, idempotency=kept(client, "k", now)
    )

    found = IdempotencyKeys(node.store.engine).find(IdempotencyKey(client, "k", "d"), now)
    assert found is not None and found.created_at == now
    assert count(node, IdempotencyRecord) == 1


def test_a_key_answers_only_its_own_request(node: Node, client: int) -> None:
    answer = Answer(202, "/api/v1/messages/x", b'{"id": "x"}')
    node.submit(
        example_bytes("InsurancePeriodsRequest"),
        recipient="DE:DRV70001",
        idempotency=Idempotency(IdempotencyKey(client, "k", "mine"), lambda _: answer),
    )

    assert node.reading.first_answer(IdempotencyKey(client, "k", "mine")) == answer
    assert node.reading.first_answer(IdempotencyKey(client, "other", "mine")) is None
    with pytest.raises(IdempotencyKeyReused):
        node.reading.first_answer(IdempotencyKey(client, "k", "theirs"))


def test_purging_forgets_only_expired_keys(
    node: Node, client: int, template: MessageRecord, now: dt.datetime
) -> None:
    for key, at in (("old", now - 2 * HOUR), ("young", now)):
        node.store.add_message(
            another(template), traces=[], now=at, idempotency=kept(client, key, at)
        )
    keys = IdempotencyKeys(node.store.engine)

    assert keys.purge(now) == 1

    assert keys.find(IdempotencyKey(client, "young", "d"), now) is not None
    assert count(node, IdempotencyRecord) == 1
    assert count(node, MessageRecord) == 3
