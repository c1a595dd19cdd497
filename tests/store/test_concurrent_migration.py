"""Several processes migrating one new PostgreSQL store at once: the first migrates, the others
wait and then find nothing to do (``ssgw run --workers`` and replicas start together)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from gateway.store import connect, migrate, schema_state

WAIT = 30.0


@pytest.mark.database
def test_a_second_migration_waits_for_the_first_and_finds_nothing_to_do(
    database_url: Callable[..., str], database_kind: str
) -> None:
    if database_kind != "postgresql":
        pytest.skip("SQLite has one writer: a second migration waits on its lock by itself")
    url = database_url("store")
    first_inside, second_done = threading.Event(), threading.Event()
    second_errors: list[BaseException] = []
    overlapped: list[bool] = []

    def hold(done: int, total: int) -> None:
        # Inside the first migration's transaction, before it creates anything: the second
        # must not get past the lock while this one holds it.
        if done == 0:
            first_inside.set()
            overlapped.append(second_done.wait(2.0))

    engines = [connect(url), connect(url)]

    def second() -> None:
        first_inside.wait(WAIT)
        try:
            migrate(engines[1])
        except BaseException as error:  # reported by the test
            second_errors.append(error)
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    try:
        migrate(engines[0], on_revision=hold)
        thread.join(WAIT)
        assert overlapped == [False], "the second migration ran while the first held the store"
        assert second_errors == []
        assert schema_state(engines[0]).up_to_date
    finally:
        for engine in engines:
            engine.dispose()
