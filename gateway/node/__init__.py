"""A gateway node: the service that ties the pure core to the store and the bus.

The process that runs it (bus consumer, relay, REST API) is :mod:`gateway.node.runtime`.
"""

from __future__ import annotations

from gateway.node._assembly import load_credentials, load_network_directory, open_node
from gateway.node._cases import CASE_READ_DOCUMENTS
from gateway.node._metrics import NodeMetrics
from gateway.node._service import Arrival, Dispatch, Node, Outcome, Verdict
from gateway.node._tracing import Tracing, configure_tracing

__all__ = [
    "CASE_READ_DOCUMENTS",
    "Arrival",
    "Dispatch",
    "Node",
    "NodeMetrics",
    "Outcome",
    "Tracing",
    "Verdict",
    "configure_tracing",
    "load_credentials",
    "load_network_directory",
    "open_node",
]
