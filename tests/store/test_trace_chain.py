"""The trace events' hash chain: written by every path that records a step, verified row by
row, and any edited, inserted or deleted row named."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, event, insert, select, text, update
from sqlmodel import SQLModel, col

from gateway.node import Node
from gateway.security import GENESIS
from gateway.store import (
    DuplicateMessage,
    MessageRecord,
    Trace,
    TraceChainHead,
    TraceEvent,
    connect,
    migrate,
    trace_link,
    verify_trace_chain,
)
from gateway.store._database import alembic_config
from gateway.store._trace_chain import NewTraceEvent, append_trace_events
from support import deliver, example_bytes


@pytest.fixture
def node(make_node: Callable[[str], Node]) -> Node:
    """A node that sent three requests and got their receipts back."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    for _ in range(3):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    return france


def rows(engine: Engine) -> list[TraceEvent]:
    with engine.connect() as connection:
        return [
            TraceEvent.model_validate(row._mapping)
            for row in connection.execute(select(TraceEvent).order_by(col(TraceEvent.id)))
        ]


def test_every_step_is_chained_in_order(node: Node) -> None:
    stored = rows(node.store.engine)
    assert [row.id for row in stored] == list(range(1, len(stored) + 1))
    # accepted, authorised, sealed, sent, delivered; and each receipt received
    assert len(stored) == 3 * 6
    assert stored[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    assert all(trace_link(row.prev_hash, row) == row.hash for row in stored)
    first = node.store.trace(stored[0].message_id)
    assert [e.stage for e in first] == ["accepted", "authorised", "sealed", "sent", "delivered"]
    report = verify_trace_chain(node.store.engine)
    assert report.ok and report.checked == len(stored) and report.head_hash == stored[-1].hash


@pytest.fixture
def statements(node: Node) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[2]).split()).upper())

    event.listen(node.store.engine, "before_cursor_execute", record)
    yield seen
    event.remove(node.store.engine, "before_cursor_execute", record)


def test_the_head_is_locked_and_written_once_per_transaction(
    node: Node, statements: list[str], database_kind: str
) -> None:
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    head_reads = [s for s in statements if s.startswith("SELECT") and "TRACE_CHAIN" in s]
    head_writes = [s for s in statements if s.startswith("UPDATE TRACE_CHAIN")]
    assert len(head_reads) == 1 and len(head_writes) == 1  # for three events
    if database_kind == "postgresql":
        assert head_reads[0].endswith("FOR UPDATE")
    assert verify_trace_chain(node.store.engine).ok


def test_a_transaction_that_fails_leaves_the_chain_as_it_was(node: Node) -> None:
    before = verify_trace_chain(node.store.engine)
    existing = node.store.message(1)
    assert existing is not None
    fresh, again = (
        MessageRecord.model_validate(existing.model_dump(exclude={"id"}) | changes)
        for changes in ({"message_id": uuid.uuid4()}, {})
    )
    # The first message's events are chained and flushed; then the duplicate fails.
    with pytest.raises(DuplicateMessage):
        node.store.add_message(
            fresh,
            traces=[Trace("accepted")],
            now=node.clock(),
            also=[(again, [Trace("accepted")], None)],
        )
    after = verify_trace_chain(node.store.engine)
    assert after.ok and (after.checked, after.head_hash) == (before.checked, before.head_hash)
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    assert verify_trace_chain(node.store.engine).checked == before.checked + 3


def test_events_appended_and_added_in_one_transaction_keep_their_order(node: Node) -> None:
    before = verify_trace_chain(node.store.engine)
    owner = node.store.message(1)
    assert owner is not None
    now = node.clock()

    def pending(stage: str) -> NewTraceEvent:
        return NewTraceEvent(owner.message_id, owner.case_id, now, stage)

    with node.store.writing() as session:
        append_trace_events(session, [pending("first"), pending("second")])
        session.add(
            TraceEvent(message_id=owner.message_id, case_id=owner.case_id, at=now, stage="third")
        )
        append_trace_events(session, [pending("fourth")])
    after = verify_trace_chain(node.store.engine)
    assert after.ok and after.checked == before.checked + 4
    newest = rows(node.store.engine)[-4:]
    assert [row.stage for row in newest] == ["first", "second", "third", "fourth"]
    assert [row.id for row in newest] == list(range(before.checked + 1, before.checked + 5))


