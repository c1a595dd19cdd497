"""The console's dashboard says how long the node's evidence has waited for an anchor, and
warns with a banner past half the limit, louder once submits are refused."""

from __future__ import annotations

from collections.abc import Callable

from console.console_testing import PASSWORD, log_in
from fastapi.testclient import TestClient

from anchoring.conftest import LIMIT_HOURS, LocalTsa
from gateway.console import Accounts, Role
from gateway.node import Node
from gateway.server import build_app
from support import Clock, example_bytes


def dashboard(node: Node) -> str:
    accounts = Accounts(node.database)
    if not accounts.operators():
        accounts.add_operator("vera", Role.VIEWER, PASSWORD, now=node.clock())
    client = log_in(TestClient(build_app(node), raise_server_exceptions=False), "vera")
    page = client.get("/console/dashboard")
    assert page.status_code == 200
    return page.text


def test_the_dashboard_shows_the_last_anchor(
    make_node: Callable[..., Node], tsa_settings: dict[str, object], clock: Clock
) -> None:
    node = make_node("FR:CNAV", **tsa_settings)
    node.anchor()
    clock.advance(90)
    html = dashboard(node)
    assert "Evidence anchoring" in html
    assert "unanchored for 1 min 30 s of the 1 h 00 min limit" in html
    assert 'id="unanchored-banner"' not in html


def test_past_half_the_limit_a_banner_warns(
    make_node: Callable[..., Node],
    tsa_settings: dict[str, object],
    local_tsa: LocalTsa,
    clock: Clock,
) -> None:
    node = make_node("FR:CNAV", **tsa_settings)
    node.anchor()
    local_tsa.stop()
    clock.advance(LIMIT_HOURS * 3600 * 0.5 + 1)
    html = dashboard(node)
    assert 'id="unanchored-banner"' in html
    assert "after 1 h 00 min the node stops taking new messages" in html
    clock.advance(LIMIT_HOURS * 3600 * 0.5)
    html = dashboard(node)
    assert "The node takes no new messages" in html


def test_a_node_without_anchoring_shows_nothing_of_it(
    make_node: Callable[..., Node], clock: Clock
) -> None:
    node = make_node("FR:CNAV")
    node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    clock.advance(86_400)
    assert "Evidence anchoring" not in dashboard(node)
