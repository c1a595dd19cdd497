"""The audit log's hash chain: verify names the first row that was edited or deleted."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, update
from sqlmodel import SQLModel, col

from console.console_testing import Login, Scenario, csrf_of
from gateway.console import Accounts, AuditChainHead, AuditEvent, verify_chain
from gateway.console._audit import GENESIS, chain_hash
from gateway.node import Node
from gateway.store import TraceEvent


@pytest.fixture
def accounts(make_node: Callable[..., Node]) -> Accounts:
    """A fresh store with ten audit events."""
    accounts = Accounts(make_node("FR:CNAV").store.engine)
    start = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    for index in range(10):
        accounts.record(
            now=start + dt.timedelta(seconds=index, microseconds=index * 7),
            actor="otto",
            role="operator",
            action="retry" if index % 2 else "login",
            message_id=uuid.uuid4() if index % 2 else None,
            detail=f"event {index}",
        )
    return accounts


def rows(engine: Engine) -> list[AuditEvent]:
    with engine.connect() as connection:
        return [
            AuditEvent.model_validate(row._mapping)
            for row in connection.execute(
                AuditEvent.__table__.select().order_by(AuditEvent.__table__.c.id)  # type: ignore[attr-defined]
            )
        ]


def test_an_intact_chain_verifies(accounts: Accounts) -> None:
    report = accounts.verify()
    assert report.ok and report.checked == 10 and report.broken_row is None
    stored = rows(accounts.engine)
    assert stored[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(stored):
        assert after.prev_hash == before.hash
    assert all(chain_hash(row.prev_hash, row) == row.hash for row in stored)
    assert report.head_hash == stored[-1].hash


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", "event 4, quietly changed"),
        ("actor", "someone else"),
        ("action", "reveal"),
        ("at", dt.datetime(2026, 11, 25, 9, 0, 4, tzinfo=dt.UTC)),
        ("message_id", uuid.UUID(int=4)),
    ],
)
def test_an_edited_row_is_named(accounts: Accounts, column: str, value: object) -> None:
    target = rows(accounts.engine)[4]
    with accounts.engine.begin() as connection:
        connection.execute(
            update(AuditEvent).where(col(AuditEvent.id) == target.id).values({column: value})
        )
    report = verify_chain(accounts.engine)
    assert not report.ok
    assert report.broken_row == target.id and report.checked == 4
    assert "changed after it was written" in (report.problem or "")


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link(accounts: Accounts) -> None:
    stored = rows(accounts.engine)
    forged = stored[4].model_copy(update={"detail": "rewritten"})
    with accounts.engine.begin() as connection:
        connection.execute(
            update(AuditEvent)
            .where(col(AuditEvent.id) == forged.id)
            .values(detail=forged.detail, hash=chain_hash(forged.prev_hash, forged))
        )
    report = verify_chain(accounts.engine)
    assert report.broken_row == stored[5].id
    assert "does not follow the row before it" in (report.problem or "")


def test_a_deleted_row_is_named_by_the_row_after_it(accounts: Accounts) -> None:
    stored = rows(accounts.engine)
    with accounts.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(col(AuditEvent.id) == stored[6].id))
    report = verify_chain(accounts.engine)
    assert report.broken_row == stored[7].id and report.checked == 6
    assert "deleted or changed" in (report.problem or "")


def test_the_first_row_deleted_is_caught_too(accounts: Accounts) -> None:
    stored = rows(accounts.engine)
    with accounts.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(col(AuditEvent.id) == stored[0].id))
    assert verify_chain(accounts.engine).broken_row == stored[1].id


def test_deleting_the_newest_rows_is_caught_by_the_head(accounts: Accounts) -> None:
    stored = rows(accounts.engine)
    with accounts.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(col(AuditEvent.id) >= stored[8].id))
    report = verify_chain(accounts.engine)
    assert not report.ok and report.checked == 8 and report.broken_row is None
    assert "newest rows were deleted" in (report.problem or "")


def test_a_missing_head_is_reported_and_recording_goes_on(accounts: Accounts) -> None:
    with accounts.engine.begin() as connection:
        connection.execute(delete(AuditChainHead))
    assert verify_chain(accounts.engine).problem == "the chain's head row is missing"
    accounts.record(now=dt.datetime.now(dt.UTC), actor="otto", role="operator", action="logout")
    report = verify_chain(accounts.engine)
    assert report.ok and report.checked == 11


def test_concurrent_appends_never_fork_the_chain(accounts: Accounts) -> None:
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            for index in range(5):
                accounts.record(
                    now=dt.datetime.now(dt.UTC),
                    actor=f"worker-{worker}",
                    role="operator",
                    action="retry",
                    detail=str(index),
                )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    report = accounts.verify()
    assert report.ok and report.checked == 30


def test_the_console_shows_where_the_chain_broke(scenario: Scenario, login: Login) -> None:
    client = login("aude")
    page = client.get("/console/audit")
    intact = client.post("/console/audit/verify", data={"csrf": csrf_of(page.text)})
    assert intact.status_code == 200 and "The chain is intact" in intact.text
    engine = scenario.node.store.engine
    target = rows(engine)[1]
    with engine.begin() as connection:
        connection.execute(
            update(AuditEvent).where(col(AuditEvent.id) == target.id).values(actor="mallory")
        )
    broken = client.post("/console/audit/verify", data={"csrf": csrf_of(intact.text)})
    assert "The chain is broken" in broken.text
    assert f"first broken row: <strong>{target.id}</strong>" in broken.text
    # The verification itself is recorded, with what it found.
    newest = Accounts(engine).audit_events(before=None, limit=1)[0]
    assert newest.action == "audit-verified" and f"broken at row {target.id}" in newest.detail


def test_the_verify_button_reports_the_trace_chain_too(scenario: Scenario, login: Login) -> None:
    client = login("aude")
    page = client.get("/console/audit")
    intact = client.post("/console/audit/verify", data={"csrf": csrf_of(page.text)})
    assert intact.text.count("The chain is intact") == 2
    assert "rows of the trace events verified" in intact.text
    engine = scenario.node.store.engine
    with engine.begin() as connection:
        connection.execute(update(TraceEvent).where(col(TraceEvent.id) == 3).values(detail="x"))
    broken = client.post("/console/audit/verify", data={"csrf": csrf_of(intact.text)})
    assert "In the trace events: row 3 was changed after it was written" in broken.text
    assert "The chain is intact" in broken.text  # the audit log itself is untouched
    newest = Accounts(engine).audit_events(before=None, limit=1)[0]
    assert "trace chain: broken at row 3" in newest.detail


def test_the_migration_builds_exactly_the_console_tables(
    make_node: Callable[..., Node],
) -> None:
    engine = make_node("FR:CNAV").store.engine
    tables = {"operators", "console_sessions", "audit_events", "audit_chain"}
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}),
            SQLModel.metadata,
        )
    ours = [d for d in differences if _table_of(d) in tables]
    assert ours == []
    with engine.connect() as connection:
        head = connection.execute(AuditChainHead.__table__.select()).one()  # type: ignore[attr-defined]
    assert (head.id, head.length, head.head_hash) == (1, 0, GENESIS)


def _table_of(difference: object) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    assert isinstance(item, tuple)
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str) and part:
            return part
        if name is not None and hasattr(part, "columns"):
            return str(name)
    return None