@pytest.mark.parametrize(
    ("column", "value"),
    [("detail", "quietly changed"), ("stage", "delivered"), ("message_id", uuid.UUID(int=7))],
)
def test_an_edited_row_is_named(node: Node, column: str, value: object) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(
            update(TraceEvent).where(col(TraceEvent.id) == 7).values({column: value})
        )
    report = verify_trace_chain(node.store.engine)
    assert (report.ok, report.broken_row, report.checked) == (False, 7, 6)
    assert report.problem == "row 7 was changed after it was written"


def test_a_rewritten_row_breaks_the_next_link(node: Node) -> None:
    forged = rows(node.store.engine)[6].model_copy(update={"detail": "rewritten"})
    with node.store.engine.begin() as connection:
        connection.execute(
            update(TraceEvent)
            .where(col(TraceEvent.id) == 7)
            .values(detail=forged.detail, hash=trace_link(forged.prev_hash, forged))
        )
    report = verify_trace_chain(node.store.engine)
    assert report.broken_row == 8
    assert "row 7 was rewritten" in (report.problem or "")


def test_a_deleted_row_in_the_middle_is_named(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(delete(TraceEvent).where(col(TraceEvent.id) == 5))
    report = verify_trace_chain(node.store.engine)
    assert (report.broken_row, report.checked) == (5, 4)
    assert report.problem == "row 5 was deleted: row 6 follows row 4"


def test_deleting_the_newest_rows_is_caught_by_the_head(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(delete(TraceEvent).where(col(TraceEvent.id) >= 16))
    report = verify_trace_chain(node.store.engine)
    assert (report.broken_row, report.checked) == (16, 15)
    assert report.problem == (
        "rows 16-18 were deleted: the chain ends at row 15 but its head records 18 rows"
    )


def test_a_row_inserted_after_the_head_is_named(node: Node) -> None:
    newest = rows(node.store.engine)[-1]
    forged = newest.model_copy(update={"id": 19, "prev_hash": newest.hash, "stage": "forged"})
    values = forged.model_dump()
    values["hash"] = trace_link(newest.hash, forged)  # even a well-formed link
    with node.store.engine.begin() as connection:
        connection.execute(insert(TraceEvent).values(values))
    report = verify_trace_chain(node.store.engine)
    assert report.broken_row == 19
    assert report.problem == "row 19 was inserted after the chain's head (row 18)"


def test_a_row_inserted_before_the_first_is_named(node: Node) -> None:
    first = rows(node.store.engine)[0]
    values = first.model_copy(update={"id": 0, "stage": "forged"}).model_dump()
    with node.store.engine.begin() as connection:
        connection.execute(insert(TraceEvent).values(values))
    report = verify_trace_chain(node.store.engine)
    assert (report.broken_row, report.checked) == (0, 0)
    assert report.problem == "row 0 was inserted: it is out of sequence"


def test_a_changed_head_is_reported(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(update(TraceChainHead).values(head_hash="f" * 64))
    report = verify_trace_chain(node.store.engine)
    assert not report.ok and report.broken_row is None
    assert "head was changed" in (report.problem or "")


def test_a_missing_head_is_reported_and_the_node_goes_on(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(delete(TraceChainHead))
    assert verify_trace_chain(node.store.engine).problem == "the trace chain's head row is missing"
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    report = verify_trace_chain(node.store.engine)
    assert report.ok and report.checked == 21


def test_concurrent_writers_never_fork_the_chain(node: Node) -> None:
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            for _ in range(3):
                node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify_trace_chain(node.store.engine)
    assert report.ok and report.checked == 18 + 4 * 3 * 3


def test_the_migration_numbers_and_chains_existing_events(
    database_url: Callable[[str], str],
) -> None:
    engine = connect(database_url("FR:CNAV"))
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        message = uuid.uuid4()
        with engine.begin() as connection:
            for old_id, stage in ((3, "accepted"), (4, "sealed"), (9, "sent")):
                connection.execute(
                    text(
                        "INSERT INTO trace_events (id, message_id, case_id, at, stage, detail) "
                        "VALUES (:id, :message, NULL, :at, :stage, '')"
                    ),
                    {
                        "id": old_id,
                        "message": message.hex if engine.dialect.name == "sqlite" else message,
                        "at": "2026-11-25 10:00:00.000001+00:00",
                        "stage": stage,
                    },
                )
        migrate(engine)
        stored = rows(engine)
        assert [(r.id, r.stage) for r in stored] == [(1, "accepted"), (2, "sealed"), (3, "sent")]
        report = verify_trace_chain(engine)
        assert report.ok and report.checked == 3 and report.head_hash == stored[-1].hash
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(node: Node) -> None:
    with node.store.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}),
            SQLModel.metadata,
        )
    assert [d for d in differences if "trace_" in repr(d)] == []
