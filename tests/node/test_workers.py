"""Several workers of one node share its store: each outbox entry is published by one of them,
and deliveries they take at the same time end stored once, never as an error or a loss."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gateway.node import Arrival, Dispatch, Node, Outcome, Verdict
from gateway.store import Store, connect
from support import arrival, example_bytes, relay


@pytest.fixture
def workers(make_node: Callable[..., Node]) -> Iterator[Callable[[str], tuple[Node, Node]]]:
    """Two workers of one node: two services on one database, each with its own engine."""
    engines = []

    def make(institution: str) -> tuple[Node, Node]:
        first = make_node(institution)
        engine = connect(first.settings.database_url)
        engines.append(engine)
        second = Node(
            first.settings,
            credentials=first.credentials,
            directory=first.directory,
            store=Store(engine),
            clock=first.clock,
        )
        return first, second

    yield make
    for engine in engines:
        engine.dispose()


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; their results in order."""
    results: list[object] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_workers_never_claim_the_same_outbox_entry(
    workers: Callable[[str], tuple[Node, Node]],
) -> None:
    first, second = workers("FR:CNAV")
    submitted = {
        str(first.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001").id)
        for _ in range(24)
    }
    claimed: list[list[Dispatch]] = [[], []]

    def drain(worker: Node, into: list[Dispatch]) -> Callable[[], None]:
        def run() -> None:
            while batch := worker.due(3):
                into.extend(batch)

        return run

    at_once(drain(first, claimed[0]), drain(second, claimed[1]))
    pks = [d.pk for d in claimed[0] + claimed[1]]
    assert len(pks) == len(set(pks)) == len(submitted)
    assert {str(pk) for pk in pks} == submitted


def test_the_same_delivery_taken_by_two_workers_at_once_is_stored_once(
    make_node: Callable[..., Node], workers: Callable[[str], tuple[Node, Node]]
) -> None:
    france = make_node("FR:CNAV")
    for _ in range(8):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    first, second = workers("DE:DRV70001")
    for dispatch in relay(france):
        copy = arrival(dispatch)
        outcomes = at_once(
            lambda copy=copy: first.receive(copy),  # type: ignore[misc]
            lambda copy=copy: second.receive(copy),  # type: ignore[misc]
        )
        assert [o.verdict for o in outcomes if isinstance(o, Outcome)] == [Verdict.ACK] * 2
    assert len(first.store.inbox(after=0, limit=100)) == 8
    suppressed = first.metrics.duplicates._value.get() + second.metrics.duplicates._value.get()
    assert suppressed == 8
    assert first.store.dead_letters() == []


@pytest.mark.parametrize(
    "database_kind", [pytest.param("postgresql", marks=pytest.mark.database)], indirect=False
)
def test_a_case_row_made_by_another_worker_meanwhile_does_not_lose_the_message(
    make_node: Callable[..., Node], database_kind: str
) -> None:
    """Another worker inserts the case row of the same new case and commits while this one
    waits on it: the message is still stored (it once looked like a duplicate and was lost)."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    libpq = make_url(germany.settings.database_url).set(drivername="postgresql")
    outcome: list[Outcome] = []
    with psycopg.connect(libpq.render_as_string(hide_password=False)) as other:
        now = dt.datetime.now(dt.UTC)
        other.execute(
            "INSERT INTO cases (id, case_type, protected_person, created_at, updated_at) "
            "VALUES (%s, %s, false, %s, %s)",
            (record.case_id, record.case_type, now, now),
        )
        taking = threading.Thread(target=lambda: outcome.append(germany.receive(arrival(dispatch))))
        taking.start()
        taking.join(timeout=1.0)
        assert taking.is_alive(), "the delivery should wait for the other worker's case row"
        other.commit()
    taking.join(timeout=30)
    assert [o.verdict for o in outcome] == [Verdict.ACK]
    assert [m.message_id for m in germany.store.inbox(after=0, limit=10)] == [record.message_id]


def test_a_delivery_whose_copy_is_stored_meanwhile_is_acknowledged(
    make_node: Callable[..., Node], workers: Callable[[str], tuple[Node, Node]]
) -> None:
    """Many deliveries split over two workers, some twice: every one stored exactly once."""
    france = make_node("FR:CNAV")
    for _ in range(12):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    arrivals: list[Arrival] = [arrival(d) for d in relay(france)]
    first, second = workers("DE:DRV70001")

    def take(worker: Node, items: list[Arrival]) -> Callable[[], list[Verdict]]:
        return lambda: [worker.receive(item).verdict for item in items]

    # Each worker takes every other delivery and, like a redelivery, a third of the rest.
    mine, theirs = arrivals[0::2] + arrivals[1::6], arrivals[1::2] + arrivals[0::6]
    verdicts = at_once(take(first, mine), take(second, theirs))
    assert all(v == [Verdict.ACK] * len(v) for v in verdicts if isinstance(v, list))
    received = {m.message_id for m in first.store.inbox(after=0, limit=100)}
    assert len(first.store.inbox(after=0, limit=100)) == len(received) == 12
