"""Every setting of the bus seam can be given in the node's settings (node.toml or GATEWAY_*)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from gateway.node import Node
from gateway.node.runtime import transport_settings
from gateway.transport import TransportSettings

# The node's name for each transport setting, and a value other than the default.
GIVEN: dict[str, tuple[str, object]] = {
    "amqp_url": ("amqp_url", "amqp://u:p@broker.example:5673/v"),
    "failover_urls": ("amqp_failover_urls", ["amqp://u:p@broker-2.example:5673/v"]),
    "exchange": ("exchange", "net.x"),
    "queue_prefix": ("queue_prefix", "net."),
    "dead_letter_exchange": ("dead_letter_exchange", "net.dead"),
    "prefetch": ("prefetch", 7),
    "confirm_window": ("confirm_window", 9),
    "delivery_limit": ("delivery_limit", 5),
    "connect_timeout": ("broker_connect_timeout_seconds", 3.5),
    "operation_timeout": ("broker_operation_timeout_seconds", 4.5),
    "reconnect_interval": ("broker_reconnect_interval_seconds", 0.5),
    "requeue_delay": ("requeue_delay_seconds", 0.25),
    "declare_topology": ("declare_topology", False),
}


def test_every_transport_setting_comes_from_the_node_s_settings(
    make_node: Callable[..., Node],
) -> None:
    fields = {field.name for field in dataclasses.fields(TransportSettings)}
    assert fields == set(GIVEN), "a transport setting the node's settings cannot reach"
    node = make_node("FR:CNAV", **{name: value for name, value in GIVEN.values()})
    made = transport_settings(node.settings)
    for field, (_, value) in GIVEN.items():
        expected = tuple(value) if isinstance(value, list) else value
        assert getattr(made, field) == expected, field
