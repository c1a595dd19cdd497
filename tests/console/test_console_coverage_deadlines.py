"""The case view of a coverage case lists its notifications with the end of the period for
objecting to each, and marks a determination whose confirmation as definitive is overdue."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from console.console_testing import PASSWORD, log_in
from gateway.console import Accounts, Role
from gateway.node import Node
from gateway.server import build_app
from support import Clock, deliver, example_bytes

_DEADLINES = re.compile(r'<table class="list deadlines">(.*?)</table>', re.S)
TWO_MONTHS_AND_A_DAY = 63 * 24 * 3600


def _deadlines(node: Node, path: str) -> str:
    """The deadlines table of the page at ``path``, seen by a viewer logged in just now."""
    client = log_in(TestClient(build_app(node), raise_server_exceptions=False), "vera")
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = _DEADLINES.search(page.text)
    assert found is not None, "the case view shows no deadlines"
    return found.group(1)


def test_a_determination_shows_its_deadline_then_its_overdue_confirmation(
    make_node: Callable[[str], Node], clock: Clock
) -> None:
    netherlands, germany = make_node("NL:SVB01"), make_node("DE:DRV70001")
    Accounts(germany.store.engine).add_operator("vera", Role.VIEWER, PASSWORD, now=clock())
    sent = netherlands.submit(
        example_bytes("v2/CoverageCertificate-multi-state"), recipient="DE:DRV70001"
    )
    deliver(netherlands, germany)
    path = f"/console/cases/{sent.case_id}"

    running = _deadlines(germany, path)
    assert "multi-state-determination" in running and "<td>running</td>" in running
    assert "row-overdue" not in running

    clock.advance(TWO_MONTHS_AND_A_DAY)
    overdue = _deadlines(germany, path)
    assert 'class="row-overdue"' in overdue and "confirmation due since" in overdue
