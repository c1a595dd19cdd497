"""Anchors kept with the chains: made when due, checked against the TSA and against the
chains recomputed from their rows, on SQLite and PostgreSQL. A chain rewritten together with
its head passes the chain's own check and is caught by the anchor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography import x509
from sqlalchemy import delete, select, update
from sqlmodel import Session, SQLModel, col

from anchoring.conftest import INTERVAL_SECONDS, LocalTsa, rewrite_trace_from
from gateway.node import Node
from gateway.store import (
    AnchorReport,
    Anchors,
    AuditChainHead,
    AuditEvent,
    ChainAnchor,
    TraceChainHead,
    TraceEvent,
    append_event,
    audit_hash,
    verify_trace_chain,
)
from support import Clock, deliver, example_bytes


@pytest.fixture
def node(make_node: Callable[..., Node], tsa_settings: dict[str, object]) -> Node:
    """France, anchored by the local TSA, after two requests and their receipts, and an
    operator's action in the audit log."""
    france, germany = make_node("FR:CNAV", **tsa_settings), make_node("DE:DRV70001")
    for _ in range(2):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    audit(france, "login")
    return france


def audit(node: Node, action: str) -> None:
    with Session(node.store.engine) as session, session.begin():
        append_event(session, at=node.clock(), actor="ops", role="operator", action=action)


def verify(node: Node, authority: list[x509.Certificate]) -> AnchorReport:
    return Anchors(node.store.engine).verify(node.institution, authority)


def test_an_anchor_is_made_when_due_and_verifies(
    node: Node, clock: Clock, local_tsa: LocalTsa, tsa_authority: list[x509.Certificate]
) -> None:
    first = node.anchor()
    assert first.anchored and first.next_in == dt.timedelta(seconds=INTERVAL_SECONDS)
    clock.advance(INTERVAL_SECONDS / 2)
    early = node.anchor()
    assert not early.anchored and early.reason == "not due yet"
    assert early.next_in == dt.timedelta(seconds=INTERVAL_SECONDS / 2)
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    clock.advance(INTERVAL_SECONDS / 2)
    assert node.anchor().anchored
    assert local_tsa.requests == 2
    report = verify(node, tsa_authority)
    assert report.ok and report.checked == 2, report.problem
    anchors = Anchors(node.store.engine).all()
    with Session(node.store.engine) as session:
        head = session.get(TraceChainHead, 1)
    assert head is not None
    assert (anchors[1].trace_length, anchors[1].trace_hash) == (head.length, head.head_hash)
    assert anchors[0].trace_length < anchors[1].trace_length
    assert (anchors[1].audit_length, anchors[1].recorded_at) == (1, clock.now)
    assert node.reading.anchoring().last_anchor == clock.now


def test_anchors_survive_a_restart(
    node: Node,
    make_node: Callable[..., Node],
    tsa_settings: dict[str, object],
    clock: Clock,
    tsa_authority: list[x509.Certificate],
) -> None:
    node.anchor()
    anchored_at = clock.now
    clock.advance(INTERVAL_SECONDS / 2)
    again = make_node("FR:CNAV", database_url=node.settings.database_url, **tsa_settings)
    assert again.reading.anchoring().last_anchor == anchored_at
    assert not again.anchor().anchored  # not due: the kept anchor counts
    assert verify(again, tsa_authority).ok


def test_a_rewritten_trace_chain_and_head_are_caught_by_the_anchor(
    node: Node, tsa_authority: list[x509.Certificate]
) -> None:
    node.anchor()
    rewrite_trace_from(node, 3)
    assert verify_trace_chain(node.store.engine).ok  # the chain alone cannot tell
    report = verify(node, tsa_authority)
    assert not report.ok and report.broken_anchor == 1
    assert report.problem is not None
    assert report.problem.startswith("anchor 1 (stamped ")
    assert "the trace chain recomputed from its rows gives" in report.problem
    assert "was rewritten after it was stamped" in report.problem


def test_a_rewritten_audit_log_and_head_are_caught_by_the_anchor(
    node: Node, tsa_authority: list[x509.Certificate]
) -> None:
    node.anchor()
    with Session(node.store.engine) as session, session.begin():
        (event,) = session.scalars(select(AuditEvent))
        event.detail = "nothing happened"
        event.hash = audit_hash(event.prev_hash, event)
        session.execute(update(AuditChainHead).values(head_hash=event.hash))
    report = verify(node, tsa_authority)
    assert report.broken_anchor == 1
    assert "the audit chain recomputed from its rows gives" in (report.problem or "")


def test_rows_appended_after_the_anchor_leave_it_intact(
    node: Node, tsa_authority: list[x509.Certificate]
) -> None:
    node.anchor()
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    audit(node, "logout")
    assert verify(node, tsa_authority).ok


def test_rows_removed_below_an_anchor_are_caught(
    node: Node, tsa_authority: list[x509.Certificate]
) -> None:
    node.anchor()
    with Session(node.store.engine) as session, session.begin():
        newest = session.scalar(select(TraceEvent).order_by(col(TraceEvent.id).desc()).limit(1))
        assert newest is not None and newest.id is not None
        session.execute(delete(TraceEvent).where(col(TraceEvent.id) == newest.id))
        session.execute(
            update(TraceChainHead).values(length=newest.id - 1, head_hash=newest.prev_hash)
        )
    assert verify_trace_chain(node.store.engine).ok
    report = verify(node, tsa_authority)
    assert report.broken_anchor == 1
    assert "rows of the trace chain, only" in (report.problem or "")


def test_a_deleted_anchor_is_named(
    node: Node, clock: Clock, tsa_authority: list[x509.Certificate]
) -> None:
    node.anchor()
    clock.advance(INTERVAL_SECONDS)
    node.anchor()
    with Session(node.store.engine) as session, session.begin():
        session.execute(delete(ChainAnchor).where(col(ChainAnchor.id) == 1))
    report = verify(node, tsa_authority)
    assert (report.broken_anchor, report.problem) == (
        1,
        "anchor 1 was deleted: anchor 2 follows it",
    )


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("trace_hash", "0" * 64, "stamps other chain heads"),
        ("audit_length", 0, "stamps other chain heads"),
        ("institution", "DE:DRV70001", "stamps DE:DRV70001's chains"),
        ("stamped_at", dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "time was changed"),
    ],
)
def test_a_changed_anchor_is_caught(
    node: Node,
    tsa_authority: list[x509.Certificate],
    column: str,
    value: object,
    problem: str,
) -> None:
    node.anchor()
    with Session(node.store.engine) as session, session.begin():
        session.execute(update(ChainAnchor).values({column: value}))
    report = verify(node, tsa_authority)
    assert report.broken_anchor == 1 and problem in (report.problem or ""), report.problem


def test_anchors_without_the_tsa_certificate_are_not_taken_as_checked(node: Node) -> None:
    node.anchor()
    report = verify(node, [])
    assert (report.broken_anchor, report.problem) == (
        None,
        "anchors are kept (1) but no time-stamping authority certificate was given to check "
        "them: set tsa_certificate or give --tsa-certificate",
    )


def test_the_migrated_schema_matches_the_model(node: Node) -> None:
    with node.store.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}),
            SQLModel.metadata,
        )
    assert [d for d in differences if "chain_anchors" in repr(d)] == []
