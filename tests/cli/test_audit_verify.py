"""ssgw audit verify: both hash chains, and one clear line naming the first broken row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlmodel import col
from typer.testing import CliRunner

from gateway.cli import app
from gateway.node import Node
from gateway.store import TraceEvent, trace_link
from support import config_file, deliver, example_bytes

runner = CliRunner()


@pytest.fixture
def node(make_node: Callable[[str], Node]) -> Node:
    """A node that sent two requests and got their receipts back: 12 trace events."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    for _ in range(2):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    return france


def verify(node: Node, tmp_path: Path) -> tuple[int, str]:
    config = config_file(node.settings, tmp_path / "node.toml")
    result = runner.invoke(app, ["audit", "verify", "--config", str(config)])
    return result.exit_code, result.output


def test_an_intact_node_verifies_both_chains(node: Node, tmp_path: Path) -> None:
    code, output = verify(node, tmp_path)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0].startswith("the audit log is intact: 0 rows")
    assert lines[1].startswith("the trace chain is intact: 12 rows, head ")


def _edit(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(update(TraceEvent).where(col(TraceEvent.id) == 4).values(detail="x"))


def _delete_middle(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(delete(TraceEvent).where(col(TraceEvent.id) == 6))


def _insert(node: Node) -> None:
    with node.store.engine.begin() as connection:
        newest = TraceEvent.model_validate(
            connection.execute(select(TraceEvent).where(col(TraceEvent.id) == 12)).one()._mapping
        )
        forged = newest.model_copy(update={"id": 13, "prev_hash": newest.hash})
        values = forged.model_dump() | {"hash": trace_link(newest.hash, forged)}
        connection.execute(insert(TraceEvent).values(values))


def _truncate(node: Node) -> None:
    with node.store.engine.begin() as connection:
        connection.execute(delete(TraceEvent).where(col(TraceEvent.id) >= 11))


@pytest.mark.parametrize(
    ("tamper", "line"),
    [
        (_edit, "row 4 was changed after it was written (first broken row: 4)"),
        (_delete_middle, "row 6 was deleted: row 7 follows row 5 (first broken row: 6)"),
        (_insert, "row 13 was inserted after the chain's head (row 12) (first broken row: 13)"),
        (_truncate, "rows 11-12 were deleted: the chain ends at row 10 but its head records 12"),
    ],
)
def test_tampering_is_one_line_naming_the_row(
    node: Node, tmp_path: Path, tamper: Callable[[Node], None], line: str
) -> None:
    tamper(node)
    code, output = verify(node, tmp_path)
    assert code == 1
    assert output.startswith("error: the trace chain is broken: ") and line in output
    assert len(output.splitlines()) == 1
